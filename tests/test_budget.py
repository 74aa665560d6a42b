"""A safe load does work proportional to the size of its source: tiny hostile archives
that asked for hours or gigabytes are refused with a BudgetExceededError naming the
budget and how to raise it, and raising it lets the same (trusted) archive load."""

import ast

import pytest

from archived import Archive, BudgetExceededError, DataSet, Limits, restore
from archived.load.budget import BYTES_CAP, ELEMENTS_CAP, parse_cost


def laughs_source(levels, width=10, tail=""):
    """A 'billion laughs': each name lists the one before ``width`` times."""
    lines = [f"_g0 = [{', '.join(['1'] * width)}]"]
    for i in range(1, levels + 1):
        lines.append(f"_g{i} = [{', '.join([f'_g{i - 1}'] * width)}]")
    return "\n".join(lines) + f"\nx = _g{levels}\n{tail}" + deleted(levels + 1)


def deleted(count):
    """``del`` of the helper names ``_g0`` ... as the engine writes it."""
    return "".join(f"del _g{i}\n" for i in range(count))


def refused(src, budget, **kwargs):
    with pytest.raises(BudgetExceededError) as info:
        restore(src, safe=True, **kwargs)
    assert info.value.budget == budget
    assert f"limits=Limits({budget}=...)" in str(info.value)
    return info.value


def test_a_kilobyte_of_shared_references_is_refused_by_its_element_count():
    src = laughs_source(9)  # 10**10 elements once expanded
    assert len(src) < 1100
    refused(src, "max_elements")


def test_a_set_of_hugely_shared_tuples_is_refused_before_it_is_hashed():
    src = laughs_source(9, tail="y = {_g9, (_g9,)}\n").replace("[", "(").replace("]", ")")
    refused(src, "max_elements")


def test_shared_references_load_once_the_caller_raises_the_budget():
    src = laughs_source(3)
    err = refused(src, "max_elements", limits=Limits(max_elements=5_000))
    assert "max_elements=5000" in str(err)
    value = restore(src, safe=True, limits=Limits(max_elements=20_000))["x"]
    assert value[0][0][0] is value[9][9][9]  # shared, as written: never copied


def test_one_big_string_named_many_times_counts_every_time():
    src = f"_g1 = {'x' * 1_000_000!r}\nx = [{', '.join(['_g1'] * 1000)}]\ndel _g1\n"
    err = refused(src, "max_bytes", max_bytes=40_000_000)
    assert "a use of '_g1'" in str(err)
    assert len(restore(src, safe=True, max_bytes=2_000_000_000)["x"]) == 1000


@pytest.mark.parametrize("char, fits", [("x", True), ("é", False), ("\U0001f600", False)])
def test_strings_are_counted_at_their_real_width(char, fits):
    src = f"_g1 = {char * 300_000!r}\nx = [_g1, _g1, _g1, _g1, _g1]\ndel _g1\n"
    limits = Limits(max_bytes=parse_cost(src) + 5 * 300_000 + 1000)  # one byte a character
    if fits:
        assert restore(src, safe=True, limits=limits)["x"][4] == char * 300_000
    else:
        refused(src, "max_bytes", limits=limits)


def test_an_array_of_a_string_named_many_times_is_charged_at_its_real_width():
    src = (
        "from numpy import array as _a\n"
        f"_g1 = {'x' * 100_000!r}\nx = _a([{', '.join(['_g1'] * 1000)}])\n"
    )
    err = refused(src, "max_bytes", max_bytes=300_000_000)
    assert "numpy.array() of 400000000 bytes" in str(err)


def test_names_nested_deeper_than_max_depth_are_refused_before_anything_hashes_them():
    lines = ["_g0 = (1,)"] + [f"_g{i} = (_g{i - 1},)" for i in range(1, 5000)]
    src = "\n".join(lines) + "\nx = {_g4999}\n" + deleted(5000)
    err = refused(src, "max_depth")
    assert "201 levels" in str(err)
    assert restore(src, safe=True, limits=Limits(max_depth=6000))["x"]


@pytest.mark.parametrize(
    "src",
    [
        f"from decimal import Decimal as _D\nx = _D({hex(1 << 2_700_000)})\n",
        f"from decimal import Decimal as _D\nx = _D('{'9' * 800_000}')\n",
        f"from fractions import Fraction as _F\nx = _F({hex(1 << 100_000)}, 3)\n",
        f"from builtins import float as _f\nx = _f('{'1' * 100_000}')\n",
        f"from numpy import float64 as _f\nx = _f('{'1' * 100_000}')\n",
        f"x = {hex(1 << 100_000)}\n",
    ],
    ids=["decimal-of-hex", "decimal-of-text", "fraction", "float", "numpy-scalar", "literal"],
)
def test_numbers_of_more_digits_than_max_digits_are_refused_before_converting(src):
    refused(src, "max_digits")


def test_a_small_store_cannot_ask_for_gigabytes(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = [1, 2, 3]
    entry = tmp_path / "s" / "x.py"
    text = entry.read_text().replace(
        "x = [1, 2, 3]", "from numpy import zeros as _z\nx = _z((1073741824,))"
    )
    entry.write_text(text + "# " + "-" * 12_000 + "\n")  # 12.5 kB on disk
    with pytest.raises(BudgetExceededError, match="numpy.zeros.. of 8589934592 bytes.*default"):
        _ = DataSet("s", path=tmp_path, safe=True).x


def test_the_parse_is_charged_before_the_source_is_parsed(monkeypatch):
    src = "x = [" + "0," * 1_000_000 + "]\n"
    calls = []
    monkeypatch.setattr(ast, "parse", lambda *a, **k: calls.append(1))
    err = refused(src, "max_bytes", max_bytes=100_000_000)
    assert "parsing the source" in str(err) and not calls


@pytest.mark.parametrize(
    "src",
    [
        "x = [" + ", ".join([element] * 3000) + "]\n"
        for element in ["0", "1.5", "'ab'", "[]", "_g", "(1, 2)", "{1: 2}", "_f(a=1)", "a.b.c"]
    ]
    + [
        "x\n" * 3000,
        "x = [" + "a," * 3000 + "]",
        "x = [" + "~~~~a," * 3000 + "]",
        "x = [" + "a[b]," * 3000 + "]",
        "x = [" + "a is b," * 3000 + "]",
        "from a import b as c\n" * 1000,
        "x = " + repr("\U0001f600" * 30_000),
        "x = 0x" + "f" * 100_000,
    ],
    ids=lambda src: repr(src[4:12]),
)
def test_the_parse_estimate_covers_what_parsing_takes(src):
    import tracemalloc

    tracemalloc.start()
    try:
        tree = ast.parse(src)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del tree
    assert peak < parse_cost(src)


def test_default_budgets_grow_with_the_size_on_disk_up_to_a_cap():
    small, large, huge = (Limits().budget(n) for n in (1_000, 1_000_000, 10**12))
    assert small.max_elements < large.max_elements < huge.max_elements == ELEMENTS_CAP
    assert small.max_bytes < large.max_bytes < huge.max_bytes == BYTES_CAP
    assert Limits(max_bytes=5).budget(10**12).max_bytes == 5


def test_data_files_allow_their_own_size_so_big_arrays_load_by_default(tmp_path):
    import numpy as np

    a = Archive(array_threshold=10, datafile=tmp_path / "d.h5")
    big = np.arange(9_000_000, dtype=np.float64)  # 72 MB: more than the default floor
    a.insert(x=big, y=[big, big])
    out = restore(str(a), safe=True, datadir=tmp_path)
    assert out["x"].size == big.size and out["y"][0] is out["y"][1]


def test_budgets_are_counted_per_load_and_reported_with_the_entry(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    for i in range(3):
        setattr(ds, f"e{i}", list(range(1000)))
    safe = DataSet("s", path=tmp_path, safe=True, limits=Limits(max_elements=1500))
    assert [len(getattr(safe, f"e{i}")) for i in range(3)] == [1000] * 3


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_limits_must_be_non_negative_ints(bad):
    with pytest.raises(TypeError, match="max_bytes="):
        Limits(max_bytes=bad)


def test_a_safe_dataset_read_counts_shared_strings_on_every_path(tmp_path):
    ds = DataSet("s", "w", path=tmp_path)
    ds.x = [1]
    entry = tmp_path / "s" / "x.py"
    shared = f"_g1 = {'x' * 1_000_000!r}\nx = [{', '.join(['_g1'] * 1000)}]\ndel _g1\n"
    entry.write_text(entry.read_text().replace("x = [1]\n", shared))
    assert len(DataSet("s", path=tmp_path).x) == 1000  # what the store says, trusted
    with pytest.raises(BudgetExceededError, match="max_bytes"):
        _ = DataSet("s", path=tmp_path, safe=True).x  # 1 GB of text from a 6 MB file


def _sparse_copy(path, target):
    """Rewrite the data file ``path`` with its bytes where they were and holes between."""
    import os

    data = path.read_bytes()
    path.unlink()
    with open(path, "wb") as f:
        for start in range(0, len(data), 4096):
            block = data[start : start + 4096]
            if block.count(0) == len(block):
                f.seek(len(block), os.SEEK_CUR)  # a hole, as `cp --sparse=always` leaves
            else:
                f.write(block)
        f.truncate(len(data))
    st = os.stat(path)
    if st.st_blocks * 512 >= target:
        pytest.skip("this filesystem keeps no holes")


def test_an_array_of_zeros_held_as_holes_loads_within_the_allowance_for_them(tmp_path):
    # a store copied with rsync -S, or kept on ZFS, holds zeros as holes: safe loads read
    # them up to UNHELD_BYTES a load (and four times what the disk holds besides)
    import numpy as np

    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.zeros(6_000_000)  # 48 MB
    (data,) = (tmp_path / "s").glob("x.*.h5")
    _sparse_copy(data, 2**20)
    assert DataSet("s", path=tmp_path, safe=True).x.sum() == 0


def test_an_array_over_holes_beyond_the_allowance_is_refused_naming_its_file_and_the_way_out(
    tmp_path, monkeypatch
):
    import numpy as np

    from archived.load import budget

    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.zeros(9_000_000)  # 72 MB of zeros, more than the floor
    (data,) = (tmp_path / "s").glob("x.*.h5")
    _sparse_copy(data, 2**20)
    monkeypatch.setattr(budget, "UNHELD_BYTES", 2**20)  # not 64 MiB: the test stays small
    with pytest.raises(BudgetExceededError) as info:
        _ = DataSet("s", path=tmp_path, safe=True).x
    message = str(info.value)
    assert f"'a0' in {data.name!r}" in message and "of 72000000 bytes" in message
    assert "holds" in message and "on disk" in message and "sparse" in message
    assert "limits=Limits(max_bytes=...)" in message and "ARCHIVED_MAX_BYTES=" in message
    monkeypatch.setenv("ARCHIVED_MAX_BYTES", "100M")
    assert DataSet("s", path=tmp_path, safe=True).x.sum() == 0


def test_ARCHIVED_MAX_BYTES_sets_the_memory_budget_unless_the_caller_does(tmp_path, monkeypatch):
    import numpy as np

    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.ones(250_000)  # 2 MB
    monkeypatch.setenv("ARCHIVED_MAX_BYTES", "1M")
    assert Limits().budget(10**9).max_bytes == 2**20
    with pytest.raises(BudgetExceededError, match="ARCHIVED_MAX_BYTES=3M"):
        _ = DataSet("s", path=tmp_path, safe=True).x
    assert DataSet("s", path=tmp_path, safe=True, max_bytes=10**7).x.sum() == 250_000
    monkeypatch.delenv("ARCHIVED_MAX_BYTES")
    assert DataSet("s", path=tmp_path, safe=True).x.sum() == 250_000


@pytest.mark.parametrize("bad", ["lots", "1.5G", "-1", "8GB", "\u0661"])
def test_an_ARCHIVED_MAX_BYTES_that_is_no_size_is_refused_naming_it(
    monkeypatch, bad, tmp_path, capsys
):
    # said once, where the load begins: a store's entries read as damaged (verify found
    # 'problems', show 'entry is damaged') when each load raised it
    from archived.cli import main

    monkeypatch.setenv("ARCHIVED_MAX_BYTES", bad)
    with pytest.raises(ValueError, match="ARCHIVED_MAX_BYTES must be a number"):
        restore("x = 1", safe=True)
    with pytest.raises(ValueError, match="ARCHIVED_MAX_BYTES must be a number"):
        DataSet("s", "w", path=tmp_path, safe=True)
    DataSet("s", "w", path=tmp_path, safe=True, max_bytes=10**6).x = 1
    assert main(["verify", str(tmp_path / "s")]) == 2
    assert "ARCHIVED_MAX_BYTES must be a number" in capsys.readouterr().err


def test_a_safe_load_of_many_arrays_of_one_data_file_parses_its_index_once(tmp_path, monkeypatch):
    # it was parsed again for every array: a source naming one array of a file thousands
    # of times took the product of their sizes in time (3,000 arrays: 10 s, now 0.1 s)
    import numpy as np

    from archived.engine import hdf5

    ds = DataSet("s", "w", path=tmp_path, array_threshold=10)
    ds.x = [np.arange(20.0) + i for i in range(50)]
    parsed = []
    read_trailer = hdf5._read_trailer
    monkeypatch.setattr(hdf5, "_read_trailer", lambda f: parsed.append(1) or read_trailer(f))
    value = DataSet("s", path=tmp_path, safe=True).x
    assert [a[0] for a in value] == list(range(50)) and len(parsed) == 1


def test_a_memory_map_of_an_array_over_holes_is_not_charged_as_memory(tmp_path, monkeypatch):
    # a map allocates nothing (its pages are the file's, read when touched): an array a
    # sparse file holds maps whatever the allowance for holes, and reads as zeros
    import numpy as np

    from archived.load import budget

    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.zeros(9_000_000)
    (data,) = (tmp_path / "s").glob("x.*.h5")
    _sparse_copy(data, 2**20)
    monkeypatch.setattr(budget, "UNHELD_BYTES", 2**20)
    with pytest.raises(BudgetExceededError):
        _ = DataSet("s", path=tmp_path, safe=True).x
    mapped = DataSet("s", path=tmp_path, safe=True, mmap_mode="r").x
    assert type(mapped).__name__ == "memmap" and mapped[-1] == 0


def test_a_data_file_under_many_hard_links_raises_the_budget_once(tmp_path):
    # a tar of a store keeps hard links: one 20 MB file under 8 names was allowed 8
    # times (each name's blocks are the file's), and 20 MB on disk loaded as 160 MB
    # (40 names, 800 MB): the budget grows by what the disk holds, once per file
    import os

    import numpy as np

    ds = DataSet("s", "w", path=tmp_path)
    ds.x = np.zeros(2_500_000)  # 20 MB
    folder = tmp_path / "s"
    (data,) = folder.glob("x.*.h5")
    names = [f"y.0a1b2c-1-{i:08x}.h5" for i in range(8)]
    for name in names:
        os.link(data, folder / name)
    source = (folder / "x.py").read_text().replace("\nx = ", "\ny = ")
    call = source[source.index("_load_array(") :]
    call = call[: call.index(")") + 1]  # _load_array('x....h5', 'a0', digest='...')
    calls = ", ".join(call.replace(repr(str(data.name)), repr(name)) for name in names)
    value = source.split("# ---- value ----\n")[1].replace(call, f"[{calls}]")
    (folder / "y.py").write_text(
        f"# archived entry 'y', format 1, data files: {names!r}\n"
        f"# ---- info ----\ninfo = None\n# ---- value ----\n{value}"
    )
    with pytest.raises(BudgetExceededError) as info:
        _ = DataSet("s", path=tmp_path, safe=True).y
    assert info.value.budget == "max_bytes"
    trusted = DataSet("s", path=tmp_path, safe=True, limits=Limits(max_bytes=2**28))
    assert len(trusted.y) == 8  # raised by the caller, it loads
