"""Objects that archive themselves: an ``archive_1()`` method rebuilds them by constructor.

A class tells ``archived`` how to write its instances as source by returning
``(rep, args, imports)``: an expression ``rep`` that rebuilds the object from the names
in ``args`` (archived recursively, so they may be arrays or other such objects) after
the ``imports`` ``(module, name, as_name)``.  The archive then reads like the code you
would have typed, instead of a pickle.

The import names the class's module: here the script itself (``__main__``), so only this
script can load these archives back, and a DataSet refuses them.  Put such classes in a
module of your own package so that any program (and a new session) can import them.

Run it with ``python examples/archive_1_class.py`` (it works in a temporary directory).
"""

import os
import tempfile

import numpy as np

from archived import Archive, DataSet, UnarchivableError


class Lattice:
    """A periodic lattice: a shape, a spacing and the values at its sites."""

    def __init__(self, shape, spacing=1.0, values=None):
        self.shape = tuple(shape)
        self.spacing = spacing
        self.values = np.zeros(self.shape) if values is None else np.asarray(values)

    def archive_1(self):
        args = {"shape": self.shape, "spacing": self.spacing, "values": self.values}
        name = type(self).__name__
        imports = [(type(self).__module__, name, name)]
        return f"{name}(shape=shape, spacing=spacing, values=values)", args, imports

    def __eq__(self, other):
        return (
            isinstance(other, Lattice)
            and (self.shape, self.spacing) == (other.shape, other.spacing)
            and np.array_equal(self.values, other.values)
        )


lattice = Lattice((2, 3), spacing=0.5, values=np.arange(6.0).reshape(2, 3))

# 1. An Archive turns objects into source; executing the source gives them back.
archive = Archive()
archive.insert(lattice=lattice, pair=[lattice, lattice])  # shared: written once
source = str(archive)
print("--- the archive ---")
print(source.rstrip())
namespace = {}
exec(source, namespace)
restored = namespace["lattice"]
print("--- restored ---")
print(f"equal: {restored == lattice}, class: {type(restored).__name__}")
print(f"shared object kept: {namespace['pair'][0] is namespace['pair'][1]}")

# 2. A DataSet entry must load in any program, so a class of this script (__main__) is
#    refused before anything is written: keep such classes in a module of your own.
with tempfile.TemporaryDirectory() as workdir:
    ds = DataSet("lattices", "w", path=workdir)
    try:
        ds.small = lattice
    except UnarchivableError as err:
        print(f"--- refused by the DataSet: {err.reason}")
    visible = sorted(f for f in os.listdir(ds._path) if not f.startswith("."))
    print(f"entries: {list(ds)}, files: {visible}")
