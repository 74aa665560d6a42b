"""The caching layer: ``@archived`` functions, ``with archived(...)`` blocks and sweeps.

Argument keys (:mod:`.hashing`), function identity and versions (:mod:`.funcinfo`),
the store of calls (:mod:`.callstore`), the one call protocol that decides hit, miss,
compute, damaged and failed (:mod:`.calls`), the decorator (:mod:`.decorator`), recorded
blocks (:mod:`.record`) and parameter sweeps (:mod:`.sweeps`).  This layer builds on
:mod:`archived.store` and the layers below it.
"""
