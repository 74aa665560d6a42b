"""``archived.reps``: a module path written into archives; it never moves.

Archive source names ``from archived.reps import object_array`` (numpy object arrays),
``from_state`` (instances rebuilt from their attributes), ``set_state`` (the state of
an instance whose ``__reduce__`` calls its class) and the rebuilding functions
of the optional libraries (pandas, xarray, scipy, numpy's masked and record arrays), and
user code registers representations through ``register_call`` or ``register``, and
lets safe loads call its constructors with ``allow_constructor(module, name, guard)``.
The code lives in :mod:`archived.engine` and :mod:`archived.load`; this module only
re-exports it.

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
    from_state,
    object_array,
    register,
    register_call,
    rep_for,
    set_state,
    substitute,
    user_hook,
)
from .engine.reps_numpy import (
    bit_generator,
    masked,
    masked_array,
    matrix,
    numpy_generator,
    numpy_random_state,
    record_array,
    seed_sequence,
)
from .engine.reps_pandas import (
    categorical,
    categorical_dtype,
    dataframe,
    datetime_array,
    index,
    masked_extension_array,
    multi_index,
    not_a_time,
    not_available,
    range_index,
    series,
    string_array,
    timedelta,
    timestamp,
)
from .engine.reps_scipy import sparse
from .engine.reps_stdlib import python_array, python_random
from .engine.reps_xarray import data_array, dataset
from .load.allowlist import allow_constructor

__all__ = [
    "categorical",
    "categorical_dtype",
    "dataframe",
    "datetime_array",
    "index",
    "masked_extension_array",
    "multi_index",
    "not_a_time",
    "not_available",
    "range_index",
    "series",
    "string_array",
    "timedelta",
    "timestamp",
    "sparse",
    "python_random",
    "python_array",
    "bit_generator",
    "seed_sequence",
    "numpy_generator",
    "numpy_random_state",
    "data_array",
    "dataset",
    "masked",
    "masked_array",
    "matrix",
    "record_array",
    "ATOMS",
    "REGISTRY",
    "SUBCLASS_REGISTRY",
    "Context",
    "ExprRep",
    "Import",
    "Rep",
    "UserRep",
    "allow_constructor",
    "atom_text",
    "find_import",
    "from_state",
    "object_array",
    "register",
    "register_call",
    "rep_for",
    "set_state",
    "substitute",
    "user_hook",
]
