"""The store interface's contract, run over every store kind and every lock kind.

As zarr's ``StoreTests``: one class of tests per part of the contract of
:class:`archived.store.backend.Store`, subclassed once per kind of store (the native
store read by executing or safely, the read-only persist store) and, for writes, once
per lock kind (``fcntl``, ``soft``).  A new store kind passes these or is not done.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from archived.errors import InvalidNameError, LockTimeout, ReadOnlyError
from archived.store.backend import Store
from archived.store.dataset import DataSet, open_store
from archived.store.locking import StoreLock
from archived.store.native import NativeStore
from archived.store.persist_compat import PersistStore
from helpers import snapshot
from test_dataset import _persist_layout  # the files persist 3.2.1 writes

INFOS = {"a": "info of a", "x_0": (10, 1.2)}
IMPOSSIBLE = ["../a", "_x", "", "class", "a.b", "x_0.py"]


def same(value, expected):
    if isinstance(expected, np.ndarray):
        return isinstance(value, np.ndarray) and np.array_equal(value, expected)
    return type(value) is type(expected) and value == expected


VALUES = {"a": [1, 2.5, "x"], "x_0": np.arange(20.0)}


class ReadContract:
    """Reading: every kind, whatever wrote it.  ``make(folder)`` returns a store holding
    exactly the entries of VALUES/INFOS (as persist's test layout does)."""

    def make(self, folder: str) -> Store:
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path):
        return self.make(str(tmp_path / "s"))

    def test_names_are_the_sorted_entries(self, store):
        assert store.names() == ["a", "x_0"]

    def test_contains_agrees_with_names_and_is_false_for_impossible_names(self, store):
        assert store.contains("a") and store.contains("x_0")
        assert not store.contains("missing")
        for name in IMPOSSIBLE:
            assert not store.contains(name), name

    def test_info_and_value_read_back_what_was_stored(self, store):
        for name in VALUES:
            assert same(store.info(name), INFOS[name])
            assert same(store.value(name), VALUES[name])

    def test_missing_and_impossible_names_raise_key_error(self, store):
        for name in ["missing", *IMPOSSIBLE]:
            with pytest.raises(KeyError):
                store.info(name)
            with pytest.raises(KeyError):
                store.value(name)

    def test_info_items_are_every_entry_with_its_info(self, store):
        assert dict(store.info_items()) == INFOS

    def test_a_dataset_on_it_shows_the_same_entries(self, store):
        ds = DataSet(os.path.basename(store.folder), path=os.path.dirname(store.folder))
        assert sorted(ds) == ["a", "x_0"] and len(ds) == 2 and "a" in ds and "b" not in ds
        assert ds["x_0"] == (10, 1.2) and ds.a == [1, 2.5, "x"]
        with pytest.raises(AttributeError):
            _ = ds.missing

    def test_a_read_only_store_refuses_every_write_and_changes_nothing(self, store):
        if store.writable:
            pytest.skip("this store object was opened for writing")
        before = snapshot(store.folder)
        for write in (
            lambda: store.commit("b", 1, "i"),
            lambda: store.set_info("a", "new"),
            lambda: store.delete("a"),
            lambda: store.new_name("x_", 0),
        ):
            with pytest.raises(ReadOnlyError):
                write()
        assert snapshot(store.folder) == before


def _fill(folder: str, **options) -> None:
    writer = NativeStore.open(folder, writable=True, array_threshold=10, **options)
    for name, value in VALUES.items():
        writer.commit(name, value, INFOS[name])
    writer.close()


class TestNativeStoreReading(ReadContract):
    def make(self, folder):
        _fill(folder)
        return open_store(folder)


class TestNativeStoreSafeReading(ReadContract):
    def make(self, folder):
        _fill(folder)
        return open_store(folder, load={"safe": True})


class TestNativeStoreReadingWhileWritable(ReadContract):
    def make(self, folder):
        _fill(folder)
        return open_store(folder, writable=True)


class TestPersistStore(ReadContract):
    def make(self, folder):
        _persist_layout(folder)
        store = open_store(folder)
        assert isinstance(store, PersistStore)
        return store

    def test_it_never_opens_for_writing_or_for_a_safe_load(self, tmp_path):
        folder = str(tmp_path / "s")
        _persist_layout(folder)
        before = snapshot(folder)
        with pytest.raises(ReadOnlyError, match="persist"):
            open_store(folder, writable=True)
        with pytest.raises(ValueError, match="is a persist store"):
            open_store(folder, load={"safe": True})
        assert snapshot(folder) == before


# ---- writing: the native store, under each lock kind --------------------------------------


class WriteContract:
    locking: str

    @pytest.fixture
    def store(self, tmp_path):
        return NativeStore.open(
            str(tmp_path / "s"), writable=True, locking=self.locking, timeout=5
        )

    def test_commit_then_read_back_and_overwrite_replaces_value_and_info(self, store):
        store.commit("e", [1], "first")
        assert (store.names(), store.info("e"), store.value("e")) == (["e"], "first", [1])
        store.commit("e", np.ones(200), "second")
        assert store.info("e") == "second" and np.array_equal(store.value("e"), np.ones(200))
        store.commit("e", 3, keep_info=True)
        assert (store.info("e"), store.value("e")) == ("second", 3)

    def test_set_info_keeps_the_value_and_makes_a_new_entry_with_value_none(self, store):
        store.commit("e", [1], "first")
        store.set_info("e", {"k": 2})
        store.set_info("f", "only info")
        assert (store.info("e"), store.value("e")) == ({"k": 2}, [1])
        assert (store.info("f"), store.value("f")) == ("only info", None)

    def test_delete_says_whether_the_entry_existed(self, store):
        store.commit("e", np.ones(200))
        assert store.delete("e") and not store.delete("e")
        assert store.names() == [] and not store.contains("e")
        assert not [f for f in os.listdir(store.folder) if f.endswith(".h5")]

    def test_impossible_names_are_refused_and_nothing_is_written(self, store):
        before = snapshot(store.folder)
        for name in IMPOSSIBLE:
            with pytest.raises(InvalidNameError):
                store.commit(name, 1)
            with pytest.raises(InvalidNameError):
                store.set_info(name, 1)
            with pytest.raises(InvalidNameError):
                store.delete(name)
        assert snapshot(store.folder) == before

    def test_reserved_names_are_distinct_until_released(self, store):
        first, n = store.new_name("x_", 0)
        second, m = store.new_name("x_", 0)
        assert (first, n, second, m) == ("x_0", 0, "x_1", 1)
        store.release_name(first)
        assert store.new_name("x_", 0) == ("x_0", 0)

    def test_a_commit_waits_for_the_store_lock_and_times_out_changing_nothing(self, store):
        store.commit("e", 1, "i")
        before = snapshot(store.folder)
        late = NativeStore.open(store.folder, writable=True, locking=self.locking, timeout=0.1)
        with StoreLock(store.lock.lock_path, soft=self.locking == "soft"):
            with pytest.raises(LockTimeout):
                late.commit("e", 2)
        assert snapshot(store.folder) == before
        late.commit("e", 2, keep_info=True)
        assert (store.info("e"), store.value("e")) == ("i", 2)

    def test_a_store_holding_its_lock_for_its_lifetime_releases_it_on_close(self, store):
        folder = store.folder
        holder = NativeStore.open(folder, writable=True, synchronize=False, locking=self.locking)
        with pytest.raises(LockTimeout):
            NativeStore.open(
                folder, writable=True, synchronize=False, locking=self.locking, timeout=0.1
            )
        holder.commit("e", 1)
        holder.close()
        holder.close()  # idempotent
        again = NativeStore.open(
            folder, writable=True, synchronize=False, locking=self.locking, timeout=0.1
        )
        again.close()
        assert store.value("e") == 1


class TestNativeStoreWritingWithFcntlLocks(WriteContract):
    locking = "fcntl"


class TestNativeStoreWritingWithSoftLocks(WriteContract):
    locking = "soft"


def test_every_store_kind_runs_the_conformance_suite():
    def kinds(cls):
        for sub in cls.__subclasses__():
            if not getattr(sub, "__abstractmethods__", None):
                yield sub
            yield from kinds(sub)

    tested = {NativeStore, PersistStore}
    assert set(kinds(Store)) == tested
