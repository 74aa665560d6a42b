"""archived: cache and keep experiment results as readable, importable Python source.

The public names are re-exported here and imported lazily, so ``import archived`` stays
light: PyTables and joblib are loaded only when a feature first needs them.

>>> import archived
>>> issubclass(archived.CycleError, archived.ArchiveError)
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    AddedParameterWarning,
    AfterCommitError,
    ArchiveError,
    BesideStoreError,
    BlockInputWarning,
    BudgetExceededError,
    ClosureChangedWarning,
    CodeChangedError,
    CommitError,
    CommitPermissionError,
    CommitTimeout,
    CycleError,
    DamagedArrayError,
    DamagedEntryError,
    DamagedEntryWarning,
    DiskFullError,
    DuplicateError,
    EditedEntryWarning,
    EntryChangedError,
    EntryDeletedError,
    InvalidNameError,
    InvalidOptionError,
    LockFileError,
    LockingKindError,
    LockTimeout,
    MovedBlockWarning,
    MovedFunctionWarning,
    NumericTypeWarning,
    OutputFileError,
    ReadOnlyError,
    ResultNotSetError,
    ResultNotStoredWarning,
    StaleVersionWarning,
    StoreNotFoundError,
    StorePathError,
    StorePathWarning,
    StoreReadError,
    UnarchivableError,
    UnkeyableArgumentError,
    UnsafeArchiveError,
    UnsafeFileError,
    UnsafeFileWarning,
)

if TYPE_CHECKING:  # what type checkers see; at run time these load on first use
    from .cache.decorator import archived
    from .cache.keycheck import repair, verify
    from .cache.record import record
    from .cache.sweeps import sweep, sweep_status
    from .engine.archive import Archive, get_imports, repr_
    from .load.budget import Limits
    from .load.restore import restore
    from .store.dataset import DataSet

from ._version import __version__
from .store import callcheck as _callcheck


def _key_status(info: Any) -> str:
    # imported at the first record checked (an index row derived), not here: the cache
    # layer's hashing modules took 30 ms of every `import archived` and every CLI command
    from .cache.keycheck import key_status

    _callcheck.use(key_status)  # (each later record checked by it directly)
    return key_status(info)


# the read-side index derives a call whose recorded parameters were edited by hand as
# edited (no result): keys are the cache layer's, given to the store layer here, before
# any of its modules runs (every import of one runs this first)
_callcheck.use(_key_status)

# public name -> module that defines it; resolved on first attribute access (PEP 562)
_LAZY: dict[str, str] = {
    "Archive": "engine.archive",
    "restore": "load.restore",
    "Limits": "load.budget",
    "repr_": "engine.archive",
    "get_imports": "engine.archive",
    "DataSet": "store.dataset",
    "archived": "cache.decorator",
    "record": "cache.record",
    "sweep": "cache.sweeps",
    "sweep_status": "cache.sweeps",
    "verify": "cache.keycheck",
    "repair": "cache.keycheck",
}

__all__ = [
    "ArchiveError",
    "BesideStoreError",
    "BudgetExceededError",
    "CodeChangedError",
    "AfterCommitError",
    "CommitError",
    "CommitPermissionError",
    "CommitTimeout",
    "DiskFullError",
    "CycleError",
    "DamagedArrayError",
    "DamagedEntryError",
    "DamagedEntryWarning",
    "EditedEntryWarning",
    "DuplicateError",
    "EntryChangedError",
    "EntryDeletedError",
    "InvalidNameError",
    "InvalidOptionError",
    "LockingKindError",
    "LockFileError",
    "LockTimeout",
    "ClosureChangedWarning",
    "NumericTypeWarning",
    "OutputFileError",
    "StaleVersionWarning",
    "MovedFunctionWarning",
    "MovedBlockWarning",
    "AddedParameterWarning",
    "BlockInputWarning",
    "ReadOnlyError",
    "ResultNotSetError",
    "ResultNotStoredWarning",
    "StoreNotFoundError",
    "StorePathError",
    "StoreReadError",
    "StorePathWarning",
    "UnarchivableError",
    "UnkeyableArgumentError",
    "UnsafeArchiveError",
    "UnsafeFileError",
    "UnsafeFileWarning",
    "__version__",
    # the lazily loaded names of _LAZY, spelled out so linters and type checkers see them
    "Archive",
    "restore",
    "Limits",
    "repr_",
    "get_imports",
    "DataSet",
    "archived",
    "record",
    "sweep",
    "sweep_status",
    "verify",
    "repair",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'archived' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
