"""The budgets of a safe load: work bounded by the size of what is on disk.

A safe load counts what it builds *after* shared references are expanded: a list that
names one big string a thousand times costs a thousand strings, because that is what a
``repr``, a copy or a hash of it will cost later.  Four budgets are kept:

``max_bytes``     memory: the syntax tree of the source (estimated before parsing),
                  strings and bytes (at their real width), arrays and buffers;
``max_elements``  container slots built (list items, dict entries, arguments);
``max_depth``     nesting of containers, through names too (``a = (b,)``, ``b = (c,)``);
``max_digits``    digits of one number, in a literal or given to a constructor
                  (``Decimal``, ``Fraction``, ``float``, numpy scalars).

Unless the caller sets them, the budgets are proportional to the size of the source on
disk, with a floor for small files and a cap: ``max_bytes`` allows the syntax tree of
the source (up to ~1,500 bytes per byte of source, :func:`parse_cost`) and 64 bytes of
values per byte of source, and each data file a load reads adds :data:`FILE_FACTOR`
times its own size (arrays are read from what is on disk, so reading them is linear
too).  A data file counts for the bytes the disk holds for it (its allocated blocks), and
for the rest of its size -- the holes of a sparse file, which read as zeros, or what a
compressing filesystem saved -- for at most :data:`UNHELD_BYTES` in one load: a crafted
store of a few kB on disk, whose data file claims terabytes, can make a safe load allocate
no more than ``BYTES_FLOOR + FILE_FACTOR * UNHELD_BYTES`` (320 MiB) beyond what its files
really hold.  A load that would exceed a budget raises
:class:`~archived.errors.BudgetExceededError`, naming the budget and how to raise it:
``limits=Limits(max_bytes=...)``, or for every safe load of the process (the command line
included) the environment variable ``ARCHIVED_MAX_BYTES`` (bytes, or with a suffix ``K``,
``M``, ``G`` or ``T``: ``ARCHIVED_MAX_BYTES=8G``), which sets ``max_bytes`` where the
caller left it to its default.

>>> limits = Limits()
>>> budget = limits.budget(12_500)
>>> budget.max_elements, budget.max_bytes // 2**20
(500000, 64)
>>> Limits(max_elements=10).budget(12_500).charge_elements(11, "a list")
Traceback (most recent call last):
    ...
archived.errors.BudgetExceededError: unsafe archive: a list of 11 elements, more than ...
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from ..errors import BudgetExceededError

__all__ = ["Limits", "Budget", "parse_cost", "FILE_FACTOR", "UNHELD_BYTES", "ENV_MAX_BYTES"]

# Defaults: floor + per byte of source (+ the syntax tree, for max_bytes), capped.  A
# literal element costs at least two bytes of source; values may hold 64 bytes of strings
# and arrays per byte of source (shared references expanded), the syntax tree apart.
BYTES_FLOOR = 64 * 2**20
BYTES_PER_SOURCE_BYTE = 64
BYTES_CAP = 4 * 2**30
ELEMENTS_FLOOR = 100_000
ELEMENTS_PER_SOURCE_BYTE = 32
ELEMENTS_CAP = 200_000_000
# Generated source nests any depth through names; repr, hashing and copying recurse
DEPTH = 200
# Python's own limit on int <-> str conversions is 4300 digits; one more in hex literals
DIGITS = 5000
# Each data file read allows its size this many times over (a shared array counts once
# per reference, as everything else does)
FILE_FACTOR = 4
# Bytes of data files' sizes the disk does not hold (st_blocks), counted per load at most:
# a sparse file's holes are free to make, a compressing filesystem (ZFS, btrfs) holds an
# array of zeros in a few blocks.  Beyond it, only bytes really on disk raise the budget
UNHELD_BYTES = 64 * 2**20
# The environment variable setting max_bytes where the caller left it to its default
ENV_MAX_BYTES = "ARCHIVED_MAX_BYTES"
# The syntax tree ast.parse builds (CPython 3.10-3.13, measured with tracemalloc, with
# room): a statement up to ~1,800 bytes, a node beside a separator or an operator up to
# ~1,450, an attribute ~800, a keyword (set apart by blanks) ~700, and a few bytes per
# character of names, numbers and strings.
PARSE_BYTES_PER_STATEMENT = 2000
PARSE_BYTES_PER_NODE = 1500
PARSE_BYTES_PER_DOT = 900
PARSE_BYTES_PER_BLANK = 700
PARSE_BYTES_PER_CHAR = 16
PARSE_BYTES_PER_WIDE_CHAR = 48  # source beyond ASCII: up to 4 bytes a character, copied


@dataclasses.dataclass(frozen=True)
class Limits:
    """The budgets of safe loads; ``None`` means proportional to the size on disk.

    Pass it as ``limits=`` to :func:`archived.restore`, ``DataSet(..., safe=True)`` and
    :func:`archived.verify` to raise (or lower) a budget.  ``max_bytes=None`` takes the
    environment variable ``ARCHIVED_MAX_BYTES`` when it is set (as ``8G`` or ``500M``).

    >>> Limits(max_bytes=2**30).budget(100).max_bytes
    1073741824
    """

    max_bytes: int | None = None
    max_elements: int | None = None
    max_depth: int | None = None
    max_digits: int | None = None

    def __post_init__(self) -> None:
        for name in _NAMES:
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise TypeError(f"{name}= must be a non-negative int or None, not {value!r}")

    def budget(self, size: int, parse: int = 0) -> Budget:
        """A fresh budget for loading ``size`` bytes of source, whose syntax tree takes
        ``parse`` bytes (:func:`parse_cost`; the default ``max_bytes`` allows it).

        >>> Limits().budget(0).max_depth
        200
        """
        max_bytes = self.max_bytes if self.max_bytes is not None else env_max_bytes()
        return Budget(
            _given(max_bytes, BYTES_FLOOR + BYTES_PER_SOURCE_BYTE * size + parse, BYTES_CAP),
            _given(
                self.max_elements, ELEMENTS_FLOOR + ELEMENTS_PER_SOURCE_BYTE * size, ELEMENTS_CAP
            ),
            DEPTH if self.max_depth is None else self.max_depth,
            DIGITS if self.max_digits is None else self.max_digits,
            size,
            defaults=frozenset(
                name
                for name in _NAMES
                if getattr(self, name) is None and (name != "max_bytes" or max_bytes is None)
            ),
        )


def env_max_bytes() -> int | None:
    """``ARCHIVED_MAX_BYTES`` as a number of bytes, or ``None`` when it is not set.

    >>> os.environ["ARCHIVED_MAX_BYTES"] = "2G"
    >>> env_max_bytes()
    2147483648
    >>> del os.environ["ARCHIVED_MAX_BYTES"]
    """
    text = os.environ.get(ENV_MAX_BYTES)
    if not text:
        return None
    number, unit = text.strip(), 1
    if number[-1:].upper() in _UNITS:
        number, unit = number[:-1], _UNITS[number[-1].upper()]
    if number.isdigit() and number.isascii():
        return int(number) * unit
    raise ValueError(
        f"{ENV_MAX_BYTES} must be a number of bytes, optionally followed by K, M, G or T "
        f"(as 8G), not {text!r:.40}"
    )


_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


_NAMES = ("max_bytes", "max_elements", "max_depth", "max_digits")


def _given(value: int | None, proportional: int, cap: int) -> int:
    return min(proportional, cap) if value is None else value


class Budget:
    """What one safe load may still spend; guards charge it before they allocate.

    ``bytes`` and ``elements`` are what was spent so far.

    >>> b = Limits(max_bytes=100).budget(10)
    >>> b.charge_bytes(60, "a bytes literal"); b.bytes
    60
    """

    __slots__ = (
        "max_bytes",
        "max_elements",
        "max_depth",
        "max_digits",
        "size",
        "defaults",
        "bytes",
        "elements",
        "files",
        "unheld",
        "uncounted",
        "indexes",
        "policy",
    )

    def __init__(
        self,
        max_bytes: int,
        max_elements: int,
        max_depth: int,
        max_digits: int,
        size: int,
        defaults: frozenset[str] = frozenset(),
    ) -> None:
        self.max_bytes = max_bytes
        self.max_elements = max_elements
        self.max_depth = max_depth
        self.max_digits = max_digits
        self.size = size  # bytes of source on disk, for messages
        self.defaults = defaults  # the budgets the caller left to their default
        self.bytes = 0
        self.elements = 0
        self.files: set[object] = set()  # the data files allowed (see allow_file)
        self.unheld = UNHELD_BYTES  # bytes of data files the disk does not hold, still counted
        self.uncounted = 0  # bytes of data files' sizes that raised no budget
        # data file -> (its stat, its parsed index, where its data ends), read once a load
        self.indexes: dict[str, tuple[Any, Any, int]] = {}
        # the load's Policy: a guard calling a class's own code checks the caller trusts
        # its module (policy.user_module), as from_state() does
        self.policy: Any = None

    def charge_bytes(self, n: int, what: str) -> None:
        """Spend ``n`` bytes for ``what``, or raise if that is more than is left."""
        self.bytes += n
        if self.bytes > self.max_bytes:
            raise self.exceeded("max_bytes", what, n, self.bytes, "bytes")

    def charge_elements(self, n: int, what: str) -> None:
        """Spend ``n`` elements for ``what``, or raise if that is more than is left."""
        self.elements += n
        if self.elements > self.max_elements:
            raise self.exceeded("max_elements", what, n, self.elements, "elements")

    def check_depth(self, depth: int, what: str) -> None:
        """Refuse ``what`` if it nests ``depth`` levels deep, more than ``max_depth``."""
        if depth > self.max_depth:
            raise self.exceeded("max_depth", what, depth, depth, "levels")

    def check_digits(self, digits: int, what: str) -> None:
        """Refuse ``what`` if one of its numbers has more than ``max_digits`` digits."""
        if digits > self.max_digits:
            raise self.exceeded("max_digits", what, digits, digits, "digits")

    def check_int(self, value: int, what: str) -> None:
        """Refuse ``what`` if the int ``value`` has more than ``max_digits`` digits."""
        if value.bit_length() > 3.33 * self.max_digits:
            self.check_digits(int(value.bit_length() * 0.30103) + 1, what)

    def allow_file(
        self, path: str, size: int, held: int | None = None, *, file: object = None
    ) -> None:
        """A data file of ``size`` bytes, of which the disk holds ``held`` (its blocks;
        ``None``: all), is read: with default budgets, allow :data:`FILE_FACTOR` times
        what it holds, and the rest of its size while :data:`UNHELD_BYTES` lasts.  Once
        per file: ``file`` (default ``path``) tells it apart, the device and inode of a
        file under many names (hard links, as a tar of a store keeps them: each name's
        blocks are the file's, which the disk holds once).

        >>> b = Limits().budget(0)
        >>> b.allow_file("a.h5", 2**40, held=4096)  # a sparse terabyte
        >>> (b.max_bytes - BYTES_FLOOR) // 2**20, b.uncounted // 2**30
        (256, 1023)
        """
        file = path if file is None else file
        if "max_bytes" in self.defaults and file not in self.files:
            self.files.add(file)
            held = size if held is None else max(0, min(held, size))
            counted = min(size - held, self.unheld)
            self.unheld -= counted
            self.uncounted += size - held - counted
            self.max_bytes += FILE_FACTOR * (held + counted)

    def exceeded(self, name: str, what: str, n: int, total: int, unit: str) -> BudgetExceededError:
        """The error refusing ``what`` (``n`` units, ``total`` spent) over budget ``name``."""
        limit = getattr(self, name)
        so_far = "" if total == n else f" ({total} in all)"
        where = (
            f"; the default for {_size(self.size)} of source"
            if name in ("max_bytes", "max_elements") and name in self.defaults
            else ""
        )
        if where and name == "max_bytes" and self.files:
            where += " and the data files read"
            if self.uncounted:
                where += (
                    f", whose {_size(self.uncounted)} of holes or filesystem compression count "
                    f"for {_size(UNHELD_BYTES)} at most (a sparse file reads as zeros)"
                )
        how = f"pass limits=Limits({name}=...)"
        if name == "max_bytes":
            how += f" or set {ENV_MAX_BYTES}={_suggest(total)}"
        return BudgetExceededError(
            None,
            f"{what} of {n} {unit}{so_far}, more than {name}={limit}{where} "
            f"({how} if you trust the store)",
            name,
        )


def parse_cost(src: str) -> int:
    """An upper estimate of the memory ``ast.parse(src)`` takes, counted without parsing.

    Every node of a syntax tree sits next to an operator, a separator or a line break,
    or spends several characters of names and keywords: counting those characters (at
    C speed) bounds the nodes, whatever the source.

    >>> parse_cost("x = [1, 2, 3]") < parse_cost("x = [1, 2, 3, 4, 5, 6]")
    True
    """
    statements = src.count("\n") + src.count(";")
    separators = sum(map(src.count, _SEPARATORS))
    blanks = sum(map(src.count, _BLANKS))
    return (
        PARSE_BYTES_PER_STATEMENT * (statements + 1)
        + PARSE_BYTES_PER_NODE * separators
        + PARSE_BYTES_PER_DOT * src.count(".")
        + PARSE_BYTES_PER_BLANK * blanks
        + (PARSE_BYTES_PER_CHAR if src.isascii() else PARSE_BYTES_PER_WIDE_CHAR) * len(src)
    )


_SEPARATORS = ",([]{}=:<>-+~*/%&|^@!"
_BLANKS = " \t\x0c\r"


def _suggest(n: int) -> str:
    """A value of ``ARCHIVED_MAX_BYTES`` a quarter above ``n`` bytes, in MiB.

    >>> _suggest(2**30)
    '1280M'
    """
    return f"{-(-n * 5 // 4 // 2**20)}M"


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 1000:
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n:.1f} GB"
