"""The digest of a stored call's value, which tells a value edited by hand.

An entry file is source a person may read and edit.  A stored call's entry is a hit of
that call only while its value is what the call returned, so the record of every call
stored holds a digest of its value section (:data:`FIELD`, the xxh3_64 digest of the
section's text exactly as written, made after the value was encoded): a hit compares it
with the value text it reads (one hash of text already read), and a value section whose
digest is not the recorded one was edited by hand.  Such an entry is no hit: the call
computes its result and never stores it over the edit, ``table()`` leaves it out and
``verify`` lists it.

What it covers: the value section's text, from the line after ``# ---- value ----`` to
the end of the file, line ends read as Python reads them (an editor that saved the file
with ``\\r\\n`` edited nothing).  Not covered: the HDF5 data files a big value refers to
(reading them whole to hash them would cost a hit what the array costs; they are not
meant to be edited by hand), nor the info record (its key and parameters are checked
against each other already: :mod:`archived.cache.keycheck`).  A record without the field
(written before archived recorded it, or a plain DataSet entry's own info) is not checked.

>>> value = "f_1 = [1, 2]\\n"
>>> info = f"info = {{'key': 'k', {FIELD!r}: {digest(value)!r}}}\\n"
>>> edited(info, value), edited(info, "f_1 = [1, 3]\\n"), edited("info = {}\\n", value)
(False, True, False)
"""

from __future__ import annotations

import xxhash

__all__ = ["FIELD", "EDITED", "digest", "recorded", "edited", "edited_key", "EDITED_KEY"]

#: The field of a call's record that holds the digest of its value section.
FIELD = "value_digest"
#: The status the read-side index derives for a call whose value was edited (in the
#: brief records tables read and the kind ``ls -l`` shows): not ``ok``, no result listed.
EDITED = "edited"
#: What the read-side index derives as the key of a call whose value was edited, before
#: the recorded key: no call has that key, so no lookup takes the entry for a hit.
EDITED_KEY = "edited:"

# the field as archived writes it (repr's quotes, a text of 16 hex digits), the record's
# last: its last spelling, and the record's end after it.  A record without it (another
# spelling) is not checked; a parameter spelling it (a text, a parameter's name) is
# before it, and ends inside the record, never where the record ends.  Found by plain
# string search: a process's first hit pays for every step
_MARK = f"{FIELD!r}: '"
_ENDS = ("',\n}", "'}", "',}", "' }")
_HEX = "0123456789abcdef"
_LINE = f"\n    {FIELD!r}: '"  # the field on a line of its own, at the record's top level
_IN_PLACE = 4096  # a value section longer than this is hashed in the file's bytes


def digest(value_section: str) -> str:
    """The digest of the value section ``value_section`` (the text after its mark).

    >>> digest("x = 1\\n")
    '...'
    """
    return xxhash.xxh3_64_hexdigest(value_section.encode("utf-8", "surrogatepass"))


def recorded(info_section: str) -> str | None:
    """The value digest the info section ``info_section`` records, or None if none.

    >>> recorded("info = {'key': 'k', 'value_digest': '0123456789abcdef'}\\n")
    '0123456789abcdef'

    A field a person added after it (a note at the record's end, as the README allows)
    leaves it on a line of its own at the record's top level, which no text inside the
    record spells (a text's line breaks are written ``\\n``):

    >>> recorded("info = {\\n    'value_digest': '0123456789abcdef',\\n    'note': 'ok',\\n}\\n")
    '0123456789abcdef'
    """
    start = info_section.rfind(_MARK)
    if start < 0:  # (archived 0.1's records, a DataSet's own)
        return None
    found = _last_field(info_section, start)
    return found if found is not None else _own_line(info_section)


def _own_line(info_section: str) -> str | None:
    """The digest on the record's one top-level line of the field, or None (no such
    line, or two: a record archived never writes)."""
    start = info_section.find(_LINE)
    if start < 0 or info_section.find(_LINE, start + 1) >= 0:
        return None
    start += len(_LINE)
    found = info_section[start : start + 16]
    if len(found) != 16 or found.strip(_HEX) or not info_section.startswith("',\n", start + 16):
        return None
    return found


def _last_field(info_section: str, start: int) -> str | None:
    """The digest of the field spelt at ``start`` if it is the record's last, or None."""
    start += len(_MARK)
    found = info_section[start : start + 16]
    end = start + 16
    if len(found) != 16 or found.strip(_HEX) or not info_section.startswith(_ENDS, end):
        return None
    # the record ends there: nothing but its line's end, or the section's
    close = info_section.index("}", end) + 1
    if info_section[close : close + 1] not in ("", "\n"):
        return None
    return found


def edited(info_section: str, value_section: str, ascii_file: bytes | None = None) -> bool:
    """Whether the entry of these sections records a value digest that its value section
    does not have: its value was edited by hand (a record without one: False).

    ``ascii_file``: the entry file's bytes when they are its text byte for byte (ASCII,
    no line end to translate), whose tail is then hashed in place (a big value's text
    is not encoded again: two thirds of the check's time).
    """
    wanted = recorded(info_section)
    if wanted is None:
        return False
    if ascii_file is None or len(value_section) <= _IN_PLACE:
        return digest(value_section) != wanted
    tail = memoryview(ascii_file)[len(ascii_file) - len(value_section) :]
    return xxhash.xxh3_64_hexdigest(tail) != wanted


def edited_key(key: str) -> str:
    """The key the read-side index derives for a call whose value was edited.

    >>> edited_key("ab12")
    'edited:ab12'
    """
    return EDITED_KEY + key
