"""A sweep whose points cannot be stored says so once as it starts failing and once,
counted, when it ends, on every backend: it gave one ResultNotStoredWarning per point
(1,000 warnings for a 1,000-point sweep)."""

import re
import textwrap
import warnings

import pytest

from archived import archived, sweep
from archived.errors import ResultNotStoredWarning
from helpers import run_python

SCRIPT = """
import sys
from archived import archived, sweep

@archived(sys.argv[1])
def loop(x):
    cycle = [x]
    cycle.append(cycle)  # a cycle: the result cannot be stored
    return cycle

if __name__ == "__main__":
    out = sweep(loop, {{"x": list(range(60))}}, n_jobs={n_jobs}, backend={backend!r},
                progress=False)
    print([len(r) for r in out] == [2] * 60)
"""


@pytest.mark.parametrize(
    ("n_jobs", "backend"),
    [(2, "loky"), (2, "multiprocessing"), (2, "threading"), (1, None)],
)
def test_a_sweep_of_unstorable_results_warns_twice_not_once_a_point(tmp_path, n_jobs, backend):
    script = tmp_path / "experiment.py"
    script.write_text(textwrap.dedent(SCRIPT.format(n_jobs=n_jobs, backend=backend)))
    run = run_python(str(script), str(tmp_path / "store"))
    assert run.returncode == 0 and run.stdout == "True\n", run.stderr
    warned = re.findall(r"^\S+:\d+: ResultNotStoredWarning: (.*)$", run.stderr, re.M)
    assert len(warned) == 2, run.stderr
    first, summary = warned
    assert re.match(r"loop\(x=\d+\) was computed but not stored \(it cannot be stored: ", first)
    assert first.endswith(
        "(the other points of this sweep not stored for this reason are "
        "counted, and named in one warning when it ends)"
    )
    assert re.fullmatch(
        r"loop: 59 more points of this sweep were computed but not stored \(it cannot be "
        r"stored: CycleError\), 60 in all: loop\(x=\d+\), loop\(x=\d+\), loop\(x=\d+\) and "
        r"56 more; their results are returned, and the next run computes them again",
        summary,
    ), summary


def _unstorable_until(stop):
    def f(x):
        if x == stop:
            raise ValueError("bad point")
        cycle = [x]
        cycle.append(cycle)
        return cycle

    return f


def test_a_sweep_that_raises_still_reports_every_point_it_could_not_store(tmp_path):
    # (chunks of one worker here: x=0 | 1, 2 | 3 | 4 | 5 ...; see Chunks)
    f = archived(str(tmp_path / "s"))(_unstorable_until(5))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="bad point"):
            sweep(f, {"x": list(range(10))}, n_jobs=1, progress=False)
    texts = [str(w.message) for w in caught if w.category is ResultNotStoredWarning]
    assert len(texts) == 2, texts
    assert texts[0].startswith("f(x=0) was computed but not stored")
    assert "4 more points of this sweep were computed but not stored" in texts[1]
    assert "5 in all: f(x=1), f(x=2), f(x=3) and 1 more;" in texts[1]
    assert isinstance(caught[0].message.error, Exception)  # what failed, as before


def test_the_points_a_failing_chunk_could_not_store_are_reported_too(tmp_path):
    # a chunk whose point raises returns nothing but the error: the points before it in
    # the chunk, computed and not stored, were never reported
    f = archived(str(tmp_path / "s"))(_unstorable_until(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="bad point"):
            sweep(f, {"x": list(range(10))}, n_jobs=1, progress=False)  # chunks: 0 | 1, 2
    texts = [str(w.message) for w in caught if w.category is ResultNotStoredWarning]
    assert [t.partition(" was")[0] for t in texts] == ["f(x=0)", "f(x=1)"], texts


def cyclic(x):
    cycle = [x]
    cycle.append(cycle)
    return cycle


def test_one_point_not_stored_gives_one_warning_and_calls_inside_points_are_counted(tmp_path):
    inner = archived(str(tmp_path / "s"))(cyclic)

    def outer(x):
        return len(inner(x)) + len(inner(x + 100))

    f = archived(str(tmp_path / "s"))(outer)
    g = archived(str(tmp_path / "t"))(cyclic)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [len(r) for r in sweep(g, {"x": [1]}, progress=False)] == [2]
        assert sweep(f, {"x": [1, 2, 3]}, n_jobs=1, progress=False) == [4, 4, 4]
    texts = [str(w.message) for w in caught if w.category is ResultNotStoredWarning]
    assert texts[0].startswith("cyclic(x=1) was computed but not stored")
    assert "other points" not in texts[0]  # it has none
    assert "more point" not in " ".join(texts)  # one point: no summary
    # the cached calls made inside f's points: the first warns, the other five are
    # counted (they warned once each: a 300-point sweep gave 600 warnings)
    assert len(texts) == 3, texts
    assert texts[1].startswith("cyclic(x=1) was computed but not stored")
    assert texts[1].endswith(
        "(the other calls of cyclic made inside this sweep's points and not stored for "
        "this reason are counted, and named in one warning when it ends)"
    )
    assert re.fullmatch(
        r"cyclic: 5 more calls made inside the points of this sweep of outer were computed "
        r"but not stored \(it cannot be stored: CycleError\), 6 in all: cyclic\(x=101\), "
        r"cyclic\(x=2\), cyclic\(x=102\) and 2 more; their results are returned, and the "
        r"next run computes them again",
        texts[2],
    ), texts[2]
    assert caught[-1].filename == __file__  # the sweep's line
