"""A colleague given a store whose results are of a class they do not have exported
nothing: every entry was skipped (exit 1), and the advice, ``--allow MODULE``, then
failed for want of the module.  ``export --no-results`` writes every call's parameters
and records without loading a value (what ``ds._table(results=False)`` gives), and the
messages of both failures name it."""

import csv
import io
import sys
import textwrap

import pytest

from archived import archived
from archived.__main__ import main

MODELS = """
import dataclasses

@dataclasses.dataclass
class Summary:
    peak: float
"""


def run(alpha, L=1.0):
    from sent_results_models import Summary

    return {"energy": alpha * L, "summary": Summary(peak=alpha)}


@pytest.fixture
def sent(tmp_path, monkeypatch):
    """A store of ``run``'s results, its module of classes gone (as on a colleague's)."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "sent_results_models.py").write_text(textwrap.dedent(MODELS))
    monkeypatch.syspath_prepend(str(code))
    monkeypatch.delitem(sys.modules, "sent_results_models", raising=False)
    f = archived(str(tmp_path / "heat"))(run)
    f(0.5), f(0.25, L=2.0)
    (code / "sent_results_models.py").unlink()
    sys.modules.pop("sent_results_models")  # (for good: no later test may find it)
    return str(tmp_path / "heat")


def test_export_without_the_results_module_names_no_results(sent, capsys):
    assert main(["export", "-o", "-", sent]) == 1
    err = capsys.readouterr().err
    assert "no entry could be exported" in err
    assert "`archived export --no-results` writes the parameters alone" in err
    assert main(["export", "--allow", "sent_results_models", "-o", "-", sent]) == 1
    err = capsys.readouterr().err
    assert "it needs sent_results_models (No module named 'sent_results_models')" in err
    assert "`archived export --no-results` writes the parameters alone" in err


def test_export_no_results_writes_every_call_s_parameters_without_loading_a_value(sent, capsys):
    assert main(["export", "--no-results", "-o", "-", sent]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(row["alpha"], row["L"]) for row in rows] == [("0.25", "2.0"), ("0.5", "1.0")]
    assert set(rows[0]) == {"entry", "function", "alpha", "L"}  # no result column
