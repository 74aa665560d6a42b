"""Text formatting for the command line: aligned tables and short summaries of values.

>>> print(format_table(["NAME", "SIZE"], [["x_0", "1.2 kB"], ["long_name", "3 B"]]))
NAME       SIZE
x_0        1.2 kB
long_name  3 B
"""

from __future__ import annotations

import datetime
import functools
import pprint
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "format_table",
    "format_params",
    "format_value",
    "format_duration",
    "format_size",
    "format_time",
    "summarize_value",
]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces, trailing blanks stripped.

    >>> format_table(["A", "B"], [])
    'A  B'
    """
    widths = [len(h) for h in headers]
    if any(len(row) != len(widths) for row in rows):
        return _ragged_table(headers, rows)
    for column, cells in enumerate(zip(*rows, strict=False)):
        widths[column] = max(widths[column], *map(len, cells))
    # one format string for every line (a store may list 100,000 entries)
    line = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + ("  {}" if len(widths) > 1 else "{}")
    form = line.format
    return "\n".join([form(*cells).rstrip() for cells in [list(headers), *rows]])


def _ragged_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=False)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)).rstrip()
        for line in [list(headers), *rows]
    ]
    return "\n".join(lines)


def format_params(parameters: Any, width: int = 60) -> str:
    """``name=value`` pairs of a parameter dict, cut to ``width`` characters.

    >>> format_params({"mu": 1.2, "n": 10, "label": "a"})
    "mu=1.2 n=10 label='a'"
    >>> format_params({"xs": list(range(50))}, width=20)
    'xs=[0, 1, 2, 3, 4...'
    """
    if isinstance(parameters, Mapping):
        text = " ".join(f"{k}={format_value(v)}" for k, v in parameters.items())
    elif parameters is None:
        text = ""
    else:
        text = repr(parameters)
    return _cut(text.replace("\n", " "), width)


def format_value(value: Any) -> str:
    """``repr`` of a recorded value, with numpy scalars shown with their type whatever
    numpy's version (``float64(1.0)``, never a bare ``1.0`` that reads as a float).

    >>> import numpy as np
    >>> format_value(np.float64(1.0)), format_value([1, np.int8(2)]), format_value(1.0)
    ('float64(1.0)', '[1, int8(2)]', '1.0')
    """
    kind = type(value)
    if kind.__module__ == "numpy" and getattr(value, "shape", None) == ():
        return f"{kind.__name__}({value.item()!r})"
    if kind in (list, tuple):
        items = ", ".join(map(format_value, value))
        if kind is tuple:
            return f"({items},)" if len(value) == 1 else f"({items})"
        return f"[{items}]"
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {format_value(v)}" for k, v in value.items()) + "}"
    return repr(value)


def format_duration(seconds: float | None) -> str:
    """A duration for people: ``850 ms``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``.

    >>> [format_duration(s) for s in (None, 0.00002, 0.00042, 0.85, 12.34, 245, 7380)]
    ['', '20 us', '0.4 ms', '850 ms', '12.3 s', '4 min 05 s', '2 h 03 min']
    """
    if seconds is None:
        return ""
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

    >>> len(format_time(0.0))
    16
    """
    return _minute(int(timestamp // 60))


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
    if isinstance(value, np.ndarray):
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
        for k, v in list(value.items())[:items]:
            lines.append(f"{pad}{k!r}: {_nested(v, items, depth)}")
        if len(value) > items:
            lines.append(f"{pad}... ({len(value) - items} more)")
        return "\n".join(lines)
    if isinstance(value, (list, tuple)) and len(repr(value)) > 80:
        lines = [f"{type(value).__name__} of length {len(value)}"]
        for i, v in enumerate(value[:items]):
            lines.append(f"{pad}[{i}] {_nested(v, items, depth)}")
        if len(value) > items:
            lines.append(f"{pad}... ({len(value) - items} more)")
        return "\n".join(lines)
    return _cut(pprint.pformat(value, width=100, compact=True), 400)


def _nested(value: Any, items: int, depth: int) -> str:
    if depth >= 1:
        return _cut(repr(value).replace("\n", " "), 80)
    return summarize_value(value, items=items, depth=depth + 1)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
