"""Real I/O errors for tests: ``tests/faultinject.c``, built with the system's C compiler
and loaded with ``LD_PRELOAD`` into a child Python process, makes the C library's calls
on files under one folder fail (EIO, EDQUOT, EROFS, ...) at the N-th call, or once N bytes
went there: below Python's ``os`` module, and inside HDF5 writing an array.

A child script arms the fault itself once its setup is done (``arm(at)``, defined by
:data:`PRELUDE`), so that only the calls of the operation under test count.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

SOURCE = os.path.join(os.path.dirname(__file__), "faultinject.c")

PRELUDE = """
import ctypes as _ctypes
_fault = _ctypes.CDLL(None)
_fault.fault_set.argtypes = [_ctypes.c_long, _ctypes.c_longlong]
_fault.fault_calls.restype = _ctypes.c_long


def arm(at, limit=-1):
    '''Count the calls from here; fail the at-th (-1: none), or writes past limit bytes.'''
    _fault.fault_set(at, limit)


def counted():
    '''The counting calls since arm(), and whether one failed.'''
    return _fault.fault_calls(), bool(_fault.fault_failed())
"""


def build(folder):
    """The fault library compiled into ``folder``; the test is skipped, saying why, where
    it cannot be built or preloaded (no C compiler, not Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the I/O fault library preloads into Linux's C library")
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler (cc or gcc) to build tests/faultinject.c")
    library = os.path.join(folder, "faultinject.so")
    made = subprocess.run(
        [compiler, "-shared", "-fPIC", "-O1", "-o", library, SOURCE, "-ldl"],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"tests/faultinject.c does not build here: {made.stderr[-500:]}")
    return library


def run(library, script, folder, ops, *, code, sticky=True, min_size=0, match="", args=()):
    """Run ``script`` (after :data:`PRELUDE`) in a child Python with the fault library
    preloaded, failing calls of kinds ``ops`` on files under ``folder`` (and whose path
    holds ``match``) with error ``code`` (writes: only those of ``min_size`` bytes or
    more); return the child's last line of output, parsed as JSON."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "LD_PRELOAD": library,
        "FAULT_DIR": os.path.abspath(folder),
        "FAULT_OPS": ",".join(ops),
        "FAULT_ERRNO": str(code),
        "FAULT_STICKY": "1" if sticky else "0",
        "FAULT_MINSIZE": str(min_size),
        "FAULT_MATCH": match,
    }
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + script, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
