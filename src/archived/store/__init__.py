"""One store directory: the DataSet and everything it keeps on disk.

The store interface (:class:`.backend.Store`: names, info, value, commit, delete, ...)
has two implementations, the stores ``archived`` writes (:mod:`.native`) and the
read-only persist stores (:mod:`.persist_compat`); :class:`.dataset.DataSet` delegates to
the one :func:`.dataset.open_store` picks.  Beneath them:

Entries and their atomic commit (:mod:`.entries`), name claims (:mod:`.claims`),
writer tokens and leftovers of killed writers (:mod:`.writers`, :mod:`.leftovers`),
locks (:mod:`.locking`), verify/repair (:mod:`.integrity`), the read-only persist
reader (:mod:`.persist_compat`), the runtime of an imported store (:mod:`.module`),
tables of info records (:mod:`.table`) and :class:`.dataset.DataSet` on top.
This layer builds on :mod:`archived.load` and :mod:`archived.engine`.
"""
