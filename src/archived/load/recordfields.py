"""The key and parameters of a call's info record, read from its source in one pass.

A cache hit needs two fields of the info record of the entry it looks at: the call's
full key and its parameters.  The first hit of an entry in a process read the whole record
(:func:`~archived.load.literal.literal_value`: a textual translation to JSON in eight
passes, then json's scanner), and that was a fifth of the hit.  :func:`call_fields` reads
the record only when its source has the exact layout archived writes for a call of
scalars, checked by one regular expression over the whole source, and then takes the
two fields from their lines:

* the source is ``info = {``, one ``'name': value,`` line per field, ``}`` and the
  closing ``if __name__ == 'builtins':`` / ``del __builtins__`` pair (or not), nothing
  else;
* every value is a string without quotes, backslashes or control characters, a number
  spelt as JSON spells it (so Python reads it as ``int()`` or ``float()`` of its text),
  ``True``, ``False``, ``None``, or a dict of such values with string keys, on its
  line or (as archived writes a long one) an item a line;
* ``'key'`` is a string and ``'parameters'`` such a dict, each on exactly one line (a
  dict display keeps the last of two equal keys: a record holding either twice is left
  to the general reader).

Such source is plain data: what executing it gives is what this reads, field for field
(``tests/test_recordfields.py`` checks it against the general reader).  Anything else
returns None and the caller reads the record as before.  Nothing is ever executed or
imported, so it serves trusted and safe loads alike.

>>> src = "info = {\\n    'key': 'ab12',\\n    'parameters': {'x': 1, 'y': 2.5},\\n}\\n"
>>> call_fields(src)
('ab12', {'x': 1, 'y': 2.5})
>>> call_fields("info = {\\n    'key': 'ab12',\\n    'parameters': {'x': [1]},\\n}\\n") is None
True
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["call_fields"]

# a string with nothing to unescape and nothing Python reads otherwise than its text
# (possessive: the closing quote is no character of the run, so giving none back
# matches the same texts, without the engine keeping a way back for every character)
_STRING = r"'[^'\"\\\x00-\x1f\x7f]*+'"
# a number as JSON spells it (bounded: int() refuses a few thousand digits, as compile())
_NUMBER = r"-?(?:0|[1-9]\d{0,300})(?:\.\d{1,300})?(?:[eE][-+]?\d{1,4})?"
_SCALAR = rf"(?:{_STRING}|{_NUMBER}|True|False|None)"
# a dict of scalars on its line, or (too long for one) an item a line
_FLAT_DICT = (
    rf"\{{(?:{_STRING}: {_SCALAR}(?:, {_STRING}: {_SCALAR})*)?\}}"
    rf"|\{{\n(?:        {_STRING}: {_SCALAR},\n)*    \}}"
)
# (atomic values and possessive lines: each value's kinds begin with different
# characters and a value is followed by ",\n", so no other split matches; the engine
# then keeps no way back into what matched, a tenth of a first hit's instructions)
_RECORD = re.compile(
    rf"info = \{{\n(?:    {_STRING}: (?>{_SCALAR}|{_FLAT_DICT}),\n)*+\}}\n"
    r"(?:if __name__ == 'builtins':\n    del __builtins__\n)?",
    re.ASCII,
)
_KEY_LINE = "\n    'key': "
_PARAMETERS_LINE = "\n    'parameters': "
_ITEM = re.compile(rf"({_STRING}): ({_SCALAR})", re.ASCII)
_NAMED = {"True": True, "False": False, "None": None}


def call_fields(source: str) -> tuple[str, dict[str, Any]] | None:
    """``(key, parameters)`` of the info record ``source`` in archived's layout of a
    call of scalars (see the module docstring), or None: read the record in full.

    >>> call_fields("info = {\\n    'key': 'k',\\n    'parameters': {},\\n}\\n")
    ('k', {})
    """
    if _RECORD.fullmatch(source) is None:
        return None
    if source.count(_KEY_LINE) != 1 or source.count(_PARAMETERS_LINE) != 1:
        return None
    start = source.index(_KEY_LINE) + len(_KEY_LINE)
    key = source[start : source.index(",\n", start)]
    if key[:1] != "'":
        return None
    start = source.index(_PARAMETERS_LINE) + len(_PARAMETERS_LINE)
    if source.startswith("{\n", start):  # an item a line, up to the dict's own line
        shown = source[start : source.index("\n    },\n", start)]
    elif source.startswith("{", start):
        shown = source[start : source.index(",\n", start)]
    else:
        return None
    # each value as _SCALAR matched it: a string, a name, else a number (a loop, not a
    # comprehension calling a function per value: a process's first hit pays each call)
    parameters: dict[str, Any] = {}
    for name, text in _ITEM.findall(shown):
        if text[0] == "'":
            parameters[name[1:-1]] = text[1:-1]
        elif text in _NAMED:
            parameters[name[1:-1]] = _NAMED[text]
        elif "." in text or "e" in text or "E" in text:
            parameters[name[1:-1]] = float(text)
        else:
            parameters[name[1:-1]] = int(text)
    return key[1:-1], parameters
