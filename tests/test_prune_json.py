"""``archived prune --json`` prints one JSON document of what it deletes (or would, in a
dry run) and what it kept and why, as ``ls``, ``show``, ``verify`` and ``repair`` do: a
script cleaning a store read prune's table and its 'kept NAME: ...' lines as text."""

from __future__ import annotations

import json
import os

from archived import archived
from archived.cache.sweeps import sweep
from archived.cli import main
from archived.errors import EntryChangedError
from archived.store.dataset import DataSet


def square(x):
    return x * x


def stale_store(tmp_path):
    store = str(tmp_path / "runs")
    sweep(archived(store, version="1")(square), {"x": [1, 2]}, progress=False)
    sweep(archived(store, version="2")(square), {"x": [1]}, progress=False)
    ds = DataSet("runs", path=str(tmp_path))
    old = sorted(n for n in ds if ds[n].get("version") == "1" and "_sweep_" not in n)
    return store, old  # the calls of version 1, not their sweep's record


def prune_json(capsys, *argv):
    code = main(["prune", *argv, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_prune_json_lists_what_a_dry_run_would_delete_and_deletes_nothing(tmp_path, capsys):
    store, old = stale_store(tmp_path)
    code, doc, _ = prune_json(capsys, store, "--stale", "--function", "square", "--version", "2")
    assert code == 0
    assert doc["schema"] == "archived.prune/1" and doc["store"] == os.path.abspath(store)
    assert doc["dry_run"] is True and doc["kept"] == {}
    names = sorted(e["name"] for e in doc["entries"])
    assert [n for n in names if "_sweep_" not in n] == old  # the two calls of version 1
    assert len(names) == 3  # and the record of their sweep, emptied
    assert doc["count"] == 3 and doc["size"] == sum(e["size"] for e in doc["entries"]) > 0
    assert all(n in DataSet("runs", path=str(tmp_path)) for n in names)  # a dry run


def test_prune_json_with_yes_lists_what_it_deleted_and_what_it_kept(tmp_path, capsys, monkeypatch):
    store, old = stale_store(tmp_path)
    delete = DataSet._delete_seen

    def rewritten_first(self, name, digest):
        if name == old[0]:  # as if another process rewrote it after the plan
            raise EntryChangedError(name, self._path)
        return delete(self, name, digest)

    monkeypatch.setattr(DataSet, "_delete_seen", rewritten_first)
    code, doc, _ = prune_json(
        capsys, store, "--stale", "--function", "square", "--version", "2", "--yes"
    )
    assert code == 0 and doc["dry_run"] is False
    assert doc["kept"][old[0]] == "it was rewritten since it was chosen"
    deleted = [e["name"] for e in doc["entries"]]
    assert old[1] in deleted and old[0] not in deleted
    left = set(DataSet("runs", path=str(tmp_path)))
    assert old[0] in left and old[1] not in left


def test_prune_json_of_nothing_to_delete_is_an_empty_document(tmp_path, capsys):
    store, _ = stale_store(tmp_path)
    code, doc, _ = prune_json(capsys, store, "--failed")
    assert code == 0 and doc["entries"] == [] and doc["count"] == 0 and doc["kept"] == {}
