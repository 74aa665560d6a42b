"""Bad input: each kind raises a clear exception type whose message names the problem,
and leaves the archive (and the disk) unchanged."""

import pathlib

import numpy as np
import pytest

from archived import Archive, ArchiveError, CycleError, DuplicateError, restore
from archived.errors import InvalidNameError, UnarchivableError


def cyclic():
    d = {"k": []}
    d["k"].append(d)
    return d


def local_class_instance():
    class Local:
        pass

    return [1, Local()]


class BadHook:
    def __init__(self, result=None, error=None):
        self.result, self.error = result, error

    def archive_1(self):
        if self.error:
            raise self.error
        return self.result


def insert(**kw):
    return lambda: Archive().insert(**kw)


def archive_of(**kw):
    def run():
        a = Archive()
        a.insert(**kw)
        return str(a)

    return run


def duplicate():
    a = Archive()
    a.insert(x=1)
    a.insert(x=2)


CASES = [
    # (id, callable, exception type, words the message must contain)
    ("not-identifier", insert(**{"1x": 1}), InvalidNameError, ["'1x'", "identifier"]),
    ("keyword", insert(**{"class": 1}), InvalidNameError, ["'class'", "keyword"]),
    ("underscore", insert(_x=1), InvalidNameError, ["'_x'", "allowed_names"]),
    ("dunder", insert(__builtins__=1), InvalidNameError, ["'__builtins__'", "reserved"]),
    ("duplicate", duplicate, DuplicateError, ["'x'", "already"]),
    ("positional", lambda: Archive().insert([1]), TypeError, ["insert(x=3)"]),
    ("no-names", lambda: Archive().insert(), TypeError, ["at least one"]),
    ("cycle", archive_of(d=cyclic()), CycleError, ["d -> d['k'] -> d['k'][0]"]),
    ("generator", archive_of(g=[(i for i in [])]), UnarchivableError, ["generator", "g[0]"]),
    (  # a lambda at the top of a module: not "defined inside a function", as it said
        "lambda",
        archive_of(f={"k": lambda: 0}),
        UnarchivableError,
        ["function", "f['k']", "<lambda> has no name to import it by", "define it with def"],
    ),
    ("local-class", archive_of(o=local_class_instance()), UnarchivableError, ["Local", "o[1]"]),
    (
        "hook-result",
        archive_of(h=BadHook(result="A()")),
        UnarchivableError,
        ["BadHook", "expected (rep, args, imports)"],
    ),
    (
        "hook-raises",  # the user's own exception, not ours
        archive_of(h=[BadHook(error=KeyError("boom"))]),
        KeyError,
        ["boom"],
    ),
    (
        "hook-not-expr",
        archive_of(h=BadHook(result=("x = 1", {}, []))),
        UnarchivableError,
        ["not an expression"],
    ),
    (
        "hook-unknown-name",
        archive_of(h=BadHook(result=("Thing(a)", {"a": 1}, []))),
        UnarchivableError,
        ["'Thing'", "neither an argument nor an import"],
    ),
    (
        "hook-name-clash",
        archive_of(h=BadHook(result=("A(A)", {"A": 1}, [("m", "A", "A")]))),
        UnarchivableError,
        ["['A']", "both as argument and import"],
    ),
    (
        "hook-bad-import",
        archive_of(h=BadHook(result=("B()", {}, [("m", "A.B", "B")]))),
        UnarchivableError,
        ["('m', 'A.B', 'B')", "(module, name or None, alias)"],
    ),
    ("flat-type", lambda: Archive(flat="yes"), TypeError, ["flat="]),
    ("scoped-type", lambda: Archive(scoped=1), TypeError, ["scoped="]),
    ("threshold-type", lambda: Archive(array_threshold="big"), TypeError, ["array_threshold="]),
    (
        "threshold-negative",
        lambda: Archive(array_threshold=-1),
        ValueError,
        ["array_threshold=-1"],
    ),
    (
        "threshold-nan",
        lambda: Archive(array_threshold=float("nan")),
        ValueError,
        ["array_threshold=nan"],
    ),
    ("datafile-type", lambda: Archive(datafile=3), TypeError, ["datafile="]),
    ("allowed-names-str", lambda: Archive(allowed_names="_x"), TypeError, ["allowed_names="]),
    ("allowed-names-items", lambda: Archive(allowed_names=[1]), TypeError, ["allowed_names="]),
    ("gname-prefix", lambda: Archive(gname_prefix="g"), ValueError, ["gname_prefix='g'"]),
    ("gname-prefix-type", lambda: Archive(gname_prefix=1), TypeError, ["gname_prefix="]),
    (
        "big-array-no-datafile",
        lambda: str(_with(Archive(array_threshold=2), a=np.arange(5))),
        ArchiveError,
        ["array_threshold=2", "datafile="],
    ),
    ("restore-bytes", lambda: restore(b"x = 1"), TypeError, ["str", "bytes"]),
    ("restore-env-type", lambda: restore("x = 1", env=[1]), TypeError, ["env=", "list"]),
    # an entry file's name, not its source: executed, 'tests/x.py' was a NameError ('tests')
    ("restore-file-name", lambda: restore(__file__), TypeError, ["file name", "open("]),
    ("restore-path", lambda: restore(pathlib.Path(__file__)), TypeError, ["PosixPath", "open("]),
]


def _with(arch, **kw):
    arch.insert(**kw)
    return arch


@pytest.mark.parametrize("run, exc, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_named_error(run, exc, words):
    with pytest.raises(exc) as info:
        run()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


class PersistHook:
    def get_persistent_rep(self, env):
        return {}["missing key"]


@pytest.mark.parametrize("hooked", [BadHook(error=KeyError("boom")), PersistHook()])
def test_a_raising_hook_gives_the_users_exception_with_the_hooks_frame(hooked):
    import traceback

    with pytest.raises(KeyError) as info:
        archive_of(h=[hooked])()
    frames = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-1] in ("archive_1", "get_persistent_rep")
    assert f"raised by {type(hooked).__qualname__}.{frames[-1]}()" in info.value.__notes__[0]


def test_there_are_at_least_fifteen_kinds():
    assert len(CASES) >= 15


def test_refused_insert_leaves_the_archive_unchanged():
    a = Archive(check_on_insert=True)
    a.insert(x=1)
    before = str(a)
    for bad in [{"ok": 1, "1bad": 2}, {"ok": 1, "x": 2}, {"ok": 1, "g": (i for i in [])}]:
        with pytest.raises(ArchiveError):
            a.insert(**bad)
    assert a.names() == ["x"] and str(a) == before


def test_failed_make_persistent_keeps_pending_objects_and_writes_no_datafile(tmp_path):
    a = Archive(array_threshold=1, datafile=str(tmp_path / "d.h5"))
    a.insert(ok=[1], bad=[np.arange(3), lambda: 0])
    with pytest.raises(UnarchivableError, match=r"bad\[1\]"):
        str(a)
    assert a.names() == ["ok", "bad"]
    assert not (tmp_path / "d.h5").exists()


def test_restore_of_an_entry_file_s_text_as_its_error_advises_loads_both_sections(tmp_path):
    # restore(path) says "restore(open(path).read())": of an entry file, whose info and
    # value sections each end by deleting __builtins__, that raised NameError
    from archived.store.dataset import DataSet

    ds = DataSet("runs", "w", path=str(tmp_path))
    ds._insert(np.arange(500.0), info={"mu": 1.5}, name="run")
    path = tmp_path / "runs" / "run.py"
    with pytest.raises(TypeError, match=r"restore\(open\(path\)\.read\(\)\)"):
        restore(str(path))
    loaded = restore(path.read_text(), datadir=str(path.parent))
    assert sorted(loaded) == ["info", "run"]
    assert loaded["info"] == {"mu": 1.5} and loaded["run"].sum() == np.arange(500.0).sum()
    env = {"__name__": "mine"}
    assert restore("x = 1", env) is env and env == {"__name__": "mine", "x": 1}
