"""The catalogue of hostile stores and archives (run by tests/test_hostile_stores.py).

Each :class:`Case` builds a store someone could send you (``build``), then does what a
user would do with it (``run``: a safe load, a command of the command line, a write, a
repair), in a child process under a memory limit and an alarm (tests/hostile_runner.py).
``expect`` says how it must end: refused with an ArchiveError naming the problem, or
done with a warning naming it, or a command's exit code and words.  The runner checks
on top that nothing outside the store was read, created, changed or deleted and that the
interpreter is unchanged.

The classes of attack are those of issue 10: pickles inside safe loads, files outside
the store, HDF5 files reading other files, unbounded work from tiny input, commands that
execute entries, names Python reads differently, and special files (FIFOs, sockets,
devices) where a store file belongs.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hostile_runner import SECRET

TOKEN = "0a1b2c-1-0a1b2c3d"  # a writer on another host, long gone once its files are old
OLD = (0, 0)  # mtime of leftovers: older than the grace period, so their writer is gone


# ---- the world of one case ------------------------------------------------------------


class Context:
    """The directories of one case: the store, the sentinels outside it, the marker."""

    def __init__(self, root: str, shared: str) -> None:
        self.root = root
        self.shared = shared
        self.store = os.path.join(root, "s")
        self.outside = os.path.join(root, "outside")
        os.makedirs(self.outside)
        self.marker = os.path.join(self.outside, "PWNED")
        self.secret = os.path.join(self.outside, "secret.txt")
        with open(self.secret, "w") as f:
            f.write(SECRET)
        self.victim = os.path.join(self.outside, f"x.{TOKEN}.h5")  # shaped like a data file
        self.victim_info = os.path.join(self.outside, f"x.{TOKEN}-info.h5")
        for path in (self.victim, self.victim_info):
            _write_array_file(path, np.array([SECRET.encode()] * 3))

    def dataset(self, mode: str = "r", **options: Any) -> Any:
        from archived.store.dataset import DataSet

        return DataSet("s", mode, path=self.root, **options)

    def path(self, name: str) -> str:
        return os.path.join(self.store, name)

    def write(self, name: str, text: str | bytes) -> None:
        with open(self.path(name), "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)

    def read(self, name: str) -> str:
        with open(self.path(name)) as f:
            return f.read()

    def data_file(self, entry: str) -> str:
        return next(f for f in sorted(os.listdir(self.store)) if f.startswith(entry + "."))

    def stale(self, name: str, content: str = "") -> None:
        """Plant a writer's leftover ``name``, old enough for its writer to count as gone."""
        self.write(name, content)
        os.utime(self.path(name), OLD)


def _write_array_file(path: str, array: np.ndarray) -> None:
    from archived.engine.hdf5 import ArrayWriter

    with ArrayWriter(path) as w:
        w.add(array)


def entry_text(name: str, info: str, value: str, files: list[str] | None = None) -> str:
    """The text of an entry file, as archived writes it, with any sources inside."""
    return (
        f"# archived entry '{name}', format 1, data files: {files or []!r}\n"
        f"# ---- info ----\n{info.rstrip()}\n# ---- value ----\n{value.rstrip()}\n"
    )


def plant(ctx: Context, name: str, value: str, info: str = "info = None", files=None) -> None:
    """A store holding a good entry ``good`` and the entry ``name`` with these sources."""
    ds = ctx.dataset("w")
    ds.good = [1.5, 2.25]
    ctx.write(f"{name}.py", entry_text(name, info, value, files))


def pickled(payload: bytes, var: str = "x") -> str:
    return f"from pickle import loads as _loads\n{var} = _loads({payload!r})\n"


# ---- what must happen ------------------------------------------------------------------


@dataclass
class Refused:
    """The action raises an ArchiveError whose message has every word of ``words`` (and,
    if ``any_of`` is given, at least one of those) and none of ``absent``."""

    words: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    def judge(self, raised, caught, outcome, out, err) -> list[str]:
        from archived.errors import ArchiveError

        if raised is None:
            return [f"not refused: it returned {_short(outcome)}"]
        if not isinstance(raised, ArchiveError):
            return [f"not a clean ArchiveError: {type(raised).__name__}: {_short(raised)}"]
        return _words(str(raised), self.words, self.any_of, self.absent)


@dataclass
class Warned:
    """The action completes; an UnsafeFileWarning names the problem with ``words``."""

    words: tuple[str, ...] = ()

    def judge(self, raised, caught, outcome, out, err) -> list[str]:
        from archived.errors import UnsafeFileWarning

        if raised is not None:
            return [f"raised {type(raised).__name__}: {_short(raised)}"]
        said = [str(w.message) for w in caught if issubclass(w.category, UnsafeFileWarning)]
        if not said:
            return ["no UnsafeFileWarning named the problem"]
        return _words("\n".join(said), self.words, (), ())


@dataclass
class LeftOut:
    """The action completes, leaving an entry out: a DamagedEntryWarning names it with
    ``words`` (and, if ``any_of`` is given, at least one of those)."""

    words: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    def judge(self, raised, caught, outcome, out, err) -> list[str]:
        from archived.errors import DamagedEntryWarning

        if raised is not None:
            return [f"raised {type(raised).__name__}: {_short(raised)}"]
        said = [str(w.message) for w in caught if issubclass(w.category, DamagedEntryWarning)]
        if not said:
            return ["no DamagedEntryWarning named the entry left out"]
        return _words("\n".join(said), self.words, self.any_of, ())


@dataclass
class Done:
    """The action completes without an error (what it left behind is checked by run)."""

    def judge(self, raised, caught, outcome, out, err) -> list[str]:
        if raised is not None:
            return [f"raised {type(raised).__name__}: {_short(raised)}"]
        return []


@dataclass
class Cli:
    """``run`` returns a command's exit code: one of ``codes``, output with ``words``."""

    codes: tuple[int, ...] = (0, 1)
    words: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    def judge(self, raised, caught, outcome, out, err) -> list[str]:
        if raised is not None:
            return [f"the command raised {type(raised).__name__}: {_short(raised)}"]
        if outcome not in self.codes:
            return [f"exit code {outcome}, expected one of {self.codes}: {_short(err or out)}"]
        return _words(out + err, self.words, self.any_of, self.absent)


def _words(text: str, words, any_of, absent) -> list[str]:
    problems = [f"{w!r} not in {_short(text)}" for w in words if w not in text]
    if any_of and not any(w in text for w in any_of):
        problems.append(f"none of {any_of!r} in {_short(text)}")
    problems += [f"{w!r} should not be in {_short(text)}" for w in absent if w in text]
    return problems


def _short(x: object) -> str:
    try:
        text = str(x)
    except BaseException:  # noqa: BLE001 - a hostile value may refuse str
        text = f"<{type(x).__name__}>"
    return text[:300]


@dataclass
class Case:
    id: str
    kind: str  # pickle, outside, hdf5, work, execute, names, special
    build: Callable[[Context], None]
    run: Callable[[Context], Any]
    expect: Any
    changes_store: bool = False
    xfail: str | None = None  # why it still fails (strict: it must fail while listed)
    needs: tuple[str, ...] = field(default=())  # 'hdf5': the h5py-built files


CASES: list[Case] = []


def case(*args: Any, **kwargs: Any) -> None:
    CASES.append(Case(*args, **kwargs))


# ---- actions --------------------------------------------------------------------------


def safe_value(name: str = "x") -> Callable[[Context], Any]:
    def run(ctx: Context) -> Any:
        return getattr(ctx.dataset(safe=True), name)

    return run


def safe_info(name: str = "x") -> Callable[[Context], Any]:
    def run(ctx: Context) -> Any:
        return ctx.dataset(safe=True)[name]

    return run


def safe_everything(ctx: Context) -> Any:
    """Read every entry's info and value safely, as a program looking at a store does."""
    ds = ctx.dataset(safe=True)
    return [(name, ds[name], getattr(ds, name)) for name in ds]


def cli(*argv: str) -> Callable[[Context], Any]:
    def run(ctx: Context) -> Any:
        from archived.cli import main

        return main([argv[0], ctx.store, *argv[1:]])

    return run


def restore_safe(src: str) -> Callable[[Context], Any]:
    def run(ctx: Context) -> Any:
        from archived import restore

        return restore(src, safe=True, datadir=ctx.store)

    return run


def writing(action: Callable[[Any], Any], **options: Any) -> Callable[[Context], Any]:
    def run(ctx: Context) -> Any:
        return action(ctx.dataset("w", **options))

    return run


def repair_store(ctx: Context) -> Any:
    from archived.store.integrity import repair

    return repair(ctx.store, safe=True)


def verify_store(ctx: Context) -> Any:
    from archived.store.integrity import verify

    return verify(ctx.store, safe=True)


def nothing(ctx: Context) -> None:
    return None


# ---- 1. pickles inside safe loads --------------------------------------------------------

# each payload reaches an object of an allowed module that is not a constructor (a
# module, a dict, a class) and mutates it with BUILD or SETITEM
_PATH_TO_STORE = "(dS'path'\n(lS'{store}'\nasb."
PICKLES = {
    "datetime-sys-path": "cdatetime\nsys\n" + _PATH_TO_STORE,
    "fractions-sys-path": "cfractions\nsys\n" + _PATH_TO_STORE,
    "collections-private-sys-path": "ccollections\n_sys\n" + _PATH_TO_STORE,
    "numpy-sctypedict-float64-is-int": "cnumpy\nsctypeDict\nS'float64'\ncbuiltins\nint\ns.",
    "numpy-typecodes": "cnumpy\ntypecodes\nS'All'\nS''\ns.",
    "numpy-linalg-module": "cnumpy\nlinalg\n(dS'norm'\nI1\nsb.",
    "collections-abc-mapping": "ccollections\nabc\n(dS'Mapping'\nI1\nsb.",
    "fractions-math-module": "cfractions\nmath\n(dS'gcd'\nI1\nsb.",
}
_MUTATION = "a pickle mutated a module of the interpreter; safe loads must never unpickle"


def _pickle_build(template: str, where: str) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        payload = template.format(store=ctx.store).encode("latin-1")
        if where == "info":
            plant(ctx, "x", "x = 1", info=pickled(payload, "info"))
        else:
            plant(ctx, "x", pickled(payload))

    return build


for _name, _template in PICKLES.items():
    case(
        f"pickle-{_name}",
        "pickle",
        _pickle_build(_template, "value"),
        safe_value(),
        Refused(any_of=("pickle",)),
    )
case(
    "pickle-in-info-ls-poisons-sys-path",
    "pickle",
    _pickle_build(PICKLES["datetime-sys-path"], "info"),
    cli("ls", "-l"),
    Cli(words=("x",), any_of=("pickle",)),
)
case(
    "pickle-in-info-show",
    "pickle",
    _pickle_build(PICKLES["numpy-sctypedict-float64-is-int"], "info"),
    cli("show", "x"),
    Cli(any_of=("pickle",)),
)


def _object_dtype_payload() -> bytes:
    """A pickled dtype whose flags hide its object field (from_bytes then trusts bytes)."""
    red = np.dtype([("a", "O")]).__reduce__()
    state = list(red[2])
    state[-1] = 0

    class Hidden:
        def __reduce__(self):
            return (red[0], red[1], tuple(state))

    return pickle.dumps(Hidden(), protocol=2)


def _object_dtype(ctx: Context) -> None:
    src = (
        "from pickle import loads as _loads\n"
        "from archived.arrays import from_bytes as _from_bytes\n"
        f"x = _from_bytes(b'AAAAAAAA', _loads({_object_dtype_payload()!r}), (1,))\n"
    )
    plant(ctx, "x", src)


case(
    "pickle-dtype-hiding-an-object-field",
    "pickle",
    _object_dtype,
    safe_value(),
    Refused(any_of=("pickle", "object")),
)
case(
    "pickle-of-a-plain-dtype-still-refused-without-allow-pickle",
    "pickle",
    lambda ctx: plant(ctx, "x", pickled(pickle.dumps(np.dtype(">f4")))),
    safe_value(),
    Refused(any_of=("pickle",)),
)
case(
    "pickle-build-on-an-allowed-constructor",
    "pickle",
    lambda ctx: plant(ctx, "x", pickled(b"cfractions\nFraction\n(dS'pwned'\nI1\nsb.")),
    safe_value(),
    Refused(any_of=("pickle",)),
)


# ---- 2. files outside the store: names read from the store ------------------------------


def _header_names(ctx: Context, entry: str, names: list[str]) -> None:
    """Make entry ``entry``'s header list ``names`` (beside its own data files)."""
    text = ctx.read(f"{entry}.py")
    first, rest = text.split("\n", 1)
    head, _, listed = first.partition("data files: ")
    ctx.write(f"{entry}.py", f"{head}data files: {eval(listed) + names!r}\n{rest}")


def _listing(which: str) -> Callable[[Context], list[str]]:
    return {
        "absolute": lambda ctx: [ctx.victim],
        "relative": lambda ctx: [f"../outside/x.{TOKEN}.h5"],
        "absolute-info": lambda ctx: [ctx.victim_info],
        "nul": lambda ctx: [f"x.{TOKEN}.h5\0/../../outside/x.{TOKEN}.h5"],
        "other-entry": lambda ctx: [ctx.data_file("other")],
    }[which]


def _store_with_listed(which: str, *, arrays: bool = True) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        ds = ctx.dataset("w", array_threshold=10)
        ds.x = np.arange(20.0) if arrays else 1
        ds["x"] = {"n": 1}
        ds.other = np.arange(30.0)
        _header_names(ctx, "x", _listing(which)(ctx))

    return build


def _other_intact(action: Callable[[Context], Any]) -> Callable[[Context], Any]:
    """Run ``action``; the entry ``other`` (whose data file may be named) must load."""

    def run(ctx: Context) -> Any:
        result = action(ctx)
        other = ctx.dataset().other
        if not np.array_equal(other, np.arange(30.0)):
            raise AssertionError("entry 'other' lost its data")
        return result

    return run


def _overwrite(ds: Any) -> None:
    ds.x = 2


def _delete(ds: Any) -> None:
    del ds.x


def _set_info(ds: Any) -> None:
    ds["x"] = {"n": 2}


def _insert_over(ds: Any) -> None:
    ds._insert(3, info="new", name="x")


WRITES = {
    "overwrite": (_overwrite, {}),
    "delete": (_delete, {}),
    "set-info": (_set_info, {}),
    "insert-over": (_insert_over, {}),
    "overwrite-with-backup": (_overwrite, {"backup_data": True}),
    "delete-with-backup": (_delete, {"backup_data": True}),
}
for _listed in ("absolute", "relative", "other-entry"):
    for _write, (_action, _options) in WRITES.items():
        case(
            f"header-lists-{_listed}-path-then-{_write}",
            "outside",
            _store_with_listed(_listed),
            _other_intact(writing(_action, **_options)),
            # another entry's data file, as a copy of its entry file made by hand lists
            # it, is no unsafe name: left to that entry quietly
            Done() if _listed == "other-entry" else Warned(("unsafe file name",)),
            changes_store=True,
        )
case(
    "header-lists-an-info-file-outside-then-set-info",
    "outside",
    _store_with_listed("absolute-info"),
    writing(_set_info),
    Warned((f"x.{TOKEN}-info.h5", "not a plain name")),
    changes_store=True,
)
case(
    "header-lists-a-name-with-a-nul-byte-then-delete",
    "outside",
    _store_with_listed("nul"),
    writing(_delete),
    Warned(("not a plain name",)),
    changes_store=True,
)
for _listed in ("absolute", "relative"):
    case(
        f"header-lists-{_listed}-path-then-safe-read",
        "outside",
        _store_with_listed(_listed),
        safe_value(),
        Refused(("unsafe file name", "x.")),
    )
    case(
        f"header-lists-{_listed}-path-then-verify",
        "outside",
        _store_with_listed(_listed),
        cli("verify"),
        Cli(codes=(1,), words=("damaged entry x", "not a plain name")),
    )
    case(
        f"header-lists-{_listed}-path-then-prune-yes",
        "outside",
        _store_with_listed(_listed),
        cli("prune", "--where", "n=1", "--yes"),
        Cli(codes=(0,), words=("deleted 1 entry",)),
        changes_store=True,
    )


def _drop_list(which: str) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        ds = ctx.dataset("w", array_threshold=10)
        ds.x = np.arange(20.0)
        ds.other = np.arange(30.0)
        names = {
            "absolute": [ctx.victim],
            "relative": [f"../outside/x.{TOKEN}.h5", "../outside/secret.txt"],
            "other-entry": [ctx.data_file("other")],
            "not-a-list": {"x": ctx.victim},
        }[which]
        ctx.stale(f".x.{TOKEN}.drop", json.dumps(names))

    return build


def _open_for_writing(ctx: Context) -> None:
    ctx.dataset("w")


for _listed in ("absolute", "relative", "other-entry"):
    case(
        f"drop-file-lists-{_listed}-path-then-open-for-writing",
        "outside",
        _drop_list(_listed),
        _other_intact(_open_for_writing),
        Warned(("unsafe file name",)),
        changes_store=True,
    )
    case(
        f"drop-file-lists-{_listed}-path-then-repair",
        "outside",
        _drop_list(_listed),
        _other_intact(repair_store),
        Warned(("unsafe file name",)),
        changes_store=True,
    )
case(
    "drop-file-lists-absolute-path-then-cli-repair",
    "outside",
    _drop_list("absolute"),
    cli("repair"),
    Cli(codes=(0,), words=("removed .x.",)),
    changes_store=True,
)
case(
    "drop-file-holds-a-dict-then-open-for-writing",
    "outside",
    _drop_list("not-a-list"),
    _open_for_writing,
    Done(),
    changes_store=True,
)


def _symlinked_data_file(target: str) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        ds = ctx.dataset("w", array_threshold=10)
        ds.x = np.arange(20.0)
        h5 = ctx.data_file("x")
        os.unlink(ctx.path(h5))
        os.symlink({"victim": ctx.victim, "zero": "/dev/zero"}[target], ctx.path(h5))

    return build


for _target in ("victim", "zero"):
    case(
        f"data-file-is-a-link-to-{_target}-then-safe-read",
        "outside",
        _symlinked_data_file(_target),
        safe_value(),
        Refused(("symbolic link",)),
    )
    case(
        f"data-file-is-a-link-to-{_target}-then-trusted-read",
        "outside",
        _symlinked_data_file(_target),
        lambda ctx: ctx.dataset().x,
        Refused(("symbolic link",)),
    )
case(
    "data-file-is-a-link-then-overwrite",
    "outside",
    _symlinked_data_file("victim"),
    writing(_overwrite),
    Warned(("symbolic link",)),
    changes_store=True,
)
case(
    "data-file-is-a-link-then-verify-reports-it",
    "outside",
    _symlinked_data_file("victim"),
    cli("verify"),
    Cli(codes=(1,), words=("symbolic link",)),
)


def _orphan_link(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    os.symlink(ctx.victim, ctx.path(f"x.{TOKEN}.h5"))


case(
    "orphan-data-file-link-then-repair-leaves-it",
    "outside",
    _orphan_link,
    cli("repair"),
    Cli(codes=(1,), words=(f"unsafe file 'x.{TOKEN}.h5'", "symbolic link")),
)


def _linked_entry(ctx: Context) -> None:
    ctx.dataset("w").good = 1
    outside = os.path.join(ctx.outside, "x.py")
    with open(outside, "w") as f:
        f.write(entry_text("x", "info = None", f"x = {SECRET!r}"))
    os.symlink(outside, ctx.path("x.py"))


case(
    "entry-file-is-a-link-then-safe-read",
    "outside",
    _linked_entry,
    safe_value(),
    Refused(("symbolic link",)),
)
case(
    "entry-file-is-a-link-then-ls",
    "outside",
    _linked_entry,
    cli("ls", "-l"),
    Cli(codes=(0,), words=("damaged", "symbolic link")),
)


def _linked_dir(which: str) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        ds = ctx.dataset("w")
        ds.x = 1
        target = os.path.join(ctx.outside, "elsewhere")
        os.mkdir(target)
        os.symlink(target, ctx.path(which))

    return build


case(
    "backup-directory-links-outside-then-overwrite",
    "outside",
    _linked_dir(".backup"),
    writing(_overwrite, backup_data=True),
    Refused(("'.backup'", "symbolic link")),
)


def _cached_call(ctx: Context) -> Any:
    from archived import archived

    @archived(ctx.store)
    def square(x):
        return x * x

    return square(3)


case(
    "keys-directory-links-outside-then-cached-call",
    "outside",
    _linked_dir(".keys"),
    _cached_call,
    Refused(("'.keys'", "symbolic link")),
)


def _linked_lock(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    os.unlink(ctx.path(".lock"))
    os.symlink(os.path.join(ctx.outside, "created-by-the-lock"), ctx.path(".lock"))


case(
    "lock-file-links-outside-then-write",
    "outside",
    _linked_lock,
    writing(_overwrite),
    Refused(("'.lock'", "symbolic link")),
)
case(
    "lock-file-links-outside-then-repair",
    "outside",
    _linked_lock,
    repair_store,
    Refused(("'.lock'", "symbolic link")),
)


def _linked_loader(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    fake = os.path.join(ctx.outside, "__init__.py")
    shutil.copy(ctx.path("__init__.py"), fake)
    with open(fake, "a") as f:
        f.write(f"open({ctx.marker!r}, 'w')  # {SECRET}\n")
    os.unlink(ctx.path("__init__.py"))
    os.symlink(fake, ctx.path("__init__.py"))


case(
    "loader-links-outside-then-open",
    "outside",
    _linked_loader,
    lambda ctx: ctx.dataset("w"),
    Refused(("not an archived DataSet",)),
)


def _linked_leftovers(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    os.symlink(ctx.secret, ctx.path(f".x.{TOKEN}.tmp"))
    os.symlink(ctx.victim, ctx.path(f".x.{TOKEN}.drop"))
    for name in (f".x.{TOKEN}.tmp", f".x.{TOKEN}.drop"):
        os.utime(ctx.path(name), OLD, follow_symlinks=False)


case(
    "leftovers-are-links-then-open-for-writing",
    "outside",
    _linked_leftovers,
    _open_for_writing,
    Done(),
)
case(
    "leftovers-are-links-then-verify-reports-them",
    "outside",
    _linked_leftovers,
    cli("verify"),
    Cli(codes=(1,), words=(f".x.{TOKEN}.drop", "symbolic link", "where a drop file belongs")),
)


def _linked_claim(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    os.symlink(ctx.victim, ctx.path(".x_0.claim"))


case(
    "claim-links-outside-then-insert",
    "outside",
    _linked_claim,
    writing(lambda ds: ds._insert(5)),
    Done(),
    changes_store=True,
)

LOAD = "from archived.arrays import load_array as _load_array\nx = _load_array({!r}, 'a0')\n"
for _label, _name in (
    ("absolute", "{victim}"),
    ("relative", "../outside/x.{token}.h5"),
    ("proc", "/proc/self/environ"),
    ("dotdot", ".."),
):
    case(
        f"value-loads-an-array-from-an-{_label}-path",
        "outside",
        lambda ctx, n=_name: plant(
            ctx, "x", LOAD.format(n.format(victim=ctx.victim, token=TOKEN))
        ),
        safe_value(),
        Refused(("not a plain file name",)),
    )


def _damaged_entry(listed: list[str] | None = None, link_dir: bool = False):
    """A store whose entry ``x`` is damaged (a typo), maybe listing ``listed`` in its
    header, maybe with ``.damaged`` a link out of the store."""

    def build(ctx: Context) -> None:
        ds = ctx.dataset("w", array_threshold=10)
        ds.x = np.arange(20.0)
        ds.other = np.arange(30.0)
        extra = [n.format(victim=ctx.victim, token=TOKEN) for n in listed or []]
        _header_names(ctx, "x", extra)
        with open(ctx.path("x.py"), "a") as f:
            f.write("x = (\n")  # a typo: the entry no longer loads
        if link_dir:
            target = os.path.join(ctx.outside, "elsewhere")
            os.mkdir(target)
            os.symlink(target, ctx.path(".damaged"))

    return build


def _set_aside(ctx: Context) -> Any:
    return ctx.dataset("w")._set_aside("x")


case(
    "damaged-directory-links-outside-then-set-aside",
    "outside",
    _damaged_entry(link_dir=True),
    _set_aside,
    Refused(("'.damaged'", "symbolic link")),
)
case(
    "damaged-entry-lists-paths-outside-then-set-aside",
    "outside",
    _damaged_entry(["{victim}", "../outside/x.{token}.h5", ".."]),
    _other_intact(_set_aside),
    Warned(("unsafe file name", "not a plain name")),
    changes_store=True,
)


def _square(x):
    return x * x


def _damaged_call(ctx: Context) -> None:
    from archived import archived

    archived(ctx.store)(_square)(3)
    name = next(f for f in os.listdir(ctx.store) if "square" in f and f.endswith(".py"))[:-3]
    _header_names(ctx, name, [ctx.victim, f"../outside/x.{TOKEN}.h5"])
    with open(ctx.path(name + ".py"), "a") as f:
        f.write("x = (\n")


def _call_again(ctx: Context) -> Any:
    from archived import archived

    result = archived(ctx.store)(_square)(3)
    if result != 9:
        raise AssertionError(f"the call returned {result!r}")
    return result


case(
    "damaged-cached-call-listing-paths-outside-then-called-again",
    "outside",
    _damaged_call,
    _call_again,
    Warned(("unsafe file name",)),
    changes_store=True,
)


def _index(ctx: Context, rows: dict[str, list], form: int = 4) -> bytes:
    """An index file of format ``form`` holding ``rows``, signed: 3, one JSON object of
    columns; 4, a line per column (a column a row has no field for is null)."""
    import xxhash

    from archived.store import indexfile

    names = sorted(rows)
    fields = indexfile.COLUMNS if form >= 4 else indexfile.COLUMNS[:11]
    columns = {"name": names}
    for i, column in enumerate(fields[1:]):
        columns[column] = [rows[name][i] if i < len(rows[name]) else None for name in names]
    if form >= 4:
        body = b"\n".join(json.dumps(columns[f], separators=(",", ":")).encode() for f in fields)
    else:
        body = json.dumps(columns, separators=(",", ":")).encode()
    meta = {"format": form, "check": xxhash.xxh3_64_hexdigest(body)}
    if form >= 4:  # read and derived by this version: its rows are read
        meta.update(read=indexfile._READ, derived=indexfile._DERIVED)
    head = json.dumps(meta).encode()
    return head + b"\n" + body


def _index_row(ctx: Context, name: str, files: list[str], started: Any = None) -> list:
    """A row of the read-side index that matches entry ``name``'s file, with an info
    record and a listing holding the secret (an ls that used the row would print it)."""
    from archived.store import indexcodec

    st = os.lstat(ctx.path(name + ".py"))
    seen = max(st.st_mtime_ns, st.st_ctime_ns) + 10**10
    info = indexcodec.encode({"leak": SECRET})
    signature = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    listing = ["entry", SECRET, "", SECRET, started]
    brief = indexcodec.encode({})  # what a table reads of the record: nothing to read
    return [*signature, seen, "0" * 16, files, info, None, listing, brief]


def _index_outside(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    outside = os.path.join(ctx.outside, "index.json")
    with open(outside, "wb") as f:
        f.write(_index(ctx, {"x": _index_row(ctx, "x", [])}))
    os.symlink(outside, ctx.path(".index.json"))


def _index_listing(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    row = _index_row(ctx, "x", [f"../outside/x.{TOKEN}.h5"])
    ctx.write(".index.json", _index(ctx, {"x": row}))


def _index_start(start: Any, form: int) -> Callable[[Context], None]:
    """A store whose index file (of format ``form``) lists ``x`` as started at ``start``
    (format 4 reads the listing column when ls -l first asks for it)."""

    def build(ctx: Context) -> None:
        ctx.dataset("w").x = 1
        ctx.write(".index.json", _index(ctx, {"x": _index_row(ctx, "x", [], start)}, form))

    return build


case(
    "index-file-links-outside-then-ls",
    "outside",
    _index_outside,
    cli("ls", "-l"),
    Cli(codes=(0,), words=("x ",)),
)


def _index_of_empty_lists(ctx: Context) -> None:
    """160 small entries and an index file as big as rows of any 160 entries may be
    (over 100 MB), of empty lists: gigabytes once parsed."""
    import xxhash

    from archived.store import indexfile

    ds = ctx.dataset("w")
    for i in range(160):
        ds._insert(i)
    size = 160 * indexfile._ROW_BYTES
    body = b'{"name":[' + b"[]," * (size // 3 - 10) + b"[]]}"
    head = json.dumps({"format": 3, "check": xxhash.xxh3_64_hexdigest(body)}).encode()
    ctx.write(".index.json", head + b"\n" + body)


case(
    "index-file-of-empty-lists-then-ls",
    "work",
    _index_of_empty_lists,
    cli("ls", "-l"),
    Cli(codes=(0,), words=("x_159",)),
    changes_store=True,  # the reader replaces the index it refused
)
for _start, _form, _command in itertools.product(
    (10**400, float("inf"), "yesterday"), (3, 4), ("ls -l", "ls --json")
):
    case(
        f"index-{_form}-listing-starting-at-{str(_start)[:8]}-then-{_command.replace(' ', '')}",
        "work",
        _index_start(_start, _form),
        cli(*_command.split()),
        Cli(codes=(0,), words=("x",)),
        changes_store=True,  # the reader replaces the index it refused
    )
case(
    "index-file-links-outside-then-table",
    "outside",
    _index_outside,
    lambda ctx: ctx.dataset(safe=True)._table(frame=False),
    Done(),
)
case(
    "index-row-lists-a-data-file-outside-then-ls",
    "outside",
    _index_listing,
    cli("ls", "-l"),
    Cli(codes=(0,), words=("x ",)),
    changes_store=True,  # the reader replaces the index it refused
)


# ---- 3. HDF5 files that read other files --------------------------------------------------


def _hostile_h5(which: str) -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        ctx.dataset("w").good = 1
        name = f"x.{TOKEN}.h5"
        shutil.copy(os.path.join(ctx.shared, f"{which}.h5"), ctx.path(name))
        ctx.write("x.py", entry_text("x", "info = None", LOAD.format(name), [name]))

    return build


_HDF5 = "HDF5 reads what the file points at; the data-file reader must refuse it first"
for _which, _fails in (
    ("external_storage", True),
    ("virtual_dataset", True),
    ("external_link", False),
):
    case(
        f"hdf5-{_which.replace('_', '-')}-then-safe-read",
        "hdf5",
        _hostile_h5(_which),
        safe_value(),
        Refused(),
        needs=("hdf5",),
    )
case(
    "hdf5-external-storage-then-ls",
    "hdf5",
    _hostile_h5("external_storage"),
    cli("show", "x"),
    Cli(codes=(0, 1)),
    needs=("hdf5",),
)


# ---- 4. unbounded work from tiny input ---------------------------------------------------


def _laughs(var: str, levels: int = 9, width: int = 10, kind: str = "list") -> str:
    open_, close = {"list": ("[", "]"), "tuple": ("(", ",)"), "set": ("{", "}")}[kind]
    lines = [f"_l0 = {open_}" + ", ".join(["0"] * width) + f"{close}"]
    for i in range(1, levels):
        lines.append(f"_l{i} = [" + ", ".join([f"_l{i - 1}"] * width) + "]")
    lines.append(f"{var} = _l{levels - 1}")
    return "\n".join(lines) + "\n"


_BUDGET = ("budget", "max_", "elements", "too many", "too big", "bytes")
_WORK = "no budget counts shared references expanded (safeload: bounded work)"
case(
    "billion-laughs-list-value",
    "work",
    lambda ctx: plant(ctx, "x", _laughs("x")),
    lambda ctx: repr(safe_value()(ctx)),
    Refused(any_of=_BUDGET),
)
case(
    "billion-laughs-list-info-ls",
    "work",
    lambda ctx: plant(ctx, "x", "x = 1", info=_laughs("info")),
    cli("ls", "-l"),
    Cli(any_of=_BUDGET),
)
case(
    "billion-laughs-list-info-show",
    "work",
    lambda ctx: plant(ctx, "x", "x = 1", info=_laughs("info")),
    cli("show", "x"),
    Cli(any_of=_BUDGET),
)
case(
    "billion-laughs-set-of-tuples",
    "work",
    lambda ctx: plant(
        ctx,
        "x",
        _laughs("_t", levels=7).replace("= [", "= (").replace("]", ",)") + "x = {_t, (_t, 1)}\n",
    ),
    safe_value(),
    Refused(any_of=_BUDGET),
)
case(
    "decimal-of-an-800-kB-hex-literal",
    "work",
    lambda ctx: plant(ctx, "x", f"from decimal import Decimal as _D\nx = _D(0x{'f' * 800_000})\n"),
    safe_value(),
    Refused(any_of=("digits", "Decimal", *_BUDGET)),
)
case(
    "hex-literal-of-800-kB-in-an-info-record-then-ls",
    "work",
    lambda ctx: plant(ctx, "x", "x = 1", info=f"info = {{'n': 0x{'f' * 800_000}}}\n"),
    cli("ls", "-l"),
    Cli(codes=(0,), any_of=("digits", *_BUDGET)),
)


def _deep_names(var: str, depth: int, kind: str) -> str:
    wrap = {"tuple": "({},)", "list": "[{}]", "dict": "{{'k': {}}}"}[kind]
    lines = ["_n0 = 0"] + [f"_n{i} = " + wrap.format(f"_n{i - 1}") for i in range(1, depth)]
    return "\n".join(lines) + f"\n{var} = _n{depth - 1}\n"


case(
    "tuple-nested-200k-deep-through-names-then-hashed",
    "work",
    lambda ctx: plant(
        ctx, "x", _deep_names("_t", 200_000, "tuple") + "x = {_t}\n".replace("{_t}", "{_t: 1}")
    ),
    safe_value(),
    Refused(any_of=("deep", "nest", "depth", *_BUDGET)),
)
case(
    "list-nested-20k-deep-through-names-then-ls",
    "work",
    lambda ctx: plant(ctx, "x", "x = 1", info=_deep_names("info", 20_000, "list")),
    cli("ls", "-l"),
    Cli(any_of=("deep", "nest", "depth", *_BUDGET)),
)


def _wide_strings(ctx: Context) -> None:
    line = "_s = '" + "a" * 1_000_000 + "'\n"
    plant(ctx, "x", line + "from numpy import array as _a\nx = _a([" + "_s, " * 1000 + "])\n")


case(
    "one-1-MB-string-referenced-1000-times-in-an-array",
    "work",
    _wide_strings,
    safe_value(),
    Refused(any_of=_BUDGET),
)
case(
    "8-GiB-of-zeros-from-a-12-kB-store",
    "work",
    lambda ctx: plant(ctx, "x", "from numpy import zeros as _z\nx = _z((1073741824,))\n"),
    safe_value(),
    Refused(any_of=_BUDGET),
)
case(
    "8-GiB-of-zeros-in-an-info-record-then-ls",
    "work",
    lambda ctx: plant(
        ctx, "x", "x = 1", info="from numpy import zeros as _z\ninfo = _z(1073741824)\n"
    ),
    cli("ls", "-l"),
    Cli(any_of=_BUDGET),
)
case(
    "a-million-element-list-literal-under-a-50-MB-budget",
    "work",
    lambda ctx: plant(ctx, "x", "x = [" + "0," * 1_000_000 + "]\n"),
    lambda ctx: ctx.dataset(safe=True, max_bytes=50_000_000).x,
    Refused(any_of=_BUDGET),
)


def _compressed_bomb(ctx: Context) -> None:
    import tables

    ctx.dataset("w").good = 1
    name = f"x.{TOKEN}.h5"
    with tables.open_file(ctx.path(name), "w") as h5:
        h5.create_carray(
            "/",
            "a0",
            tables.Float64Atom(),
            shape=(2**29,),
            filters=tables.Filters(complevel=9, complib="zlib"),
        )
    ctx.write("x.py", entry_text("x", "info = None", LOAD.format(name), [name]))


case(
    "4-GiB-compressed-hdf5-array-in-a-small-file",
    "work",
    _compressed_bomb,
    safe_value(),
    Refused(any_of=("index does not describe", *_BUDGET)),
)
case(
    "100-GB-of-zeros-refused-by-the-budget",
    "work",
    lambda ctx: plant(ctx, "x", "from numpy import zeros as _z\nx = _z((100000, 1000000))\n"),
    safe_value(),
    Refused(("numpy.zeros", "max_bytes")),
)
case(
    "a-range-of-a-trillion-made-into-a-list",
    "work",
    lambda ctx: plant(ctx, "x", "from builtins import list, range\nx = list(range(10000000000))"),
    safe_value(),
    Refused(("list()",)),
)


# random generators: states numpy itself would take, and then read past their buffers
_MT_KEY = f"_a({[1] * 624}, dtype='uint32')"
_FAR = 2**31 - 1  # numpy takes this position and then reads 8 GiB past the key
_GENERATOR_OF = (
    "from numpy import array as _a\n"
    "from archived.reps import bit_generator as _bg\n"
    "from archived.reps import seed_sequence as _ss\n"
    "from archived.reps import numpy_generator as _gen\n"
    "x = _gen({})\n"
)
case(
    "numpy-generator-whose-state-points-far-past-its-key-then-draw",
    "work",
    lambda ctx: plant(
        ctx,
        "x",
        _GENERATOR_OF.format(
            f"_bg({{'bit_generator': 'MT19937', 'state': {{'key': {_MT_KEY}, 'pos': {_FAR}}}}})"
        ),
    ),
    lambda ctx: safe_value()(ctx).random(10),  # unchecked: a segfault (numpy 2.4)
    Refused(("bit_generator()", "MT19937")),
)
case(
    "numpy-generator-naming-a-class-that-is-not-a-bit-generator",
    "work",
    lambda ctx: plant(
        ctx,
        "x",
        _GENERATOR_OF.format("_bg({'bit_generator': 'Generator', 'state': {}}, _ss(1))"),
    ),
    safe_value(),
    Refused(("bit_generator()", "'Generator'")),
)
case(
    "seed-sequence-with-a-pool-of-a-billion-words",
    "work",
    lambda ctx: plant(
        ctx,
        "x",
        _GENERATOR_OF.format(
            "_bg({'bit_generator': 'PCG64', 'state': {'state': 1, 'inc': 3}, 'has_uint32': 0, "
            f"'uinteger': 0}}, _ss(1, pool_size={10**9}))"
        ),
    ),
    safe_value(),
    Refused(("seed_sequence()",), any_of=_BUDGET),
)
case(
    "python-random-whose-position-is-past-its-words-then-draw",
    "work",
    lambda ctx: plant(
        ctx,
        "x",
        "from numpy import array as _a\nfrom archived.reps import python_random as _r\n"
        f"x = _r({_MT_KEY}, {2**31})\n",
    ),
    lambda ctx: safe_value()(ctx).random(),
    Refused(("python_random()",)),
)


def _partial_writing_outside(through_class: bool) -> Callable[[Context], None]:
    """A partial that, once called, would write a file outside the store."""

    def build(ctx: Context) -> None:
        target = (
            f"_P.write_text, _P({ctx.marker!r})"
            if through_class
            else f"_P({ctx.marker!r}).write_text"
        )
        plant(
            ctx,
            "x",
            "from pathlib import Path as _P\nfrom functools import partial as _p\n"
            f"x = _p({target}, 'pwned')\n",
        )

    return build


for _through_class in (False, True):
    case(
        f"partial-of-{'Path.write_text' if _through_class else 'a-loaded-paths-write_text'}"
        "-then-call",
        "outside",
        _partial_writing_outside(_through_class),
        lambda ctx: safe_value()(ctx)(),  # a user calling what they loaded as a function
        # through a loaded path, refused at the method already (a-paths-unlink-method...)
        Refused(("partial()", "method") if _through_class else ("'write_text'", "method")),
    )


def _partial_reading_outside(ctx: Context) -> None:
    """A partial of the library's own array reader (importable from archived.hdf5, but
    defined in a module a safe load never imports from) that, once called, would read a
    file outside the store: the reader checks a path only inside a load."""
    plant(
        ctx,
        "x",
        "from archived.hdf5 import load_array as _L\nfrom functools import partial as _p\n"
        f"x = _p(_L, {ctx.victim!r}, 'a0')\n",
    )


case(
    "partial-of-load_array-of-a-file-outside-then-call",
    "outside",
    _partial_reading_outside,
    lambda ctx: safe_value()(ctx)(),  # a user calling what they loaded as a function
    Refused(("partial()", "load_array")),
)


def _partial_importing_a_module(ctx: Context) -> None:
    """A partial of numpy.info (a public numpy function: importable) that, once called,
    imports the module its ``toplevel`` names (numpy's _makenamedict: ``__import__``), so
    runs that module's code: here a module anywhere on the path, as the store's own
    package is when its folder is importable."""
    with open(os.path.join(ctx.outside, "pwn_module.py"), "w") as f:
        f.write(f"open({ctx.marker!r}, 'w').close()\n")
    plant(
        ctx,
        "x",
        "from numpy import info as _i\nfrom functools import partial as _p\n"
        "x = _p(_i, 'x', toplevel='pwn_module')\n",
    )


def _call_with_outside_on_path(ctx: Context) -> Any:
    import sys

    sys.path.insert(0, ctx.outside)
    try:
        return safe_value()(ctx)()  # a user calling what they loaded as a function
    finally:
        sys.path.remove(ctx.outside)


def _partial_passing_a_loader(ctx: Context) -> None:
    """numpy.fromfunction(f, (), **kw) calls f(**kw): a partial of it (a numpy function:
    allowed) calls the library's own array reader, unguarded, on a file outside."""
    plant(
        ctx,
        "x",
        "from archived.hdf5 import load_array as _L\nfrom numpy import fromfunction as _f\n"
        "from functools import partial as _p\n"
        f"x = _p(_f, _L, (), filename={ctx.victim!r}, key='a0')\n",
    )


def _partial_passing_a_method(ctx: Context) -> None:
    """sorted(..., key=k) calls k: a partial of it (a builtin: allowed) calls a loaded
    array's tofile, which writes the array to the file named by sorted's item."""
    plant(
        ctx,
        "x",
        "from numpy import array as _a\nfrom builtins import sorted as _s\n"
        "from functools import partial as _p\n"
        f"x = _p(_s, [{ctx.marker!r}], key=_a([1]).tofile)\n",
    )


for _what, _build in (
    ("load_array", _partial_passing_a_loader),
    ("an-arrays-tofile", _partial_passing_a_method),
):
    case(
        f"partial-of-a-function-calling-{_what}-outside-then-call",
        "outside",
        _build,
        lambda ctx: safe_value()(ctx)(),  # a user calling what they loaded as a function
        Refused(("partial()",)),
    )


def _method_of_a_path(method: str) -> Callable[[Context], None]:
    """A loaded path's bound method: calling it, with no argument, deletes a file
    outside the store (unlink) or reads one (read_text)."""

    def build(ctx: Context) -> None:
        plant(ctx, "x", f"from pathlib import Path as _P\nx = _P({ctx.secret!r}).{method}\n")

    return build


for _method in ("unlink", "read_text"):
    case(
        f"a-paths-{_method}-method-then-call",
        "outside",
        _method_of_a_path(_method),
        lambda ctx: safe_value()(ctx)(),  # a user calling what they loaded as a function
        Refused((f"attribute '{_method}' of a PosixPath",)),
    )

case(
    "partial-of-numpy.info-importing-a-module-then-call",
    "execute",
    _partial_importing_a_module,
    _call_with_outside_on_path,
    Refused(("numpy.info",)),
)

# ---- 5. commands that execute entries -----------------------------------------------------


def _code_entry(ctx: Context) -> None:
    """A store whose entry ``x`` creates the marker file when executed."""
    ds = ctx.dataset("w")
    ds.good = 1.5
    ds["good"] = {"n": 1}
    run = f"open({ctx.marker!r}, 'w')"
    ctx.write(
        "x.py",
        entry_text("x", f"info = {{'n': 1, 'f': {run}}}", f"x = {run}"),
    )


_REFUSED = ("unsafe archive", "UnsafeArchiveError")
for _argv, _expect in (
    (("ls",), Cli(codes=(0,), words=("good\nx\n",), absent=("damaged",))),
    (("ls", "-l"), Cli(codes=(0,), words=("x ", "damaged"), any_of=_REFUSED)),
    (("ls", "-l", "--safe"), Cli(codes=(0,), any_of=_REFUSED)),
    (("ls", "--status"), Cli(codes=(0,))),
    (("show", "x"), Cli(codes=(0,), words=("damaged",), any_of=_REFUSED)),
    (("show", "good"), Cli(codes=(0,), words=("1.5",))),
    (("verify",), Cli(codes=(1,), words=("entry x",), any_of=_REFUSED)),
    (("repair",), Cli(codes=(1,), words=("entry x",), any_of=_REFUSED)),
    (("export",), Cli(codes=(0,), words=("skipping damaged entry x",))),
    (("prune", "--where", "n=1"), Cli(codes=(0,), words=("would be deleted",))),
    (("prune", "--function", "nothing"), Cli(codes=(0,), words=("nothing to delete",))),
):
    case(
        f"code-in-an-entry-then-{'-'.join(a.strip('-') for a in _argv)}",
        "execute",
        _code_entry,
        cli(*_argv),
        _expect,
        changes_store=_argv[0] == "repair",
    )
case(
    "code-in-an-entry-then-prune-yes-deletes-without-running-it",
    "execute",
    _code_entry,
    cli("prune", "--where", "n=1", "--yes"),
    Cli(codes=(0,), words=("deleted 1 entry",)),
    changes_store=True,
)
case(
    "code-in-an-entry-then-table",
    "execute",
    _code_entry,
    lambda ctx: ctx.dataset(safe=True)._table(frame=False),
    LeftOut(("entry 'x'", "left out of the table"), any_of=_REFUSED),
)
case(
    "code-in-an-entry-then-safe-read-of-everything",
    "execute",
    _code_entry,
    safe_everything,
    Refused(any_of=_REFUSED),
)


def _persist_store(ctx: Context) -> None:
    os.makedirs(ctx.store)
    ctx.write("_this_dir_is_a_DataSet", "")
    ctx.write("__init__.py", f"open({ctx.marker!r}, 'w')\n_info_dict = {{'a': None}}\n")
    ctx.write("a.py", f"open({ctx.marker!r}, 'w')\na = 1\n")


for _argv in (("ls",), ("ls", "-l"), ("show", "a"), ("export",), ("verify",)):
    case(
        f"persist-store-then-{'-'.join(a.strip('-') for a in _argv[:2])}-without-trust",
        "execute",
        _persist_store,
        cli(*_argv),
        Cli(codes=(1,), any_of=("persist", "no store at")),
    )
case(
    "import-os-refusal-suggests-nothing-that-runs-code",
    "execute",
    nothing,
    restore_safe("import os as _os\nx = _os.system('true')\n"),
    Refused(("'os'",), absent=("allow=['os']",)),
)


# ---- 6. names Python reads differently ----------------------------------------------------


for _name in ("\uff58", "\ufb01le", "x\u2160"):
    case(
        f"entry-name-{_name.encode('unicode_escape').decode()}-is-refused",
        "names",
        lambda ctx: ctx.dataset("w").__setattr__("good", 1),
        lambda ctx, n=_name: ctx.dataset("w")._insert(1, name=n),
        Refused(("NFKC",)),
    )
case(
    "store-name-fullwidth-x-is-refused",
    "names",
    nothing,
    lambda ctx: __import__("archived").DataSet("\uff58", "w", path=ctx.root),
    Refused(("NFKC",)),
)
for _name in ("json", "tables", "os", "numpy"):
    case(
        f"store-named-{_name}-is-refused",
        "names",
        nothing,
        lambda ctx, n=_name: __import__("archived").DataSet(n, "w", path=ctx.root),
        Refused(("shadow", "shadow_ok=True")),
    )


def _planted_odd_name(ctx: Context) -> None:
    ctx.dataset("w").good = 1
    ctx.write("\ufb01le.py", entry_text("\ufb01le", "info = None", "\ufb01le = 1"))


case(
    "entry-file-with-a-name-python-normalises-is-not-listed",
    "names",
    _planted_odd_name,
    lambda ctx: list(ctx.dataset(safe=True)),
    Done(),
)


# ---- 7. special files where a store file belongs ------------------------------------------


def _special(name: str, what: str = "fifo") -> Callable[[Context], None]:
    def build(ctx: Context) -> None:
        ds = ctx.dataset("w")
        ds.good = 1.5
        ds["good"] = {"n": 1}
        path = ctx.path(name)
        if os.path.lexists(path):
            os.unlink(path)
        if what == "fifo":
            os.mkfifo(path)
        elif what == "socket":
            with socket.socket(socket.AF_UNIX) as s:
                s.bind(path)
        elif what == "dir":
            os.mkdir(path)
        if name.startswith(".") and what != "dir":
            os.utime(path, OLD, follow_symlinks=False)

    return build


_SKIPPED = ("where an entry file belongs",)
for _argv, _expect in (
    (("ls",), Cli(codes=(0,), words=("good\n",), absent=("x\n", "damaged"))),
    (("ls", "-l"), Cli(codes=(0,), words=("good", "1 entry"), absent=("damaged",))),
    (("show", "x"), Cli(codes=(1,), words=("no entry 'x'",))),
    (("verify",), Cli(codes=(1,), words=("unsafe file 'x.py'", "a FIFO"))),
    (("repair",), Cli(codes=(1,), words=("unsafe file 'x.py'",))),
    (("export",), Cli(codes=(0,), words=("good",), absent=("damaged",))),
    (("prune", "--where", "n=1", "--yes"), Cli(codes=(0,), words=("deleted 1 entry",))),
):
    case(
        f"fifo-named-x-py-then-{_argv[0]}{'-l' if '-l' in _argv else ''}"
        f"{'-yes' if '--yes' in _argv else ''}",
        "special",
        _special("x.py"),
        cli(*_argv),
        _expect,
        changes_store="--yes" in _argv,
    )
case(
    "fifo-named-x-py-then-safe-read-of-everything",
    "special",
    _special("x.py"),
    safe_everything,
    Warned(("'x.py'", "a FIFO") + _SKIPPED),
)
case(
    "fifo-named-x-py-then-read-it",
    "special",
    _special("x.py"),
    safe_value(),
    Refused(("not a regular file",)),
)
case(
    "fifo-named-x-py-then-table",
    "special",
    _special("x.py"),
    lambda ctx: ctx.dataset(safe=True)._table(frame=False),
    Warned(("'x.py'", "a FIFO") + _SKIPPED),
)
case(
    "directory-named-x-py-then-table",
    "special",
    _special("x.py", "dir"),
    lambda ctx: ctx.dataset(safe=True)._table(frame=False),
    Warned(("a directory",) + _SKIPPED),
)


def _not_canonical_entry(ctx: Context) -> None:
    """An entry file named 'ｘ' (NFKC 'x'), whose source binds what Python reads as x."""
    ds = ctx.dataset("w")
    ds.good = 1.5
    ds["good"] = {"n": 1}
    ctx.write("\uff58.py", entry_text("\uff58", "info = {'n': 1}", "\uff58 = 2.5"))


for _argv in (("ls",), ("ls", "-l"), ("export",), ("prune", "--where", "n=1")):
    case(
        f"entry-name-python-reads-differently-then-{_argv[0]}{'-l' if '-l' in _argv else ''}",
        "names",
        _not_canonical_entry,
        cli(*_argv),
        Cli(codes=(0,), words=("good",), absent=("\uff58", "damaged")),
    )
case(
    "entry-name-python-reads-differently-then-table",
    "names",
    _not_canonical_entry,
    lambda ctx: [row["entry"] for row in ctx.dataset(safe=True)._table(frame=False)],
    Done(),
)
case(
    "socket-named-x-py-then-list",
    "special",
    _special("x.py", "socket"),
    lambda ctx: list(ctx.dataset()),
    Warned(("a socket",) + _SKIPPED),
)
case(
    "directory-named-x-py-then-list",
    "special",
    _special("x.py", "dir"),
    lambda ctx: list(ctx.dataset()),
    Warned(("a directory",) + _SKIPPED),
)


def _special_data_file(ctx: Context) -> None:
    ds = ctx.dataset("w", array_threshold=10)
    ds.x = np.arange(20.0)
    h5 = ctx.data_file("x")
    os.unlink(ctx.path(h5))
    os.mkfifo(ctx.path(h5))


case(
    "fifo-as-a-data-file-then-safe-read",
    "special",
    _special_data_file,
    safe_value(),
    Refused(("a FIFO",)),
)
case(
    "fifo-as-a-data-file-then-trusted-read",
    "special",
    _special_data_file,
    lambda ctx: ctx.dataset().x,
    Refused(("a FIFO",)),
)
case(
    "fifo-as-a-data-file-then-overwrite",
    "special",
    _special_data_file,
    writing(_overwrite),
    Warned(("a FIFO",)),
    changes_store=True,
)
case(
    "fifo-as-a-drop-file-then-open-for-writing",
    "special",
    _special(f".x.{TOKEN}.drop"),
    _open_for_writing,
    Done(),
)
case(
    "fifo-as-a-tmp-file-then-repair",
    "special",
    _special(f".x.{TOKEN}.tmp"),
    cli("repair"),
    Cli(codes=(1,), words=(f"unsafe file '.x.{TOKEN}.tmp'", "a FIFO")),
)
case(
    "fifo-as-a-claim-then-insert",
    "special",
    _special(".x_0.claim"),
    writing(lambda ds: ds._insert(5)),
    Done(),
    changes_store=True,
)
case(
    "fifo-as-the-loader-then-open",
    "special",
    _special("__init__.py"),
    lambda ctx: ctx.dataset(),
    Refused(("no DataSet",)),
)
case(
    "fifo-as-the-loader-then-ls",
    "special",
    _special("__init__.py"),
    cli("ls"),
    Cli(codes=(1,), words=("no store at",)),
)
case(
    "fifo-as-the-lock-file-then-write",
    "special",
    _special(".lock"),
    writing(_overwrite),
    Refused(("'.lock'", "a FIFO")),
)
case(
    "fifo-as-the-backup-directory-then-overwrite",
    "special",
    _special(".backup"),
    writing(lambda ds: setattr(ds, "good", 2), backup_data=True),
    Refused(("'.backup'", "a FIFO")),
)


case(
    "fifo-as-the-index-file-then-ls",
    "special",
    _special(".index.json"),
    cli("ls", "-l"),
    Cli(codes=(0,), words=("good",)),
)
case(
    "fifo-as-the-locking-record-then-write",
    "special",
    _special(".locking"),
    writing(_overwrite),
    Refused(("locking record",)),
)


def _linked_locking(ctx: Context) -> None:
    ctx.dataset("w").x = 1
    os.unlink(ctx.path(".locking"))
    with open(ctx.secret + ".locking", "w") as f:
        f.write("soft")
    os.symlink(ctx.secret + ".locking", ctx.path(".locking"))


case(
    "locking-record-links-outside-then-write",
    "outside",
    _linked_locking,
    writing(_overwrite),
    Refused(("locking record",)),
)


# ---- 8. call records that are not what they claim ------------------------------------------


def _square(x):
    return x * x


def _call_record_with(parameters: str, imports: str = "") -> Callable[[Context], None]:
    """A store holding a real call of ``_square`` whose record's parameters are then
    rewritten to ``parameters`` (source, needing ``imports``), and an entry ``good``."""

    def build(ctx: Context) -> None:
        import re

        from archived import archived

        archived(ctx.store)(_square)(3)
        ctx.dataset("w").good = 1.5
        (name,) = [f for f in os.listdir(ctx.store) if f.startswith("square_")]
        text = re.sub(r"'parameters': \{'x': 3\}", f"'parameters': {parameters}", ctx.read(name))
        assert parameters in text
        ctx.write(name, text.replace("\ninfo = ", f"\n{imports}info = ", 1))

    return build


def _square_where(ctx: Context) -> Any:
    from archived import archived

    return archived(ctx.store)(_square).where(x=3)


_NOT_A_DICT = ("parameters are a list, not a dict",)
for _argv, _expect in (
    (("ls", "-l"), Cli(codes=(0,), words=("square_", "damaged", *_NOT_A_DICT))),
    (("ls", "--json"), Cli(codes=(0,), words=_NOT_A_DICT)),
    (("ls", "--status"), Cli(codes=(0,))),
    (("export",), Cli(codes=(0,), words=("skipping damaged entry square_", *_NOT_A_DICT))),
    (("prune", "--where", "x=3"), Cli(codes=(0,), words=("nothing to delete",))),
):
    case(
        f"call-parameters-a-list-then-{'-'.join(a.strip('-') for a in _argv)}",
        "work",
        _call_record_with("[3]"),
        cli(*_argv),
        _expect,
    )
case(
    "call-parameters-a-list-then-show",
    "work",
    _call_record_with("[3]"),
    lambda ctx: cli("show", next(f[:-3] for f in os.listdir(ctx.store) if f[:7] == "square_"))(
        ctx
    ),
    Cli(codes=(0,), words=_NOT_A_DICT),
)
case(
    "call-parameters-a-string-then-table",
    "work",
    _call_record_with("'x3'"),
    lambda ctx: ctx.dataset(safe=True)._table(frame=False),
    LeftOut(("square_", "parameters are a str, not a dict", "left out of the table")),
)


def _sweep_record_of(value: str) -> Callable[[Context], None]:
    """A store holding a real sweep of ``_square`` whose record then lists ``value``."""

    def build(ctx: Context) -> None:
        from archived import archived
        from archived.cache.sweeps import sweep

        sweep(archived(ctx.store)(_square), {"x": [1, 2]}, progress=False)
        (name,) = [f for f in os.listdir(ctx.store) if "_sweep_" in f]
        head, mark, _ = ctx.read(name).partition("# ---- value ----\n")
        ctx.write(name, f"{head}{mark}{name[:-3]} = {value}\n")

    return build


for _i, _value in enumerate(("5", "[(5, 'x=1')]", "[[None, None]]", "[(1, 2, 3)]")):
    for _argv in (("ls", "--status"), ("ls", "--status", "--json")):
        case(
            f"sweep-record-not-pairs-{_i}-then-{'-'.join(a.strip('-') for a in _argv)}",
            "work",
            _sweep_record_of(_value),
            cli(*_argv),
            Cli(codes=(0,)),
        )
case(
    "call-parameter-an-array-then-where",
    "work",
    _call_record_with("{'x': _a([3, 3], dtype='int64')}", "from numpy import array as _a\n"),
    lambda ctx: [c.parameters for c in _square_where(ctx)],
    Done(),
)
case(
    "call-parameters-a-list-then-where",
    "work",
    _call_record_with("[3]"),
    _square_where,
    Refused(("square_", *_NOT_A_DICT)),
)


def _sparse_entry(ctx: Context) -> None:
    """Entry ``x``: its text, then 3 GiB of holes (a few kB on disk)."""
    plant(ctx, "x", "x = 1")
    with open(ctx.path("x.py"), "r+b") as f:
        f.truncate(3 * 2**30)


_NUL = ("'x'", "NUL")
case(
    "entry-file-of-3-GiB-of-holes-then-ls",
    "work",
    _sparse_entry,
    cli("ls", "-l"),
    Cli(words=("good", *_NUL)),
)
case(
    "entry-file-of-3-GiB-of-holes-then-safe-read",
    "work",
    _sparse_entry,
    safe_value(),
    Refused(_NUL),
)
case(
    "entry-file-of-3-GiB-of-holes-then-verify",
    "work",
    _sparse_entry,
    cli("verify"),
    Cli(codes=(1,), words=_NUL),
)


def _sparse_trailer(ctx: Context) -> None:
    """Entry ``x`` with an array in its data file, the file then grown by 3 GiB of holes
    and ended by a fast-read index tail claiming all of them as its index."""
    ds = ctx.dataset("w", array_threshold=10)
    ds.good = 1
    ds.x = np.arange(100.0)
    size = 3 * 2**30
    with open(ctx.path(ctx.data_file("x")), "r+b") as f:
        f.truncate(size - 20)
        f.seek(size - 20)
        f.write((0).to_bytes(4, "little") + (size - 4116).to_bytes(8, "little") + b"ARCHVD01")


case(
    "data-file-index-tail-claiming-3-GiB-of-holes-then-safe-read",
    "work",
    _sparse_trailer,
    safe_value(),
    # the memory its parse would take is charged first (the bytes are read only later,
    # a MiB at a time and refused at the first hole)
    Refused(any_of=("the index of 'x.", "index does not describe")),
)
case(
    "data-file-index-tail-claiming-3-GiB-of-holes-then-show",
    "work",
    _sparse_trailer,
    cli("show", "x"),
    Cli(codes=(1,), any_of=("the index of 'x.", "index does not describe")),
)


def _index_rewritten(ctx: Context, change: Callable[[dict], None], holes: int = 0) -> None:
    """Entry ``x`` holding an array of its own data file, whose fast-read index is then
    changed by ``change`` (and written after ``holes`` bytes of holes, if any)."""
    import zlib

    with open(ctx.path(ctx.data_file("x")), "r+b") as f:
        size = f.seek(0, os.SEEK_END)
        f.seek(size - 20)
        tail = f.read(20)
        length = int.from_bytes(tail[4:12], "little")
        f.seek(size - 20 - length)
        index = json.loads(f.read(length))
        change(index["arrays"]["a0"])
        text = json.dumps(index).encode()
        start = max(size - 20 - length, holes)
        f.truncate(start)
        f.seek(start)
        f.write(text + zlib.crc32(text).to_bytes(4, "little"))
        f.write(len(text).to_bytes(8, "little") + b"ARCHVD01")


def _array_over_holes(ctx: Context) -> None:
    """Entry ``x``: an array of a GiB of float64 zeros, which its data file holds as
    holes (a few kB on disk; the budget allowed four times the file's size)."""
    ds = ctx.dataset("w", array_threshold=10)
    ds.good = 1
    ds.x = np.arange(100.0)
    n = 2**30

    def change(entry: dict) -> None:
        entry.update(offset=0, nbytes=n, shape=[n // 8])

    _index_rewritten(ctx, change, holes=n)


_HOLES = ("'a0' in 'x.", "on disk", "sparse", "ARCHIVED_MAX_BYTES=")
case(
    "array-of-a-GiB-over-the-holes-of-its-data-file-then-safe-read",
    "work",
    _array_over_holes,
    safe_value(),
    Refused(("max_bytes", *_HOLES)),
)
case(
    "array-of-a-GiB-over-the-holes-of-its-data-file-then-show",
    "work",
    _array_over_holes,
    cli("show", "x"),
    Cli(codes=(1,), words=_HOLES),
)


def _compressed_array(change: Callable[[dict], None], holes: int = 0):
    """Entry ``x``: a zlib-compressed array of a MiB of zeros whose index ``change``
    rewrites."""

    def build(ctx: Context) -> None:
        ds = ctx.dataset("w", array_threshold=10, compress=True)
        ds.good = 1
        ds.x = np.zeros(2**17)
        _index_rewritten(ctx, change, holes)

    return build


def _one_row_in_a_long_chunk(entry: dict) -> None:
    # the chunk inflates to a MiB (as written); the array claims 8 bytes of it
    entry.update(nbytes=8, shape=[1])


def _chunk_over_holes(entry: dict) -> None:
    # one chunk, lying over a GiB of holes: read whole before it is inflated
    entry["chunks"] = [[0, 0, 0, 2**30]]


def _deflate_many_times(entry: dict) -> None:
    # each chunk inflated 100,000 times over: with a zlib stream that inflates to
    # itself, as much work as that many arrays
    entry["filters"] = ["deflate"] * 100_000


case(
    "compressed-array-whose-index-lists-deflate-100000-times-then-safe-read",
    "work",
    _compressed_array(_deflate_many_times),
    safe_value(),
    Refused(("unknown chunk layout",)),
)
case(
    "compressed-array-of-8-bytes-in-a-chunk-of-a-MiB-then-safe-read",
    "work",
    _compressed_array(_one_row_in_a_long_chunk),
    safe_value(),
    Refused(("chunks of 1048576 bytes for an array of 8",)),
)
case(
    "compressed-array-whose-chunk-is-a-GiB-of-holes-then-safe-read",
    "work",
    _compressed_array(_chunk_over_holes, holes=2**30 + 4096),
    safe_value(),
    Refused(("a chunk of 1073741824 bytes for 1048576",)),
)


# ---- warming up a child: load what every case loads, so the state checks compare alike ----


def warm_up(folder: str) -> None:
    """Exercise every path once on a sound store, so lazy imports and caches are filled
    before the first case's interpreter state is recorded."""
    import contextlib
    import io

    from archived import restore
    from archived.cli import main
    from archived.store.dataset import DataSet
    from archived.store.integrity import verify

    ds = DataSet("warm", "w", path=folder, array_threshold=10)
    ds.x = {"a": np.arange(20.0), "b": [1, (2, 3)], "c": np.float32(1.5)}
    ds["x"] = {"n": 1}
    safe = DataSet("warm", path=folder, safe=True)
    _ = safe.x, safe["x"], safe._table(frame=False)
    restore("from fractions import Fraction as _F\nx = _F(1, 3)\n", safe=True)
    restore("from decimal import Decimal as _D\nx = _D('1.5')\n", safe=True)
    import functools
    import random

    from archived import Archive

    rngs = Archive()  # the rebuilding functions of archived.reps, resolved once
    rngs.insert(g=np.random.default_rng(1), r=random.Random(1), p=functools.partial(int, base=2))
    restore(str(rngs), safe=True)
    verify(ds._path, safe=True)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for argv in (["ls", "-l"], ["show", "x"], ["verify"], ["export"]):
            main([argv[0], ds._path, *argv[1:]])
