"""Whether a stored call's entry is named by the key its record holds.

A cached call looks its result up by name: entry ``<prefix>_<first 16 hex digits of
its key>``, or, where that name holds another key (two keys sharing 16 digits),
``<prefix>_<16 hex>_<other 16 hex>`` (:mod:`archived.cache.callstore`).  Its failure
record is that name and ``_failed``.  An entry whose record holds a key that does not
name it (a file copied or renamed by hand, given another call's name) is found by no
call: a hit compares the whole key it records, so it answers none (never another's), but
a table lists it beside the call's own entry, and the call it records computes and
stores its result again.  ``verify`` reports it with the name its key gives.

>>> key = "0123456789abcdef" * 2
>>> call = {"function": "m.f", "version": "v", "key": key, "parameters": {}}
>>> misnamed("f_0123456789abcdef", call)
>>> misnamed("f_00000000000000aa", call)
'f_0123456789abcdef'
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["misnamed"]

_FAILED = "_failed"
_HEX = "0123456789abcdef"
# an entry name of a call: its prefix, 16 hex digits, and for a second name 16 more
_CALL_NAME = re.compile(r"(.+?)_[0-9a-f]{16}(?:_[0-9a-f]{16})?")


def misnamed(name: str, info: Any) -> str | None:
    """The name the key of the call record ``info`` gives its entry, when entry ``name``
    holding it is not so named (a lookup of the call never reads it); None when it is,
    or when ``info`` records no call (of a function or a block, stored or failed).

    >>> call = {"function": "m.f", "version": "v", "key": "0123456789abcdef" * 2, "parameters": {}}
    >>> misnamed("f_0123456789abcdef_0123456789abcdef", call)
    >>> misnamed("g_1111111111111111_failed", dict(call, status="failed"))
    'g_0123456789abcdef_failed'
    >>> misnamed("f_00000000000000aa", dict(call, key="../../etc/passwd"))  # names none
    """
    if type(info) is not dict or type(info.get("parameters")) is not dict:
        return None
    key, status = info.get("key"), info.get("status", "ok")
    if type(info.get("function")) is not str or type(info.get("version")) is not str:
        return None  # (a record of a DataSet's own that holds some of these fields)
    if type(key) is not str:
        return None
    if type(status) is not str or status not in ("ok", "failed"):  # (an array: no truth)
        return None
    tail = _FAILED if status == "failed" else ""
    base = name[: -len(tail)] if tail and name.endswith(tail) else name
    first = key[:16]
    if len(key) != 32 or key.strip(_HEX):
        # a key no call has (edited, or crafted with a terminal's controls or a path)
        # names no entry: verify reports it as a key that is not its call's
        return None
    if base + tail == name and _named_by(base, first, key[16:]):
        return None
    match = _CALL_NAME.fullmatch(base)
    prefix = match.group(1) if match else None
    return f"{prefix if prefix is not None else '...'}_{first}{tail}"


def _named_by(base: str, first: str, second: str) -> bool:
    """Whether ``base`` is ``<prefix>_<first>`` or ``<prefix>_<first>_<second>`` for
    some prefix (its function's: any text of one character or more, underscores and
    hex digits too), ``first`` and ``second`` the 16 hex digits of a key's halves.

    Its end decides, so a prefix ending in ``_`` and 16 hex digits (``def
    run_0123456789abcdef``) names its own entries (the shortest prefix that fitted the
    pattern named another entry: each was called misnamed).

    >>> _named_by("run_0123456789abcdef_00000000000000aa", "00000000000000aa", "1" * 16)
    True
    >>> _named_by("f_00000000000000aa", "00000000000000ab", "1" * 16)
    False
    """
    if len(first) != 16 or first.strip(_HEX):
        return False  # (no name ends so: the key is not archived's)
    # (no regular expression: its fullmatch was a tenth of verify's time per entry)
    if len(base) > 17 and base.endswith("_" + first):
        return True
    return (
        len(second) == 16
        and not second.strip(_HEX)
        and len(base) > 34
        and base.endswith(f"_{first}_{second}")
    )
