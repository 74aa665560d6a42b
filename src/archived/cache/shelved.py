"""A handle on one call's stored result, loaded only when asked: what ``sweep(...,
results="lazy")`` gives for each point and what ``f.call_and_shelve(...)`` returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import DamagedEntryError

__all__ = ["StoredResult", "shelved_call"]


class StoredResult:
    """One call's result, kept in the store and loaded when asked (``results="lazy"``,
    ``f.call_and_shelve(...)``).

    ``entry`` names the store entry, ``parameters`` are the point's parameters as
    recorded; :meth:`load` (or calling the handle) reads the result from disk each time,
    so a list of handles holds no result in memory.  An entry found damaged when it is
    loaded (a hand edit with a typo, a truncated file) is what calling the function
    would meet: the handle calls it (``again``, the call with these arguments), which
    keeps the damaged file aside in the store's ``.damaged/`` folder, computes the result
    and stores it.  A handle sent to another process leaves ``again`` behind (it would
    carry the call's arguments): there a damaged entry raises its ``DamagedEntryError``,
    with a note saying to call the function again.

    >>> import tempfile, os
    >>> from archived import archived, sweep
    >>> f = archived(os.path.join(tempfile.mkdtemp(), "s"))(lambda x: [x] * 3)
    >>> handles = sweep(f, {"x": [1, 2]}, results="lazy", progress=False)
    >>> handles[1].parameters, handles[1].load()
    ({'x': 2}, [2, 2, 2])
    """

    __slots__ = ("store", "entry", "parameters", "_value", "_call", "again")

    def __init__(
        self,
        store: Any,
        entry: str | None,
        parameters: dict[str, Any],
        value: Any = None,
        call: tuple[str, Any] | None = None,
        again: Callable[[], Any] | None = None,
    ) -> None:
        self.store = store
        self.entry = entry
        self.parameters = parameters
        self._value = value  # only for a result that could not be stored
        # (full key, parameters as the entry recorded them) of the call found stored:
        # what load() checks the entry still holds
        self._call = call
        self.again = again  # the call itself, for an entry found damaged

    def load(self) -> Any:
        """Load the result from the store: :class:`~archived.errors.EntryChangedError`
        if the entry was rewritten since with another call, or its value edited by hand
        (it is then not this call's result), :class:`~archived.errors.EntryDeletedError`
        if it was deleted; computed again, as the call would, if the entry is damaged."""
        if self.entry is None:
            return self._value
        try:
            if self._call is None:
                return self.store.load(self.entry)
            return self.store.load_call(self.entry, *self._call)
        except DamagedEntryError as err:
            if self.again is not None:
                return self.again()  # sets the damaged file aside, computes, stores
            err.add_note(
                f"Call the function with these parameters ({self.parameters!r}) again: "
                "it keeps the damaged file aside in the store's .damaged/ folder and "
                "computes the result."
            )
            raise

    def __reduce__(self) -> tuple[Any, ...]:
        # ``again`` stays here: it holds the call's arguments, big arrays maybe
        return (
            StoredResult,
            (self.store, self.entry, self.parameters, self._value, self._call),
        )

    __call__ = load
    get = load  # joblib's MemorizedResult.get(), for code moved from call_and_shelve

    def __repr__(self) -> str:
        return f"<stored result {self.entry} {self.parameters!r}>"


def shelved_call(found: Any, call: Any) -> tuple[str, Any]:
    """What a handle of the call ``call`` (a :class:`~archived.cache.calls.CallKey`)
    found stored by the hit ``found`` checks its entry still holds when it loads: the
    call's full key and the parameters the entry records.

    >>> from archived.cache.calls import key_call
    >>> from archived.cache.callstore import Found
    >>> call = key_call("m.f", "v", "f", {"x": 1})
    >>> shelved_call(Found("f_1", True), call) == (call.key, {"x": 1})
    True
    """
    from .callstore import hit_parameters

    return call.key, hit_parameters(found, call.parameters)
