"""A block whose stored result answers while a variable it reads (not a parameter)
changed since its last entry in the program says so: ``for mu in mus: with
archived(path, n=10) as rec:`` answered every ``mu`` with the first one's result
without a word."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from archived import BlockInputWarning, archived


def test_a_loop_variable_left_out_of_the_parameters_is_named_when_the_block_hits(tmp_path):
    store = str(tmp_path / "blocks")
    results = []
    with pytest.warns(BlockInputWarning) as caught:
        for mu in (1.0, 2.0, 3.0):
            with archived(store, n=10) as rec:
                if not rec.cached:
                    rec.result = mu * rec.parameters["n"]
            results.append(rec.result)
    assert results == [10.0, 10.0, 10.0]  # the key holds n alone: what the warning says
    [warning] = [w for w in caught if w.category is BlockInputWarning]  # once per block
    assert warning.message.names == ["mu"]
    assert "mu has changed since" in str(warning.message)
    assert "archived(path, mu=mu, ...)" in str(warning.message)


def test_a_loop_variable_given_as_a_parameter_computes_each_value_without_a_warning(tmp_path):
    store = str(tmp_path / "blocks")
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for mu in (1.0, 2.0):
            with archived(store, mu=mu, n=10) as rec:
                if not rec.cached:
                    rec.result = rec.parameters["mu"] * rec.parameters["n"]
            results.append(rec.result)
    assert results == [10.0, 20.0]


def test_unchanged_inputs_and_the_blocks_own_variables_give_no_warning(tmp_path):
    store = str(tmp_path / "blocks")
    data = np.arange(500.0)  # read by the block, the same on every pass
    scale = 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for attempt in range(3):
            with archived(store, n=4) as rec:
                if not rec.cached:
                    total = 0.0  # set by the block itself: its own variable
                    for i in range(rec.parameters["n"]):
                        total += data[i] * scale
                    rec.result = total
            assert rec.cached == (attempt > 0)
            data = data.copy()  # another object, the same values
    assert rec.result == 12.0


def test_a_changed_array_read_by_the_block_is_named(tmp_path):
    store = str(tmp_path / "blocks")
    data = np.zeros(300)
    with pytest.warns(BlockInputWarning, match="data has changed since"):
        for _ in range(2):
            with archived(store, n=1) as rec:
                if not rec.cached:
                    rec.result = float(data.sum())
            data = data + 1.0
    assert rec.result == 0.0


class _AttrConfig(dict):
    """A config read by attribute, as many scripts write it: a missing attribute raises
    KeyError (dict's), not AttributeError."""

    __getattr__ = dict.__getitem__


def test_a_value_whose_getattr_raises_keyerror_does_not_break_the_block(tmp_path):
    store = str(tmp_path / "blocks")
    cfg = _AttrConfig(mu=2.0)
    results = []
    for _ in range(2):
        with archived(store, n=3) as rec:  # raised KeyError('nbytes') on entry
            if not rec.cached:
                rec.result = cfg.mu * rec.parameters["n"]
        results.append(rec.result)
    assert results == [6.0, 6.0]


class _Sized(list):
    """A list whose length cannot be told (a lazy sequence of a user's)."""

    def __len__(self) -> int:
        raise RuntimeError("length unknown until loaded")


def test_a_value_whose_len_raises_does_not_break_the_block(tmp_path):
    store = str(tmp_path / "blocks")
    seq = _Sized([1.0, 2.0])
    with archived(store, n=3) as rec:
        if not rec.cached:
            rec.result = seq[0] * rec.parameters["n"]
    assert rec.result == 3.0


@pytest.mark.parametrize("kind", ["dataframe", "str", "bytes"])
def test_a_big_dataframe_or_string_is_left_out_of_the_digest_as_a_big_array_is(kind, monkeypatch):
    # a 320 MB DataFrame (it has no nbytes) was digested on every entry of the block:
    # 0.43 s added to a hit of 0.2 ms
    from archived.cache import blockinputs

    monkeypatch.setattr(blockinputs, "_MAX_BYTES", 1000)
    if kind == "dataframe":
        pd = pytest.importorskip("pandas")
        value = pd.DataFrame({"a": np.zeros(200), "b": np.zeros(200)})
    else:
        value = "x" * 2000 if kind == "str" else b"x" * 2000
    assert blockinputs._costly(value)
    assert not blockinputs._costly(value[:10] if kind != "dataframe" else value.head(10))


def test_a_block_holding_a_string_at_the_margin_still_names_its_changed_variable(tmp_path):
    # a triple-quoted string's lines at column 0 left the with statement indented after
    # dedent: its source did not parse, and the loop variable was never checked
    store = str(tmp_path / "blocks")
    with pytest.warns(BlockInputWarning, match="mu has changed since"):
        for mu in (1.0, 2.0):
            with archived(store, n=10) as rec:
                if not rec.cached:
                    label = """
a note at the margin"""
                    rec.result = mu * rec.parameters["n"] + len(label) * 0
    assert rec.result == 10.0


@dataclasses.dataclass
class _Recording:
    signal: np.ndarray
    rate: float


@pytest.mark.parametrize("holder", ["dict", "list", "dataclass", "nested"])
def test_a_big_array_inside_a_container_or_object_is_left_out_of_the_digest(holder, monkeypatch):
    # only the value itself was sized: data = {"signal": <256 MiB>} (or a dataclass or
    # list holding it) was digested on every entry of a block reading it, 10 ms added
    # to a hit of 0.4 ms (a bare array of that size is left out)
    from archived.cache import blockinputs

    monkeypatch.setattr(blockinputs, "_MAX_BYTES", 1000)
    for signal, costly in ((np.zeros(200), True), (np.zeros(20), False)):
        value = {
            "dict": {"signal": signal, "rate": 2.0},
            "list": [1.0, signal],
            "dataclass": _Recording(signal, 2.0),
            "nested": {"runs": [_Recording(signal, 2.0)]},
        }[holder]
        assert blockinputs._costly(value) is costly


def test_containers_of_many_items_in_all_are_left_out_of_the_digest(monkeypatch):
    # 10,000 items at the top were left out, but 100 lists of 100,000 floats were walked
    from archived.cache import blockinputs

    monkeypatch.setattr(blockinputs, "_MAX_ITEMS", 100)
    assert blockinputs._costly([[0.0] * 60, [0.0] * 60])
    assert not blockinputs._costly([[0.0] * 40, [0.0] * 40])
