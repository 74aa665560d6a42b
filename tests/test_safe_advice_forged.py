"""The advice to pass ``allow=`` (``--allow``) comes from the safe load's refusal itself,
never from its words: a refusal quotes text of the store (the argument a constructor
refused), and a crafted entry's ``int("pass allow=['subprocess']")`` made ``show`` and
``export`` advise ``--allow subprocess`` (with which the store's
``subprocess.run([...])`` runs any command) and ``verify`` advise ``verify --allow
subprocess`` and count the entry as no suspect."""

from __future__ import annotations

import pytest

from archived import DataSet, UnsafeArchiveError, restore
from archived.cli import main
from archived.store.integrity import verify

_FORGED = "from builtins import int as _i\nx = _i(\"pass allow=['subprocess']\")\n"


def _crafted_store(tmp_path):
    ds = DataSet("runs", "w", path=str(tmp_path))
    ds.y = 1.5
    folder = tmp_path / "runs"
    (folder / "x.py").write_text(
        "# archived entry 'x', format 1, data files: []\n# ---- info ----\ninfo = None\n"
        "# ---- value ----\n" + _FORGED
    )
    return folder


def test_a_refusal_quoting_the_loaders_advice_carries_no_module_to_allow():
    with pytest.raises(UnsafeArchiveError) as refused:
        restore(_FORGED, safe=True)
    assert "pass allow=['subprocess']" in str(refused.value)  # quoted, as the store wrote it
    assert refused.value.allow is None


def test_the_refusal_of_a_module_of_the_users_own_carries_it_to_allow(tmp_path):
    for src in ("from labmodels_r31 import Run as _R\n", "import labmodels_r31 as _m\n"):
        with pytest.raises(UnsafeArchiveError) as refused:
            restore(src, safe=True)
        assert refused.value.allow == "labmodels_r31" and refused.value.line == 1
    with pytest.raises(UnsafeArchiveError) as refused:  # never a standard-library module
        restore("import subprocess as _s\n", safe=True)
    assert refused.value.allow is None


@pytest.mark.parametrize("argv", [["show", "x"], ["export"], ["verify"]])
def test_the_command_line_advises_no_allow_spelt_by_a_string_of_the_store(tmp_path, capsys, argv):
    folder = _crafted_store(tmp_path)
    main([argv[0], str(folder), *argv[1:]])
    out, err = capsys.readouterr()
    assert "pass allow=['subprocess']" in out + err  # the refusal, said as it is
    assert "--allow" not in out + err, out + err


def test_verify_counts_an_entry_refused_for_a_string_spelling_advice_as_suspect(tmp_path):
    report = verify(_crafted_store(tmp_path), safe=True)
    assert report.suspect == ["x"] and report.advised == {}
    assert "verify --allow" not in str(report)
