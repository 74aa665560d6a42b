"""Reading many entries at once: a sweep's lookup and a table decode their rows' texts in
bulk, keep in memory only what they read, and still give exactly what each entry holds,
whatever the index file says."""

import os
import time

import pytest

from archived import archived, sweep
from archived.store import entries, index, indexcodec, indexfile, indexscan
from helpers import index_columns, index_text

# each test as in a new process: nothing known of any store's index before or after it
pytestmark = pytest.mark.usefixtures("index_forgotten")


def _point(x):
    return {"energy": x / 2, "label": f"p{x}"}


def _finished_sweep(tmp_path, monkeypatch):
    later = time.time_ns() + 10**10  # entries read 10 s after they were written: settled
    monkeypatch.setattr(index.time, "time_ns", lambda: later)
    f = archived(str(tmp_path / "calls"), version="1")(_point)
    grid = {"x": list(range(2 * indexscan.FEW))}  # a look at many entries
    first = sweep(f, grid, progress=False)
    f.table(frame=False)  # the index file, saved
    index.forget()  # a new process
    return f, grid, first


def _rewrite_index(folder, change):
    path = os.path.join(folder, index.INDEX_FILE)
    with open(path) as fh:
        columns = index_columns(fh.read())
    with open(path, "w") as fh:
        fh.write(index_text(change(columns)))


def test_a_sweeps_lookup_leaves_the_info_records_in_the_index_file(tmp_path, monkeypatch):
    # the lookup of a rerun held every column of the index file in memory for the
    # process's life, info records and listings included (40 MB at 100,000 entries)
    f, grid, first = _finished_sweep(tmp_path, monkeypatch)
    assert sweep(f, grid, progress=False) == first
    file = index._state(f.store.path).file
    assert file is not None
    assert file._raw["info"] is indexfile.ON_DISK and file._raw["listing"] is indexfile.ON_DISK
    # asked for later, an info record is read from the file again: the entry's own
    rows = index.rows(f.store.path)
    for name in sorted(rows)[:3]:
        assert rows[name].info() == entries.read_info(f.store.path, name)


def test_a_lookups_info_read_after_the_index_file_changed_is_the_entrys(tmp_path, monkeypatch):
    # the columns left on disk are read again only from the very file read: one
    # replaced meanwhile (here with another info record for every row) is not used
    f, grid, first = _finished_sweep(tmp_path, monkeypatch)
    assert sweep(f, grid, progress=False) == first
    folder = f.store.path
    _rewrite_index(folder, lambda cols: {**cols, "info": ['{"forged":1}'] * len(cols["info"])})
    rows = index.rows(folder, sorted(index.rows(folder))[:3])
    for name, row in rows.items():
        try:
            got = row.info()
        except KeyError:  # not kept: the entry is read
            got = entries.read_info(folder, name)
        assert got == entries.read_info(folder, name) and "forged" not in got


def test_a_rerun_decodes_the_points_parameters_and_values_at_once(tmp_path, monkeypatch):
    f, grid, first = _finished_sweep(tmp_path, monkeypatch)
    one, many = [], []
    real, real_many = indexcodec.decode, indexcodec.decode_many
    monkeypatch.setattr(indexcodec, "decode", lambda text: one.append(text) or real(text))
    monkeypatch.setattr(
        indexcodec, "decode_many", lambda texts: many.append(len(texts)) or real_many(texts)
    )
    assert sweep(f, grid, progress=False) == first
    assert one == []  # no row decoded alone
    assert many.count(len(first)) == 2  # every point's parameters, then every value


@pytest.mark.parametrize("column", ["value", "parameters"])
def test_a_rerun_over_a_tampered_text_gives_each_point_its_entrys_value(
    tmp_path, monkeypatch, column
):
    # one row's text that does not decode: the bulk decode falls back to one row at a
    # time, and that row reads its entry; no point gets another's value or a marker
    f, grid, first = _finished_sweep(tmp_path, monkeypatch)

    def tamper(cols):
        texts = list(cols[column])
        texts[1] = "[1"
        return {**cols, column: texts}

    _rewrite_index(f.store.path, tamper)
    assert sweep(f, grid, progress=False) == first


def test_decoding_many_texts_makes_each_key_once():
    texts = [f'{{"energy":{i}.5,"label":"p{i}"}}' for i in range(3)]
    values = indexcodec.decode_many(texts)
    assert values == [indexcodec.decode(t) for t in texts]
    keys = [list(v) for v in values]
    assert keys[0][0] is keys[1][0] is keys[2][0]  # one "energy" for all rows


@pytest.mark.parametrize(
    "texts",
    [["1,2"], ["1", "2 3"], ["[1", "2]"], ["1", ""], ["{}", "x"], ['"a"b']],
)
def test_decoding_many_refuses_texts_that_are_not_one_value_each(texts):
    with pytest.raises(ValueError, match="index value"):
        indexcodec.decode_many(texts)
