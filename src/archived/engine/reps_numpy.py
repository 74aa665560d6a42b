"""numpy's array subclasses (masked arrays, record arrays, ``np.matrix``) and its random
generators.

Each array subclass is written as a call of a small rebuilding function of ``archived.reps`` around
plain arrays, which are archived like any array (inline when small, in the HDF5 data
file when big), so their bytes, dtype and memory order come back exactly:

* ``masked_array(data, mask, fill_value=..., hard_mask=True)`` -- the data keeps the
  values under the mask too; ``mask=None`` stands for numpy's ``nomask``;
* ``record_array(data)`` -- the structured array viewed as ``np.recarray``;
* ``matrix(data)`` -- the 2-d array viewed as ``np.matrix``;
* ``masked()`` -- the ``np.ma.masked`` constant.

A random generator is written as its state, so the restored one continues with the very
numbers the stored one would have drawn, and spawns the same children:

* ``bit_generator(state, seed_sequence)`` -- one of numpy's bit generators (``MT19937``,
  ``PCG64``, ``PCG64DXSM``, ``Philox``, ``SFC64``) with its ``state`` dict and the
  ``SeedSequence`` it was seeded from (none for legacy seeding or a Philox key);
* ``seed_sequence(entropy, spawn_key=..., pool_size=..., n_children_spawned=...)``;
* ``numpy_generator(bit_generator)`` -- ``np.random.Generator``;
* ``numpy_random_state(bit_generator, gauss=...)`` -- ``np.random.RandomState``, with the
  second normal of a pair it holds back, if any.

>>> import numpy as np
>>> from archived import Archive
>>> a = Archive()
>>> a.insert(m=np.ma.MaskedArray([1, 2], mask=[False, True]))
'm'
>>> print(str(a).splitlines()[2])
m = _masked_array(_array([1, 2], dtype='int64'), _array([False, True], dtype='bool'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .callrep import helper_call
from .repbase import REGISTRY, Context, Rep

__all__ = [
    "masked_array",
    "record_array",
    "matrix",
    "masked",
    "bit_generator",
    "seed_sequence",
    "numpy_generator",
    "numpy_random_state",
]


def _masked(m: Any, ctx: Context) -> Rep:
    mask = None if m.mask is np.ma.nomask else np.ma.getmaskarray(m)
    kwargs: dict[str, Any] = {}
    if m._fill_value is not None:  # None: numpy's default, chosen again on load
        kwargs["fill_value"] = m._fill_value[()]
    if m.hardmask:
        kwargs["hard_mask"] = True
    return helper_call("masked_array", [np.ma.getdata(m), mask], kwargs)


def _record(r: Any, ctx: Context) -> Rep:
    return helper_call("record_array", [r.view(np.ndarray)])


def _matrix(m: Any, ctx: Context) -> Rep:
    return helper_call("matrix", [m.view(np.ndarray)])


def _masked_constant(m: Any, ctx: Context) -> Rep:
    return helper_call("masked")


# numpy's bit generators by name: the only classes bit_generator() makes
_BIT_GENERATORS = ("MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64")


def _bit_generator(bg: Any, ctx: Context) -> Rep | None:
    name = type(bg).__name__
    if name not in _BIT_GENERATORS or getattr(np.random, name) is not type(bg):
        return None
    seeds = bg.seed_seq
    if not (name in _SEEDLESS if seeds is None else type(seeds) is np.random.SeedSequence):
        return None  # seeded from a sequence of another kind: the next rule
    if _stuck(name, bg.state["state"]):
        return None  # set by hand to a state bit_generator() refuses: the next rule
    return helper_call("bit_generator", [bg.state] if seeds is None else [bg.state, seeds])


def _seed_sequence(ss: Any, ctx: Context) -> Rep:
    state = ss.state
    defaults = {"spawn_key": (), "pool_size": 4, "n_children_spawned": 0}
    kwargs = {k: state[k] for k, v in defaults.items() if state[k] != v}
    entropy = state["entropy"]
    if isinstance(entropy, (list, tuple)):
        entropy = [int(w) for w in entropy]  # numpy ints read as the same words
    elif isinstance(entropy, np.integer):
        entropy = int(entropy)
    return helper_call("seed_sequence", [entropy], kwargs)


def _generator(g: Any, ctx: Context) -> Rep:
    return helper_call("numpy_generator", [g.bit_generator])


def _random_state(rs: Any, ctx: Context) -> Rep:
    state = rs.get_state(legacy=False)
    kwargs = {"gauss": state["gauss"]} if state["has_gauss"] else {}
    return helper_call("numpy_random_state", [rs._bit_generator], kwargs)


REGISTRY.update(
    {
        np.ma.MaskedArray: _masked,
        np.recarray: _record,
        np.matrix: _matrix,
        np.ma.core.MaskedConstant: _masked_constant,
        np.random.SeedSequence: _seed_sequence,
        np.random.Generator: _generator,
        np.random.RandomState: _random_state,
        **{getattr(np.random, name): _bit_generator for name in _BIT_GENERATORS},
    }
)


# --------------------------------------------------------------------------- rebuilding


def _plain_array(a: Any, what: str) -> np.ndarray:
    if type(a) is not np.ndarray or a.dtype.hasobject:
        raise TypeError(f"{what} must be a numpy array of values, not {type(a).__qualname__}")
    return a


def masked_array(
    data: np.ndarray, mask: np.ndarray | None, fill_value: Any = None, hard_mask: bool = False
) -> np.ma.MaskedArray:
    """A masked array over ``data`` (not copied) with ``mask`` (None: no mask at all).

    >>> masked_array(np.arange(3.0), np.array([True, False, False]))
    masked_array(data=[--, 1.0, 2.0],
                 mask=[ True, False, False],
           fill_value=1e+20)
    """
    _plain_array(data, "masked_array() data")
    if mask is not None:
        _plain_array(mask, "masked_array() mask")
        if mask.dtype.kind != "b" and mask.dtype.names is None or mask.shape != data.shape:
            raise TypeError("masked_array() needs a boolean mask of the data's shape")
    if not (fill_value is None or isinstance(fill_value, (np.generic, int, float, str, bytes))):
        raise TypeError(f"masked_array() fill_value of a {type(fill_value).__qualname__}")
    if type(hard_mask) is not bool:
        raise TypeError("masked_array() hard_mask must be True or False")
    return np.ma.MaskedArray(
        data,
        mask=np.ma.nomask if mask is None else mask,
        fill_value=fill_value,
        hard_mask=hard_mask,
        copy=False,
        shrink=False,
    )


def record_array(data: np.ndarray) -> np.recarray:
    """The structured array ``data`` viewed as a record array (no copy).

    >>> record_array(np.zeros(2, dtype=[("x", "<f8")])).x
    array([0., 0.])
    """
    _plain_array(data, "record_array() data")
    if data.dtype.names is None:
        raise TypeError("record_array() needs a structured array")
    return data.view(np.recarray)


def matrix(data: np.ndarray) -> np.matrix[Any, Any]:
    """The 2-d array ``data`` viewed as ``np.matrix`` (no copy).

    >>> matrix(np.eye(2))
    matrix([[1., 0.],
            [0., 1.]])
    """
    _plain_array(data, "matrix() data")
    if data.ndim != 2:
        raise TypeError("matrix() needs a 2-d array")
    return data.view(np.matrix)


def masked() -> Any:
    """numpy's ``np.ma.masked`` constant.

    >>> masked() is np.ma.masked
    True
    """
    return np.ma.masked


# bit generators that have no seed sequence when seeded the legacy way (RandomState's
# MT19937) or from a key (Philox): how to make one so
_SEEDLESS = {
    "MT19937": lambda cls: _legacy_mt19937(cls),
    "Philox": lambda cls: cls(key=0),
}


def _legacy_mt19937(cls: Any) -> Any:
    bg = cls(0)
    bg._legacy_seeding(0)
    return bg


# the largest value of each integer field of a bit generator's state (other fields: 128
# bits); a position past the end of its buffer would make numpy read past it
_STATE_MAX = {"pos": 624, "buffer_pos": 4, "has_uint32": 1, "uinteger": 2**32 - 1}


def _same_layout(given: Any, template: Any, key: str = "") -> bool:
    """Whether ``given`` has the keys, types, dtypes and shapes of ``template`` (a state
    numpy itself made) and integers within their field's bounds."""
    if type(template) is dict:
        return (
            type(given) is dict
            and list(given) == list(template)
            and all(_same_layout(given[k], template[k], k) for k in template)
        )
    if type(template) is np.ndarray:
        return (
            type(given) is np.ndarray
            and given.dtype == template.dtype
            and given.shape == template.shape
        )
    if type(template) is int:
        return type(given) is int and 0 <= given <= _STATE_MAX.get(key, 2**128 - 1)
    return type(given) is type(template) and given == template  # the name


def bit_generator(state: dict[str, Any], seed_sequence: Any = None) -> Any:
    """One of numpy's bit generators in ``state`` (its ``.state``), seeded from
    ``seed_sequence`` (its ``.seed_seq``: what ``spawn()`` derives children from).

    >>> bg = np.random.PCG64(7)
    >>> again = bit_generator(bg.state, seed_sequence(7))
    >>> again.random_raw() == bg.random_raw()
    True
    """
    name = state.get("bit_generator") if type(state) is dict else None
    if name not in _BIT_GENERATORS:
        raise TypeError(
            f"bit_generator() of a state naming {name!r:.40} (one of {', '.join(_BIT_GENERATORS)})"
        )
    cls = getattr(np.random, name)
    if seed_sequence is None:
        if name not in _SEEDLESS:
            raise TypeError(f"bit_generator() of {name} needs its seed sequence")
        bg = _SEEDLESS[name](cls)
    elif type(seed_sequence) is np.random.SeedSequence:
        bg = cls(seed_sequence)
    else:
        raise TypeError("bit_generator() seed_sequence must be a SeedSequence or None")
    if not _same_layout(state, bg.state):
        raise TypeError(f"bit_generator() of a state no {name} has (its fields, types or bounds)")
    if _stuck(name, state["state"]):
        raise TypeError(
            f"bit_generator() of a {name} state numpy never makes, whose stream is constant "
            "(every sampler that rejects a draw, such as integers(0, 3), loops for ever)"
        )
    bg.state = state
    return bg


def mt_state_is_zero(words: np.ndarray) -> bool:
    """Whether the Mersenne Twister state ``words`` (624 uint32) has none of its 19,937
    bits set (the top bit of the first word, all of the others): then it draws 0 for
    ever, a state no seeding makes.

    >>> mt_state_is_zero(np.zeros(624, np.uint32)), mt_state_is_zero(np.ones(624, np.uint32))
    (True, False)
    """
    return not (int(words[0]) & 0x80000000 or words[1:].any())


def _stuck(name: str, state: dict[str, Any]) -> bool:
    """Whether a bit generator's ``state`` (of the layout numpy makes) can reach a
    constant stream: an all-zero Mersenne Twister, or a PCG whose increment is even
    (numpy's is always odd, which makes its period full; an even one has fixed points,
    0 with an increment of 0).  SFC64 and Philox count, and never repeat a draw for ever."""
    if name == "MT19937":
        return mt_state_is_zero(state["key"])
    if name in ("PCG64", "PCG64DXSM"):
        return state["inc"] % 2 == 0
    return False


# a seed sequence's pool: numpy's default is 4 words; more is allowed, within reason
MAX_POOL = 2**16


def seed_sequence(
    entropy: Any, spawn_key: tuple[int, ...] = (), pool_size: int = 4, n_children_spawned: int = 0
) -> Any:
    """``np.random.SeedSequence`` with these fields (its ``.state``).

    >>> seed_sequence(5, spawn_key=(1,)).spawn(1)[0].spawn_key
    (1, 0)
    """
    words = entropy if type(entropy) is list else [entropy]
    if type(entropy) is np.ndarray:
        words = [] if entropy.ndim != 1 or entropy.dtype.kind not in "iu" else [0]
    ok = (
        all(type(w) is int and w >= 0 for w in words)
        and (len(words) > 0 or type(entropy) is np.ndarray and entropy.size == 0)
        and type(spawn_key) is tuple
        and all(type(k) is int and k >= 0 for k in spawn_key)
        and type(pool_size) is int
        and 4 <= pool_size <= MAX_POOL
        and type(n_children_spawned) is int
        and n_children_spawned >= 0
    )
    if not ok:
        raise TypeError(
            "seed_sequence() needs entropy (a non-negative int, or a list or 1-d array of "
            f"them), a tuple of ints as spawn_key, a pool_size from 4 to {MAX_POOL} and a "
            "non-negative n_children_spawned"
        )
    return np.random.SeedSequence(
        entropy, spawn_key=spawn_key, pool_size=pool_size, n_children_spawned=n_children_spawned
    )


def _numpy_bit_generator(bg: Any, what: str) -> None:
    name = type(bg).__name__
    if name not in _BIT_GENERATORS or getattr(np.random, name) is not type(bg):
        raise TypeError(f"{what} needs one of numpy's bit generators, not {type(bg).__qualname__}")


def numpy_generator(bit_generator: Any) -> np.random.Generator:
    """``np.random.Generator`` drawing from ``bit_generator`` (not copied).

    >>> numpy_generator(np.random.PCG64(1)).random() == np.random.default_rng(1).random()
    True
    """
    _numpy_bit_generator(bit_generator, "numpy_generator()")
    return np.random.Generator(bit_generator)


def numpy_random_state(bit_generator: Any, gauss: float | None = None) -> np.random.RandomState:
    """``np.random.RandomState`` drawing from ``bit_generator`` (not copied), holding back
    ``gauss``, the second normal of a pair (None: none).

    >>> rs = np.random.RandomState(3)
    >>> numpy_random_state(rs._bit_generator).randint(100) == np.random.RandomState(3).randint(100)
    True
    """
    _numpy_bit_generator(bit_generator, "numpy_random_state()")
    if not (gauss is None or type(gauss) is float):
        raise TypeError("numpy_random_state() gauss must be None or a float")
    rs = np.random.RandomState(bit_generator)
    state = rs.get_state(legacy=False)
    state["has_gauss"], state["gauss"] = (0, 0.0) if gauss is None else (1, gauss)
    rs.set_state(state)
    return rs
