"""``archived ls -l`` cuts a long parameter so that calls differing in it still read
apart: a value cut keeps its start and its end, ``'...'`` between, where a cut after
its start alone listed every call of a config differing in its last field, or of a
long text differing at its end, with the same text."""

from __future__ import annotations

from archived import archived
from archived.cli import main


def _parameters_column(out):
    lines = out.splitlines()
    start = lines[0].index("PARAMETERS")
    return [line[start:].rsplit("  ", 2)[0].strip() for line in lines[1:-1]]


def test_ls_l_tells_apart_calls_whose_long_parameters_differ_only_at_their_end(tmp_path, capsys):
    store = str(tmp_path / "runs")
    run = archived(store, name="run")(lambda cfg, text: 0)
    config = "Config(L=32, steps=1000, method={!r})"
    run(config.format("metropolis"), "x" * 300 + "A")
    run(config.format("wolff-cluster"), "x" * 300 + "B")
    assert main(["ls", "-l", store]) == 0
    shown = _parameters_column(capsys.readouterr().out)
    assert len(shown) == 2 and shown[0] != shown[1], shown
    for text in shown:
        assert text.count("...") == 2, text  # both cut, and told so
    assert any("-cluster')" in text and "xB'" in text for text in shown), shown
    assert any("tropolis')" in text and "xA'" in text for text in shown), shown
