"""An intact entry whose class cannot be imported here is not "damaged": verify, the
read and the error say what is missing and what to do."""

import sys
import textwrap

import pytest

from archived import DataSet, verify
from archived.errors import DamagedEntryError, MissingImportError


@pytest.fixture
def store_needing_a_module(tmp_path, monkeypatch):
    """A store with entries of a class from a module that then disappears."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "vanishing_models.py").write_text(
        textwrap.dedent(
            """
            import dataclasses
            import functools

            @dataclasses.dataclass
            class Run:
                n: int

            class Pickled:
                def __init__(self, n):
                    self.n = n

                def __reduce__(self):  # no class or function: only pickle calls it
                    return (functools.partial(Pickled), (self.n,))
            """
        )
    )
    monkeypatch.syspath_prepend(str(package))
    import vanishing_models

    ds = DataSet("s", "w", path=str(tmp_path))
    with pytest.warns(UserWarning, match="pickle"):
        ds.readable, ds.pickled = vanishing_models.Run(3), vanishing_models.Pickled(4)
    ds.fine = [1, 2]
    (package / "vanishing_models.py").unlink()
    del sys.modules["vanishing_models"]
    sys.path.remove(str(package))
    return ds


def test_verify_lists_entries_needing_a_missing_module_apart_from_damage(store_needing_a_module):
    ds = store_needing_a_module
    report = verify(ds._path)
    assert report.damaged == {}
    assert sorted(report.unimportable) == ["pickled", "readable"]
    assert "vanishing_models" in report.unimportable["readable"]
    assert report.ok  # the store itself is intact
    assert (
        "2 intact entries cannot be loaded here (pickled, readable): they need vanishing_models"
        in str(report)
    )


def test_reading_such_an_entry_says_what_is_missing(store_needing_a_module):
    with pytest.raises(MissingImportError, match="needs vanishing_models .* import line") as err:
        getattr(store_needing_a_module, "readable")  # noqa: B009
    assert isinstance(err.value, DamagedEntryError)
    with pytest.raises(MissingImportError, match="vanishing_models"):
        getattr(store_needing_a_module, "pickled")  # noqa: B009
    assert store_needing_a_module.fine == [1, 2]


def test_a_really_damaged_entry_is_still_damage(store_needing_a_module):
    ds = store_needing_a_module
    with open(f"{ds._path}/fine.py", "a") as f:
        f.write("fine = [1,\n")
    report = verify(ds._path)
    assert list(report.damaged) == ["fine"] and not report.ok


def test_verify_says_once_what_many_intact_entries_need(tmp_path, monkeypatch):
    # a colleague verifying a sweep's store without the module of its result class got
    # one line per entry, all alike: 38 of them for a sweep of 38 points
    (tmp_path / "sweep_models.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Fit:\n    slope: float\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import sweep_models

    ds = DataSet("s", "w", path=str(tmp_path))
    for i in range(5):
        ds._insert(sweep_models.Fit(i / 2))
    ds.fine = [1, 2]
    (tmp_path / "sweep_models.py").unlink()
    del sys.modules["sweep_models"]
    report = verify(ds._path)
    assert sorted(report.unimportable) == [f"x_{i}" for i in range(5)] and report.ok
    lines = str(report).splitlines()
    assert len(lines) == 2, lines
    assert lines[1].startswith(
        "  5 intact entries cannot be loaded here (x_0, x_1, x_2 and 2 more): they need "
        "sweep_models"
    )


def test_verify_does_not_call_a_store_ok_whose_entries_cannot_be_loaded_here(
    store_needing_a_module, capsys
):
    # the summary read '3 entries checked, OK' above the line saying two of the three
    # could not be loaded: their values were never rebuilt, so never checked
    from archived.cli import main

    ds = store_needing_a_module
    first = str(verify(ds._path)).splitlines()[0]
    assert "OK" not in first
    assert first.endswith(": 3 entries read, 2 not loadable here, no problem")
    assert "2 intact entries cannot be loaded here (pickled, readable): they need " in str(
        verify(ds._path)
    )
    # its values were never rebuilt: a script's `verify --trust STORE && ...` must not pass
    assert main(["verify", "--trust", ds._path]) == 1
    assert "OK" not in capsys.readouterr().out.splitlines()[0]
    main(["verify", "--help"])
    assert "intact but not loadable here" in " ".join(capsys.readouterr().out.split())


def test_verify_still_says_ok_of_a_store_whose_entries_all_load(tmp_path):
    ds = DataSet("s", "w", path=str(tmp_path))
    ds.x = [1, 2]
    assert str(verify(ds._path)).endswith(": 1 entry checked, OK")


def test_verify_exits_1_when_no_value_could_be_rebuilt_here_trusted_or_not(
    store_needing_a_module, capsys
):
    # `verify --trust` exited 0 over a store none of whose results it could load (their
    # module missing here): a script's `archived verify --trust STORE && ...` passed it
    from archived.cli import main

    ds = store_needing_a_module
    del ds.fine  # every entry left needs the missing module
    assert main(["verify", "--trust", ds._path]) == 1
    assert "2 not loadable here, no problem" in capsys.readouterr().out
    assert main(["verify", ds._path]) == 1


def test_repair_of_a_clean_store_exits_0_though_a_safe_load_checks_no_entry(
    tmp_path, monkeypatch, capsys
):
    # a store of the user's own results (a class a safe load does not rebuild without
    # --allow): repair found nothing to remove and no problem, yet exited 1
    from archived.cli import main

    (tmp_path / "clean_models.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Fit:\n    slope: float\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import clean_models

    ds = DataSet("s", "w", path=str(tmp_path))
    for i in range(3):
        ds._insert(clean_models.Fit(i / 2))
    assert main(["repair", ds._path]) == 0
    assert "3 not checked, no problem" in capsys.readouterr().out
    assert main(["verify", ds._path]) == 1  # not checked: --allow checks them
    assert main(["verify", "--allow", "clean_models", ds._path]) == 0
    with open(f"{ds._path}/x_1.py", "a") as f:
        f.write("x_1 = [1,\n")  # damaged: a problem repair leaves to the user
    assert main(["repair", ds._path]) == 1


def test_a_store_imported_under_the_name_of_the_module_it_needs_says_so(tmp_path, monkeypatch):
    # an earlier bare @archived in shadowed_lab.py kept its results in
    # archived_results/shadowed_lab:
    # importing that store as the README does puts it in the module's place
    (tmp_path / "shadowed_lab.py").write_text(
        "import dataclasses\n\n@dataclasses.dataclass\nclass Run:\n    n: int\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    results = tmp_path / "archived_results"
    try:
        import shadowed_lab

        DataSet("shadowed_lab", "w", path=str(results)).run = shadowed_lab.Run(3)
        del sys.modules["shadowed_lab"]
        sys.path.insert(0, str(results))
        import shadowed_lab as store  # the store, now

        with pytest.raises(MissingImportError) as err:
            store.run  # noqa: B018
        message = str(err.value)
        assert f"shadowed_lab in this program is the store {results / 'shadowed_lab'}" in message
        assert f"DataSet('shadowed_lab', path={str(results)!r})" in message
        assert "install or restore" not in message
        # renamed as said, it is the store a bare @archived in shadowed_lab.py reads
        assert "rename its folder to shadowed_lab_results" in message
        # the advice works: in a program that imported the module itself, DataSet reads it
        del sys.modules["shadowed_lab"]
        sys.path.remove(str(results))
        assert DataSet("shadowed_lab", path=str(results)).run.n == 3
    finally:
        sys.modules.pop("shadowed_lab", None)
        if str(results) in sys.path:
            sys.path.remove(str(results))
