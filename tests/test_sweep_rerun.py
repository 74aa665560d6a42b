"""The rerun of a finished sweep: the driver looks every point up once, reads each entry
file once, and gives each point exactly the result stored for its call.
"""

import pytest

from archived import archived, sweep
from archived.store import index


def energy(i, scale=1.0):
    return {"i": i, "energy": 0.5 * i * scale}


@pytest.fixture
def cached(tmp_path):
    return archived(tmp_path / "runs", version="1")(energy)


@pytest.fixture
def reads(monkeypatch):
    """The names of the entry files read by the store's index from now on, every row
    racy (so a second look at an entry reads its file again, however old it is)."""
    monkeypatch.setattr(index, "_RACY_NS", 10**18)
    found = []
    real = index.read_entry_bytes

    def counting(folder, name):
        found.append(name)
        return real(folder, name)

    monkeypatch.setattr(index, "read_entry_bytes", counting)
    return found


GRID = {"i": list(range(12))}
EXPECTED = [energy(i) for i in range(12)]


@pytest.mark.parametrize("results", ["values", "summary"])
def test_a_rerun_of_a_finished_sweep_reads_each_entry_file_once(cached, reads, results):
    assert sweep(cached, GRID, progress=False) == EXPECTED
    entries = [c.name for c in cached.calls()]
    index.forget()  # as a new process
    reads.clear()
    again = sweep(cached, GRID, progress=False, results=results)
    summaries = [{"i": i, "scale": 1.0, "result_i": i, "energy": 0.5 * i} for i in range(12)]
    assert again == (EXPECTED if results == "values" else summaries)
    assert sorted(reads) == sorted(entries)
