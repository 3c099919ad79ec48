from __future__ import annotations

from typing import Callable, Iterator

import pytest

from .books import Books, make_books


@pytest.fixture(scope="session")
def books(tmp_path_factory: pytest.TempPathFactory) -> Books:
    """The workbooks of :mod:`.books`, written once per test session."""
    return make_books(tmp_path_factory.mktemp("books"))


@pytest.fixture
def unchanged(books: Books) -> Iterator[Callable[[], None]]:
    """Fails the test if any file of ``books`` changed (bytes, or the list of files)."""
    before = {p: p.read_bytes() for p in books.all_files()}
    yield lambda: None
    after = {p: p.read_bytes() for p in books.all_files()}
    assert after == before, "a source file changed"
