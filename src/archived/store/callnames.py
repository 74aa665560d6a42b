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
    """
    if type(info) is not dict or type(info.get("parameters")) is not dict:
        return None
    if not all(type(info.get(field)) is str for field in ("function", "version", "key")):
        return None  # (a record of a DataSet's own that holds some of these fields)
    key, status = info["key"], info.get("status", "ok")
    if status not in ("ok", "failed"):
        return None
    tail = _FAILED if status == "failed" else ""
    base = name[: -len(tail)] if tail and name.endswith(tail) else name
    first = key[:16]
    match = _CALL_NAME.fullmatch(base)
    prefix = match.group(1) if match else None
    if prefix is not None and base in (f"{prefix}_{first}", f"{prefix}_{first}_{key[16:]}"):
        if base + tail == name:
            return None
    return f"{prefix if prefix is not None else '...'}_{first}{tail}"
