"""An entry records the digest of each array it keeps in a data file, so a data file
swapped with another entry's, renamed over it or changed on disk never answers a call
with the wrong array: the entry is damaged (kept aside, computed again), and ``verify``
says so.  Entries written before the digest load as they always did."""

import json
import os
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from archived import DamagedEntryWarning, DataSet, archived, restore, sweep
from archived.cli import main
from archived.errors import DamagedArrayError, DamagedEntryError, UnsafeArchiveError
from archived.store.integrity import verify

DATA = Path(__file__).parent / "data"
N = 20_000  # elements: above the store's threshold, so each result goes to a data file


CALLS: list[int] = []  # a global: a list a cached function closed over would be keyed


def ramp(n):
    CALLS.append(n)
    return np.arange(n, dtype=np.float64) * 0.5


def _cached(folder, **options):
    CALLS.clear()
    return archived(str(folder), **options)(ramp), CALLS


def _data_file(folder, name):
    [file] = [f for f in os.listdir(folder) if f.startswith(name + ".") and f.endswith(".h5")]
    return os.path.join(folder, file)


def _swap(first, second):
    os.rename(first, first + ".swap")
    os.rename(second, first)
    os.rename(first + ".swap", second)


def _two_swapped(folder, **options):
    """Store ramp(N) and ramp(N + 1), then swap their data files; return both names."""
    ramp, calls = _cached(folder, **options)
    ramp(N), ramp(N + 1)
    names = sorted(ramp.dataset)
    _swap(_data_file(folder, names[0]), _data_file(folder, names[1]))
    return ramp, calls, names


def _kept_aside(folder):
    damaged = os.path.join(folder, ".damaged")
    return sorted(f for d in os.listdir(damaged) for f in os.listdir(os.path.join(damaged, d)))


@pytest.mark.parametrize(
    "options",
    [{}, {"mmap_mode": "r"}, {"compress": True}],
    ids=["read", "memory-mapped", "zlib-compressed"],
)
def test_swapped_data_files_never_answer_a_call_with_the_other_calls_array(tmp_path, options):
    folder = tmp_path / "runs"
    ramp, calls, names = _two_swapped(folder, **options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = ramp(N), ramp(N + 1)
    np.testing.assert_array_equal(first, np.arange(N) * 0.5)
    np.testing.assert_array_equal(second, np.arange(N + 1) * 0.5)
    assert calls == [N, N + 1, N, N + 1]  # both computed again
    assert [w.category for w in caught].count(DamagedEntryWarning) == 2
    # nothing deleted: both entries and their (swapped) data files are kept aside
    kept = _kept_aside(folder)
    assert sorted(f for f in kept if f.endswith(".py")) == sorted(n + ".py" for n in names)
    assert len([f for f in kept if f.endswith(".h5")]) == 2
    assert ramp(N).shape == (N,) and calls == [N, N + 1, N, N + 1]  # stored anew: a hit


def test_a_data_file_renamed_over_another_entrys_is_not_a_hit(tmp_path):
    folder = tmp_path / "runs"
    ramp, calls = _cached(folder)
    ramp(N), ramp(N + 1)
    small, big = sorted(ramp.dataset, key=lambda name: os.path.getsize(_data_file(folder, name)))
    os.replace(_data_file(folder, big), _data_file(folder, small))
    with pytest.warns(DamagedEntryWarning):
        np.testing.assert_array_equal(ramp(N), np.arange(N) * 0.5)
    assert calls == [N, N + 1, N]


def test_verify_exits_1_naming_both_entries_whose_data_files_were_swapped(tmp_path, capsys):
    folder = tmp_path / "runs"
    _, _, names = _two_swapped(folder)
    for safe in (False, True):
        report = verify(folder, safe=safe)
        assert not report.ok and sorted(report.damaged) == names
        assert all("not those its entry recorded" in report.damaged[n] for n in names)
    assert main(["verify", str(folder), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False and sorted(document["damaged"]) == names
    assert main(["verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert all(f"damaged entry {n}" in out for n in names)


def _flip_a_byte_of(path, key="a0"):
    """Flip one byte in the middle of array ``key``'s bytes, where the file's index says
    they lie (the file's size, names and index unchanged: bit rot)."""
    from archived.engine.hdf5 import _read_trailer

    with open(path, "rb") as f:
        index, _ = _read_trailer(f)
    at = index[key]["offset"] + index[key]["nbytes"] // 2
    with open(path, "r+b") as f:
        f.seek(at)
        byte = f.read(1)
        f.seek(at)
        f.write(bytes([byte[0] ^ 0x10]))


def test_a_byte_flipped_inside_a_stored_array_is_reported_by_verify_and_never_a_hit(
    tmp_path, capsys
):
    folder = tmp_path / "runs"
    ramp, calls = _cached(folder)
    ramp(N)
    [name] = ramp.dataset
    _flip_a_byte_of(_data_file(folder, name))
    assert main(["verify", str(folder), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert list(document["damaged"]) == [name]
    with pytest.warns(DamagedEntryWarning):
        np.testing.assert_array_equal(ramp(N), np.arange(N) * 0.5)
    assert calls == [N, N]


def test_a_dataset_entry_read_from_a_swapped_data_file_raises_rather_than_answering(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.a, ds.b = np.zeros(N), np.ones(N)
    _swap(_data_file(ds._path, "a"), _data_file(ds._path, "b"))
    for reader in (ds, DataSet("s", path=str(tmp_path), mmap_mode="r")):
        with pytest.raises(DamagedEntryError, match="not .* its entry"):
            _ = reader.a


def test_sweeps_and_shelved_calls_never_load_a_swapped_array(tmp_path):
    folder = tmp_path / "runs"
    ramp, calls, _ = _two_swapped(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedEntryWarning)
        values = sweep(ramp, {"n": [N, N + 1]}, progress=False)
    assert [v.shape for v in values] == [(N,), (N + 1,)]
    assert calls == [N, N + 1, N, N + 1]
    ramp2, calls2, _ = _two_swapped(tmp_path / "other")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedEntryWarning)
        handles = [
            sweep(ramp2, {"n": [N]}, progress=False, results="lazy")[0],
            ramp2.call_and_shelve(N + 1),
        ]
    # a handle's load of a damaged entry computes the call's result, as the call does (the
    # damaged file kept aside): never the other's array
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = [handle.load() for handle in handles]
    np.testing.assert_array_equal(loaded[0], np.arange(N) * 0.5)
    np.testing.assert_array_equal(loaded[1], np.arange(N + 1) * 0.5)
    assert calls2 == [N, N + 1, N, N + 1]
    assert all("not those its entry recorded" in str(w.message) for w in caught) and caught


def test_a_data_file_changed_under_a_memory_map_is_caught_by_verify(tmp_path):
    # a hit memory-maps without reading the bytes (the file's index is checked, not
    # its bytes): bit rot inside a mapped array is left to verify, which reads them
    folder = tmp_path / "runs"
    ramp, _ = _cached(folder, mmap_mode="r")
    ramp(N)
    [name] = ramp.dataset
    _flip_a_byte_of(_data_file(folder, name))
    assert sorted(verify(folder).damaged) == [name]


def test_an_entry_written_before_array_digests_loads_and_verify_counts_it_ok(tmp_path, capsys):
    store = tmp_path / "store_0_1_0"
    shutil.copytree(DATA / "store_0_1_0", store)
    ds = DataSet("store_0_1_0", path=str(tmp_path))
    assert "digest=" not in (store / "curve.py").read_text()
    np.testing.assert_array_equal(ds.curve, np.linspace(0.0, 1.0, 2000))
    mapped = DataSet("store_0_1_0", path=str(tmp_path), mmap_mode="r").curve
    np.testing.assert_array_equal(mapped, np.linspace(0.0, 1.0, 2000))
    report = verify(store)
    assert report.ok and report.no_array_digest == ["curve"]
    assert main(["verify", str(store), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["no_array_digest"] == ["curve"]
    assert main(["verify", str(store)]) == 0
    assert "no array digests (curve)" in capsys.readouterr().out


def test_new_entries_name_each_arrays_digest_and_verify_counts_none_unchecked(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = {"a": np.arange(N), "b": np.ones(N)}
    text = (Path(ds._path) / "x.py").read_text()
    assert text.count(", digest='") == 2
    report = verify(ds._path)
    assert report.ok and report.no_array_digest == []


def _source_with_digest(tmp_path, digest_text):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = np.arange(N)
    text = (Path(ds._path) / "x.py").read_text()
    value = text[text.index("# ---- value ----") :]
    genuine = value[value.index(", digest=") : value.index(")\n")]
    return ds._path, value.replace(genuine, digest_text)


@pytest.mark.parametrize(
    "digest_text",
    [
        ", digest=5",
        ", digest=b'0123456789abcdef0123456789abcdef'",
        ", digest='Z' * 32",
        ", digest='0123456789ABCDEF0123456789ABCDEF'",
        ", digest='" + "0" * 100_000 + "'",
        ", digest=('0' * 32,)",
        ", digest=__import__('os').getcwd()",
        ", checksum='" + "0" * 32 + "'",
    ],
    ids=["int", "bytes", "expression", "upper-hex", "huge", "tuple", "call", "other-keyword"],
)
def test_a_safe_load_refuses_a_crafted_digest_before_opening_the_data_file(tmp_path, digest_text):
    folder, source = _source_with_digest(tmp_path, digest_text)
    for f in os.listdir(folder):  # opened, the load would say the file is missing
        if f.endswith(".h5"):
            os.remove(os.path.join(folder, f))
    with pytest.raises(UnsafeArchiveError):
        restore(source, datadir=folder, safe=True)


def test_a_safe_load_checks_a_genuine_digest(tmp_path):
    folder, source = _source_with_digest(tmp_path, "")
    genuine = (Path(folder) / "x.py").read_text()
    value = genuine[genuine.index("# ---- value ----") :]
    np.testing.assert_array_equal(restore(value, datadir=folder, safe=True)["x"], np.arange(N))
    wrong = re.sub(r"digest='[0-9a-f]{32}'", "digest='" + "0" * 32 + "'", value)
    assert wrong != value
    with pytest.raises(DamagedArrayError, match="not those its entry recorded"):
        restore(wrong, datadir=folder, safe=True)


def zeros(shape, dtype="float64"):
    CALLS.append(shape)
    return np.zeros(shape, dtype=dtype)


def _pytables_only(path):
    """Cut the data file at ``path`` back to its HDF5 part (its index gone: the file is
    read through PyTables, as another tool's or one HDF5 extended)."""
    from archived.engine.hdf5 import _read_trailer

    with open(path, "rb") as f:
        _, end = _read_trailer(f)
    os.truncate(path, end)


@pytest.mark.parametrize(
    "options",
    [{}, {"mmap_mode": "r"}, {"compress": True}, {"through": "PyTables"}],
    ids=["read", "memory-mapped", "zlib-compressed", "PyTables"],
)
@pytest.mark.parametrize(
    "pair",
    [(((100, 200), "float64"), ((200, 100), "float64")), (((N,), "float64"), ((N,), "int64"))],
    ids=["shapes", "dtypes"],
)
def test_swapped_data_files_of_the_same_bytes_read_another_way_are_no_hit(tmp_path, options, pair):
    # np.zeros((100, 200)) and np.zeros((200, 100)) have the same bytes: a digest of the
    # bytes alone took either data file for the other's, and verify said OK
    folder = tmp_path / "runs"
    options = dict(options)
    through = options.pop("through", None)
    cached = archived(str(folder), **options)(zeros)
    CALLS.clear()
    first, second = (cached(shape, dtype) for shape, dtype in pair)
    names = sorted(cached.dataset)
    files = [_data_file(folder, name) for name in names]
    if through:
        for file in files:
            _pytables_only(file)
    assert verify(folder).ok  # (the PyTables read checks the digest too)
    _swap(*files)
    assert sorted(verify(folder).damaged) == names
    with pytest.warns(DamagedEntryWarning):
        again = [cached(shape, dtype) for shape, dtype in pair]
    assert [(a.shape, a.dtype) for a in again] == [
        (first.shape, first.dtype),
        (second.shape, second.dtype),
    ]
    assert CALLS == [shape for shape, _ in pair] * 2  # both computed again


def _bytes_digest_only(folder, name):
    """Rewrite entry ``name``'s source to name each array by the digest of its bytes
    alone, as archived wrote it before it named the layout too (the digest its data
    file's index keeps)."""
    from archived.engine.hdf5 import _read_trailer

    path = os.path.join(folder, name + ".py")
    with open(_data_file(folder, name), "rb") as f:
        index, _ = _read_trailer(f)
    text = open(path).read()
    for key, entry in index.items():
        text, done = re.subn(
            rf"('{key}', digest=)'[0-9a-f]{{32}}'", rf"\1'{entry['digest']}'", text
        )
        assert done == 1
    with open(path, "w") as f:
        f.write(text)


def test_an_entry_naming_its_arrays_bytes_digest_alone_loads_as_it_was_written(tmp_path):
    # a store written before the layout was named: its entries are not damaged (a
    # DataSet raised DamagedEntryError on every array, a call set each aside)
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.a, ds.b = np.zeros((100, 200)), np.ones((200, 100), dtype=np.int32)
    for name in ("a", "b"):
        _bytes_digest_only(ds._path, name)
    for options in ({}, {"mmap_mode": "r"}):
        reader = DataSet("s", path=str(tmp_path), **options)
        assert (reader.a.shape, reader.b.dtype) == ((100, 200), np.int32)
        assert (reader.b == 1).all()
    safely = DataSet("s", path=str(tmp_path), safe=True)
    assert safely.a.shape == (100, 200)
    assert verify(ds._path).ok
    _swap(_data_file(ds._path, "a"), _data_file(ds._path, "b"))  # other bytes: caught
    with pytest.raises(DamagedEntryError):
        _ = DataSet("s", path=str(tmp_path)).a
