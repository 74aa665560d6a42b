"""A handle of an entry used after the entry was deleted says so, by name.

Lazy sweep results, stored calls from ``where()`` and the records of an imported store's
``_info_dict`` load their entry when asked; a prune, a ``clear()`` or another program may
have deleted it meanwhile.  The error names the entry and the store and says it was
deleted; it is still the ``AttributeError`` or ``KeyError`` the handles raised before.
"""

import importlib
import os
import sys

import pytest

from archived import EntryDeletedError, archived, sweep


def _square_store(tmp_path):
    @archived(str(tmp_path / "runs"))
    def square(x):
        return x * x

    return square


def _delete_every_entry(func):
    for name in list(func.dataset):
        os.remove(os.path.join(func.store.path, name + ".py"))


def test_a_lazy_sweep_result_of_a_deleted_entry_names_it_and_says_it_was_deleted(tmp_path):
    square = _square_store(tmp_path)
    handles = sweep(square, {"x": [1, 2]}, results="lazy", progress=False)
    _delete_every_entry(square)
    with pytest.raises(EntryDeletedError, match=f"entry '{handles[0].entry}' was deleted"):
        handles[0].load()
    with pytest.raises(AttributeError):  # what it raised before, still caught
        handles[1].load()


def test_a_stored_call_of_a_deleted_entry_says_it_was_deleted(tmp_path):
    square = _square_store(tmp_path)
    square(3)
    [call] = square.where(x=3)
    _delete_every_entry(square)
    with pytest.raises(EntryDeletedError, match=f"entry '{call.name}' was deleted from .*runs"):
        call.load()


def test_a_stored_calls_info_of_a_deleted_entry_says_it_was_deleted_as_its_load_does(tmp_path):
    # a short record is kept in the store's index: it was returned as if the entry were
    # still there, read before the deletion or not
    square = _square_store(tmp_path)
    square(3), square(4)
    first, second = square.where()
    assert first.info["status"] == "ok"
    _delete_every_entry(square)
    for call in (first, second):
        with pytest.raises(EntryDeletedError, match=f"entry '{call.name}' was deleted"):
            call.info  # noqa: B018
        with pytest.raises(KeyError):  # an ArchiveError that is a KeyError too
            call.info  # noqa: B018
    assert first.parameters in ({"x": 3}, {"x": 4})  # as listed: no file read


def test_an_imported_store_record_of_a_deleted_entry_says_it_was_deleted(tmp_path):
    square = _square_store(tmp_path)
    square(4)
    sys.path.insert(0, str(tmp_path))
    try:
        runs = importlib.import_module("runs")
        [name] = list(runs._info_dict)
        record = runs._info_dict[name]
        _delete_every_entry(square)
        with pytest.raises(EntryDeletedError, match=f"entry '{name}' was deleted"):
            record.load()
        with pytest.raises(KeyError):  # what it raised before, still caught
            _ = record.info
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("runs", None)
