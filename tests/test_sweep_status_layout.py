"""``ls --status`` and ``str(sweep_status(...))`` say a parameter the same in every point
once, above the table: in each row it took the room of those that vary, every value cut
alike, and the rows of two temperatures read the same."""

from __future__ import annotations

import dataclasses

from archived import archived, sweep, sweep_status
from archived.cli import main


@dataclasses.dataclass
class Config:
    size: int = 8
    steps: int = 100
    method: str = "metropolis"


def relax(T, cfg, settings, seed=0):
    return T * cfg.size + seed + settings["sweeps"]


GRID = {
    "T": [1.512, 1.587, 1.663],
    "cfg": [Config()],
    "settings": [{"sweeps": 1, "schedule": "geometric"}],
    "seed": [0, 1],
}


def test_ls_status_names_the_parameters_the_same_in_every_point_once(tmp_path, capsys):
    f = archived(str(tmp_path / "runs"))(relax)
    sweep(f, GRID, progress=False)
    assert main(["ls", "--status", str(tmp_path / "runs")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == (
        "in every point: cfg=\"Config(size=8, steps=100, method='metropolis')\" "
        "settings={'sweeps': 1, 'schedule': 'geometric'}"
    )
    rows = [line.split("  ")[0] for line in lines[3:9]]
    assert rows == [f"T={t} seed={s}" for t in GRID["T"] for s in (0, 1)]


def test_a_parameter_that_varies_stays_in_the_rows_even_past_the_cut(tmp_path):
    f = archived(str(tmp_path / "runs"))(lambda label, n: n)
    long = "x" * 300  # two values whose texts are cut alike are not called the same
    grid = [{"label": long + "a", "n": 1}, {"label": long + "b", "n": 1}, {"label": "c", "n": 1}]
    text = str(sweep_status(f, grid))
    assert text.splitlines()[1] == "in every point: n=1"
    assert "label='xxxxx" in text.splitlines()[3] and "label='c'" in text
    one = str(sweep_status(f, [{"label": long, "n": 1}]))  # one point: nothing said apart
    assert "in every point" not in one and "label='xxx" in one and " n=1" in one
    short = str(sweep_status(f, [{"label": "a", "n": 1}, {"label": "b", "n": 1}]))
    assert "in every point" not in short and "label='b' n=1" in short  # rows that fit
