"""The fast path of loading: archive source that only builds data, read without running it.

Most info records and most small results are archive source made of literals: a dict of
strings and numbers, a list of floats, a numpy scalar, a small inline array.  Compiling
and executing such source costs a hundred times more than reading it, and a safe load
checks a grammar far richer than it needs.  :func:`literal_names` reads exactly that
subset with a tokenizer and a small recursive parser, and builds the values itself; any
source outside the subset raises :class:`NotLiteral`, and the caller falls back to the
full loader (:func:`~archived.load.restore.restore`, executed or safe).  It never
imports a module, never looks a name up anywhere but in the names the source bound,
and never calls anything but the constructors listed in :data:`CONSTRUCTORS` with
arguments it checked, so it serves trusted and safe loads alike.

The subset, one statement per line, no indentation:

* ``from M import N as A`` for a (module, name) of :data:`CONSTRUCTORS` or
  :data:`CONSTANTS`;
* ``NAME = EXPR``, ``del NAME, ...`` and the closing
  ``if __name__ == 'builtins':`` / ``del __builtins__`` pair that every archive ends with;
* EXPR: string, bytes and number literals (``-`` before a number or a bound number),
  ``True``/``False``/``None``, names bound earlier, list/tuple/set/dict displays, and calls
  of imported constructors with literal arguments.

Its result equals what executing the source gives (same types, same values, the same
objects shared), name for name, or it raises :class:`NotLiteral`.  Work and memory stay
linear in the size of the source: nesting deeper than
:data:`~archived.load.grammar.MAX_NESTING`, shared references that would expand far beyond
the source's size, and arrays beyond the source's own size are refused (the full loader
then decides, under its own budgets).

>>> literal_names("x = {'mu': 1.5, 'n': [1, 2], 't': (3,)}\\n")
{'x': {'mu': 1.5, 'n': [1, 2], 't': (3,)}}
>>> literal_value("from numpy import float32 as _f\\ny = _f(0.5)\\ndel _f\\n", "y")
np.float32(0.5)
>>> literal_names("import os\\n")
Traceback (most recent call last):
    ...
archived.load.literal.NotLiteral: 'import' at token 1: not a literal statement
"""

from __future__ import annotations

import ast
import builtins
import datetime
import functools
import json
import json.scanner
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .grammar import MAX_NESTING
from .hashes import crowded_hash, hash_refusal
from .numpy_names import numpy_name, numpy_scalar_args

__all__ = ["NotLiteral", "literal_names", "literal_value", "CONSTRUCTORS", "CONSTANTS"]


class NotLiteral(ValueError):
    """The source is outside the literal subset: load it with the full loader.

    This says nothing about whether the source is valid or safe, only that the fast path
    does not read it.
    """


# One alternative per kind of token, the most frequent first; spaces and tabs between
# tokens match nothing and are skipped, every other character is a token of its own (so
# nothing is skipped silently: the parser refuses what it does not know).
_TOKEN = re.compile(
    r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'"  # a string, on one line, escapes allowed
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    r"|b'[^'\\\n]*(?:\\.[^'\\\n]*)*'"  # bytes
    r'|b"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    r"|[A-Za-z_]\w*"  # a name
    r"|==|[-:,=.()\[\]{}]"
    r"|\n[ \t]*"  # a line break and the next line's indentation
    r"|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"  # a number (checked again below)
    r"|\#[^\n]*"  # a comment
    r"|[^ \t]",  # any other character
    re.ASCII,
)
_INT = re.compile(r"0+|[1-9]\d*")
_TRAILER = ("if", "__name__", "==", "'builtins'", ":", "\n    ", "del", "__builtins__")
_WEIGHT_PER_CHAR = 4  # shared references may expand a value to this many nodes per char
_KEY_WEIGHT = 1_000  # a dict key or set item of more nodes than this is not hashed here

_Builder = Callable[[list[Any], dict[str, Any]], Any]


def literal_names(source: str) -> dict[str, Any]:
    """The names the archive ``source`` binds, read without running it.

    Raises :class:`NotLiteral` when the source is outside the subset (see the module
    docstring); the caller then loads it with the full loader.

    >>> literal_names("a = [1, -2.5, None]\\nb = (a, a)\\ndel a\\n")
    {'b': ([1, -2.5, None], [1, -2.5, None])}
    """
    if "\x00" in source or "\r" in source:
        # compile() refuses the one and rewrites the other: leave both to it
        raise NotLiteral("a NUL or carriage return character in the source")
    number = _NUMBER_ASSIGNMENT.fullmatch(source)
    if number is not None and not number[1].startswith("__") and number[1] not in _KEYWORDS:
        text = number[2]  # (a scalar result: what most calls return)
        return {number[1]: float(text) if "." in text or "e" in text or "E" in text else int(text)}
    plain = _json_like(source)
    if plain is not None:
        return plain
    tokens = _TOKEN.findall("\n" + source)
    parser = _Parser(tokens, len(source))
    try:
        return parser.module()
    except NotLiteral:
        raise
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as err:
        # anything the values themselves refuse (an unhashable key, a bad dtype, an
        # integer past Python's digit limit): the full loader gives the real error
        raise NotLiteral(f"{type(err).__name__}: {err}") from None


def literal_value(source: str, name: str) -> Any:
    """The value the archive ``source`` binds to ``name``, read without running it.

    >>> literal_value("info = {'n': 1}\\ndel_me = 2\\ndel del_me\\n", "info")
    {'n': 1}
    """
    names = literal_names(source)
    if name not in names:
        raise NotLiteral(f"the source does not bind {name!r}")
    return names[name]


# ---- the fastest paths: one assignment of a number, or of JSON-like data ------------------

# ``name = <number>``, the number as JSON spells it (then Python reads it as int() or
# float() of its text; bounded, as int() refuses a few thousand digits and so does compile())
_NUMBER_ASSIGNMENT = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*) = (-?(?:0|[1-9]\d{0,300})(?:\.\d{1,300})?(?:[eE][-+]?\d{1,4})?)\n"
    r"(?:if __name__ == 'builtins':\n    del __builtins__\n)?",
    re.ASCII,
)

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) = (?=\S)", re.ASCII)
_TRAILER_TEXT = "if __name__ == 'builtins':\n    del __builtins__\n"
# what may stand between the strings of JSON-like data (\x01 marks where a string was)
# (possessive: a run of the characters, or a name, is taken whole and never given back;
# no name starts with one of the characters, so no other split of the text could match,
# and a text that does not match fails in linear time instead of trying every split)
_BETWEEN_STRINGS = re.compile(r"(?:[ \n\d.eE+\-\[\]{}:,\x01]++|True|False|None)*+", re.ASCII)
_TRAILING_COMMA = re.compile(r",(?=\s*[\]}])")  # the comma only: nothing to copy back
_COMMA_FIRST = re.compile(r"[\[{]\s*,")  # `[,]`: Python refuses it, the comma rule would not
# every byte but the brackets (what stands between strings is ASCII), and a pair of them
_NOT_BRACKETS = bytes(b for b in range(128) if b not in b"[]{}")
_INNERMOST = re.compile(rb"[\[{][\]}]")
_JSON_NAMES = {"True": "true", "False": "false", "None": "null"}
_scan_json = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def _json_like(source: str) -> dict[str, Any] | None:
    """``{name: value}`` for source that is one ``name = <data>`` whose data only JSON
    can spell too (str-keyed dicts, lists, plain strings, numbers, True/False/None), read
    by json's C scanner after a textual translation; None for anything else.

    Anything doubtful (a backslash or double quote anywhere, a parenthesis, a name, a
    comment outside the strings) returns None, and the tokenizer decides; JSON's own
    strictness refuses what Python would read differently (leading zeros, ``1.``, a
    raw tab in a string, ``- 1``).
    """
    m = _ASSIGNMENT.match(source)
    if m is None or "\\" in source or '"' in source or "\x01" in source:
        return None
    name = m[1]
    if name.startswith("__") or name in _KEYWORDS:
        return None
    body = source[m.end() :]
    if (
        body.endswith(_TRAILER_TEXT)
        and body[-len(_TRAILER_TEXT) - 1 : -len(_TRAILER_TEXT)] == "\n"
    ):
        body = body[: -len(_TRAILER_TEXT)]
    pieces = body.split("'")
    if len(pieces) % 2 == 0:
        return None
    between = "\x01".join(pieces[0::2])  # outside the strings (no escapes: no backslash)
    if _BETWEEN_STRINGS.fullmatch(between) is None:
        return None
    if "T" in between or "F" in between or "N" in between:
        between = re.sub(r"True|False|None", lambda t: _JSON_NAMES[t[0]], between)
    if "," in between:
        if _COMMA_FIRST.search(between) is not None:
            return None
        between = _TRAILING_COMMA.sub("", between)
    if between.count("[") + between.count("{") > MAX_NESTING and _deeper_than(
        between, MAX_NESTING
    ):
        return None  # the tokenizer's limit (Python's own is 200: the scanner's is higher)
    pieces[0::2] = between.split("\x01")
    # a line break outside all brackets would end Python's statement, but JSON cannot
    # hold one inside a value it reads to the end: a parse to the end is the same parse
    text = '"'.join(pieces).rstrip("\n")
    try:
        value, end = _scan_json(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    if end != len(text):
        return None
    return {name: value}


def _deeper_than(text: str, limit: int) -> bool:
    """Whether the brackets of ``text`` (outside strings) nest more than ``limit`` deep:
    each pass removes the innermost pairs, so a depth of d takes d passes."""
    brackets = text.encode("ascii").translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not brackets or not removed:
            return False
    return True


# ---- constructors the fast path builds itself --------------------------------------------


def _numbers(*kinds: type) -> Callable[[Any], bool]:
    return lambda v: type(v) in kinds


_is_real = _numbers(int, float, bool)
_is_int = _numbers(int)


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise NotLiteral(what)


def _complex(args: list[Any], kwargs: dict[str, Any]) -> complex:
    _check(len(args) == 2 and not kwargs and all(map(_is_real, args)), "complex(re, im)")
    return complex(args[0], args[1])


def _float(args: list[Any], kwargs: dict[str, Any]) -> float:
    _check(len(args) == 1 and not kwargs and args[0] in ("inf", "-inf", "nan"), "float(...)")
    return float(args[0])


def _set_of(kind: type) -> _Builder:
    def build(args: list[Any], kwargs: dict[str, Any]) -> Any:
        _check(not kwargs and len(args) <= 1, f"{kind.__name__}(...)")
        if args:
            _check(type(args[0]) in (set, list, tuple, frozenset), f"{kind.__name__}(...)")
            if type(args[0]) in (list, tuple):  # (a set's elements were checked)
                _check(crowded_hash(args[0]) is None, f"{kind.__name__}(...) of one hash")
        return kind(*args)

    return build


def _bytearray(args: list[Any], kwargs: dict[str, Any]) -> bytearray:
    _check(len(args) == 1 and not kwargs and type(args[0]) is bytes, "bytearray(b'...')")
    return bytearray(args[0])


def _range(args: list[Any], kwargs: dict[str, Any]) -> range:
    _check(1 <= len(args) <= 3 and not kwargs and all(map(_is_int, args)), "range(...)")
    return range(*args)


def _slice(args: list[Any], kwargs: dict[str, Any]) -> slice:
    ok = 1 <= len(args) <= 3 and not kwargs
    _check(ok and all(a is None or type(a) is int for a in args), "slice(...)")
    return slice(*args)


def _datetime_of(kind: type, keywords: str = "") -> _Builder:
    allowed = set(keywords.split())

    def build(args: list[Any], kwargs: dict[str, Any]) -> Any:
        ok = len(args) <= 8 and set(kwargs) <= allowed
        _check(ok and all(map(_is_int, [*args, *kwargs.values()])), kind.__name__)
        return kind(*args, **kwargs)

    return build


def _numpy_scalar(name: str) -> _Builder:
    kind = getattr(np, numpy_name(name))  # numpy 2's numpy.bool is bool_ in numpy 1.x
    count = 2 if name.startswith("complex") else 1

    def build(args: list[Any], kwargs: dict[str, Any]) -> Any:
        _check(len(args) == count and not kwargs and all(map(_is_real, args)), name)
        return kind(*numpy_scalar_args(kind, tuple(args)))

    return build


# numpy dtypes the fast path builds arrays of: plain numbers and booleans, any byte order
_DTYPE = re.compile(
    r"[<>=|]?(?:bool|int(?:8|16|32|64)|uint(?:8|16|32|64)|float(?:16|32|64)|"
    r"[biuf][1248])"
)


@functools.lru_cache(maxsize=64)
def _dtype(text: str) -> np.dtype:
    return np.dtype(text)


def _array_options(kwargs: dict[str, Any]) -> tuple[np.dtype, str]:
    dtype, order = kwargs.get("dtype"), kwargs.get("order", "C")
    _check(
        set(kwargs) <= {"dtype", "order"}
        and type(dtype) is str
        and _DTYPE.fullmatch(dtype) is not None
        and order in ("C", "F"),
        "array dtype or order",
    )
    return _dtype(dtype), order


def _array(args: list[Any], kwargs: dict[str, Any]) -> np.ndarray:
    _check(len(args) == 1, "array(values, dtype=...)")
    dtype, order = _array_options(kwargs)
    _check(_plain_numbers(args[0], 0), "array values")
    result = np.array(args[0], dtype=dtype, order=order)  # type: ignore[call-overload]
    _check(result.dtype == dtype, "array dtype")
    return result


def _zeros(args: list[Any], kwargs: dict[str, Any]) -> np.ndarray:
    _check(len(args) == 1 and type(args[0]) is tuple, "zeros(shape, dtype=...)")
    shape = args[0]
    # only empty arrays: archives write every other array with its values
    _check(all(map(_is_int, shape)) and 0 in shape and min(shape) >= 0, "zeros shape")
    dtype, order = _array_options(kwargs)
    return np.zeros(shape, dtype=dtype, order=order)  # type: ignore[call-overload]


def _plain_numbers(value: Any, depth: int) -> bool:
    """A number, or (nested) lists of ints, floats and bools (what an inline array holds)."""
    if type(value) is list:
        return depth < 32 and all(_plain_numbers(v, depth + 1) for v in value)
    return type(value) in (int, float, bool)


_NUMPY_SCALARS = (
    "bool bool_ float16 float32 float64 int8 int16 int32 int64 uint8 uint16 uint32 uint64 "
    "complex64 complex128"
).split()  # bool_: the name archives written under numpy 1.x use

#: (module, name) -> builder of the constructors the fast path calls itself.
CONSTRUCTORS: dict[tuple[str, str], _Builder] = {
    ("builtins", "complex"): _complex,
    ("builtins", "float"): _float,
    ("builtins", "set"): _set_of(set),
    ("builtins", "frozenset"): _set_of(frozenset),
    ("builtins", "bytearray"): _bytearray,
    ("builtins", "range"): _range,
    ("builtins", "slice"): _slice,
    ("datetime", "datetime"): _datetime_of(datetime.datetime),
    ("datetime", "date"): _datetime_of(datetime.date),
    ("datetime", "time"): _datetime_of(datetime.time),
    ("datetime", "timedelta"): _datetime_of(datetime.timedelta, "days seconds microseconds"),
    ("numpy", "array"): _array,
    ("numpy", "zeros"): _zeros,
    **{("numpy", name): _numpy_scalar(name) for name in _NUMPY_SCALARS},
}
#: (module, name) -> value of the constants the fast path binds itself.
CONSTANTS: dict[tuple[str, str], Any] = {("math", "nan"): math.nan, ("math", "inf"): math.inf}


# ---- the parser ---------------------------------------------------------------------------


class _Call:
    """An imported constructor, bound to its alias."""

    __slots__ = ("module", "name", "build")

    def __init__(self, module: str, name: str, build: _Builder) -> None:
        self.module, self.name, self.build = module, name, build


# frame kinds of the value parser
_LIST, _PAREN, _BRACE, _DICT, _SET, _CALL = range(6)
_CLOSER = {_LIST: "]", _PAREN: ")", _BRACE: "}", _DICT: "}", _SET: "}", _CALL: ")"}
_OPEN = {"[": _LIST, "(": _PAREN, "{": _BRACE}


class _Parser:
    """One pass over the tokens of one source; raises NotLiteral at the first surprise."""

    def __init__(self, tokens: list[str], size: int) -> None:
        self.tokens = tokens
        self.pos = 0
        self.names: dict[str, Any] = {}
        self.weights: dict[str, int] = {}
        self.budget = _WEIGHT_PER_CHAR * size + 1_000

    def fail(self, why: str, pos: int | None = None) -> NotLiteral:
        tokens = self.tokens
        pos = self.pos if pos is None else pos
        token = tokens[pos] if pos < len(tokens) else "end of source"
        return NotLiteral(f"{token!r} at token {pos}: {why}")

    def module(self) -> dict[str, Any]:
        tokens, n = self.tokens, len(self.tokens)
        while True:
            # blank lines and comments; a statement must start a line, unindented
            line = ""
            while self.pos < n and tokens[self.pos][0] in "\n#":
                if tokens[self.pos][0] == "\n":
                    line = tokens[self.pos]
                self.pos += 1
            if self.pos >= n:
                break
            if line != "\n":
                raise self.fail("a statement must start an unindented line")
            self.statement()
        names = self.names
        return {k: (_object(v) if isinstance(v, _Call) else v) for k, v in names.items()}

    def statement(self) -> None:
        tokens, pos = self.tokens, self.pos
        first = tokens[pos]
        following = tokens[pos + 1 : pos + 2]
        if first == "from":
            self.import_()
        elif first == "del":
            self.pos += 1
            for name in self.name_list():
                if name not in self.names:
                    raise self.fail(f"del of unbound name {name!r}")
                del self.names[name]
        elif first == "if":
            end = pos + len(_TRAILER)
            if tuple(tokens[pos:end]) != _TRAILER or any(t[0] not in "\n#" for t in tokens[end:]):
                raise self.fail("not a literal statement, or not the last one")
            self.pos = end  # `del __builtins__` when run as a module: binds nothing here
        elif following[:1] == ["="] and _is_name(first):
            if first.startswith("__") or first in _KEYWORDS:
                raise self.fail("not a plain name")
            before = self.budget
            value, self.pos = self.value(pos + 2)
            self.names[first] = value
            self.weights[first] = before - self.budget
        else:
            raise self.fail("not a literal statement")
        if self.pos < len(tokens) and tokens[self.pos][0] not in "\n#":
            raise self.fail("expected the end of the line")

    def import_(self) -> None:
        self.pos += 1
        module = self.name()
        while self.peek() == ".":
            self.pos += 1
            module += "." + self.name()
        if self.take() != "import":
            raise self.fail("expected 'import'", self.pos - 1)
        name = self.name()
        if self.take() != "as":
            raise self.fail("expected 'as'", self.pos - 1)
        alias = self.name()
        if alias.startswith("__"):
            raise self.fail("not a plain alias", self.pos - 1)
        key = (module, name)
        if key in CONSTANTS:
            self.names[alias] = CONSTANTS[key]
        elif key in CONSTRUCTORS:
            self.names[alias] = _Call(module, name, CONSTRUCTORS[key])
        else:
            raise self.fail(f"{module}.{name} is not a constructor of the fast path")
        self.weights[alias] = 1

    def value(self, pos: int) -> tuple[Any, int]:
        """Parse one value starting at token ``pos``; return it and the next position.

        Iterative, with a stack of open displays and calls: each token is looked at once.
        A frame is ``[kind, items, keys or call, budget mark, commas]``.
        """
        tokens, names, weights = self.tokens, self.names, self.weights
        n = len(tokens)
        stack: list[list[Any]] = []
        budget = self.budget
        keyword: str | None = None
        while True:
            # ---- a value starts at pos (or a display closes, empty or after a comma)
            if pos >= n:
                raise self.fail("expected a value", pos)
            token = tokens[pos]
            pos += 1
            budget -= 1
            first = token[0]
            if (first == "'" or first == '"') and len(token) > 1:
                value = token[1:-1] if "\\" not in token else _string(token)
                budget -= len(token) >> 2  # a long string is worth its length: a name
                # of it used many times would expand to far more text than the source
            elif first in "0123456789":
                value = _number(token)
            elif first in "[({":
                if len(stack) >= MAX_NESTING:
                    raise self.fail("nested too deeply", pos - 1)
                stack.append([_OPEN[first], [], None, budget, 0])
                continue
            elif first in "\n#":
                if not stack:
                    raise self.fail("expected a value", pos - 1)
                budget += 1
                continue  # a line break inside brackets
            elif first in "])}":
                # an empty display, or a trailing comma; never right after ':' or '='
                frame = stack[-1] if stack else None
                if (
                    frame is None
                    or _CLOSER[frame[0]] != token
                    or keyword is not None
                    or frame[0] == _DICT
                    and len(frame[2]) > len(frame[1])
                ):
                    raise self.fail("unexpected closing bracket", pos - 1)
                stack.pop()
                value = self.close(frame, pos - 1)
                budget += 1
            elif first == "-":
                following = tokens[pos] if pos < n else ""
                if following[:1] in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"):
                    value = -_number(following)
                elif following in names and type(names[following]) in (int, float):
                    value = -names[following]
                else:
                    raise self.fail("'-' before something other than a number", pos - 1)
                pos += 1
            elif token in _CONSTANT_NAMES:
                value = _CONSTANT_NAMES[token]
            elif first == "b" and len(token) > 1 and token[1] in "'\"":
                value = _string(token)
                budget -= len(token) >> 2
            elif token in names:
                value = names[token]
                if type(value) is _Call:
                    if pos >= n or tokens[pos] != "(":
                        raise self.fail("an imported name is only called here", pos)
                    if len(stack) >= MAX_NESTING:
                        raise self.fail("nested too deeply", pos)
                    stack.append([_CALL, [], [value, {}], budget, 0])
                    pos += 1
                    continue
                budget -= weights[token]
            elif (
                stack
                and stack[-1][0] == _CALL
                and _is_name(token)
                and pos < n
                and tokens[pos] == "="
            ):
                keyword = token  # f(name=value): the value follows
                pos += 1
                budget += 1
                if keyword in stack[-1][2][1]:
                    raise self.fail("repeated keyword argument", pos - 2)
                continue
            else:
                raise self.fail("not a literal value", pos - 1)
            if budget < 0:
                self.budget = budget
                raise self.fail("the value expands far beyond the size of its source", pos - 1)
            # ---- a value is complete: add it to the innermost display, closing displays
            while True:
                if not stack:
                    self.budget = budget
                    return value, pos
                frame = stack[-1]
                kind = frame[0]
                if kind == _CALL:
                    if keyword is not None:
                        frame[2][1][keyword] = value
                        keyword = None
                    elif frame[2][1]:
                        raise self.fail("positional argument after keyword argument", pos - 1)
                    else:
                        frame[1].append(value)
                elif kind == _DICT and len(frame[2]) > len(frame[1]):
                    frame[1].append(value)  # the value of the last key
                elif kind == _LIST or kind == _PAREN or kind == _CALL:
                    frame[1].append(value)
                else:  # a dict key, a set item, or the first item of a brace display
                    if frame[3] - budget > _KEY_WEIGHT:
                        # hashing walks the value: one made of shared references can take
                        # forever (the full loader then applies its own budgets)
                        raise self.fail("a dict key or set item too big to hash here", pos - 1)
                    frame[2] = frame[2] if frame[2] is not None else []
                    frame[2].append(value)
                # what follows the value: a separator, or the closing bracket
                while pos < n and tokens[pos][0] in "\n#":
                    pos += 1
                token = tokens[pos] if pos < n else ""
                pos += 1
                if token == ",":
                    frame[4] += 1
                    if kind == _DICT and len(frame[2]) > len(frame[1]):
                        raise self.fail("expected ':'", pos - 1)
                    if kind == _BRACE:
                        frame[0] = _SET
                    frame[3] = budget
                    break
                if token == ":" and (kind == _BRACE or kind == _DICT):
                    if len(frame[2]) != len(frame[1]) + 1:
                        raise self.fail("unexpected ':'", pos - 1)
                    frame[0] = _DICT
                    break
                if token != _CLOSER[kind] or kind == _DICT and len(frame[2]) > len(frame[1]):
                    raise self.fail(f"expected ',' or {_CLOSER[kind]!r}", pos - 1)
                stack.pop()
                value = self.close(frame, pos - 1)

    def close(self, frame: list[Any], pos: int) -> Any:
        """The value of a display or call whose closing bracket was just read."""
        kind, items, extra = frame[0], frame[1], frame[2]
        if kind == _LIST:
            return items
        if kind == _PAREN:
            return items[0] if items and frame[4] == 0 else tuple(items)
        if kind == _CALL:
            return extra[0].build(items, extra[1])
        if kind == _DICT or kind == _SET or extra:
            crowded = crowded_hash(extra)  # (the evaluator says why: a safe load's refusal)
            if crowded is not None:
                raise self.fail(hash_refusal("a display", crowded), pos)
        if kind == _DICT:
            return dict(zip(extra, items, strict=True))
        if kind == _SET or extra:
            return set(extra)
        return {}  # `{}`

    # ---- tokens -----------------------------------------------------------------------

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | None:
        pos = self.pos
        self.pos += 1
        return self.tokens[pos] if pos < len(self.tokens) else None

    def name(self) -> str:
        token = self.take()
        if token is None or not _is_name(token) or token in _KEYWORDS:
            self.pos -= 1
            raise self.fail("expected a name")
        return token

    def name_list(self) -> list[str]:
        names = [self.name()]
        while self.peek() == ",":
            self.pos += 1
            names.append(self.name())
        return names


_CONSTANT_NAMES: dict[str, Any] = {"True": True, "False": False, "None": None}
_KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else "
    "except finally for from global if import in is lambda nonlocal not or pass raise "
    "return try while with yield".split()
)


def _object(call: _Call) -> Any:
    """What ``from module import name`` binds (only for aliases the source kept)."""
    modules = {"builtins": builtins, "datetime": datetime, "numpy": np, "math": math}
    return getattr(modules[call.module], call.name)


def _is_name(token: str) -> bool:
    return token.isidentifier() and token.isascii()


def _string(token: str) -> Any:
    if "\\" not in token:
        return token[2:-1].encode("ascii")  # b'...' (non-ASCII bytes are a syntax error)
    try:
        # one token with escapes: ast reads exactly Python's escape rules
        value = ast.literal_eval(token)
    except (ValueError, SyntaxError) as err:
        raise NotLiteral(f"string literal {token[:40]!r}: {err}") from None
    return value


def _number(token: str) -> Any:
    if _INT.fullmatch(token):
        return int(token)
    if token.isdigit():  # 007: leading zeros are a syntax error in Python
        raise NotLiteral(f"number {token!r}")
    return float(token)
