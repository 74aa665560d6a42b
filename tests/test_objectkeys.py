"""Every argument a scientist passes is keyed by content, or refused without a wrong
workaround: objects by state, dates, decimals, functions, masked arrays, xarray."""

import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import pathlib
import re
import threading
import typing
import uuid
import zoneinfo

import numpy as np
import pytest

from archived.cache.decorator import archived
from archived.cache.hashing import hash_value
from archived.cache.recorded import readable
from archived.errors import UnkeyableArgumentError
from helpers import RunLog


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "results")


# ---- the bugs reported: a workaround that returned another call's result -----------------


class Model:
    def __init__(self, k):
        self.k = k

    def run(self, x):
        return self.k * x


def test_a_method_is_keyed_by_its_objects_state_so_two_models_are_two_calls(store):
    Model.cached_run = archived(store)(Model.run)
    assert Model(3).cached_run(2) == 6
    assert Model(5).cached_run(2) == 10
    assert Model(3).cached_run(2) == 6 and len(Model.cached_run.calls()) == 2


@dataclasses.dataclass(frozen=True)
class Config:
    n: int
    start: datetime.datetime
    scale: decimal.Decimal = decimal.Decimal("1.0")


def test_a_frozen_dataclass_config_and_a_datetime_are_keyed_by_value(store):
    runs = RunLog()

    @archived(store)
    def simulate(config, when):
        runs.append(config.n)
        return (config.n, when.year)

    day = datetime.datetime(2024, 5, 1)
    assert simulate(Config(3, day), day) == (3, 2024)
    assert simulate(Config(5, day), day) == (5, 2024)
    assert simulate(Config(3, day), datetime.datetime(2025, 5, 1)) == (3, 2025)
    assert simulate(Config(3, datetime.datetime(2024, 5, 1)), day) == (3, 2024)
    assert runs == [3, 5, 3]


def test_an_unkeyable_argument_is_refused_without_suggesting_to_leave_it_out(store):
    class Holder:
        def __init__(self):
            self.lock = threading.Lock()
            self.n = 3

    f = archived(store)(lambda model: model.n)
    with pytest.raises(UnkeyableArgumentError) as info:
        f(Holder())
    message = str(info.value)
    assert "at model.__dict__['lock']" in message and "__archived_key__()" in message
    assert "pass ignore" not in message and "Only if 'model' cannot change the result" in message


def test_a_compiled_regex_is_keyed_by_its_pattern_and_flags(store):
    # pickle takes a re.Pattern apart through copyreg: so does the key, so a regex
    # argument is keyed, not refused as state that cannot be read
    @archived(store)
    def matches(pattern, text):
        return bool(pattern.match(text))

    assert matches(re.compile("a+"), "AAA") is False
    assert matches(re.compile("a+", re.IGNORECASE), "AAA") is True  # another call
    assert matches.is_cached(re.compile("a+"), "AAA")
    assert not matches.is_cached(re.compile("b+"), "AAA")
    assert len(matches.calls()) == 2


# ---- equal values share a key, different values do not -----------------------------------


class Point(typing.NamedTuple):
    x: float
    y: float


class Plain:
    def __init__(self, a, b):
        self.a, self.b = a, b


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class WithState:
    def __init__(self, a, scratch):
        self.a, self.scratch = a, scratch

    def __getstate__(self):
        return {"a": self.a}  # scratch does not change what it computes


class Mode(enum.Enum):
    FAST = 1
    SLOW = 2


class Settings(dict):
    pass


KEYED_BY_VALUE = [
    ("dataclass", lambda v: Config(v, datetime.datetime(2020, 1, 1))),
    ("mutable dataclass", lambda v: dataclasses.make_dataclass("D", ["a"])(v)),
    ("namedtuple", lambda v: Point(v, 0.0)),
    ("collections namedtuple", lambda v: collections.namedtuple("P", "x y")(v, 1)),
    ("plain object", lambda v: Plain(v, [1, 2])),
    ("slots", lambda v: Slotted(v, "b")),
    ("getstate", lambda v: WithState(v, object())),
    ("dict subclass", lambda v: Settings(a=v)),
    ("enum", lambda v: Mode.FAST if v == 1 else Mode.SLOW),
    ("datetime", lambda v: datetime.datetime(2020, 1, v, 12, 30)),
    ("aware datetime", lambda v: datetime.datetime(2020, 1, v, tzinfo=datetime.timezone.utc)),
    ("date", lambda v: datetime.date(2020, 1, v)),
    ("time", lambda v: datetime.time(v, 30)),
    ("timedelta", lambda v: datetime.timedelta(hours=v)),
    ("decimal", lambda v: decimal.Decimal(v) / 4),
    ("fraction", lambda v: fractions.Fraction(v, 3)),
    ("uuid", lambda v: uuid.UUID(int=v)),
    ("path", lambda v: pathlib.PurePosixPath(f"/data/run{v}")),
    ("masked array", lambda v: np.ma.masked_array([1.0, v], mask=[False, True])),
    ("function", lambda v: (lambda x: x + 1) if v == 1 else (lambda x: x + 2)),
    ("partial", lambda v: functools.partial(max, v)),
    ("class", lambda v: int if v == 1 else float),
    ("ufunc", lambda v: np.sin if v == 1 else np.cos),
]


@pytest.mark.parametrize("make", dict(KEYED_BY_VALUE).values(), ids=dict(KEYED_BY_VALUE))
def test_equal_values_share_a_key_and_different_values_do_not(make):
    assert hash_value(make(1)) == hash_value(make(1))
    assert hash_value(make(1)) != hash_value(make(2))


def test_dates_keep_time_zone_and_fold_apart():
    naive = datetime.datetime(2021, 11, 7, 1, 30)
    utc = naive.replace(tzinfo=datetime.timezone.utc)
    paris = naive.replace(tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    folded = naive.replace(tzinfo=zoneinfo.ZoneInfo("America/New_York"), fold=1)
    keys = {hash_value(v) for v in (naive, utc, paris, folded, folded.replace(fold=0))}
    assert len(keys) == 5


def test_decimals_are_keyed_by_their_exact_digits():
    # 1.0 and 1.00 are equal but round differently: two keys
    assert hash_value(decimal.Decimal("1.0")) != hash_value(decimal.Decimal("1.00"))


def test_a_masked_arrays_mask_fill_value_and_hidden_data_are_all_in_the_key():
    base = np.ma.masked_array([1.0, 2.0], mask=[False, True], fill_value=0.0)
    other_mask = np.ma.masked_array([1.0, 2.0], mask=[True, False], fill_value=0.0)
    other_hidden = np.ma.masked_array([1.0, 9.0], mask=[False, True], fill_value=0.0)
    other_fill = np.ma.masked_array([1.0, 2.0], mask=[False, True], fill_value=-1.0)
    keys = {hash_value(a) for a in (base, other_mask, other_hidden, other_fill)}
    assert len(keys) == 4


def test_a_function_argument_is_keyed_by_code_defaults_and_closure():
    def power(p):
        return lambda x: x**p

    assert hash_value(power(2)) == hash_value(power(2)) != hash_value(power(3))

    def scaled(x, k=2):
        return k * x

    def rescaled(x, k=3):
        return k * x

    rescaled.__qualname__ = scaled.__qualname__  # same name, other default
    assert hash_value(scaled) != hash_value(rescaled)


def test_a_cached_function_argument_is_keyed_by_its_identity_and_version(store):
    def g(x):
        return x

    assert hash_value(archived(store)(g)) == hash_value(archived(store)(g))
    assert hash_value(archived(store)(g)) != hash_value(archived(store, version="2")(g))


def test_objects_that_refer_to_each_other_are_keyed_and_told_apart():
    def tree(value):
        parent = Plain(value, None)
        parent.b = Plain("child", parent)
        return parent

    assert hash_value(tree(1)) == hash_value(tree(1)) != hash_value(tree(2))


def test_a_cached_property_computed_or_not_does_not_change_the_key():
    class Grid:
        def __init__(self, n):
            self.n = n

        @functools.cached_property
        def points(self):
            return list(range(self.n))

    fresh, used = Grid(3), Grid(3)
    assert used.points == [0, 1, 2]
    assert hash_value(fresh) == hash_value(used)


def test_a_class_gives_its_own_key_with_archived_key():
    class Solver:
        def __init__(self, tolerance):
            self.tolerance = tolerance
            self.cache = threading.Lock()  # not keyable, and no part of the result

        def __archived_key__(self):
            return {"tolerance": self.tolerance}

    assert hash_value(Solver(1e-6)) == hash_value(Solver(1e-6)) != hash_value(Solver(1e-3))


def test_attrs_classes_are_keyed_by_their_fields():
    attr = pytest.importorskip("attr")

    @attr.define(frozen=True)
    class Grid:
        n: int
        spacing: float

    assert hash_value(Grid(3, 0.5)) == hash_value(Grid(3, 0.5)) != hash_value(Grid(3, 0.25))
    assert readable(Grid(3, 0.5)) == "Grid(n=3, spacing=0.5)"


def test_xarray_objects_are_keyed_by_values_coordinates_and_attributes():
    xr = pytest.importorskip("xarray")

    def array(unit="m", values=(1.0, 2.0), coords=(10, 20)):
        return xr.DataArray(
            np.array(values), dims="x", coords={"x": list(coords)}, attrs={"unit": unit}
        )

    base = hash_value(array())
    assert base == hash_value(array())
    assert len({base, hash_value(array(unit="s")), hash_value(array(values=(1.0, 3.0)))}) == 3
    assert base != hash_value(array(coords=(10, 30)))
    assert hash_value(array().to_dataset(name="v")) != hash_value(array().to_dataset(name="w"))


def test_readable_parameters_describe_objects_by_their_fields():
    assert readable(Config(3, datetime.datetime(2020, 1, 1))) == (
        "Config(n=3, start=datetime.datetime(2020, 1, 1, 0, 0), scale=Decimal('1.0'))"
    )
    assert readable(Point(1.0, 2.0)) == "Point(x=1.0, y=2.0)"
    assert readable(datetime.date(2020, 1, 2)) == datetime.date(2020, 1, 2)
    assert readable(Slotted(1, 2)).startswith("<test_objectkeys.Slotted key=")


def test_a_path_argument_is_keyed_by_its_text_not_by_the_file_it_names(store, tmp_path):
    # what the README says: the same path answers with the stored result after the file
    # changed, and the file's contents as the argument are keyed by value
    data = tmp_path / "input.csv"
    data.write_text("1,2\n")

    @archived(store)
    def total(path):
        return sum(int(v) for v in pathlib.Path(path).read_text().split(","))

    @archived(store)
    def total_of(text):
        return sum(int(v) for v in text.split(","))

    assert total(data) == 3 and total_of(data.read_text()) == 3
    data.write_text("5,5\n")
    assert total(data) == 3  # keyed by the path's text: the stored result
    assert total_of(data.read_text()) == 10


@pytest.mark.parametrize(
    "make",
    [
        lambda: np.random.default_rng(1),
        lambda: np.random.RandomState(1),
        lambda: np.random.PCG64(1),
        lambda: __import__("random").Random(1),
    ],
    ids=["Generator", "RandomState", "bit generator", "random.Random"],
)
def test_a_random_generator_argument_is_refused_naming_it_and_saying_pass_a_seed(tmp_path, make):
    # a hit returned the result without advancing the caller's generator, which a miss
    # advanced: the draws after the call differed between a cold and a warm run
    from archived import archived
    from archived.errors import UnkeyableArgumentError

    @archived(str(tmp_path / "s"))
    def noise(n, rng):
        return [float(rng.random()) for _ in range(n)]

    with pytest.raises(UnkeyableArgumentError, match="parameter 'rng'") as err:
        noise(3, make())
    assert "pass a seed" in str(err.value).lower() and "ignore=" not in str(err.value)
    with pytest.raises(UnkeyableArgumentError, match=r"parameter 'rng'.*at rng\[0\]"):
        noise(3, [make()])
    assert list(noise) == []


class _MyPCG64(np.random.PCG64):
    pass


def test_a_random_generator_of_a_users_subclass_is_refused_as_one(tmp_path):
    # the check asked for numpy's own module: a subclass of PCG64 in the user's module was
    # keyed by its state, or refused only by the SeedSequence inside it, named as such
    from archived import archived
    from archived.errors import UnkeyableArgumentError

    @archived(str(tmp_path / "s"))
    def draw(bits):
        return int(bits.random_raw())

    with pytest.raises(UnkeyableArgumentError, match="a random number generator") as err:
        draw(_MyPCG64(1))
    assert "at bits " not in str(err.value) and "pass a seed" in str(err.value).lower()


def test_a_seed_sequence_argument_is_refused_saying_pass_its_entropy_and_spawn_key(tmp_path):
    # spawn() inside the call advanced the caller's SeedSequence on a miss only: after a
    # cold run its next spawn() gave other children than after a warm one
    from archived import archived
    from archived.errors import UnkeyableArgumentError

    @archived(str(tmp_path / "s"))
    def child_seeds(seeds, n):
        return [int(child.generate_state(1)[0]) for child in seeds.spawn(n)]

    seeds = np.random.SeedSequence(42)
    with pytest.raises(UnkeyableArgumentError, match="parameter 'seeds'") as err:
        child_seeds(seeds, 2)
    message = str(err.value)
    assert "SeedSequence" in message and "entropy" in message and "spawn_key" in message
    assert "ignore=" not in message
    assert seeds.n_children_spawned == 0 and list(child_seeds) == []
    with pytest.raises(UnkeyableArgumentError, match=r"parameter 'seeds'.*at seeds\['s'\]"):
        child_seeds({"s": seeds}, 2)

    class Seeds(np.random.SeedSequence):  # a subclass of the user's spawns alike
        pass

    with pytest.raises(UnkeyableArgumentError, match="SeedSequence"):
        child_seeds(Seeds(42), 2)

    @archived(str(tmp_path / "s"))
    def child_seeds_of(entropy, spawn_key, n):
        seeds = np.random.SeedSequence(entropy, spawn_key=spawn_key)
        return [int(child.generate_state(1)[0]) for child in seeds.spawn(n)]

    assert child_seeds_of(42, (), 2) == child_seeds_of(42, (), 2)
    assert child_seeds_of.is_cached(42, (), 2)
