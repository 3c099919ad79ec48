"""Build templates/kpisheet.xlam from xlwings' own add-in template (SPEC §4).

    python scripts/build_addin.py [--template PATH] [-o templates/kpisheet.xlam] [--check]

The template is ``quickstart_addin_ribbon.xlam`` of the installed xlwings, which must be the
version the project pins (the ``excel`` extra). Only the ribbon XML and the settings sheet are
edited; ``xl/vbaProject.bin`` is copied byte for byte. ``--check`` builds into memory and exits 1
when the committed add-in differs from what the template gives (CI keeps the two in step).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpisheet.excel.addin import ADDIN_NAME, build, xlwings_template  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--template", type=Path, default=None, help="default: xlwings' quickstart_addin_ribbon.xlam")
    ap.add_argument("-o", "--out", type=Path, default=ROOT / "templates" / ADDIN_NAME)
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs from a fresh build")
    args = ap.parse_args(argv)
    template = args.template or xlwings_template()
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = build(Path(tmp) / ADDIN_NAME, template).read_bytes()
        if not args.out.is_file() or args.out.read_bytes() != fresh:
            print(f"{args.out}: differs from a build of {template}; run scripts/build_addin.py", file=sys.stderr)
            return 1
        print(f"{args.out}: up to date with {template}")
        return 0
    build(args.out, template)
    print(f"wrote {args.out} from {template}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
