"""Loading: archive source becomes objects again.

:func:`.restore.restore` executes trusted source (:mod:`.codecache` keeps its code,
:mod:`.numpy_names` reads numpy 2's names under numpy 1.x); plain-data sections are read
by the literal fast path (:mod:`.literal`).  A safe load (``safe=True``) reads top-down,
in one direction (the evaluator knows the shapes the checker leaves; the checker knows
nothing of the evaluator, the guards nothing of either):

1. :mod:`.safe` sets the :mod:`.budget` from the size of the source, charges the syntax
   tree's memory, parses;
2. :mod:`.grammar` checks the whole tree against the grammar the engine writes and the
   allow-list (:mod:`.allowlist`), importing and evaluating nothing;
3. :mod:`.evaluator` builds the values node by node, charging the budget, calling only
   guarded constructors (:mod:`.guards`, :mod:`.rep_guards`) and reading arrays only
   through the store's own index (:mod:`.datafiles`).

Pickle is never part of a safe load (``allow_pickle=True`` trusts the store completely).
This layer builds on :mod:`archived.engine` only.
"""
