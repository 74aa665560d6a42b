"""Classes whose instances the representation tests store: importable, like a user's module.

Safe loads of them name this module in ``allow=["reps_models"]``.
"""

from __future__ import annotations

import dataclasses
import enum
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
