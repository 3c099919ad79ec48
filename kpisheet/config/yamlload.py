"""Plain YAML, read with every key and value keeping its place.

PyYAML composes a node tree (with the safe resolver: no tags beyond YAML's own
scalar, sequence and mapping types are accepted) and we turn it into
:class:`MDict` / :class:`MList` containers that remember the :class:`Mark` of
each key and each value, so that a problem found after validation still names
``file:line:col``. Duplicate keys, which PyYAML would silently let the last one
win, are reported with both places.

The tree is composed by libyaml (``yaml.CSafeLoader``) when PyYAML has it: the pure-Python
reader took 8-30 s over one scalar or comment of a few MiB, libyaml a fraction of a second.
Values are still made by PyYAML's safe constructor, so both read the same values; a syntax
error in a file of up to a MiB is told in the pure-Python reader's words (``expected ','
or '}', but got '<stream end>'``), which say a little more than libyaml's.
"""

from __future__ import annotations

import math
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .. import limits
from ..errors import ConfigError, Mark, Problem

_LOADER: Any = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
_TOLD_BY_PYTHON = 1 << 20  # a syntax error in a text up to this long is told in PyYAML's own words
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


class MDict(dict):  # type: ignore[type-arg]
    """A mapping from YAML with the marks of its keys and values."""

    mark: Mark
    key_marks: dict[Any, Mark]
    value_marks: dict[Any, Mark]

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks = {}
        self.value_marks = {}


class MList(list):  # type: ignore[type-arg]
    """A sequence from YAML with the marks of its items."""

    mark: Mark
    item_marks: list[Mark]

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks = []


def _mark(file: str, m: yaml.Mark | None) -> Mark:
    if m is None:
        return Mark(file, 1, 1)
    return Mark(file, m.line + 1, m.column + 1)


def load_yaml(path: Path, shown: str | None = None) -> Any:
    """Read one YAML file; raise :class:`ConfigError` naming ``file:line:col``."""
    file = shown or str(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):  # /dev/zero, a FIFO: never read
            raise ConfigError("not a regular file (a device, a pipe or a socket); a config is a YAML file",
                              place=file)
        if st.st_size > limits.MAX_YAML_BYTES:
            raise ConfigError(f"the config is larger than {limits.MAX_YAML_BYTES >> 20} MiB; "
                              "split it into several files in a folder", place=file)
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such file", place=file) from None
    except UnicodeDecodeError as exc:  # README#hostile-and-broken-input: say what the file is, never show its bytes
        head = exc.object[:8]
        if head.startswith((b"PK\x03\x04", bytes.fromhex("D0CF11E0A1B11AE1"))):
            what = ("not a YAML config: it is a workbook (or another ZIP or Office file); give the workbook as "
                    "WORKBOOK and the config's YAML file with --config")
        else:
            what = f"not a YAML config: not UTF-8 text (byte {exc.start:,}); a config is a YAML file saved as UTF-8"
        raise ConfigError(what, place=file) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the config: {exc}", place=file) from None
    if "\x00" in text:  # a binary file, or a NUL pasted in: never shown (README#hostile-and-broken-input, paths)
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        raise ConfigError("a NUL character: this is not a YAML text file", place=f"{file}:{line}:{col}")
    odd = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if odd is not None:  # a character YAML does not allow, found as PyYAML's reader finds it, with its place
        at = odd.start()
        line, col = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        raise ConfigError(f"YAML: unacceptable character #x{ord(odd.group()):04x}: special characters are not "
                          "allowed", place=f"{file}:{line}:{col}")
    loader = _LOADER(text)
    try:
        _check_tokens(text, file)
        node = loader.get_single_node()
        if node is None:
            return MDict(Mark(file, 1, 1))
        problems: list[Problem] = []
        value = _convert(loader, node, file, problems, text)
        if problems:
            raise ConfigError(problems)
        return value
    except yaml.MarkedYAMLError as exc:
        told = _python_error(text, file) if _LOADER is not yaml.SafeLoader and len(text) <= _TOLD_BY_PYTHON else None
        exc = told or exc
        mark = _mark(file, exc.problem_mark or exc.context_mark)
        what = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"YAML: {what}", place=str(mark)) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML: {' '.join(str(exc).split())}", place=file) from None
    finally:
        loader.dispose()


def _python_error(text: str, file: str) -> yaml.MarkedYAMLError | None:
    """The syntax error PyYAML's pure-Python reader finds in ``text`` (None if it finds none).

    Its tokens are checked first, as libyaml's were: libyaml stops at 1,000 levels of nesting
    with its own words, where ours stop at 50."""
    loader = yaml.SafeLoader(text)
    try:
        _check_tokens(text, file, yaml.SafeLoader)
        loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        return exc
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


_OPENS = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken,
          yaml.FlowSequenceStartToken)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def _check_tokens(text: str, file: str, loader: Any = _LOADER) -> None:
    """README#hostile-and-broken-input: no anchors or aliases (they can expand exponentially, or form a cycle), no
    nesting deeper than MAX_YAML_DEPTH and no more than MAX_YAML_TOKENS tokens, judged on the
    tokens, before any node is built."""
    depth = 0
    for count, token in enumerate(yaml.scan(text, Loader=loader)):
        if count >= limits.MAX_YAML_TOKENS:
            raise ConfigError(f"more than {limits.MAX_YAML_TOKENS:,} YAML tokens (keys, values and punctuation); "
                              "a config needs a few thousand: is this a data file?",
                              place=str(_mark(file, token.start_mark)))
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            raise ConfigError("YAML anchors and aliases (& and *) are not allowed: write the value out",
                              place=str(_mark(file, token.start_mark)))
        if isinstance(token, _OPENS):
            depth += 1
            if depth > limits.MAX_YAML_DEPTH:
                raise ConfigError(f"nested deeper than {limits.MAX_YAML_DEPTH} levels",
                                  place=str(_mark(file, token.start_mark)))
        elif isinstance(token, _CLOSES):
            depth -= 1


def _scalar(loader: SafeConstructor, node: yaml.Node, mark: Mark, problems: list[Problem]) -> Any:
    """A scalar's value; numbers too long to be one, NaN and infinities are problems."""
    if node.tag in (_STD + "int", _STD + "float"):
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > limits.MAX_NUMBER_DIGITS:
            problems.append(Problem(str(mark), f"a number of {digits:,} digits: at most "
                                               f"{limits.MAX_NUMBER_DIGITS} are read"))
            return None
    try:
        value = loader.construct_object(node)
    except (ValueError, OverflowError, yaml.YAMLError) as exc:
        problems.append(Problem(str(mark), f"cannot read this value ({' '.join(str(exc).split())[:120]})"))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(str(mark), f"{node.value} is not a number a KPI can use: write a finite number"))
        return None
    return value


def _convert(loader: SafeConstructor, node: yaml.Node, file: str, problems: list[Problem], text: str) -> Any:
    mark = _mark(file, node.start_mark)
    if node.tag not in _ALLOWED_TAGS:
        problems.append(Problem(str(mark), f"YAML tag {node.tag.replace(_STD, '!!')} is not allowed: only plain YAML is read"))
        return None
    if isinstance(node, yaml.MappingNode):
        out = MDict(mark)
        pairs = _rejoin_commas(node, text) if node.flow_style else node.value
        for key_node, value_node in pairs:
            key_mark = _mark(file, key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _ALLOWED_TAGS:
                problems.append(Problem(str(key_mark), "a key must be a plain name"))
                continue
            key = _scalar(loader, key_node, key_mark, problems)
            if isinstance(key, bool) or key is None:
                key = key_node.value  # `yes:`/`on:`/`null:` as keys mean their text
            if key in out:
                problems.append(Problem(str(key_mark), f"'{key}' is defined twice (first at {out.key_marks[key]})"))
                continue
            out[key] = _convert(loader, value_node, file, problems, text)
            out.key_marks[key] = key_mark
            value_mark = _mark(file, value_node.start_mark)
            if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("'", '"'):
                value_mark = value_mark.shifted(1)  # point at the text, not the quote
            out.value_marks[key] = value_mark
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = MList(mark)
        for item in node.value:
            seq.append(_convert(loader, item, file, problems, text))
            seq.item_marks.append(_mark(file, item.start_mark))
        return seq
    return _scalar(loader, node, mark, problems)


def _is_plain(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style  # libyaml says "" where PyYAML says None


def _rejoin_commas(node: yaml.MappingNode, source: str) -> list[tuple[yaml.Node, yaml.Node]]:
    """Undo YAML's split of an unquoted formula at its commas, in flow mappings.

    ``{formula: revenue / prev(revenue, 12) - 1}`` is, to YAML, the key
    ``formula`` with value ``revenue / prev(revenue`` and a second key
    ``12) - 1`` with no value. No key of ours looks like that, and every finance
    user writes it, so a value-less plain entry right after a plain value is
    joined back to it, with the exact text between them.
    """
    out: list[tuple[yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        fragment = (_is_plain(key_node) and isinstance(value_node, yaml.ScalarNode)
                    and value_node.tag == _STD + "null" and value_node.value == "")
        if fragment and out and _is_plain(out[-1][1]) and out[-1][1].tag == _STD + "str":
            prev_key, prev_value = out[-1]
            start, end = prev_value.start_mark, key_node.end_mark
            text = source[start.index:end.index]  # libyaml's marks hold no buffer; their index counts characters
            if "\n" not in text:
                joined = yaml.ScalarNode(_STD + "str", text, start, end, style=None)
                out[-1] = (prev_key, joined)
                continue
        out.append((key_node, value_node))
    return out
