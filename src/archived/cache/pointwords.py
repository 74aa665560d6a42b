"""Words for how many of a sweep's points to compute are stored under another code's
key, agreeing with the count: the warnings of :mod:`~archived.cache.stalemiss`,
:mod:`~archived.cache.movedmiss` and :mod:`~archived.cache.addedmiss` said "1 of the 20
points to compute are stored ..., so they are computed again".

>>> print(points_stored(2, 3)[0])
2 of the 3 points to compute are stored
"""

from __future__ import annotations

__all__ = ["points_stored", "they"]


def points_stored(twins: int, total: int) -> tuple[str, bool]:
    """The sentence's subject and verb, ``"N of the M points to compute are stored"``,
    and whether it speaks of more than one point.

    >>> points_stored(1, 20), points_stored(1, 1)
    (('1 of the 20 points to compute is stored', False), \
('the only point to compute is stored', False))
    """
    if twins == 1:
        if total == 1:
            return "the only point to compute is stored", False
        return f"1 of the {total} points to compute is stored", False
    return f"{twins} of the {total} points to compute are stored", True


def they(many: bool, verb: str) -> str:
    """``"they <verb>"`` or, for one point, ``"it"`` and the verb in its singular form
    (``"are"`` -> ``"is"``, ``"answer"`` -> ``"answers"``).

    >>> they(True, "are"), they(False, "are"), they(False, "answer")
    ('they are', 'it is', 'it answers')
    """
    if many:
        return f"they {verb}"
    return "it is" if verb == "are" else f"it {verb}s"
