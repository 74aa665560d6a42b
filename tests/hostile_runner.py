"""The child side of the hostile-store catalogue (tests/test_hostile_stores.py).

Run as ``python hostile_runner.py WORKDIR SHARED CASE_ID ...``: for each case it builds the
hostile store in its own directory under WORKDIR, records the file system (outside the
store and, for read-only actions, the store itself) and the interpreter's state, runs the
action under a memory limit (RLIMIT_AS, set once for the process) and an alarm, and checks

* the outcome: a clean ArchiveError naming the problem, a warning naming it, or the
  command line's exit code and words;
* that no byte of the secret kept outside the store appears in anything the action
  returned, printed or raised;
* that no file outside the store was created, changed, moved or deleted (the marker
  file attacker code would create must not exist; the sentinels keep their bytes);
* that the interpreter is unchanged: sys.path, sys.meta_path, the environment, the
  working directory, no module imported from a case directory, and the attributes of
  the standard and numpy modules a hostile pickle could reach (by identity, dicts item
  by item, Python classes attribute by attribute).

One JSON line per case goes to stdout ({"start": id} before, the result after), so the
parent can tell which case killed or hung the process.  After a case whose check of the
interpreter failed the process exits: the remaining cases run in a fresh one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import stat
import sys
import time
import traceback
import warnings

MEMORY_LIMIT = 2 * 2**30  # bytes of address space; the bombs asked for 3.7-8 GiB
CASE_SECONDS = 20  # of CPU time (a busy machine does not inflate it): a case past it hangs

SECRET = "SECRET-4f1c9a-never-read-this"
HUGE = 2**28  # bytes: a bigger file is compared by its status, not by its bytes

# modules whose attributes a hostile pickle could reach and mutate ("constants" of
# allowed modules: datetime.sys, numpy.sctypeDict, collections._sys, ...)
WATCHED = (
    "builtins",
    "sys",
    "os",
    "os.path",
    "datetime",
    "decimal",
    "fractions",
    "collections",
    "collections.abc",
    "types",
    "uuid",
    "math",
    "pickle",
    "copyreg",
    "importlib",
    "numpy",
    "numpy.random",
    "numpy.linalg",
    "numpy.fft",
    "numpy.ma",
    "tables",
    "archived",
    "archived.errors",
    "archived.arrays",
    "archived.reps",
    "archived.hdf5",
    "archived.load.allowlist",
    "archived.load.safe",
    "archived.load.safepickle",
    "archived.engine.arrays",
    "archived.engine.hdf5",
)
# attributes that change by themselves while code runs (caches, counters, the last error)
VOLATILE = {
    "sys": {
        "modules",
        "path_importer_cache",
        "last_type",
        "last_value",
        "last_traceback",
        "last_exc",
        "_last_exc",
    },
    "archived.engine.hdf5": {"_HEADERS", "_TRAILERS"},
}


class CaseTimeout(BaseException):
    """The alarm of a case rang: it used CASE_SECONDS of CPU time (in Python code)."""


def main(argv: list[str]) -> int:
    workdir, shared, ids = argv[0], argv[1], argv[2:]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import hostile_catalogue as catalogue

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.signal(signal.SIGPROF, _ring)
    catalogue.warm_up(os.path.join(workdir, "_warm_up"))
    cases = {case.id: case for case in catalogue.CASES}
    for case_id in ids:
        print(json.dumps({"start": case_id}), flush=True)
        result = run_case(cases[case_id], os.path.join(workdir, case_id), shared, catalogue)
        print(json.dumps(result), flush=True)
        if result.get("tainted"):
            return 0  # the interpreter changed: the rest runs in a fresh process
    return 0


def _ring(signum: int, frame: object) -> None:
    raise CaseTimeout(f"still running after {CASE_SECONDS} s of CPU time")


def _alarm(seconds: float) -> None:
    """Ring after ``seconds`` of this process's CPU time (0: never)."""
    signal.setitimer(signal.ITIMER_PROF, seconds)


def run_case(case, root: str, shared: str, catalogue) -> dict:
    ctx = catalogue.Context(root, shared)
    problems: list[str] = []
    try:
        case.build(ctx)
    except Exception as exc:  # noqa: BLE001 - a broken case is reported, not fatal
        detail = "".join(traceback.format_exception(exc))[-1500:]
        problem = f"the case could not be built: {exc!r}"
        return {"id": case.id, "problems": [problem], "detail": detail}
    outside_before = tree(ctx.root, skip=ctx.store)
    shared_before = tree(shared)
    store_before = tree(ctx.store)
    state_before = interpreter_state(ctx.root)
    out, err = io.StringIO(), io.StringIO()
    outcome: object = None
    raised: BaseException | None = None
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _alarm(CASE_SECONDS)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                outcome = case.run(ctx)
        except CaseTimeout as timeout:
            raised = timeout
        except BaseException as exc:  # noqa: BLE001 - every exception is judged below
            raised = exc
        finally:
            _alarm(0)
    state_after = interpreter_state(ctx.root)
    _alarm(CASE_SECONDS)  # a value that was not refused may be a bomb to repr
    try:
        text = _everything_said(outcome, raised, caught, out.getvalue(), err.getvalue())
    except CaseTimeout:
        text = ""
        problems.append("the value returned cannot even be printed in time")
    finally:
        _alarm(0)
    if isinstance(raised, CaseTimeout):
        problems.append(f"hung: {raised}")
    else:
        problems += case.expect.judge(raised, caught, outcome, out.getvalue(), err.getvalue())
    if SECRET in text:
        problems.append("the secret kept outside the store was read and returned")
    if os.path.lexists(ctx.marker):
        problems.append("attacker code ran: the marker file exists")
    problems += _compare("outside the store", outside_before, tree(ctx.root, skip=ctx.store))
    problems += _compare("the shared sentinels", shared_before, tree(shared))
    if not case.changes_store:
        problems += _compare("the store", store_before, tree(ctx.store))
    changed = _compare_state(state_before, state_after)
    problems += changed
    if raised is not None and not isinstance(raised, CaseTimeout):
        detail = "".join(traceback.format_exception_only(type(raised), raised)).strip()
    else:
        detail = (out.getvalue() + err.getvalue())[-400:]
    return {
        "id": case.id,
        "problems": problems,
        "detail": detail[:1200],
        "tainted": bool(changed),
        "seconds": round(time.monotonic() - started, 3),
    }


def _everything_said(outcome, raised, caught, out: str, err: str) -> str:
    parts = [out, err, str(raised) if raised is not None else ""]
    parts += [str(w.message) for w in caught]
    try:
        parts.append(repr(outcome)[:10_000_000])
    except Exception as exc:  # noqa: BLE001 - a hostile value may refuse repr
        parts.append(f"<repr failed: {type(exc).__name__}>")
    if isinstance(outcome, (bytes, bytearray)):
        parts.append(bytes(outcome).decode("latin-1"))
    return "\n".join(parts)


# ---- the file system ------------------------------------------------------------------


def tree(folder: str, skip: str | None = None) -> dict[str, tuple]:
    """Every path under ``folder`` (not under ``skip``): kind, and bytes or link target.

    Seen with lstat: a FIFO is never opened, a link never followed.
    """
    found: dict[str, tuple] = {}
    if not os.path.lexists(folder):
        return found
    for base, dirs, files in os.walk(folder):
        if skip is not None and os.path.abspath(base) == os.path.abspath(skip):
            dirs[:] = []
            found[os.path.relpath(base, folder)] = ("store",)
            continue
        for name in dirs + files:
            path = os.path.join(base, name)
            if skip is not None and os.path.abspath(path) == os.path.abspath(skip):
                continue
            st = os.lstat(path)
            rel = os.path.relpath(path, folder)
            if stat.S_ISREG(st.st_mode) and st.st_size > HUGE:
                # a sparse file of gigabytes: its bytes would not fit the memory limit
                found[rel] = ("file", st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    found[rel] = ("file", st.st_ino, f.read())
            elif stat.S_ISLNK(st.st_mode):
                found[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                found[rel] = ("dir", st.st_ino)
            else:
                found[rel] = ("special", stat.S_IFMT(st.st_mode), st.st_ino)
    return found


def _compare(where: str, before: dict, after: dict) -> list[str]:
    problems = []
    for name in sorted(set(before) | set(after)):
        if name.endswith((".lock", ".lock.soft")) or os.path.basename(name) in (
            ".index.json",
            ".index.names",
        ):
            continue  # created on first use (locks) and by readers (the index), by design
        if name not in after:
            problems.append(f"{where}: {name!r} was deleted or moved")
        elif name not in before:
            problems.append(f"{where}: {name!r} was created")
        elif before[name] != after[name]:
            problems.append(f"{where}: {name!r} was changed")
    return problems


# ---- the interpreter --------------------------------------------------------------------


def interpreter_state(root: str) -> dict[str, object]:
    """What a hostile load must not change, as comparable fingerprints."""
    state: dict[str, object] = {
        "sys.path": list(sys.path),
        "sys.meta_path": [id(f) for f in sys.meta_path],
        "sys.path_hooks": [id(h) for h in sys.path_hooks],
        "os.environ": dict(os.environ),
        "cwd": os.getcwd(),
        "modules from a case directory": sorted(
            name
            for name, module in list(sys.modules.items())
            if str(getattr(module, "__file__", None) or "").startswith(os.path.dirname(root))
        ),
    }
    for name in WATCHED:
        module = sys.modules.get(name)
        if module is None:
            continue
        skip = VOLATILE.get(name, ())
        for attr, value in list(vars(module).items()):
            if attr in skip:
                continue
            state[f"{name}.{attr}"] = _fingerprint(value)
    return state


def _fingerprint(value: object) -> object:
    if isinstance(value, dict):
        try:
            return ("dict", id(value), tuple(sorted((repr(k), id(v)) for k, v in value.items())))
        except Exception:  # noqa: BLE001 - keys that do not repr
            return ("dict", id(value), len(value))
    if isinstance(value, list):
        return ("list", id(value), tuple(id(v) for v in value))
    attrs = getattr(value, "__dict__", None) if not isinstance(value, type(sys)) else None
    if isinstance(attrs, dict) or type(attrs).__name__ == "mappingproxy":
        try:  # a class's or a function's own attributes (BUILD sets them)
            items = tuple(sorted((k, id(v)) for k, v in attrs.items()))
            return (type(value).__name__, id(value), items)
        except Exception:  # noqa: BLE001
            return (type(value).__name__, id(value))
    return id(value)


def _compare_state(before: dict, after: dict) -> list[str]:
    changed = []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            continue  # a module imported lazily during the case: nothing to compare
        if key not in after:
            changed.append(f"the interpreter changed: {key} was removed")
        elif before[key] != after[key]:
            changed.append(f"the interpreter changed: {key}")
    return changed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
