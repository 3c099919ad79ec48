"""A CSV file's text, decoded whole only when a reader needs all of it (issue 12).

pyarrow's columnar reader parses a file's own UTF-8 bytes (:mod:`.csvcolumns`), so where
the bytes are known to be valid UTF-8 nothing else needs the 40 MB file as one ``str``:
the header is parsed from a decoded head, and a search for a character (a quote, a NUL,
an error cell's ``#``) is a search of the bytes, which for valid UTF-8 finds exactly what
a search of the text finds (no character's encoding is found inside another's). The row
by row reader and pandas' C parser still get the whole text, decoded once, as before.

Whether the bytes are UTF-8 is told by pyarrow's validator where pyarrow is installed (it
checks 40 MB in ~2 ms, where decoding them took ~27 ms) and by decoding them otherwise; the
answer is the same, so the text is the one ``bytes.decode("utf-8")`` gives.
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING, Optional, Union

from ..errors import WorkbookError

if TYPE_CHECKING:
    from .refs import CsvOptions


class CsvText:
    """The decoded text of a CSV file, and its UTF-8 bytes where they are the file's own.

    ``text``, or ``data`` (the file's bytes) with ``start`` (where the text's bytes begin, after
    a BOM), or both; ``data[start:]`` must be valid UTF-8 (:func:`utf8_valid`), as
    :meth:`whole` decodes it without a fallback."""

    def __init__(self, text: Optional[str] = None, data: Optional[bytes] = None, start: int = 0) -> None:
        if text is None and data is None:
            raise ValueError("CsvText needs the text or its UTF-8 bytes")
        self._text = text
        self._data = data
        self._start = start

    @classmethod
    def of(cls, text: Union[str, CsvText]) -> CsvText:
        return text if isinstance(text, CsvText) else cls(text)

    @property
    def encoded(self) -> Optional[memoryview]:
        """The text's UTF-8 bytes (the file's own, no copy), where they are known."""
        return None if self._data is None else memoryview(self._data)[self._start:]

    def whole(self) -> str:
        """All of the text (decoded on first use, then kept)."""
        if self._text is None:
            assert self._data is not None
            self._text = str(memoryview(self._data)[self._start:], "utf-8")
        return self._text

    def head(self, size: int) -> tuple[str, bool]:
        """A prefix of the text of at most ``size`` characters, and whether it is the whole text."""
        if self._text is not None or self._data is None:
            text = self.whole()
            return text[:size], size >= len(text)
        data, start = self._data, self._start
        if size >= len(data) - start:
            text = self.whole()
            return text[:size], size >= len(text)
        cut = start + size
        while cut > start and data[cut] & 0xC0 == 0x80:  # not inside a character's bytes
            cut -= 1
        return str(memoryview(data)[start:cut], "utf-8"), False

    def has(self, char: str) -> bool:
        """Whether the text holds ``char`` anywhere."""
        if self._text is None and self._data is not None:
            return self._data.find(char.encode("utf-8"), self._start) >= 0
        return char in self.whole()


def utf8_text(data: bytes, start: int = 0) -> Optional[CsvText]:
    """The text of ``data[start:]`` as UTF-8, or None where it is not valid UTF-8 (as
    ``bytes.decode("utf-8")`` judges it). Where pyarrow is installed its validator tells, and
    the text is decoded only when wanted (it agrees with Python's decoder on every sequence of
    up to 3 bytes and on overlong forms, surrogates and code points past U+10FFFF)."""
    view = memoryview(data)[start:]
    try:
        import pyarrow as pa
    except ImportError:  # not a dependency: decoding tells, and the text is kept
        try:
            return CsvText(str(view, "utf-8"), data, start)
        except UnicodeDecodeError:
            return None
    offsets = pa.py_buffer((0).to_bytes(8, "little") + len(view).to_bytes(8, "little"))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(view)).validate(full=True)
    except pa.ArrowInvalid:
        return None
    return CsvText(None, data, start)


def csv_text(data: bytes, options: CsvOptions, where: str) -> tuple[CsvText, str]:
    """A CSV file's text (``data`` decoded as ``options`` say, a BOM skipped; the UTF-8 bytes
    kept undecoded where they are valid) and its delimiter (given, or the one of ``, ; TAB |``
    its first line with anything in it holds most). A file of binary data, or not in the
    encoding given, is a WorkbookError for ``where``."""
    text: Optional[CsvText] = None
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        text = CsvText(data.decode("utf-16"))
    elif b"\x00" in data[:65536]:
        raise WorkbookError("not a CSV file (it holds binary data)", place=where)
    elif codecs.lookup(options.encoding).name == "utf-8":
        text = utf8_text(data, len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)  # a BOM is skipped
        if text is None:
            text = CsvText(data.decode("cp1252", errors="replace"))  # Excel's "CSV" on Western Windows
    else:
        try:
            text = CsvText(data.decode(options.encoding).removeprefix("\ufeff"))
        except UnicodeDecodeError as exc:
            raise WorkbookError(f"cannot be read as {options.encoding} (byte {exc.start}); "
                                "set csv: {encoding: ...} to the file's encoding", place=where) from None
    first = _first_line(text)
    delimiter = options.delimiter or (max(",;\t|", key=first.count) if first else ",")
    return text, delimiter


def _first_line(text: CsvText) -> str:
    """The first line of ``text`` with anything in it (as ``str.splitlines`` splits), without
    splitting all of a 40 MB file: a growing head of it is split, its last line left out
    until the head is the whole text (it may be cut)."""
    size = 1 << 16
    while True:
        head, whole = text.head(size)
        lines = head.splitlines()
        found = next((line for line in (lines if whole else lines[:-1]) if line.strip()), None)
        if found is not None or whole:
            return found or ""
        size *= 8
