"""The command line leaves the objects alive at exit to the operating system (gc.freeze as the
interpreter exits, set up once per process): the output is whole, the exit code kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_main_freezes_the_objects_only_as_the_process_exits(tmp_path: Path) -> None:
    out = tmp_path / "kpis.json"
    code = textwrap.dedent(f"""
        import atexit, gc, sys
        # registered first, so run last (atexit runs its hooks in reverse): after kpisheet's
        atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
        from kpisheet.cli import main
        args = ["evaluate", {str(ROOT / "templates" / "startup.xlsx")!r}, "--config",
                {str(ROOT / "config" / "startup")!r}, "--format", "json", "-o", {str(out)!r}]
        assert main(args) == 0
        hooks = atexit._ncallbacks()
        assert main(args) == 0 and main(args) == 0
        print("hooks added by later calls:", atexit._ncallbacks() - hooks)
        print("frozen while running:", gc.get_freeze_count())
        print("x" * 100000)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == ["hooks added by later calls: 0", "frozen while running: 0", "x" * 100000,
                     "frozen at exit: True"]
    assert out.read_text().startswith("[")
