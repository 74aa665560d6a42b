"""The store fuzzer's child (run by tests/test_fuzz_stores.py): Hypothesis mutates a real store.

Run as ``python fuzz_stores.py WORKDIR EXAMPLES SEED``.  It writes one store with every
kind of file a store holds (entries with inline arrays, HDF5 data files for values and
info records, nested info records, a cached call, the read-side index), then for each
example copies it, applies 1-4 mutations (bytes flipped, set, inserted or cut in any file;
a header's data-file list replaced by a hostile one; a field of every row of the index,
or a column's whole line, rewritten with a valid checksum) and reads the copy the ways a
person who was sent it would: every entry's info and value through
``DataSet(safe=True)`` and its view, ``verify(safe=True)``, and the command line's
``ls``, ``show`` and ``verify`` (safe by default).

Each of these must end cleanly: a value, or an ``ArchiveError`` (the command line: exit
code 0 or 1, no traceback).  Anything else (another exception, a hang past the alarm, a
crash of the process) is a bug; so is any change to the sentinel outside the store or
to ``sys.path``, or a module imported from the store.  The process runs under RLIMIT_AS.
The exit code is 0 when every example passed; Hypothesis prints the falsifying example
otherwise, and ``WORKDIR/last-example.txt`` names the one running if the process died.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import sys

import numpy as np

MEMORY_LIMIT = 2 * 2**30
EXAMPLE_SECONDS = 20  # of CPU time (a busy machine does not inflate it): past it, a hang
SENTINEL = "fuzz-sentinel: outside the store"

# what a mutation may insert: tokens of the grammar, hostile names and constructs
TOKENS = [
    b"import os\n",
    b"from pickle import loads as _l\n",
    b"_l(b'cos\\nsystem\\n(S\"true\"\\ntR.')",
    b"'/etc/passwd'",
    b"'../outside/sentinel.txt'",
    b"'..'",
    b"\x00",
    b"(" * 60,
    b"[" * 200,
    b"0x" + b"f" * 5000,
    b"9" * 5000,
    b"1e999999",
    b"-" * 300 + b"1",
    b"'" + b"a" * 100_000 + b"'",
    b"# ---- value ----\n",
    b"# ---- info ----\n",
    b"\n# archived entry 'x', format 1, data files: []\n",
    b"from numpy import zeros as _z\nq = _z((100000, 100000))\n",
    b"from archived.arrays import load_array as _a\nq = _a('x.0a1b2c-1-0a1b2c3d.h5', 'a9')\n",
    b"\xff\xfe",
    b"\r",
    b"del x\n",
]
# whole lines of a format-4 index file (a column), for the shape checked before parsing
INDEX_FIELDS = ["name", "size", "digest", "files", "info", "value", "listing", "brief"]
HOSTILE_LINES = [
    "[" + "[]," * 30_000 + "[]]",
    "[" + '"ab",' * 20_000 + '"ab"]',
    "[" + "{}," * 30_000 + "{}]",
    "[" + "null," * 20_000 + "null]",
    "[]",
    "[[]]",
    '["\\\\"]',  # a string of one backslash: its quote ends it
    '["\\"",null]',  # an escaped quote: the string goes on
    '["\\\\\\"",1]',
    '[["x.0a1b2c-1-0a1b2c3d.h5"],["x.0a1b2c-1-0a1b2c3d.h5",[]]]',
    '[null,["entry","","","",1e999],["entry","","","",-0]]',
    "[0,00,-1,1.5,1e5]",
    '["0123456789abcdef","0123456789abcdeg"]',
    "[" * 5000 + "]" * 5000,
    ' ["a"]',
]
HOSTILE_LISTS = [
    "['/etc/passwd']",
    "['../outside/sentinel.txt']",
    "['..', '.']",
    "[1, None, b'x']",
    "['x.0a1b2c-1-0a1b2c3d.h5'] * 3",
    "[" * 100,
    "['" + "a" * 300 + ".h5']",
]


def build_seed(folder: str) -> str:
    """The store every example starts from; returns its directory."""
    import datetime

    from archived import archived
    from archived.cli import main
    from archived.store.dataset import DataSet

    ds = DataSet("seed", "w", path=folder, array_threshold=20)
    ds.small = {"mu": 1.5, "n": [1, 2, 3], "t": (4, "five"), "b": b"bytes", "z": 1 + 2j}
    ds["small"] = {"note": "plain info", "when": datetime.datetime(2024, 1, 2, 3, 4, 5)}
    ds.big = np.arange(200.0).reshape(20, 10)
    ds["big"] = {"weights": np.linspace(0, 1, 50)}  # an info record with an HDF5 file
    ds.inline = np.array([1.5, -0.0, np.nan], dtype=">f4")
    ds.mixed = [np.int16(3), np.float32(0.25), np.arange(30, dtype="u1"), {"k": None}]
    ds.text = "a string with 'quotes' and \u00e9"

    @archived(ds._path)
    def square(x):
        return x * x

    square(3)
    with contextlib.redirect_stdout(io.StringIO()):
        main(["ls", "-l", ds._path])  # writes the read-side index
    return ds._path


def main(argv: list[str]) -> int:
    workdir, examples, seed = argv[0], int(argv[1]), int(argv[2])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    seed_store = build_seed(os.path.join(workdir, "seed"))
    files = sorted(
        f for f in os.listdir(seed_store) if os.path.isfile(os.path.join(seed_store, f))
    )
    warm = os.path.join(workdir, "warm")
    shutil.copytree(seed_store, os.path.join(warm, "seed"))
    read_everything(os.path.join(warm, "seed"))  # lazy imports, before sys.modules is watched

    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    mutation = st.one_of(
        st.tuples(
            st.just("bytes"),
            st.sampled_from(files),
            st.sampled_from(["flip", "set", "insert", "cut", "truncate"]),
            st.integers(0, 1 << 20),
            st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from(TOKENS)),
        ),
        st.tuples(
            st.just("header"),
            st.sampled_from([f for f in files if f.endswith(".py") and f != "__init__.py"]),
            st.sampled_from(HOSTILE_LISTS),
        ),
        st.tuples(
            st.just("index"),
            st.sampled_from(["files", "info", "value", "name", "numbers", "listing", "brief"]),
            st.sampled_from(
                ['"../x.h5"', "[]", '"\\u0000t"', "1e400", '{"\\u0000n":["float64","x"]}', "-1"]
                + ['"\\ufb01le"', '["result","m.f","","",1e400]']
                + [f'["entry","","","",1{"0" * 400}]']
            ),
        ),
        st.tuples(
            st.just("line"),
            st.sampled_from(INDEX_FIELDS),
            st.sampled_from(HOSTILE_LINES),
        ),
    )
    counter = iter(range(10**9))

    @hseed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(st.lists(mutation, min_size=1, max_size=4))
    def check(mutations):
        n = next(counter)
        root = os.path.join(workdir, f"ex{n}")
        store = os.path.join(root, "seed")
        shutil.copytree(seed_store, store)
        outside = os.path.join(root, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "sentinel.txt"), "w") as f:
            f.write(SENTINEL)
        for m in mutations:
            mutate(store, m)
        with open(os.path.join(workdir, "last-example.txt"), "w") as f:
            f.write(repr(mutations))
        path_before, modules_before = list(sys.path), set(sys.modules)
        signal.setitimer(signal.ITIMER_PROF, EXAMPLE_SECONDS)
        try:
            said = read_everything(store)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        with open(os.path.join(outside, "sentinel.txt")) as f:
            assert f.read() == SENTINEL, "the sentinel outside the store changed"
        assert os.listdir(outside) == ["sentinel.txt"], "a file appeared outside the store"
        assert SENTINEL not in said, "the sentinel outside the store was read"
        assert sys.path == path_before, "sys.path changed"
        new = [m for m in set(sys.modules) - modules_before if m.split(".")[0] in ("seed",)]
        assert not new, f"modules imported from the store: {new}"
        shutil.rmtree(root)

    signal.signal(signal.SIGPROF, _ring)
    check()
    print(f"fuzzed {next(counter)} examples; reads ended in {json.dumps(OUTCOMES)}", flush=True)
    return 0


class Hang(BaseException):
    pass


OUTCOMES: dict[str, int] = {}  # what the reads of all examples ended in, by kind


def _ring(signum, frame):
    raise Hang(f"an example used {EXAMPLE_SECONDS} s of CPU time")


def mutate(store: str, m: tuple) -> None:
    if m[0] == "bytes":
        _, name, how, where, data = m
        path = os.path.join(store, name)
        with open(path, "rb") as f:
            content = bytearray(f.read())
        at = where % (len(content) + 1)
        if how == "flip" and content:
            at = min(at, len(content) - 1)
            content[at] ^= data[0] or 1
        elif how == "set" and content:
            content[at : at + len(data)] = data
        elif how == "insert":
            content[at:at] = data
        elif how == "cut":
            del content[at : at + len(data) * 37]
        elif how == "truncate":
            del content[at:]
        with open(path, "wb") as f:
            f.write(content)
    elif m[0] == "header":
        _, name, listing = m
        path = os.path.join(store, name)
        with open(path, "rb") as f:
            first, _, rest = f.read().partition(b"\n")
        head = first.partition(b"data files: ")[0]
        with open(path, "wb") as f:
            f.write(head + b"data files: " + listing.encode() + b"\n" + rest)
    elif m[0] == "index":
        _, field, text = m
        _tamper_index(store, field, text)
    elif m[0] == "line":
        _, field, line = m
        _replace_index_line(store, field, line)


def _replace_index_line(store: str, field: str, line: str) -> None:
    """Replace column ``field``'s line of a format-4 index with ``line``, signed again."""
    import xxhash

    from helpers import INDEX_COLUMNS

    path = os.path.join(store, ".index.json")
    try:
        with open(path, "rb") as f:
            head, _, body = f.read().partition(b"\n")
        meta = json.loads(head)
    except (OSError, ValueError):
        return
    lines = body.split(b"\n")
    if not isinstance(meta, dict) or len(lines) != len(INDEX_COLUMNS):
        return
    lines[INDEX_COLUMNS.index(field)] = line.encode()
    body = b"\n".join(lines)
    meta = {**meta, "check": xxhash.xxh3_64_hexdigest(body)}
    with open(path, "wb") as f:
        f.write(json.dumps(meta).encode() + b"\n" + body)


def _tamper_index(store: str, field: str, text: str) -> None:
    """Rewrite one field of every row of the index (a file of columns: format 4 a line
    per column, formats 2 and 3 one JSON object), with a checksum that matches."""
    import xxhash

    from helpers import INDEX_COLUMNS

    path = os.path.join(store, ".index.json")
    try:
        with open(path, "rb") as f:
            head, _, body = f.read().partition(b"\n")
        meta = json.loads(head)
        lines = body.split(b"\n")
        if meta.get("format") == 4 and len(lines) == len(INDEX_COLUMNS):
            columns = {k: json.loads(line) for k, line in zip(INDEX_COLUMNS, lines, strict=True)}
        else:
            columns = json.loads(body)
    except (OSError, ValueError, AttributeError, RecursionError):  # a line made by "line"
        return
    if not isinstance(columns, dict) or not isinstance(columns.get("name"), list):
        return
    value = json.loads(text)
    column = {"numbers": "size"}.get(field, field)
    if field == "name":
        columns["name"] = [value if isinstance(value, str) else name for name in columns["name"]]
    elif column in columns:
        columns[column] = [[value] if field == "files" else value for _ in columns["name"]]
    if meta.get("format") == 4:
        body = b"\n".join(
            json.dumps(c, separators=(",", ":"), ensure_ascii=False).encode()
            for c in columns.values()
        )
    else:
        body = json.dumps(columns, separators=(",", ":"), ensure_ascii=False).encode()
    meta = {**meta, "check": xxhash.xxh3_64_hexdigest(body)}  # the same format and derivation
    with open(path, "wb") as f:
        f.write(json.dumps(meta).encode() + b"\n" + body)


def read_everything(store: str) -> str:
    """Read ``store`` every way a person might; return all that was said.

    Raises AssertionError for anything but a clean outcome."""
    from archived.cli import main
    from archived.errors import ArchiveError
    from archived.store.dataset import DataSet
    from archived.store.integrity import verify

    said = []

    def clean(what, action):
        try:
            said.append(repr(action())[:100_000])
            OUTCOMES["value"] = OUTCOMES.get("value", 0) + 1
        except ArchiveError as err:
            said.append(str(err))
            kind = type(err).__name__
            OUTCOMES[kind] = OUTCOMES.get(kind, 0) + 1
        except (Hang, AssertionError):
            raise
        except BaseException as err:  # noqa: BLE001 - every other outcome is a bug
            raise AssertionError(f"{what}: {type(err).__name__}: {err}"[:2000]) from err

    folder, name = os.path.split(store)
    ds = None
    try:
        ds = DataSet(name, path=folder, safe=True)
    except ArchiveError as err:
        said.append(str(err))
    if ds is not None:
        names: list[str] = []
        clean("listing", lambda: names.extend(ds))
        for entry in names:
            clean(f"info of {entry}", lambda e=entry: ds[e])
            clean(f"value of {entry}", lambda e=entry: getattr(ds, e))
        clean("the view", lambda: {k: (v.info(), v.value()) for k, v in ds._view().items()})
    clean("verify", lambda: str(verify(store, safe=True)))
    for argv in (
        ["ls"],
        ["ls", "-l"],
        ["ls", "--status"],
        ["show", "small"],
        ["show", "big"],
        ["verify"],
    ):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([argv[0], store, *argv[1:]])
            except (Hang, AssertionError):
                raise
            except BaseException as exc:  # noqa: BLE001
                raise AssertionError(f"{argv}: {type(exc).__name__}: {exc}"[:2000]) from exc
        assert code in (0, 1), f"{argv} exited {code}: {err.getvalue()[-500:]}"
        assert "Traceback" not in err.getvalue(), err.getvalue()[-2000:]
        said.append(out.getvalue()[:100_000] + err.getvalue()[:100_000])
    return "\n".join(said)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
