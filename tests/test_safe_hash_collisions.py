"""A safe load refuses a set or dict whose keys were crafted to share one hash value:
Python hashes an int by its value modulo 2**61 - 1, so ``{k * (2**61 - 1) for k in
range(40_000)}`` (an entry file of 1 MB) took 14 s to load safely, and 4 MB minutes, each
key compared with every one before it, while every budget of the load held."""

from __future__ import annotations

import pytest

from archived import DataSet, UnsafeArchiveError, restore
from archived.load.hashes import MAX_SAME_HASH
from archived.store import indexcodec

P = 2**61 - 1  # every multiple of it hashes to 0
CROWDED = [k * P for k in range(1, 2001)]


def _src(value_src):
    return f"from collections import Counter as _C\nx = {value_src}\ndel _C\n"


@pytest.mark.parametrize(
    "value_src",
    [
        "{" + ", ".join(map(str, CROWDED)) + "}",
        "{" + ", ".join(f"{k}: 0" for k in CROWDED) + "}",
        "frozenset([" + ", ".join(map(str, CROWDED)) + "])",
        "dict([" + ", ".join(f"({k}, 0)" for k in CROWDED) + "])",
        "_C([" + ", ".join(map(str, CROWDED)) + "])",
    ],
    ids=["set display", "dict display", "frozenset of a list", "dict of pairs", "Counter"],
)
def test_a_safe_load_refuses_keys_crafted_to_share_one_hash(value_src):
    src = _src(value_src).replace("frozenset(", "_f(").replace("dict(", "_d(")
    src = "from builtins import frozenset as _f, dict as _d\n" + src + "del _f, _d\n"
    with pytest.raises(UnsafeArchiveError, match="sharing one hash value"):
        restore(src, safe=True)


def test_a_safe_datasets_entry_of_keys_sharing_one_hash_is_refused_a_trusted_one_loads(
    tmp_path,
):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.crowded = set(CROWDED)  # (the user's own: written and read trusted as ever)
    assert DataSet("s", "r", path=str(tmp_path)).crowded == set(CROWDED)
    safe = DataSet("s", "r", path=str(tmp_path), safe=True)
    with pytest.raises(UnsafeArchiveError, match="2000 keys sharing one hash value"):
        _ = safe.crowded


def test_sets_and_dicts_a_program_makes_load_safely():
    # -1 and -2 share a hash, a key written twice is one key, a str's hash is random
    for value in (
        set(range(-5000, 5000)),
        {-1: "a", -2: "b", **{k * P: k for k in range(MAX_SAME_HASH)}},
        {f"k{i}": i for i in range(5000)},
    ):
        assert restore(f"x = {value!r}\n", safe=True)["x"] == value
    duplicates = "{" + ", ".join(["7"] * 1000) + "}"
    assert restore(f"x = {duplicates}\n", safe=True) == {"x": {7}}


def test_the_index_never_decodes_keys_crafted_to_share_one_hash():
    text = indexcodec.encode(set(CROWDED))
    assert text is not None
    with pytest.raises(ValueError, match="malformed set"):
        indexcodec.decode(text)
    assert indexcodec.decode(indexcodec.encode({k * P: 0 for k in range(8)})) == {
        k * P: 0 for k in range(8)
    }


def test_literal_tuples_sharing_one_hash_are_compared_a_bounded_number_of_times(monkeypatch):
    # equal literal tuples are one object, as the compiler makes them, found in a dict
    # of those seen: tuples of ints crafted to share a hash ([(k * (2**61 - 1),) ...])
    # were each compared with all before them (20,000 of them: 6.7 s). Counted here
    # with keys that all share a hash and count their comparisons
    import archived.load.evaluator as evaluator

    compared = [0]

    class Key:
        def __init__(self, value):
            self.value = value

        def __hash__(self):
            return 0

        def __eq__(self, other):
            compared[0] += 1
            return isinstance(other, Key) and self.value == other.value

    key_of = evaluator._constant_key
    monkeypatch.setattr(evaluator, "_constant_key", lambda value: Key(key_of(value)))
    n = 500
    src = "x = [" + ", ".join(f"({k * P},)" for k in range(1, n + 1)) + ", (P,)]\n"
    src = src.replace("(P,)", f"({P},)")
    x = restore(src, safe=True)["x"]
    assert x == [(k * P,) for k in range(1, n + 1)] + [(P,)]
    assert x[0] is x[-1]  # (an equal tuple kept is still the one object)
    assert compared[0] <= 2 * MAX_SAME_HASH * n
