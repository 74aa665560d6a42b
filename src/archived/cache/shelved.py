"""A handle on one call's stored result, loaded only when asked: what ``sweep(...,
results="lazy")`` gives for each point and what ``f.call_and_shelve(...)`` returns."""

from __future__ import annotations

from typing import Any

__all__ = ["StoredResult"]


class StoredResult:
    """One call's result, kept in the store and loaded when asked (``results="lazy"``,
    ``f.call_and_shelve(...)``).

    ``entry`` names the store entry, ``parameters`` are the point's parameters as
    recorded; :meth:`load` (or calling the handle) reads the result from disk each time,
    so a list of handles holds no result in memory.

    >>> import tempfile, os
    >>> from archived import archived, sweep
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: [x] * 3)
    >>> handles = sweep(f, {"x": [1, 2]}, results="lazy", progress=False)
    >>> handles[1].parameters, handles[1].load()
    ({'x': 2}, [2, 2, 2])
    """

    __slots__ = ("store", "entry", "parameters", "_value")

    def __init__(
        self, store: Any, entry: str | None, parameters: dict[str, Any], value: Any = None
    ) -> None:
        self.store = store
        self.entry = entry
        self.parameters = parameters
        self._value = value  # only for a result that could not be stored

    def load(self) -> Any:
        """Load the result from the store."""
        if self.entry is None:
            return self._value
        return self.store.load(self.entry)

    __call__ = load
    get = load  # joblib's MemorizedResult.get(), for code moved from call_and_shelve

    def __repr__(self) -> str:
        return f"<stored result {self.entry} {self.parameters!r}>"
