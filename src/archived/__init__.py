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
    ArchiveError,
    CycleError,
    DamagedArrayError,
    DamagedEntryError,
    DuplicateError,
    InvalidNameError,
    LockTimeout,
    ReadOnlyError,
    StoreNotFoundError,
    UnarchivableError,
    UnkeyableArgumentError,
    UnsafeArchiveError,
)

if TYPE_CHECKING:  # what type checkers see; at run time these load on first use
    from .archive import Archive, get_imports, repr_, restore
    from .cache import archived
    from .dataset import DataSet
    from .integrity import repair, verify
    from .sweeps import sweep, sweep_status

__version__ = "0.1.0"

# public name -> module that defines it; resolved on first attribute access (PEP 562)
_LAZY: dict[str, str] = {
    "Archive": "archive",
    "restore": "archive",
    "repr_": "archive",
    "get_imports": "archive",
    "DataSet": "dataset",
    "archived": "cache",
    "sweep": "sweeps",
    "sweep_status": "sweeps",
    "verify": "integrity",
    "repair": "integrity",
}

__all__ = [
    "ArchiveError",
    "CycleError",
    "DamagedArrayError",
    "DamagedEntryError",
    "DuplicateError",
    "InvalidNameError",
    "LockTimeout",
    "ReadOnlyError",
    "StoreNotFoundError",
    "UnarchivableError",
    "UnkeyableArgumentError",
    "UnsafeArchiveError",
    "__version__",
    # the lazily loaded names of _LAZY, spelled out so linters and type checkers see them
    "Archive",
    "restore",
    "repr_",
    "get_imports",
    "DataSet",
    "archived",
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
