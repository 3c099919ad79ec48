"""kpisheet/sources/panics.py: what a read writes to descriptor 2 is kept, but for a Rust panic's own lines."""

from __future__ import annotations

import os

import pytest

from kpisheet.sources.panics import is_panic, native_stderr_held


class PanicException(BaseException):
    """Stands in for pyo3's exception of that name (a BaseException, not importable)."""


def test_what_a_read_writes_to_descriptor_2_comes_out_after_it(capfd: pytest.CaptureFixture[str]) -> None:
    with native_stderr_held():
        os.write(2, b"a library's warning\n")
        assert capfd.readouterr().err == ""  # held while the read runs
    assert capfd.readouterr().err == "a library's warning\n"


def test_a_panics_own_lines_are_dropped_and_the_panic_goes_on(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PanicException):
        with native_stderr_held():
            os.write(2, b"thread '<unnamed>' panicked at src/x.rs:1:1\n")
            raise PanicException("index out of bounds")
    assert capfd.readouterr().err == ""
    assert is_panic(PanicException()) and not is_panic(ValueError())


def test_other_errors_keep_their_lines(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError):
        with native_stderr_held():
            os.write(2, b"said before the error\n")
            raise ValueError("x")
    assert capfd.readouterr().err == "said before the error\n"


def test_two_threads_hold_descriptor_2_one_after_the_other(capfd: pytest.CaptureFixture[str]) -> None:
    """The prefetch thread reads while the reader may: each holder restores what it found, so
    descriptor 2 is the terminal's again after both, and neither's lines are lost."""
    import threading

    inside = threading.Event()
    go_on = threading.Event()

    def first() -> None:
        with native_stderr_held():
            os.write(2, b"first\n")
            inside.set()
            go_on.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    second = threading.Thread(target=lambda: _write_held(b"second\n"))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waits for the first holder
    go_on.set()
    thread.join(5)
    second.join(5)
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "first\nsecond\nafter\n"


def _write_held(text: bytes) -> None:
    with native_stderr_held():
        os.write(2, text)
