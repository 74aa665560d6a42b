"""Text formatting for the command line: aligned tables and short summaries of values.

Summaries never call ``repr`` on a container or on a value of unknown size: a value may
hold one list a million times over (a safe load counts it, a ``repr`` would write it
out), so :func:`short_repr` walks it and stops after a fixed number of characters,
items and levels.  Their cost is bounded whatever the value.

>>> print(format_table(["NAME", "SIZE"], [["x_0", "1.2 kB"], ["long_name", "3 B"]]))
NAME       SIZE
x_0        1.2 kB
long_name  3 B
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "format_table",
    "format_columns",
    "format_params",
    "format_value",
    "format_duration",
    "format_size",
    "format_time",
    "summarize_value",
    "short_repr",
    "int_text",
    "text_of",
    "seconds_of",
    "short_name",
    "escaped",
]


# C0 controls but \t and \n, DEL, C1 controls, bidirectional embeddings, overrides,
# isolates and marks; and the lone surrogates of C1 bytes (a stdout whose errors are
# surrogateescape, as in the POSIX locale, writes '\udc9b' as the byte 0x9b: an 8-bit CSI)
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udc9f]"
)


def escaped(text: str) -> str:
    """``text`` with every character a terminal would act on (an escape sequence's
    ``ESC``, a right-to-left override: see :mod:`archived.cli.escape`) written as an
    escape, for text read from a store on its way to a person's terminal.

    >>> escaped("k\\x1b[31mred\\u202e\\n")
    'k\\\\x1b[31mred\\\\u202e\\n'
    """
    if _CONTROLS.search(text) is None:  # nearly always: one scan in C
        return text
    return _CONTROLS.sub(_python_escape, text)


def _python_escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def short_name(identity: str) -> str:
    """The function's own name in a function's identity (its recorded ``function``),
    for messages.

    >>> short_name("exp.make.<locals>.f@12/0a1b2c3d4e5f"), short_name("m.<lambda>#abc")
    ('f', '<lambda>')
    """
    return re.split(r"[@#/]", identity)[0].rpartition(".")[2]


def text_of(value: Any, width: int = 200) -> str:
    """A field a record should hold as text (a function's name, an error message): the
    text itself, or a cut ``repr`` of what a store holds there instead, never an error.

    >>> text_of("m.f"), text_of(None), text_of(10**5000)
    ('m.f', 'None', '<int of 5001 digits>')
    """
    return value if type(value) is str else short_repr(value, width)


def seconds_of(value: Any) -> float | None:
    """A record's duration as a finite float, or None if it holds something else.

    >>> seconds_of(1.5), seconds_of("abc"), seconds_of(10**400), seconds_of(True)
    (1.5, None, None, None)
    """
    if type(value) not in (int, float):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return None
    return seconds if math.isfinite(seconds) else None


def int_text(value: int) -> str:
    """``str(value)``, or the exact hex literal of an integer too long for Python to
    write in decimal (``sys.get_int_max_str_digits()``, 4300 digits by default).

    >>> int_text(42), int_text(-(2**20000))[:8]
    ('42', '-0x10000')
    """
    if value.bit_length() > _DECIMAL_BITS:  # may be past the limit: try
        try:
            return str(value)
        except ValueError:
            return hex(value)
    return str(value)


_DECIMAL_BITS = 14_000  # fewer bits are fewer than 4300 decimal digits


#: The widest a table's column is made (a longer cell is written whole, past it).
MAX_COLUMN = 100


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, trailing blanks stripped.

    A column is as wide as its widest cell up to :data:`MAX_COLUMN` characters; a longer
    cell is written whole, past its column (every line padded to a cell of a megabyte
    read from a store made a listing thousands of times the store's size).

    >>> format_table(["A", "B"], [])
    'A  B'

    A cell's line break is written ``\\n``: one row is one line (a store's text, a code
    version ``'1\\nx_9  result ...'``, made a listing show rows the store has not).

    >>> print(format_table(["A", "B"], [["1\\nx", "2"]]))
    A     B
    1\\nx  2
    """
    rows = [_one_line(row) if "\n" in "".join(row) else row for row in rows]
    widths = [len(h) for h in headers]
    if any(len(row) != len(widths) for row in rows):
        return _ragged_table(headers, rows)
    for column, cells in enumerate(zip(*rows, strict=False)):
        widths[column] = min(max(widths[column], *map(len, cells)), MAX_COLUMN)
    # one format string for every line (a store may list 100,000 entries)
    line = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + ("  {}" if len(widths) > 1 else "{}")
    form = line.format
    return "\n".join([form(*cells).rstrip() for cells in [list(headers), *rows]])


def format_columns(
    headers: Sequence[str], columns: Sequence[Sequence[str]], order: Sequence[int] | None = None
) -> str:
    """:func:`format_table` of the table whose columns (not rows) are ``columns``, all of
    one length: the same text, made without a list per row (``ls -l`` of 100,000 entries).
    ``order``: the rows' positions in the order to print them (default: as they are).

    >>> print(format_columns(["NAME", "SIZE"], [["x_0", "long_name"], ["1.2 kB", ""]]))
    NAME       SIZE
    x_0        1.2 kB
    long_name
    >>> print(format_columns(["NAME"], [["b", "a"]], order=[1, 0]))
    NAME
    a
    b
    >>> format_columns(["A", "B"], [["a"], ["b"]]) == format_table(["A", "B"], [["a", "b"]])
    True
    """
    # (one scan in C a column: a store may list 100,000 entries)
    columns = [_one_line(c) if "\n" in "".join(c) else c for c in columns]
    widths = [
        min(max(len(header), max(map(len, cells), default=0)), MAX_COLUMN)
        for header, cells in zip(headers, columns, strict=True)
    ]
    # printf-style: half the time of str.format a row (ls -l of 100,000 entries), the
    # same text for the text cells a table holds
    line = "  ".join(f"%-{w}s" for w in widths[:-1]) + ("  %s" if len(widths) > 1 else "%s")
    form = line.__mod__
    # each line made in the columns' order, the order their cells lie in memory in, and
    # only the finished lines put in ``order``: gathered in it, every cell of a row was
    # elsewhere (ls -l of 100,000 entries, kept in the order they were written)
    lines = [text.rstrip() for text in map(form, zip(*columns, strict=True))]
    if order is not None:
        lines = list(map(lines.__getitem__, order))
    return "\n".join([form(tuple(headers)).rstrip(), *lines])


def _one_line(cells: Sequence[str]) -> list[str]:
    """``cells`` with each line break written ``\\n``."""
    return [cell.replace("\n", "\\n") for cell in cells]


def _ragged_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [min(max(w, len(cell)), MAX_COLUMN) for w, cell in zip(widths, row, strict=False)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip()
        for line in [list(headers), *rows]
    ]
    return "\n".join(lines)


def key_text(key: Any) -> str:
    """The text of a dict key as a column or a parameter name: ``str(key)``, or for a
    key no ``str`` gives (an int of more than 4,300 digits, which a store can hold as a
    hex literal) its cut ``repr``, so one such key never stops a listing.

    >>> key_text("mu"), key_text(5), key_text(int("f" * 4000, 16))
    ('mu', '5', '<int of 4817 digits>')
    """
    if type(key) is str:
        return key
    try:
        return str(key)
    except ValueError:
        return short_repr(key, 80)


def format_params(parameters: Any, width: int = 60) -> str:
    """``name=value`` pairs of a parameter dict, cut to ``width`` characters.  When they
    do not fit, the longest values are cut first (each to as many characters as leaves
    room for the others), so that every parameter shows: cut at the end, an array's
    description hid the parameters after it, and calls that differ in them read alike.
    A value cut keeps its start and its end (``'...'`` between them): cut after its
    start alone, calls that differ in a long value's end (a config's last field, the
    digits of a float) read alike, and a listing's rows could not be told apart.

    >>> format_params({"mu": 1.2, "n": 10, "label": "a"})
    "mu=1.2 n=10 label='a'"
    >>> format_params({"xs": list(range(15))}, width=20)
    'xs=[0, 1, ...13, 14]'
    >>> format_params({"a": "ndarray(dtype=float64, shape=(500,), key=cf09a7caee44fa70)",
    ...                "s": 2.0})
    "a='ndarray(dtype=float64, s..., key=cf09a7caee44fa70)' s=2.0"
    """
    if isinstance(parameters, Mapping):
        pairs = []
        used = -1
        for k, v in _first(parameters.items(), width):
            pair = (_cut(key_text(k), width), _ends_of(v, width))
            pairs.append(pair)
            used += len(pair[0]) + min(len(pair[1]), width) + 2
            if used > 2 * width:  # enough to fill the line when cut
                break
        if used > width:
            pairs = _fitted(pairs, width)
        text = " ".join([k + "=" + v for k, v in pairs])
    elif parameters is None:
        text = ""
    else:
        text = short_repr(parameters, width)
    return _cut(text.replace("\n", " "), width)


_SHORTEST_CUT = 8  # a value is never cut shorter than this (then the line's end is cut)


def _fitted(pairs: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    """``pairs`` (name, value text) with the longest values cut to the longest length
    that fits every pair in ``width`` characters (not under ``_SHORTEST_CUT``)."""
    room = width - sum(len(name) + 2 for name, _ in pairs) + 1  # '=' and ' ' each
    lengths = sorted(len(value) for _, value in pairs)
    for i, length in enumerate(lengths):  # the shortest values keep their room whole
        share = room // (len(lengths) - i)
        if length > share:  # this one and the longer ones are cut to the share
            cut = max(share, _SHORTEST_CUT)
            return [(name, _cut_middle(value, cut)) for name, value in pairs]
        room -= length
    return pairs


def _ends_of(value: Any, width: int) -> str:
    """A text of ``value`` whose start and end are its repr's, cut in the middle to at
    most ``4 * width`` characters (``'...'`` between): a longer text is written from the
    value's start only, its end is not known, and it is cut at its end."""
    kept = 4 * width
    if type(value) is str and len(value) > kept:  # a long text: both ends are cheap
        start, end = repr(value[:kept]), repr(value[-kept:])
        if start[0] != end[-1]:  # quoted otherwise: 'x...y" would read as no repr
            return _cut(start, width)
        return _cut_middle(start[:-1] + "..." + end[1:], kept)
    text = short_repr(value, kept + 1)
    if len(text) > kept:  # cut by short_repr: its end is not known
        return _cut(text, width)
    return text


def _cut_middle(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters by leaving out its middle, ``'...'`` in its
    place (a text already cut at its end is only cut shorter there)."""
    if len(text) <= width:
        return text
    if text.endswith("...") and "..." not in text[:-3]:
        return _cut(text, width)
    head = (width - 3 + 1) // 2
    tail = width - 3 - head
    return text[:head] + "..." + (text[-tail:] if tail else "")


def format_value(value: Any, width: int = 1000) -> str:
    """``repr`` of a recorded value, with numpy scalars shown with their type whatever
    numpy's version (``float64(1.0)``, never a bare ``1.0`` that reads as a float), cut
    to ``width`` characters (see :func:`short_repr`).

    >>> import numpy as np
    >>> format_value(np.float64(1.0)), format_value([1, np.int8(2)]), format_value(1.0)
    ('float64(1.0)', '[1, int8(2)]', '1.0')
    >>> format_value(np.True_)
    'bool_(True)'
    """
    return short_repr(value, width)


_LONGEST_DURATION = 10 * 366 * 86400.0  # seconds; a record claiming more is not a timing


def format_duration(seconds: float | None) -> str:
    """A duration for people: ``850 ms``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``;
    ``?`` for what no computation took (negative, not finite, over ten years, not a number).

    >>> [format_duration(s) for s in (None, 0.00002, 0.00042, 0.85, 12.34, 245, 7380)]
    ['', '20 us', '0.4 ms', '850 ms', '12.3 s', '4 min 05 s', '2 h 03 min']
    >>> format_duration(-1e308), format_duration(1e308)
    ('?', '?')
    """
    if seconds is None:
        return ""
    seconds = seconds_of(seconds)  # a store's record may hold anything there
    if seconds is None or not 0 <= seconds <= _LONGEST_DURATION:
        return "?"  # crafted or damaged: never a negative or 300-digit duration
    if seconds < 0.0001:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


@functools.lru_cache(maxsize=4096)
def format_size(size: int) -> str:
    """A byte count for people (powers of 1000).

    >>> [format_size(n) for n in (12, 1234, 5_600_000)]
    ['12 B', '1.2 kB', '5.6 MB']
    """
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def format_time(timestamp: float) -> str:
    """A POSIX timestamp as local ``YYYY-MM-DD HH:MM``.

    >>> len(format_time(0.0)), format_time(1e20)
    (16, '?')
    """
    try:
        return _minute(int(timestamp // 60))
    except (ValueError, OverflowError, OSError):  # a time no calendar shows: a store can
        return "?"  # say any (an info record's start, a file's mtime from a tarball)


@functools.lru_cache(maxsize=4096)
def _minute(minute: int) -> str:
    # entries of one sweep share a few minutes: each is formatted once
    return datetime.datetime.fromtimestamp(minute * 60).strftime("%Y-%m-%d %H:%M")


def summarize_value(value: Any, *, items: int = 5, depth: int = 0) -> str:
    """A few lines telling what ``value`` is: arrays by shape, dtype and a few values,
    containers by length and their first items, everything else by a cut ``repr``.

    >>> import numpy as np
    >>> print(summarize_value(np.arange(12.0).reshape(3, 4)))
    ndarray shape=(3, 4) dtype=float64 min=0 max=11
      [[ 0.  1.  2.  3.]
       [ 4.  5.  6.  7.]
       [ 8.  9. 10. 11.]]
    >>> print(summarize_value({"energy": -1.5, "xs": [1, 2, 3]}))
    dict with 2 items
      'energy': -1.5
      'xs': [1, 2, 3]
    """
    import numpy as np

    pad = "  " * (depth + 1)
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        head = f"ndarray shape={value.shape} dtype={value.dtype}"
        if value.size and value.dtype.kind in "biuf":
            head += f" min={value.min():g} max={value.max():g}"
        lines = np.array2string(value, threshold=2 * items, edgeitems=2).splitlines()
        if len(lines) > 6:
            lines = [*lines[:5], "..."]
        return "\n".join([head, *(pad + _cut(line, 100) for line in lines)])
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return f"{value.item()!r} ({value.dtype})"
    if isinstance(value, Mapping):
        lines = [f"{type(value).__name__} with {len(value)} items"]
        for k, v in _first(value.items(), items):
            lines.append(f"{pad}{short_repr(k, 40)}: {_nested(v, items, depth)}")
        if len(value) > items:
            lines.append(f"{pad}... ({len(value) - items} more)")
        return "\n".join(lines)
    if (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and len(short_repr(value, 81)) > 80
    ):
        # field by field, as a dict's items: its repr, cut, showed a first array's
        # values and none of the fields after it
        fields = dataclasses.fields(value)
        count = f"{len(fields)} field" + ("" if len(fields) == 1 else "s")
        lines = [f"{type(value).__name__} (dataclass) with {count}"]
        for field in fields[:items]:
            shown = _nested(getattr(value, field.name, None), items, depth)
            lines.append(f"{pad}{field.name}: {shown}")
        if len(fields) > items:
            lines.append(f"{pad}... ({_more_names([f.name for f in fields[items:]])})")
        return "\n".join(lines)
    names = _tuple_fields(value)
    if names is not None and len(short_repr(value, 81)) > 80:
        # a NamedTuple field by field, as a dataclass: its items by index hid their names
        count = f"{len(names)} field" + ("" if len(names) == 1 else "s")
        lines = [f"{type(value).__name__} (namedtuple) with {count}"]
        for name, item in _first(zip(names, value, strict=True), items):
            lines.append(f"{pad}{name}: {_nested(item, items, depth)}")
        if len(names) > items:
            lines.append(f"{pad}... ({_more_names(list(names[items:]))})")
        return "\n".join(lines)
    if isinstance(value, (list, tuple)) and len(short_repr(value, 81)) > 80:
        lines = [f"{type(value).__name__} of length {len(value)}"]
        for i, v in enumerate(_first(value, items)):
            lines.append(f"{pad}[{i}] {_nested(v, items, depth)}")
        if len(value) > items:
            lines.append(f"{pad}... ({len(value) - items} more)")
        return "\n".join(lines)
    return short_repr(value, 400)


def _more_names(names: list[str]) -> str:
    """How many fields are not shown, and their names: a field left out unnamed (a
    result's ``meta`` after five others) was a field nobody knew was there.

    >>> _more_names(["meta"]), _more_names([f"f{i}" for i in range(12)])
    ('1 more field: meta', '12 more fields: f0, f1, f2, f3, f4, f5, f6, f7 ...')
    """
    shown = ", ".join(
        short_repr(name, 40) if not isinstance(name, str) else name[:40] for name in names[:8]
    )
    more = " ..." if len(names) > 8 else ""
    return f"{len(names)} more field{'s' * (len(names) != 1)}: {shown}{more}"


def short_repr(value: Any, width: int = 80) -> str:
    """``repr(value)`` cut to ``width`` characters, in time bounded by ``width``.

    Containers are walked (their first items only, a few levels deep), long strings and
    numbers are cut before they are written, and nothing is written that would be cut.

    >>> shared = [1] * 1000
    >>> short_repr([shared] * 1000, 30)
    '[[1, 1, 1, 1, 1, 1, 1, 1, 1...'
    >>> short_repr({"a": (1, 2.5, "x")}), short_repr(2**20000)[:22]
    ("{'a': (1, 2.5, 'x')}", '<int of 6021 digits>')
    """
    kind = type(value)
    if kind is float or kind is bool or value is None or (kind is int and -_BIG < value < _BIG):
        return _cut(repr(value)[: width + 1], width)  # what the writer below writes
    if kind is str and len(value) <= width:
        return _cut(repr(value)[: width + 1], width)
    out = _Writer(width)
    out.value(value, 0)
    text = "".join(out.parts)
    return _cut(text, width)


_BIG = 10**300  # smaller ints are written whole by the writer (it cuts at 1000 digits)


class _Writer:
    """Writes a value's repr piece by piece until ``width`` characters are out."""

    __slots__ = ("parts", "left")

    def __init__(self, width: int) -> None:
        self.parts: list[str] = []
        self.left = width + 1  # one more, so a cut text shows it was cut

    def write(self, text: str) -> None:
        if self.left > 0:
            text = text[: self.left]
            self.parts.append(text)
            self.left -= len(text)

    def value(self, value: Any, depth: int) -> None:
        import numpy as np

        if self.left <= 0:
            return
        if isinstance(value, (str, bytes, bytearray)):
            head = value[: self.left]
            text = repr(head)
            if len(head) < len(value) and text[-1:] in "'\"":
                text = text[:-1]  # cut: no closing quote
            self.write(text)
        elif isinstance(value, bool) or value is None:
            self.write(repr(value))
        elif isinstance(value, int):
            digits = int(value.bit_length() * 0.30103) + 1
            self.write(repr(value) if digits < 1000 else f"<int of {digits} digits>")
        elif isinstance(value, np.generic) and type(value).__module__ == "numpy":
            # the type, always; numpy 2 names its bool "bool", which would read as Python's
            name = "bool_" if value.dtype.kind == "b" else type(value).__name__
            self.write(f"{name}({value.item()!r})")
        elif isinstance(value, (float, complex, np.generic)):
            self.write(repr(value))
        elif isinstance(value, np.ndarray):
            self.array(value, depth)
        elif isinstance(value, (list, tuple, set, frozenset, dict)) or _is_plain_mapping(value):
            self.container(value, depth)
        else:
            self.other(value)

    def container(self, value: Any, depth: int) -> None:
        import collections

        t = type(value)
        if isinstance(value, collections.ChainMap):
            value, (opening, closing) = value.maps, ("ChainMap(*[", "])")
        elif t in _BRACKETS:
            opening, closing = _BRACKETS[t]
        else:  # a subclass, a deque, another mapping: Name([...]) or Name({...})
            base = next((b for b in _BRACKETS if isinstance(value, b)), None)
            if base is None:
                base = list if isinstance(value, collections.deque) else dict
            opening, closing = _BRACKETS[base]
            opening, closing = f"{t.__name__}({opening}", closing + ")"
        if isinstance(value, (set, frozenset)) and not value:
            self.write(f"{t.__name__}()")
            return
        if depth >= _DEPTH:
            self.write(opening + "..." + closing)
            return
        names = _tuple_fields(value)
        if names is not None:  # a NamedTuple: Summary(energy=1.5, ...), as its repr
            self.write(f"{t.__name__}(")
            for i, (name, item) in enumerate(zip(names, value, strict=True)):
                if self.left <= 0:
                    return
                self.write((", " if i else "") + f"{name}=")
                self.value(item, depth + 1)
            self.write(")")
            return
        self.write(opening)
        is_map = isinstance(value, (dict, Mapping))
        for i, item in enumerate(value.items() if is_map else value):
            if self.left <= 0:
                return
            if i:
                self.write(", ")
            if is_map:
                self.value(item[0], depth + 1)
                self.write(": ")
                self.value(item[1], depth + 1)
            else:
                self.value(item, depth + 1)
        if t is tuple and len(value) == 1:
            self.write(",")
        self.write(closing)

    def array(self, value: Any, depth: int) -> None:
        if not value.dtype.hasobject:
            import numpy as np

            text = np.array2string(value, threshold=20, edgeitems=3, separator=", ")
            self.write(f"array({text}, dtype={value.dtype})")
            return
        self.write(f"array(shape={value.shape}, dtype=object, [")
        for i, item in enumerate(_first(value.flat, 5)):
            if i:
                self.write(", ")
            self.value(item, depth + 1)
        self.write("])")

    def other(self, value: Any) -> None:
        import types

        if isinstance(value, types.SimpleNamespace):  # its repr walks its values
            self.write("namespace(")
            for i, (k, v) in enumerate(_first(vars(value).items(), 20)):
                self.write((", " if i else "") + f"{k}=")
                self.value(v, _DEPTH - 1)
            self.write(")")
            return
        try:
            text = repr(value)
        except Exception as err:  # a summary must not fail: say what it is instead
            text = f"<{type(value).__qualname__} ({type(err).__name__} in repr)>"
        self.write(text)


_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    dict: ("{", "}"),
}
_DEPTH = 6


def _is_plain_mapping(value: Any) -> bool:
    """A mapping or deque of the standard library, walked like the builtin containers."""
    import collections

    return isinstance(value, (collections.ChainMap, collections.deque, Mapping))


def _tuple_fields(value: Any) -> tuple[str, ...] | None:
    """The field names of a NamedTuple (its class's ``_fields``, one name per item), or
    None for any other value.

    >>> import collections
    >>> _tuple_fields(collections.namedtuple("P", "x y")(1, 2)), _tuple_fields((1, 2))
    (('x', 'y'), None)
    """
    if not isinstance(value, tuple) or type(value) is tuple:
        return None
    names = getattr(type(value), "_fields", None)  # the class's, never the value's
    if (
        type(names) is not tuple
        or len(names) != len(value)
        or not all(type(name) is str and name.isidentifier() for name in names)
    ):
        return None
    return names


def _first(items: Any, n: int) -> list[Any]:
    import itertools

    return list(itertools.islice(items, n))


def _nested(value: Any, items: int, depth: int) -> str:
    if depth >= 1:
        return short_repr(value, 80)
    return summarize_value(value, items=items, depth=depth + 1)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
