"""Loading: archive source becomes objects again.

:func:`.restore.restore` executes trusted source; with ``safe=True`` the source is
parsed, checked against the grammar the engine writes (:mod:`.grammar`) and an
allow-list (:mod:`.allowlist`), and evaluated without executing anything
(:mod:`.safe`).  This layer builds on :mod:`archived.engine` only.
"""
