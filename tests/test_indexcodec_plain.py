"""The index codec's path for plain JSON values writes exactly what its tagged path writes.

``indexcodec.encode`` dumps a value that is JSON as it is (most info records and small
results) without first copying it through ``_plain``; these tests hold it to the text
(or the refusal) the copying path gives, on the edge cases where the two could part:
shared lists, nans, NUL characters, nesting depth, the node budget, big integers and
subclasses of the JSON types.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from archived.store import indexcodec


def copying_encode(value: Any) -> str | None:
    """What encode wrote before the plain path: always through _plain's tagged copy."""
    try:
        plain = indexcodec._plain(value, [indexcodec.MAX_NODES], 0, set())
    except indexcodec._Refused:
        return None
    return indexcodec._DUMPS(plain)


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


class Str(str):
    pass


class Int(int):
    pass


class Float(float):
    pass


SHARED = [1, 2]
NAN = float("nan")
EDGES = [
    [NAN, NAN],
    {"a": NAN, "b": [NAN]},
    [-NAN],
    {"a": 1, "b": [1.5, None, True, "x"], "c": {"d": {}}},
    [SHARED, SHARED],
    {"x": SHARED, "y": [SHARED]},
    [float("nan")],
    {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")},
    {"\x00t": [1, 2]},
    {"a": "with a \x00 inside"},
    {"\\u0000t": "a key of the six characters \\u0000t"},
    ["\\u0000"],
    nested(99),
    nested(100),
    nested(101),
    [0] * (indexcodec.MAX_NODES - 1),
    [0] * indexcodec.MAX_NODES,
    {"a": [0] * (indexcodec.MAX_NODES - 2)},
    {"a": [0] * (indexcodec.MAX_NODES - 1)},
    [[0] * 50_000, [0] * 49_998],
    [[0] * 50_000, [0] * 49_999],
    2**10_000,
    2**10_001,
    [-(2**10_000)],
    {1: "int key"},
    {"a": 1, 2: "mixed keys"},
    {Str("k"): 1},
    [Str("s")],
    [Int(3)],
    [Float(0.5)],
    [True, False, 0, 1, -0.0, 0.0],
    [(1, 2)],
    {"t": (1,)},
    [b"bytes"],
    "a plain string",
    None,
    {},
    [],
]


@pytest.mark.parametrize("value", EDGES, ids=range(len(EDGES)))
def test_encode_writes_what_the_tagged_copy_writes_on_every_edge_case(value):
    assert indexcodec.encode(value) == copying_encode(value)


def random_value(rng: random.Random, depth: int, pool: list[Any]) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.45:
        return rng.choice(
            [
                rng.randint(-(2**70), 2**70),
                rng.random() * 10 ** rng.randint(-300, 300),
                float("nan"),
                rng.choice([True, False, None]),
                rng.choice(["", "x", "é", "\x00", "\\u0000", "a\nb", "\ud800"]),
                rng.choice([(1, 2), {1, 2}, b"\x00", 1j]),
            ]
        )
    if pool and roll < 0.5:
        return rng.choice(pool)  # a container met twice
    items = [random_value(rng, depth + 1, pool) for _ in range(rng.randint(0, 4))]
    if roll < 0.75:
        made: Any = items
    else:
        keys = [rng.choice(["a", "b", "\x00x", "c", 3, "d"]) for _ in items]
        made = dict(zip(keys, items, strict=True))
    pool.append(made)
    return made


def test_encode_writes_what_the_tagged_copy_writes_on_random_values():
    rng = random.Random(20261203)
    plain = 0
    for _ in range(3000):
        value = random_value(rng, 0, [])
        text = indexcodec.encode(value)
        assert text == copying_encode(value), value
        plain += text is not None and indexcodec._ESCAPED_TAG not in text
    assert plain > 300  # the plain path was taken, not only the tagged one
