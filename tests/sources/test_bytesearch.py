"""Issue 12: a byte search by RE2 (pyarrow) where it is faster says what Python's re says."""

from __future__ import annotations

import random

import pytest

import kpisheet.sources.bytesearch as bytesearch
from kpisheet.sources.bytesearch import Finder

PATTERNS = [rb'r(?:="(?:[A-Za-z]{2,}\d|[A-Za-z]{1,3}\d{7,})|[ \t\r\n]+=|=[ \t\r\n])',
            rb'r(?:="(?:[A-Za-z]{4,}\d|[A-Za-z]{1,3}\d{8,})|[ \t\r\n]+=|=[ \t\r\n])',
            rb'<c [^>]*t="e"']
TEXTS = [b'<c r="A1" t="n"><v>1</v></c>', b'<c r="AB1">', b'<c r="A1234567">', b'<c r="ABCD1">',
         b'<c r="XFD1048576">', b'<c r = "A1">', b'<c r\n="A1">', b'<c r=\t"A1">', b'<c r="a12345678">',
         b'<c r="\xc3\xa91234567">', b'<c r="\xff\xfeAB1">', b'<t>r\xa0="AB1"</t>', b'<c r="\xd9\xa01234567">',
         b'<c s="1" t="e">', b'', b'r', b'\x00r =']


@pytest.mark.parametrize("pattern", PATTERNS)
def test_both_engines_agree(monkeypatch: pytest.MonkeyPatch, pattern: bytes) -> None:
    pytest.importorskip("pyarrow.compute")
    monkeypatch.setattr(bytesearch, "PYARROW_FROM", 0)  # RE2 on every input, however short
    re2, python = Finder(pattern), Finder(pattern, use_pyarrow=False)
    assert re2._arrow is not None and python._arrow is None
    rng = random.Random(12)
    filler = bytes(rng.choice(b'<>/="rcvt 0123456789ABZaz\n\t\xe9\xff') for _ in range(5000))
    found = 0
    for text in TEXTS + [filler + t + filler for t in TEXTS] + [filler[i:i + 40] for i in range(0, 4000, 40)]:
        assert re2.search(text) == python.search(text), text
        found += python.search(text)
    assert 0 < found < len(TEXTS) * 2 + 100  # the inputs hold both answers


def test_a_long_input_is_searched_by_re2_without_a_copy_and_finds_its_last_bytes() -> None:
    pytest.importorskip("pyarrow.compute")
    finder = Finder(rb'r="[A-Za-z]{4,}\d')
    data = b'<c r="A1"/>' * 100_000
    assert len(data) >= bytesearch.PYARROW_FROM and not finder.search(data)
    assert finder.search(data + b'<c r="ABCD1"/>')


def test_a_pattern_outside_ascii_is_refused() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        Finder(b'\xe9')


def test_warming_imports_the_engine_the_finder_uses_in_a_thread_during_the_block() -> None:
    """recalc imports pyarrow in a thread while it inflates the book (ahead.py); the import is
    done when the block ends, made by another thread than the caller's."""
    import subprocess
    import sys
    code = ("import sys, threading; from kpisheet.sources import bytesearch; "
            "assert 'pyarrow.compute' not in sys.modules\n"
            "import importlib.abc\n"
            "seen = []\n"
            "class Spy(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'pyarrow.compute': seen.append(threading.current_thread().name)\n"
            "sys.meta_path.insert(0, Spy())\n"
            "with bytesearch.warming(): pass\n"
            "print('pyarrow.compute' in sys.modules, seen)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True ['kpisheet-warm']"


def test_warming_says_nothing_when_the_import_fails(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> None:
        raise RuntimeError("a broken pyarrow")

    monkeypatch.setattr(bytesearch, "_pyarrow", broken)
    with bytesearch.warming():
        pass
    assert capsys.readouterr().err == ""


def test_warming_shortens_the_switch_interval_for_the_block_only() -> None:
    import sys
    before = sys.getswitchinterval()
    with bytesearch.warming():
        assert sys.getswitchinterval() <= 0.0005
    assert sys.getswitchinterval() == before
