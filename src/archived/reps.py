"""``archived.reps``: a module path written into archives; it never moves.

Archive source names ``from archived.reps import object_array`` (numpy object arrays),
and user code registers representations through ``register``.  The code lives in
:mod:`archived.engine.reps`; this module only re-exports it.

>>> from archived.reps import object_array
>>> object_array([1, 'a'], (2,))
array([1, 'a'], dtype=object)
"""

from .engine.reps import (
    ATOMS,
    REGISTRY,
    SUBCLASS_REGISTRY,
    Context,
    ExprRep,
    Import,
    Rep,
    UserRep,
    atom_text,
    find_import,
    object_array,
    register,
    rep_for,
    substitute,
    user_hook,
)

__all__ = [
    "ATOMS",
    "REGISTRY",
    "SUBCLASS_REGISTRY",
    "Context",
    "ExprRep",
    "Import",
    "Rep",
    "UserRep",
    "atom_text",
    "find_import",
    "object_array",
    "register",
    "rep_for",
    "substitute",
    "user_hook",
]
