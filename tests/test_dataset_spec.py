"""The DataSet examples of the spec (mmf.archive), read as Python 3."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from archived.store.dataset import DataSet


@pytest.fixture
def modname(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return "tmpspec_ds"


def test_mutating_a_loaded_value_writes_nothing_until_it_is_assigned(modname):
    ds = DataSet(modname, "w")
    ds.d = dict(a=1, b=2)  # Will write to disk
    ds1 = DataSet(modname, "r")
    assert ds1.d == {"a": 1, "b": 2}
    ds.d["a"] = 6  # No write!
    assert ds1.d["a"] == 1
    d = ds.d
    d["a"] = 6
    ds.d = d  # This assignment will write
    assert ds1.d["a"] == 6


def _spec_store(modname):
    ds = DataSet(modname, "w")
    nxs = [10, 20]
    mus = [1.2, 2.5]
    dat = {(nx, mu): np.ones(nx) * mu for mu in mus for nx in nxs}
    ds.nxs = nxs
    ds.mus = mus
    ds["nxs"] = "Particle numbers"
    ds["mus"] = "Chemical potentials"
    inserted = [ds._insert(dat[(nx, mu)], info=(nx, mu)) for (nx, mu) in dat]
    return ds, dat, inserted


def test_spec_example_inserts_names_infos_and_values(modname):
    ds, dat, inserted = _spec_store(modname)
    assert inserted == [["x_0"], ["x_1"], ["x_2"], ["x_3"]]
    assert str(ds) == (
        f"DataSet './{modname}' containing ['mus', 'nxs', 'x_0', 'x_1', 'x_2', 'x_3']"
    )
    assert [(k, ds[k]) for k in sorted(ds)] == [
        ("mus", "Chemical potentials"),
        ("nxs", "Particle numbers"),
        ("x_0", (10, 1.2)),
        ("x_1", (20, 1.2)),
        ("x_2", (10, 2.5)),
        ("x_3", (20, 2.5)),
    ]
    values = {k: getattr(ds, k) for k in sorted(ds)}
    assert values["mus"] == [1.2, 2.5]
    assert values["nxs"] == [10, 20]
    for k, key in zip(["x_0", "x_1", "x_2", "x_3"], dat, strict=True):
        assert values[k].dtype == np.float64
        np.testing.assert_array_equal(values[k], dat[key])


def test_second_writable_instance_sees_the_store_and_read_only_one_refuses_writes(modname):
    _spec_store(modname)
    ds1 = DataSet(modname, "w")
    assert str(ds1).endswith("containing ['mus', 'nxs', 'x_0', 'x_1', 'x_2', 'x_3']")
    ds1.x_0 = np.ones(5)
    ds2 = DataSet(modname)
    np.testing.assert_array_equal(ds2.x_0, np.ones(5))
    with pytest.raises(ValueError, match=r"^DataSet opened in read-only mode\.$"):
        ds2.x_0 = 6
    np.testing.assert_array_equal(ds2.x_0, np.ones(5))


def test_store_imports_as_a_module_in_a_fresh_interpreter(modname, tmp_path):
    _spec_store(modname)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        mod1 = __import__({modname!r})
        assert sorted(mod1._info_dict) == ['mus', 'nxs', 'x_0', 'x_1', 'x_2', 'x_3']
        print(mod1._info_dict['x_0'].info)
        print(mod1._info_dict['x_0'].load().tolist())
        print(mod1.nxs, mod1._info_dict['nxs'].info)
        print([n for n in dir(mod1) if not n.startswith('_')])
        print(mod1.x_3.shape)
        try:
            mod1.nothing
        except AttributeError as err:
            print('AttributeError', err)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd="/", check=True
    ).stdout.splitlines()
    assert out == [
        "(10, 1.2)",
        str([1.2] * 10),
        "[10, 20] Particle numbers",
        "['mus', 'nxs', 'x_0', 'x_1', 'x_2', 'x_3']",
        "(20,)",
        f"AttributeError module {modname!r} has no attribute 'nothing'",
    ]
