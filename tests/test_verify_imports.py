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

            @dataclasses.dataclass
            class Run:
                n: int

            class Pickled:
                def __init__(self, n):
                    self.n = n

                def __reduce__(self):
                    return (Pickled, (self.n,))
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
    assert "intact entry readable cannot be loaded here: it needs vanishing_models" in str(report)


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
