"""Reload results in a new session: a store is a Python module you can import.

A first Python process computes and stores results; a second, separate process (started
here with ``subprocess``, as you would start a new session or a notebook next week)
imports the store like any module, without the code that produced it.  Only the entries
it touches are loaded.

Run it with ``python examples/reload_as_module.py`` (it works in a temporary directory).
"""

import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

from archived import archived

with tempfile.TemporaryDirectory() as workdir:
    # ---- session 1: compute and store ---------------------------------------------------
    @archived(os.path.join(workdir, "spectra"))
    def spectrum(n, width=1.0):
        x = np.linspace(-5, 5, n)
        return np.exp(-(x**2) / (2 * width**2))

    for n in (5, 1000):
        spectrum(n)
    print(f"session 1 stored {len(spectrum.dataset)} results in {workdir}/spectra/")

    # ---- session 2: a new interpreter imports the store ------------------------------------
    session2 = textwrap.dedent(
        """
        import spectra                       # the store directory is a package

        for name, record in sorted(spectra._info_dict.items()):
            info = record.info               # loads the info record only
            value = getattr(spectra, name)   # loads this entry's value
            print(f"{name}: parameters {info['parameters']}, "
                  f"shape {value.shape}, peak {value.max():.3f}")

        # or open it as a DataSet (read-only here) to list and load entries
        from archived import DataSet
        import os
        ds = DataSet("spectra", path=os.getcwd())
        print("entries:", len(ds), "read-only DataSet:", ds)
        """
    )
    env = dict(os.environ, PYTHONPATH=workdir + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-c", session2], env=env, capture_output=True, text=True, cwd=workdir
    )
    print("session 2 (a new process) printed:")
    print(textwrap.indent(done.stdout.rstrip(), "  "))
    if done.returncode:
        sys.exit(done.stderr)
