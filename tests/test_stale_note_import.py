"""The note of ``ls -l`` and ``export`` on results of several code versions advises
``archived prune STORE --stale --function MODULE:NAME``, which imports the module: a
module named by the store's own text, which a store someone sent may bring a file of
beside it (``got/sim.py``, run from ``got``, where the user read the note).  The note says
which file that command runs, found without importing it; the listing runs nothing."""

from __future__ import annotations

import os
import subprocess
import sys

from archived.cli import main

SIM = """
open({marker!r}, "a").write("ran")
from archived import archived


@archived("runs", version={version!r})
def run(mu):
    return mu * 2
"""


def _sent_folder(tmp_path):
    """``got``: the store ``runs`` of two versions of ``sent_sim_r32.run`` and, beside
    it, the ``sent_sim_r32.py`` that wrote them, which writes ``tmp_path/ran`` when run."""
    import archived as package

    got = tmp_path / "got"
    got.mkdir()
    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    env = {**os.environ, "PYTHONPATH": src}
    marker = tmp_path / "ran"
    for version in ("1", "2"):
        (got / "sent_sim_r32.py").write_text(SIM.format(marker=str(marker), version=version))
        code = "import sent_sim_r32; sent_sim_r32.run(1)"
        subprocess.run([sys.executable, "-c", code], cwd=got, env=env, check=True)
    marker.unlink()
    return got


def test_the_stale_note_names_the_file_its_prune_command_would_run(tmp_path, capsys, monkeypatch):
    got = _sent_folder(tmp_path)
    monkeypatch.chdir(got)
    file = str(got / "sent_sim_r32.py")
    said = (
        "`archived prune runs --stale --function sent_sim_r32:run` removes the others "
        f"(it imports sent_sim_r32 to read the current version, running {file!r}: only "
        "if that is your own code)"
    )
    assert main(["ls", "-l", "runs"]) == 0
    assert said in capsys.readouterr().out
    assert main(["export", "runs"]) == 0
    assert said in capsys.readouterr().err
    assert "sent_sim_r32" not in sys.modules and not (tmp_path / "ran").exists()


def test_the_stale_note_run_where_no_file_of_the_module_is_found_names_none(
    tmp_path, capsys, monkeypatch
):
    _sent_folder(tmp_path)
    monkeypatch.chdir(tmp_path)  # the folder holding got: prune finds no module here
    assert main(["ls", "-l", os.path.join("got", "runs")]) == 0
    out = capsys.readouterr().out
    assert "--function sent_sim_r32:run` removes the others\n" in out
    assert "sent_sim_r32" not in sys.modules and not (tmp_path / "ran").exists()


def test_prune_function_naming_no_function_refuses_before_importing_its_module(
    tmp_path, capsys, monkeypatch
):
    # 'sent_sim_r32:' imported the module (its code ran), then found no name ''; '..x:run'
    # and ':run' ended in a traceback
    got = _sent_folder(tmp_path)
    monkeypatch.chdir(got)
    for spec in ("sent_sim_r32:", "sent_sim_r32:run.", "..sent_sim_r32:run", ":run"):
        assert main(["prune", "runs", "--stale", "--function", spec]) == 2
        assert "names no function to import" in capsys.readouterr().err
    assert "sent_sim_r32" not in sys.modules and not (tmp_path / "ran").exists()
    # what import_spec advises of a store's function named with no module name: no import
    from archived.cli.entries import import_spec

    assert import_spec("..sent_sim_r32.run") is None and import_spec("a b.run") is None
