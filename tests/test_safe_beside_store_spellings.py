"""A module beside the store a safe load reads is refused however its folder is spelt:
the check compared folder names, so the folder someone sent reached through a bind
mount (or, on macOS, by another case of its name) was another folder, and its
``pandas.py`` ran.  And ``restore(src, safe=True)`` given no ``datadir=``, which reads
the store's files from the working directory, never runs a module found there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from archived import DataSet

pd = pytest.importorskip("pandas")

_LOAD = """
import sys
from archived import BesideStoreError, DataSet, restore
{path}
try:
    value = {read}
except BesideStoreError as err:
    print("refused:", err.module, err.file)
else:
    print("loaded:", type(value).__name__)
"""


def _sent_store(tmp_path):
    """The folder ``got`` someone sent: the store ``runs`` (a DataFrame ``df``) and,
    beside it, ``pandas.py`` whose code writes the marker ``tmp_path/ran``."""
    got = tmp_path / "got"
    got.mkdir()
    DataSet("runs", "w", path=str(got)).df = pd.DataFrame({"a": [1, 2]})
    (got / "pandas.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'a').write('ran')\n")
    return got


def _env():
    import archived as package

    src = os.path.dirname(os.path.dirname(os.path.abspath(package.__file__)))
    return {**os.environ, "PYTHONPATH": src}


def _private_mounts():
    """The command prefix running a program in a mount namespace of its own (its bind
    mounts vanish with it), or skip."""
    if shutil.which("unshare") is None:
        pytest.skip("no unshare command here")
    for prefix in (
        ["unshare", "--mount", "--propagation", "private"],
        ["unshare", "--mount", "--map-root-user", "--propagation", "private"],
    ):
        probe = subprocess.run(
            [*prefix, "sh", "-c", "mount --bind / /mnt && true"], capture_output=True
        )
        if probe.returncode == 0:
            return prefix
    pytest.skip("no private mount namespace with bind mounts here")


@pytest.mark.parametrize("through", ["sys.path", "the store's path"])
def test_a_module_beside_the_store_reached_through_a_bind_mount_never_runs(tmp_path, through):
    prefix = _private_mounts()
    got = _sent_store(tmp_path)
    other = tmp_path / "other"  # the same folder, mounted there too
    other.mkdir()
    if through == "sys.path":
        path, parent = f"sys.path.insert(0, {str(other)!r})", got
    else:
        path, parent = f"sys.path.insert(0, {str(got)!r})", other
    read = f"DataSet('runs', 'r', path={str(parent)!r}, safe=True).df"
    code = _LOAD.format(path=path, read=read)
    mount = 'mount --bind "$1" "$2" && exec "$3" -c "$4"'
    argv = [*prefix, "sh", "-c", mount, "sh", str(got), str(other), sys.executable, code]
    done = subprocess.run(argv, capture_output=True, text=True, env=_env(), cwd=tmp_path)
    assert not (tmp_path / "ran").exists(), done
    assert done.stdout.startswith("refused: pandas"), done


def _python_c_in(folder, read):
    """``python -c`` (or a notebook) run in ``folder``, '' first on its sys.path: the
    completed process of :data:`_LOAD` reading ``read``."""
    return subprocess.run(
        [sys.executable, "-c", _LOAD.format(path="", read=read)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=folder,
    )


def test_restore_given_no_datadir_never_runs_a_module_of_the_working_directory(tmp_path):
    # python -c (or a notebook) in the folder someone sent: '' first on sys.path
    got = _sent_store(tmp_path)
    done = _python_c_in(got, "restore(open('runs/df.py').read(), safe=True)")
    assert not (tmp_path / "ran").exists(), done
    assert done.stdout.startswith(f"refused: pandas {got / 'pandas.py'}"), done


def test_restore_given_no_datadir_imports_a_module_of_the_working_directory_allow_names(
    tmp_path,
):
    got = _sent_store(tmp_path)
    (got / "labunits.py").write_text("EV = 2.0\n")
    read = "restore('from labunits import EV as _e\\nx = _e\\n', safe=True, allow=['labunits'])"
    done = _python_c_in(got, read)
    assert done.stdout.startswith("loaded: dict"), done
