"""Classes whose instances the representation tests store: importable, like a user's module.

Safe loads of them name this module in ``allow=["reps_models"]``.
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import functools
import io
import random
import types
import typing

import numpy as np


@dataclasses.dataclass
class Result:
    """A dataclass holding an array, a scalar and a list with a default."""

    energy: float
    field: np.ndarray
    tags: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Frozen:
    """Frozen, with a field the constructor does not take."""

    n: int
    doubled: int = dataclasses.field(init=False, default=0)

    def __post_init__(self):
        object.__setattr__(self, "doubled", 2 * self.n)


@dataclasses.dataclass
class Normalised:
    """A __post_init__ that replaces a field: the call form would not rebuild it."""

    values: list

    def __post_init__(self):
        self.values = sorted(self.values)


@dataclasses.dataclass
class Slotted:
    __slots__ = ("a", "b")
    a: int
    b: typing.Any


class Point(typing.NamedTuple):
    x: float
    y: float = 0.0


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Access(enum.Flag):
    READ = 1
    WRITE = 2


class Run:
    """A plain class whose state is its __init__ arguments."""

    def __init__(self, name, steps, *, seed=0):
        self.name = name
        self.steps = steps
        self.seed = seed

    def __eq__(self, other):
        return type(other) is Run and vars(other) == vars(self)


class Summary:
    """A plain class whose __init__ derives its state: stored as that state."""

    def __init__(self, values):
        self.total = sum(values)
        self.count = len(values)

    def __eq__(self, other):
        return type(other) is Summary and vars(other) == vars(self)


class WithFinalizer:
    """A __del__ that would act on its attributes: a safe load never builds it from state."""

    def __del__(self):
        getattr(self, "path", None)


try:
    import attr
except ImportError:  # attrs is optional: its tests skip
    attr = None

if attr is not None:

    @attr.define
    class Measured:
        """An attrs class with a private attribute (its init argument drops the '_')."""

        value: float
        _unit: str = "m"
        samples: list = attr.field(factory=list)


class Interval:
    """A __reduce__ that calls the class with its arguments: stored as that call."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __reduce__(self):
        return (Interval, (self.lo, self.hi))


class Grid:
    """A __reduce__ with a state dict beside the constructor's argument."""

    def __init__(self, n):
        self.n = n
        self.cells = [0] * n

    def __reduce__(self):
        return (Grid, (self.n,), {"cells": self.cells, "label": getattr(self, "label", None)})


class Tagged:
    """A __reduce__ whose state is a tuple that its own __setstate__ takes."""

    __slots__ = ("name", "tags")

    def __init__(self, name):
        self.name = name
        self.tags = ()

    def __reduce__(self):
        return (Tagged, (self.name,), tuple(self.tags))

    def __setstate__(self, state):
        self.tags = tuple(sorted(state))


def make_pair(a, b):
    """A plain function a __reduce__ may name."""
    return Pair(a, b)


class Pair:
    """A __reduce__ calling a module-level function, not the class."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __reduce__(self):
        return (make_pair, (self.a, self.b))


class Bag:
    """A __reduce__ with list items to append: only pickle rebuilds it."""

    def __init__(self):
        self.items = []

    def extend(self, items):
        self.items.extend(items)

    def __reduce__(self):
        return (Bag, (), None, iter(self.items))


class Counted:
    """Counts its constructions: a safe load that runs nothing leaves the count alone."""

    made = 0

    def __init__(self, v):
        Counted.made += 1
        self.v = v

    def __reduce__(self):
        return (Counted, (self.v,))


class Tally:
    """A callable object the module keeps one of: importable as a value, never the
    store's to change."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return self.count


TALLY = Tally()


class Unit:
    """Interned: its class call returns the one instance the class keeps of each name,
    shared by the whole process (as an enum member is)."""

    _made: typing.ClassVar[dict] = {}

    def __new__(cls, name):
        unit = cls._made.get(name)
        if unit is None:
            unit = cls._made[name] = super().__new__(cls)
            unit.name, unit.factor = name, 1.0
        return unit

    def __reduce__(self):
        return (Unit, (self.name,), {"factor": self.factor})


METRE = Unit("m")


class _Single(type):
    """A metaclass whose call returns the class's one instance."""

    def __call__(cls, *args):
        if "one" not in vars(cls):
            cls.one = super().__call__(*args)
        return cls.one


class Settings(metaclass=_Single):
    """One per process, made by its metaclass."""

    def __init__(self):
        self.level = 1


SETTINGS = Settings()
DEFAULT_GRID = Grid(4)


def default_grid():
    """A function returning the module's own Grid."""
    return DEFAULT_GRID


def scale(x, k=2):
    """A plain function, for the partials below."""
    return x * k


class Step(functools.partial):
    """A partial of a user's module: pickle (and archived) store it by partial's own
    reduction, ``set_state(Step(func), (func, args, keywords, attributes))``."""


class Field(np.ndarray):
    """An array subclass (stored as a pickle: no safe load ever calls it)."""


class Dice(random.Random):
    """A Random subclass: stored as ``set_state(Dice(), <Random's state>)``."""


class Log(io.FileIO):
    """A file class of a user's module: its constructor, io's, opens any path."""


class Blob(bytes):
    """A bytes subclass: its constructor is bytes'."""


class Tags(list):
    """A list subclass: its constructor is list's."""


class Options(types.SimpleNamespace):
    """A SimpleNamespace subclass: stored as a call of it with its attributes."""


class Kind(enum.Enum):
    """A member-less enum base of a user's module: its subclasses share its methods."""

    def describe(self):
        return self.name.lower()


class Lines(collections.UserList):
    """A list written in Python (collections'): its constructor is UserList's."""


class Lazy(map):
    """A map subclass: it holds a function it calls once iterated."""
