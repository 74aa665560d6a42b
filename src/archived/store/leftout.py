"""A damaged or refused entry left out of a table or listing, and what to do about it.

One hand-broken entry among a function's calls (a bracket lost in an editor) stopped
``func.table()`` with its :class:`~archived.errors.DamagedEntryError`, and, its record
broken, ``where()``, ``stale()`` and ``clear()`` too: the whole store unreadable through
the function for one file, and no word of the next step.  Such an entry is now left
out, untouched, with a :class:`~archived.errors.DamagedEntryWarning` that names it, the
line of its file, and what brings it back: mending the file, or (a broken value of a
known call) calling the function again with its parameters, which keeps the broken file
aside in ``.damaged/`` and computes the result again.  A DataSet's own listings
(``ds._table()``, ``ds._info_items()``) leave such an entry out in the same words, and
so an entry a safe DataSet refuses (its refusal says what would let it load).

>>> from archived.errors import DamagedEntryError
>>> err = DamagedEntryError("f_1", "its f_1 does not load (SyntaxError) at line 20 of s/f_1.py")
>>> print(left_out_message("f_1", err, {"function": "exp.f", "parameters": {"x": 1}}))
entry 'f_1' is damaged: its f_1 does not load (SyntaxError) at line 20 of s/f_1.py; \
left out of the table: mend it in an editor, or call f again with its parameters \
(x=1): a call that finds it moves it to the store's .damaged/ folder and computes \
its result again
"""

from __future__ import annotations

import os
from typing import Any

from .._format import format_params, short_name
from .._usercode import warn_user
from ..errors import (
    ArchiveError,
    DamagedEntryWarning,
    EditedEntryWarning,
    MissingImportError,
    UnsafeArchiveError,
)
from .moveout import entry_files_text

__all__ = ["left_out_message", "warn_left_out", "warn_edited_left_out", "Left"]

#: An entry left out: its name, why it does not load (a DamagedEntryError, or a safe
#: load's UnsafeArchiveError) and its brief record (None when that does not load).
Left = tuple[str, ArchiveError, Any]

_NAMED = 3  # other entries a warning names

_MOVED = (
    "a call that finds it moves it to the store's .damaged/ folder and computes its result again"
)


def left_out_message(
    name: str, err: ArchiveError, brief: Any = None, what: str = "the table", store: str = "STORE"
) -> str:
    """What :func:`warn_left_out` says of the entry ``name``, left out of ``what``
    because of ``err``; ``brief``: its record, when that loads (its value did not);
    ``store``: the store's path, for the command that lists what is wrong.

    >>> from archived.errors import DamagedEntryError
    >>> print(left_out_message("f_2", DamagedEntryError("f_2", "its info does not load"),
    ...                        None, "the calls listed"))
    entry 'f_2' is damaged: its info does not load; left out of the calls listed (its \
record, which says which call it is, does not load): mend it in an editor (archived \
verify STORE lists what is wrong); a call that finds it moves it to the store's \
.damaged/ folder and computes its result again
    >>> print(left_out_message("x_3", UnsafeArchiveError(4, "call of 'open'"), {"mu": 1}))
    entry 'x_3' is refused by a safe load: unsafe archive: line 4: call of 'open' is not \
allowed in a safe load; left out of the table, untouched
    """
    if isinstance(err, MissingImportError):  # intact: its own message says what to do
        return f"{err}; left out of {what}"
    if isinstance(err, UnsafeArchiveError):  # its own message says what would load it
        return f"entry {name!r} is refused by a safe load: {err}; left out of {what}, untouched"
    if type(brief) is not dict:
        return (
            f"{err}; left out of {what} (its record, which says which call it is, does "
            f"not load): mend it in an editor (archived verify {store} lists what is "
            "wrong); " + _MOVED
        )
    if type(brief.get("function")) is not str:  # an entry of the DataSet's own: no call
        return f"{err}; left out of {what}: mend it in an editor, or store it again"
    function = short_name(brief["function"])
    try:
        call = f" ({format_params(brief.get('parameters'), 80)})"
    except Exception:  # a record a person edited: the message must still be made
        call = ""
    return (
        f"{err}; left out of {what}: mend it in an editor, or call {function} again with "
        f"its parameters{call}: " + _MOVED
    )


def warn_left_out(left: list[Left], what: str = "the table", store: str = "STORE") -> None:
    """Warn once, at the user's line, that the entries of ``left`` (each name, error and
    brief record, or None) are left out of ``what``: the first as
    :func:`left_out_message` says, the others counted and the first few named (a class
    renamed since leaves out every entry of it); the entries stay where they are
    (``kept`` is None).

    >>> import warnings
    >>> from archived.errors import DamagedEntryError
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_left_out([(f"f_{i}", DamagedEntryError(f"f_{i}", "broken"), None)
    ...                    for i in range(5)])
    >>> str(caught[0].message)[-83:]
    'so are 4 other entries: f_1, f_2, f_3 and 1 more (archived verify STORE lists each)'
    """
    if not left:
        return
    name, err, brief = left[0]
    message = left_out_message(name, err, brief, what, store)
    message += _and_others([other for other, _, _ in left[1:]], store)
    warn_user(DamagedEntryWarning(message, name, None))


def warn_edited_left_out(names: list[str], what: str, store: str) -> None:
    """Warn once, at the user's line, that the stored calls ``names`` of the store at
    ``store`` were edited by hand (their values, :mod:`archived.store.valuedigest`, or
    their recorded parameters, :mod:`archived.store.callcheck`) and are left
    out of ``what``, untouched: the first named with its file and the next step, the
    others counted and the first few named (an :class:`EditedEntryWarning`).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_edited_left_out(["f_1", "f_2"], "the table", "s")
    >>> message = str(caught[0].message)
    >>> message.startswith("entry 'f_1' was edited by hand (its value or its recorded")
    True
    >>> message.endswith("so is 1 other entry: f_2 (archived verify s lists each)")
    True
    """
    if not names:
        return
    name = names[0]
    path = os.path.join(store, name + ".py")
    moved = entry_files_text(store, name)
    message = (
        f"entry {name!r} was edited by hand (its value or its recorded parameters), so it "
        f"is not its call's result: left out "
        f"of {what}, untouched (its edited file is {path}: move "
        f"{'it' if moved == path else moved} out of the store, and the next call with its "
        "parameters stores the call's result)"
    )
    message += _and_others(names[1:], store)
    warn_user(EditedEntryWarning(message, name, path))


def _and_others(others: list[str], store: str) -> str:
    """The words a left-out warning ends with for the ``others`` left out with its
    first entry: counted, the first few named (none: no words)."""
    if not others:
        return ""
    named = ", ".join(others[:_NAMED])
    if len(others) > _NAMED:
        named += f" and {len(others) - _NAMED} more"
    return (
        f"; so {'are' if len(others) != 1 else 'is'} {len(others)} other "
        f"entr{'ies' if len(others) != 1 else 'y'}: {named} (archived verify {store} "
        "lists each)"
    )
