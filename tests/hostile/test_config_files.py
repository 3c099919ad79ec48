"""SPEC §9, paths: a file that is no kpisheet config given as ``--config`` (a CSV, a .env,
another program's YAML, random bytes, a workbook) is one clear error line that says what the
file is and never shows what it holds; values echoed by schema errors are cut short."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kpisheet.cli import main
from tests.hostile.harness import SALES, write_config, write_xlsx

SECRET = "hunter2-SECRET-customer-42"


def _zip_book(path: Path) -> None:
    write_xlsx(path, {"Data": {"A1": SECRET}})


def _text(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name, make, said", [
    ("data.csv", _text(f"date,account,amount\n2026-01-01,{SECRET},100\n"),
     "not a kpisheet config: a config file is a YAML mapping of sections (version, calendar, sources, kpis, "
     "key_accounts), and this file holds a single text"),
    ("semicolons.csv", _text(f"date;account\n2026-01-01;{SECRET}\n"), "this file holds a single text"),
    (".env", _text(f"DB_PASSWORD: {SECRET}\nAPI_KEY: {SECRET}\n"),
     "not a kpisheet config: none of its 2 top-level keys is a config section"),
    ("ci.yml", _text(f"name: CI\njobs:\n  test:\n    env: {{PASSWORD: {SECRET}}}\n"),
     "none of its 2 top-level keys is a config section"),
    ("list.yaml", _text(f"- {SECRET}\n- 2\n"), "this file holds a list of 2 items"),
    ("random.bin", lambda path: path.write_bytes(b"\x00\xa8" + SECRET.encode() + bytes(range(256))),
     "not a YAML config: not UTF-8 text (byte 1"),
    ("book.xlsx", _zip_book, "not a YAML config: it is a workbook"),
])
def test_a_file_that_is_no_config_is_one_line_that_shows_none_of_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, make: Callable[[Path], None],
        said: str) -> None:
    book = write_xlsx(tmp_path / "sales.xlsx", {"Data": SALES})
    config = tmp_path / name
    make(config)
    for command in (["evaluate", str(book), "--config", str(config)], ["lint", str(config)],
                    ["recalc", str(book), "--check", "--config", str(config)]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {config}"), err
        assert said in lines[0], lines[0]
        assert SECRET not in err and "hunter2" not in err


def test_values_echoed_by_schema_errors_are_cut_short(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = write_xlsx(tmp_path / "sales.xlsx", {"Data": SALES})
    config = write_config(tmp_path, "version: 1\nsources: \"\\e[2J" + "x" * 3000 + "\"\nkpis: 7\n")  # \\e: YAML's ESC
    assert main(["evaluate", str(book), "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "sources: Input should be a valid dictionary, got '\\x1b[2Jxxx" in err and "x" * 60 not in err
    assert "kpis: Input should be a valid dictionary, got 7" in err
    assert "\x1b" not in err and max(len(line) for line in err.splitlines()) < 200


SOURCE_AT = """\
version: 1
sources:
  sales: {{workbook: {path}, sheet: Data, columns: {{date: Date, account: Client, amount: Amount}}}}
kpis:
  revenue: {{description: Net revenue booked, source: sales, measure: sum(amount), grain: month}}
"""


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_device_or_a_pipe_is_refused_unread(tmp_path: Path, special: str) -> None:
    """Before: `workbook: /dev/zero` in a config (or /dev/zero as --config) read until memory ran
    out (1.7 GB under a 2 GB limit, unbounded without one); a FIFO hung forever. Each is now
    one line, at once, in a bounded subprocess (the FIFO would hang the test, not fail it)."""
    import os

    from tests.hostile.harness import assert_clean, run_bounded

    path = Path(special)
    if special == "fifo":
        path = tmp_path / "data.csv"
        os.mkfifo(path)
    config = write_config(tmp_path, SOURCE_AT.format(path=path))
    book = write_xlsx(tmp_path / "sales.xlsx", {"Data": SALES})
    link = tmp_path / "book.xlsx"
    link.symlink_to(path)
    for args, said in ((["evaluate", "--config", str(config), "--period", "2026-02"], f"error: {path}: "),
                       (["evaluate", str(book), "--config", str(path)], f"error: {path}: "),
                       (["lint", str(path)], f"error: {path}: "),
                       (["recalc", str(link)], "error: book.xlsx: ")):
        run = run_bounded(*args, timeout=60)
        assert_clean(run, codes=(2,))
        assert f"{said}not a regular file (a device, a pipe or a socket)" in run.err, (args, run.err)


def test_a_config_of_millions_of_items_is_refused_within_seconds(tmp_path: Path) -> None:
    """Before: 4 MiB (under the 10 MiB cap) of a one-line list, two million items, ran past two
    minutes at ~1 GB in the pure-Python YAML reader. The token count stops at 100,000."""
    from tests.hostile.harness import assert_clean, run_bounded

    config = write_config(tmp_path, "version: 1\nx: [" + ",".join(["1"] * (2 << 20)) + "]\n")
    run = run_bounded("lint", str(config), timeout=60)
    assert_clean(run, codes=(2,))
    assert f"error: {config}:2:" in run.err and "more than 100,000 YAML tokens" in run.err


def test_a_scalar_or_comment_of_megabytes_reads_in_well_under_a_second(tmp_path: Path) -> None:
    """Before: the pure-Python YAML reader took 4 s over a 5 MiB description and 7 s over a
    5 MiB comment (8-30 s on a busy machine); libyaml reads both in under 0.1 s."""
    import time

    import yaml

    from kpisheet.config.yamlload import load_yaml

    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML without libyaml")
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("version: 1\nkpis:\n  r: {description: '" + "x" * (5 << 20) + "', formula: '1'}\n")
    comment = tmp_path / "comment.yaml"
    comment.write_text("version: 1\n# " + "c" * (5 << 20) + "\nkpis:\n  r: {description: y, formula: '1'}\n")
    for path, key in ((scalar, "x" * (5 << 20)), (comment, "y")):
        started = time.perf_counter()
        data = load_yaml(path)
        assert time.perf_counter() - started < 2
        assert data["kpis"]["r"]["description"] == key
        assert data["kpis"]["r"].value_marks["formula"].line == (3 if path is scalar else 4)


@pytest.mark.parametrize("text, said", [
    ("version: 1\nkpis:\n  a: {source: s, measure: sum(x)\n", ":4:1: YAML: expected ',' or '}', but got '<stream end>'"),
    ("version: 1\nkpis: [\n", ":3:1: YAML: expected the node content, but found '<stream end>'"),
    ("version: 1\nkpis:\n  a: \x07\n", ":3:6: YAML: unacceptable character #x0007: special characters are not allowed"),
    ("version: 1\nnote: " + "z" * (2 << 20) + "\nkpis: [\n", ":4:1: YAML: did not find expected node content"),
    ("version: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n", ":2:53: nested deeper than 50 levels"),
])
def test_yaml_syntax_errors_name_their_line_and_column(tmp_path: Path, text: str, said: str) -> None:
    """libyaml reads the file; a syntax error is told in PyYAML's words (up to 1 MiB of text) or
    libyaml's, always at file:line:column."""
    from kpisheet.config.yamlload import load_yaml
    from kpisheet.errors import ConfigError

    path = tmp_path / "k.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_yaml(path)
    assert f"{path}{said}" in str(caught.value)
