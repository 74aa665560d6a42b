"""A damaged entry left out of a function's calls or table, and what to do about it.

One hand-broken entry among a function's calls (a bracket lost in an editor) stopped
``func.table()`` with its :class:`~archived.errors.DamagedEntryError`, and, its record
broken, ``where()``, ``stale()`` and ``clear()`` too: the whole store unreadable through
the function for one file, and no word of the next step.  Such an entry is now left
out, untouched, with a :class:`~archived.errors.DamagedEntryWarning` that names it, the
line of its file, and what brings it back: mending the file, or (a broken value of a
known call) calling the function again with its parameters, which keeps the broken file
aside in ``.damaged/`` and computes the result again.

>>> from archived.errors import DamagedEntryError
>>> err = DamagedEntryError("f_1", "its f_1 does not load (SyntaxError) at line 20 of s/f_1.py")
>>> print(left_out_message(err, {"function": "exp.f", "parameters": {"x": 1}}))
entry 'f_1' is damaged: its f_1 does not load (SyntaxError) at line 20 of s/f_1.py; \
left out of the table: mend it in an editor, or call f again with its parameters \
(x=1): a call that finds it moves it to the store's .damaged/ folder and computes \
its result again
"""

from __future__ import annotations

from typing import Any

from .._format import format_params
from .._usercode import warn_user
from ..errors import DamagedEntryError, DamagedEntryWarning, MissingImportError
from .funcinfo import short_name

__all__ = ["left_out_message", "warn_left_out"]

_NAMED = 3  # other entries a warning names

_MOVED = (
    "a call that finds it moves it to the store's .damaged/ folder and computes its result again"
)


def left_out_message(
    err: DamagedEntryError, brief: Any = None, what: str = "the table", store: str = "STORE"
) -> str:
    """What :func:`warn_left_out` says of the entry ``err`` names, left out of ``what``;
    ``brief``: its call's brief record, when that loads (its value did not); ``store``:
    the store's path, for the command that lists what is wrong.

    >>> print(left_out_message(DamagedEntryError("f_2", "its info does not load"), None,
    ...                        "the calls listed"))
    entry 'f_2' is damaged: its info does not load; left out of the calls listed (its \
record, which says which call it is, does not load): mend it in an editor (archived \
verify STORE lists what is wrong); a call that finds it moves it to the store's \
.damaged/ folder and computes its result again
    """
    if isinstance(err, MissingImportError):  # intact: its own message says what to do
        return f"{err}; left out of {what}"
    if type(brief) is not dict:
        return (
            f"{err}; left out of {what} (its record, which says which call it is, does "
            f"not load): mend it in an editor (archived verify {store} lists what is "
            "wrong); " + _MOVED
        )
    function = short_name(str(brief.get("function")))
    try:
        call = f" ({format_params(brief.get('parameters'), 80)})"
    except Exception:  # a record a person edited: the message must still be made
        call = ""
    return (
        f"{err}; left out of {what}: mend it in an editor, or call {function} again with "
        f"its parameters{call}: " + _MOVED
    )


def warn_left_out(
    left: list[tuple[DamagedEntryError, Any]], what: str = "the table", store: str = "STORE"
) -> None:
    """Warn once, at the user's line, that the entries of ``left`` (each error with its
    call's brief record, or None) are left out of ``what``: the first as
    :func:`left_out_message` says, the others counted and the first few named (a class
    renamed since leaves out every entry of it); the entries stay where they are
    (``kept`` is None).

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_left_out([(DamagedEntryError(f"f_{i}", "broken"), None) for i in range(5)])
    >>> str(caught[0].message)[-83:]
    'so are 4 other entries: f_1, f_2, f_3 and 1 more (archived verify STORE lists each)'
    """
    if not left:
        return
    err, brief = left[0]
    message = left_out_message(err, brief, what, store)
    if len(left) > 1:
        others = [e.name for e, _ in left[1:]]
        named = ", ".join(others[:_NAMED])
        if len(others) > _NAMED:
            named += f" and {len(others) - _NAMED} more"
        message += (
            f"; so {'are' if len(others) != 1 else 'is'} {len(others)} other "
            f"entr{'ies' if len(others) != 1 else 'y'}: {named} (archived verify {store} "
            "lists each)"
        )
    warn_user(DamagedEntryWarning(message, err.name, None))
