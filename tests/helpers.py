"""Helpers shared by several test modules (plain functions; pytest does not collect them)."""

import contextlib
import math
import os

import numpy as np
import pytest

NUMPY_1 = int(np.__version__.split(".")[0]) < 2

# numpy 2's variable-width strings (numpy 1.x has no StringDType)
StringDType = getattr(getattr(np, "dtypes", None), "StringDType", None)
needs_stringdtype = pytest.mark.skipif(StringDType is None, reason="numpy 2's StringDType")


def same(a, b):
    """Whether ``b`` equals ``a`` exactly: arrays by dtype and contents, containers by type."""
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def exact(a, b):
    """Whether ``b`` is ``a``'s exact copy: same types all the way down, arrays by dtype,
    shape, memory order and bytes, floats by bits (nan equals nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (
            a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
            and a.flags.f_contiguous == b.flags.f_contiguous
        )
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b) or a != a and b != b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(exact, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(exact(a[k], b[k]) for k in a)
    return a == b


def snapshot(folder):
    """Every file under ``folder``: relative name -> bytes."""
    return {
        os.path.relpath(os.path.join(root, f), folder): open(os.path.join(root, f), "rb").read()
        for root, _, files in os.walk(folder)
        for f in files
    }


INDEX_COLUMNS = (
    "name",
    "ino",
    "size",
    "mtime",
    "ctime",
    "seen",
    "digest",
    "files",
    "info",
    "value",
    "listing",
    "brief",
    "key",
    "parameters",
)


def stored_triples(tmp_path):
    """A function ``triple`` with three stored calls (x = 1, 2, 3) in the store
    ``tmp_path/results``, for a test to edit one by hand: ``(triple, store, name,
    path)``, ``name`` and ``path`` those of the entry of x=2."""
    from archived import archived

    store = str(tmp_path / "results")

    @archived(store)
    def triple(x):
        return 3 * x

    for x in (1, 2, 3):
        triple(x)
    [name] = [n for n in triple.dataset if triple.dataset[n]["parameters"] == {"x": 2}]
    return triple, store, name, os.path.join(store, name + ".py")


def index_of_another_derivation(store):
    """Rewrite the read-side index file of ``store`` as one another version derived
    (its rows as they are, its header naming the next derivation)."""
    from archived.store import index, indexfile

    path = os.path.join(store, index.INDEX_FILE)
    with open(path) as file:
        columns = index_columns(file.read())
    with open(path, "w") as file:
        file.write(index_text(columns, derived=indexfile._DERIVED + 1))


def index_columns(text):
    """The columns of the read-side index file ``text`` (format 4: a line per column)."""
    import json

    head, _, body = text.partition("\n")
    assert json.loads(head)["format"] == 4
    lines = body.split("\n")
    assert len(lines) == len(INDEX_COLUMNS)
    return {field: json.loads(line) for field, line in zip(INDEX_COLUMNS, lines, strict=True)}


def index_text(columns, fmt=4, padding="", derived="this", read="this"):
    """An index file of format ``fmt`` holding ``columns`` (a dict, in the file's order;
    format 2 and 3 write them as one JSON object), signed: its checksum matches.  Format
    4 says its rows were ``read`` and its listings and briefs ``derived`` by this version
    (None: says nothing)."""
    import json

    import xxhash

    if fmt == 4:
        body = "\n".join(json.dumps(c, separators=(",", ":")) for c in columns.values())
    else:
        body = json.dumps(columns, separators=(",", ":"))
    body += padding
    meta = {"format": fmt, "check": xxhash.xxh3_64_hexdigest(body.encode())}
    if fmt == 4:
        from archived.store import indexfile

        for key, given, this in (
            ("read", read, indexfile._READ),
            ("derived", derived, indexfile._DERIVED),
        ):
            if given is not None:
                meta[key] = this if given == "this" else given
    return json.dumps(meta) + "\n" + body


def set_racy_ns(monkeypatch, racy_ns):
    """Replace the read-side index's racy window (ns) in every module that reads it:
    0 closes it, 10**18 makes every row racy."""
    from archived.store import index, indexfile, indexrow

    for module in (index, indexfile, indexrow):
        monkeypatch.setattr(module, "RACY_NS", racy_ns)


def set_stat_signature(monkeypatch, signature):
    """Replace how the read-side index makes an entry file's signature from its status
    (a coarse clock, no inode or ctime), in every module that makes one."""
    from archived.store import index, indexscan

    for module in (index, indexscan):
        monkeypatch.setattr(module, "stat_signature", signature)


def count_entry_reads(monkeypatch, racy_ns=None):
    """The names of the entry files the store's index reads from now on (a list that
    grows as they are read).  ``racy_ns`` replaces the index's racy window: 0 closes it
    (only what changed is read again), 10**18 makes every row racy (a second look at an
    entry reads its file again, however old it is)."""
    from archived.store import index

    if racy_ns is not None:
        set_racy_ns(monkeypatch, racy_ns)
    found = []
    real = index.read_entry_bytes

    def counting(folder, name, **options):
        found.append(name)
        return real(folder, name, **options)

    monkeypatch.setattr(index, "read_entry_bytes", counting)
    return found


def per_key_lock_files(store):
    """The files and folders in ``store``'s ``.keys/`` other than the one file of byte-range
    key locks (``ranges.lock``, which stays): a lock file or lease left per key."""
    from archived.store.keylocks import RANGES

    return [name for name in os.listdir(os.path.join(store, ".keys")) if name != RANGES]


class RunLog(list):
    """A list a cached nested function appends its runs to.  The values a nested function
    closes over are part of its calls' keys, so a plain list it appends to would make every
    call another call; this one gives its own key (``__archived_key__``), as a user's
    log or counter would."""

    def __archived_key__(self):
        return "run log"


def kill_at_step(*calls):
    """Source for a child script: it kills itself (SIGKILL) at its ``k``-th call of the
    ``os`` functions named in ``calls`` (``k``, a variable the script sets first; -1:
    never), counting those calls in ``steps[0]``."""
    patched = ", ".join(f"os.{name}" for name in calls)
    wrapped = ", ".join(f"step(os.{name})" for name in calls)
    return f"""
import os, signal
steps = [0]
def step(real):
    def counted(*args, **kwargs):
        if steps[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)
        steps[0] += 1
        return real(*args, **kwargs)
    return counted
{patched} = {wrapped}
"""


def run_python(*args):
    """``python *args`` in a child process that imports what this one does."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)


def kill_backup_writer(parent):
    """Overwrite ``x`` of the store ``s`` in ``parent`` with ``backup_data=True`` in a child
    process that kills itself (SIGKILL) at its third ``os.replace``: after the new data
    file went into place and the new version was swapped in, before the old version's
    data file moved into ``.backup/`` (its ``.drop`` list left behind); the child's run."""
    writer = (
        """
import sys
import numpy as np
from archived.store.dataset import DataSet
folder, k = sys.argv[1], 2
ds = DataSet("s", "w", path=folder, backup_data=True)
"""
        + kill_at_step("replace")
        + """
ds.x = np.arange(500.0) + 1e6
"""
    )
    return run_python("-c", writer, str(parent))


@contextlib.contextmanager
def small_disk(size):
    """A tmpfs of ``size`` (``"2m"``) mounted on a new folder, whose writes past it really
    fail with ENOSPC; the test is skipped, saying why, where mounting is not allowed."""
    import shutil
    import subprocess
    import tempfile

    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    folder = tempfile.mkdtemp()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder], capture_output=True
    )
    if mounted.returncode != 0:
        os.rmdir(folder)
        pytest.skip("this machine does not allow mounting a tmpfs: " + mounted.stderr.decode())
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", folder], check=False)
        os.rmdir(folder)


def fill_disk(disk, free_pages):
    """Fill ``disk`` until a write fails with ENOSPC, then free ``free_pages`` pages of
    4096 bytes; return the path of the file filling it."""
    import errno

    filler = os.path.join(disk, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, bytes(4096))
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)
    os.truncate(filler, os.path.getsize(filler) - free_pages * 4096)
    return filler
