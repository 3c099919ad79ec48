"""The build step that puts the examples into the package (the rest is in pyproject.toml).

Git holds one copy of each example of SPEC §6, where users and the docs find it:
``config/<name>/*.yaml`` and ``templates/<name>.xlsx``. A wheel carries them as
``kpisheet/examples/<name>/config/*.yaml`` and ``kpisheet/examples/<name>/<name>.xlsx``, from
where ``kpisheet init`` copies them; this file copies them there at build time (MANIFEST.in
puts them into an sdist, so that a wheel built from it gets them too). An editable install
has no copy: ``kpisheet init`` reads the repository's folders then (kpisheet/init.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CONFIG_SUFFIXES = (".yaml", ".yml")


def example_files() -> Iterator[tuple[Path, Path]]:
    """(file in the repository, its place in the package) for each example, config first.

    An example is a ``templates/<name>.xlsx`` beside a ``config/<name>/`` folder (the add-in,
    templates/kpisheet.xlam, and config folders without a workbook are not examples)."""
    for book in sorted((ROOT / "templates").glob("*.xlsx")):
        config = ROOT / "config" / book.stem
        if book.name.startswith("~$") or not config.is_dir():  # ~$: Excel's lock file
            continue
        target = Path("kpisheet", "examples", book.stem)
        for f in sorted(config.iterdir()):
            if f.is_file() and f.name.endswith(CONFIG_SUFFIXES):
                yield f, target / "config" / f.name
        yield book, target / book.name


class BuildPyWithExamples(build_py):
    """build_py, then the examples copied into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads config/ and templates/ where they are
        for source, target in example_files():
            out = Path(self.build_lib) / target
            self.mkpath(str(out.parent))
            self.copy_file(str(source), str(out))

    def get_outputs(self, *args: Any, **kwargs: Any) -> list[str]:
        examples = [] if getattr(self, "editable_mode", False) else [
            str(Path(self.build_lib) / target) for _, target in example_files()]
        return [*super().get_outputs(*args, **kwargs), *examples]


setup(cmdclass={"build_py": BuildPyWithExamples})
