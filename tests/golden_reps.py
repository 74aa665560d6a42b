"""Shared steps of the representation tests: archive a value, compare its source with the
golden file ``tests/data/reps/<case>.py``, load it back trusted and safely.

Golden files are written once, by running the tests with ``ARCHIVED_WRITE_GOLDEN=1``, and
reviewed; afterwards any change of the source written for a value fails its test.
"""

import os
from pathlib import Path

from archived import Archive, restore

GOLDEN = Path(__file__).parent / "data" / "reps"


def source_of(value, folder, threshold=100):
    """The archive source of ``value`` as ``value``, big arrays in ``folder/value.h5``."""
    arch = Archive(array_threshold=threshold, datafile=str(Path(folder) / "value.h5"))
    arch.insert(value=value)
    return str(arch)


def readable_source_of(value, folder):
    """:func:`source_of` ``value``, asserting that no part of it was pickled (a
    ``PickleWarning`` raised, or a pickle in the source)."""
    import warnings

    from archived.errors import PickleWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", PickleWarning)
        source = source_of(value, folder)
    assert "_loads(" not in source and "pickle" not in source
    return source


def check_golden(case, source):
    """``source`` is byte for byte the kept golden file of ``case``."""
    path = GOLDEN / f"{case}.py"
    if os.environ.get("ARCHIVED_WRITE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(source)
    assert path.exists(), f"no golden file {path}: run with ARCHIVED_WRITE_GOLDEN=1 and review"
    assert source == path.read_text(), f"the source written for {case!r} changed"


def loads(source, folder, safe=False, allow=("reps_models",)):
    """The value of ``source``, executed, or evaluated safely trusting ``allow``."""
    if safe:
        return restore(source, datadir=str(folder), safe=True, allow=allow)["value"]
    return restore(source, datadir=str(folder))["value"]


def identical(a, b):
    """Same type and same contents all the way down: arrays by dtype, shape and bytes,
    objects by their attributes."""
    import numpy as np

    from archived.engine.reps_objects import instance_state

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(identical, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(identical(a[k], b[k]) for k in a)
    if type(a).__module__ == "reps_models" and not isinstance(a, (tuple, int)):
        return identical(instance_state(a), instance_state(b))
    return bool(a == b)
