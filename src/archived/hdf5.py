"""``archived.hdf5``: a module path written into archives; it never moves.

Archive source may name ``from archived.hdf5 import load_array``.  The code lives in
:mod:`archived.engine.hdf5`; this module only re-exports it.

>>> from archived.hdf5 import load_array
>>> load_array.__module__
'archived.engine.hdf5'
"""

from .engine.hdf5 import ArrayWriter, load_array, using_datadir

__all__ = ["ArrayWriter", "load_array", "using_datadir"]
