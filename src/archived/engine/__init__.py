"""The archive engine: Python objects become Python source that rebuilds them.

One walk over the objects (:mod:`.graph`), a representation for each (:mod:`.reps`,
:mod:`.builtin_reps`, :mod:`.importable`, :mod:`.repbase`), source written from the
graph (:mod:`.codegen`, :mod:`.layout`), numpy arrays inline and exact (:mod:`.arrays`)
or in HDF5 data files (:mod:`.hdf5`), all driven by :class:`.archive.Archive`.

The engine imports nothing above it: loading (:mod:`archived.load`), stores and the
cache build on it.
"""
