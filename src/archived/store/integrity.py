"""Check a store and clean up after crashed writers: :func:`verify` and :func:`repair`.

:func:`verify` reads every entry (info and value) and lists what is wrong; it changes
nothing on disk.  :func:`repair` removes the leftovers of writers that are gone
(``.tmp``/``.drop``/``.claim`` files and their data files) and orphaned data files
that no entry refers to, under the store lock.  Neither ever removes or rewrites a
committed entry: a damaged entry is reported for a person to decide about.

What counts as what (see :mod:`archived.store.entries` for the file layout):

* *damaged*: an entry whose file, header, data files, info or value cannot be read
  back (with ``safe=True``, also one that a safe load refuses, reported as *not
  checked*: a pickle of your own is no damage, a planted call may be);
* *orphan*: a data file ``<entry>.<token>[-info].h5`` that no entry's header lists and
  that no live writer is about to commit;
* *leftover*: a hidden file of a writer that is gone (killed mid-commit), and the
  data files written under its token;
* *in progress*: files of a writer that is still running; reported, never touched;
* *unsafe*: a file named like a store file that is not what such a file must be (a
  symbolic link where a data file belongs, a FIFO named like an entry, a ``.backup``
  that links elsewhere, ...): reported, never touched (see
  :mod:`archived.store.storefiles`);
* *other key*: given ``rekey`` (``archived.verify`` and the command line give
  :func:`archived.cache.keycheck.key_status`), a call whose recorded key is not the
  key of the call it records: its parameters (or function or version) edited by hand,
  or its file copied over another call's.  Every call with that key computes without
  storing, and a table lists the record beside a result it may not give: the step is
  to move the file out of the store.  A key the record cannot give back (a text
  parameter may stand for an object) is said, never guessed;
* *edited*: a stored call whose value section is not the one its record's value digest
  names (:mod:`archived.store.valuedigest`): its value was edited by hand, so it is no
  result of its call (a call computes without storing over it, a table leaves it out).
  Not damage (it loads): a status of its own, counted as a problem until the file is
  moved out of the store.  A call stored before archived recorded the digest is said
  (*no digest*), not a problem;
* *misnamed*: given ``rekey``, a call whose recorded key does not name its entry
  (:mod:`archived.store.callnames`): a file copied or renamed by hand.  No call looks it
  up there (a hit never comes of it), while a table lists it beside the call's own
  entry: the step is to move the file out of the store;
* an array of a data file whose bytes are not those its entry's source names by their
  digest (:mod:`archived.engine.arraydigest`: the data file swapped with another
  entry's, renamed over it, or changed on disk) makes its entry *damaged*: every array
  is read into memory and hashed.  An entry written before archived recorded array
  digests is said (*no array digest*), not a problem: what its data files hold cannot
  be told from it.

>>> import tempfile
>>> from archived.store.dataset import DataSet
>>> folder = tempfile.mkdtemp()
>>> ds = DataSet('s', 'w', path=folder)
>>> ds.x = [1, 2]
>>> report = verify(ds._path)
>>> report.ok, report.entries
(True, ['x'])
"""

from __future__ import annotations

import os
import stat
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._format import escaped
from ..engine.arraydigest import counting_unchecked
from ..errors import (
    DamagedEntryError,
    MissingImportError,
    ReadOnlyError,
    StoreNotFoundError,
    StoreReadError,
    UnsafeArchiveError,
    UnsafeFileError,
    UnsafeFileWarning,
    is_read_failure,
)
from . import entries, valuedigest
from .callnames import misnamed
from .damaged import DAMAGED_DIR
from .datarefs import listed_elsewhere
from .indexscan import is_file_or_link
from .leftovers import Swept, sweep_leftovers
from .locking import StoreLock
from .moveout import entry_files_text
from .native import recorded_locking
from .persist_compat import is_persist_store
from .storefiles import DATA_FILE, SHAPES, SUBDIRS, checked_path, file_kind, remove_file
from .table import record_text
from .writers import read_drop_list, store_files, writer_files

if TYPE_CHECKING:
    from ..load.budget import Limits

__all__ = ["VerifyReport", "verify", "repair"]


_HEADER_PROBLEM = "unreadable entry file or header"
# how the problems of a header listing a data file that is not there begin: the data
# files named after such an entry may be its own (see _classify)
_FILE_PROBLEMS = ("its header lists ", "its data file ")
_MISSING_IMPORT = "\0missing import: "  # marks an intact entry this program cannot load
_REFUSED = "not checked: "  # a safe load refused it: damaged or not, nobody knows
_RETRIES = 5


@dataclass
class VerifyReport:
    """What :func:`verify` found in a store (and what :func:`repair` removed).

    Attributes:
        path: the store directory.
        entries: the committed entries that were read.
        damaged: entry name -> why it cannot be read back.
        unimportable: entry name -> the module or class it needs that cannot be imported
            in this program; the entry itself is intact (not counted as a problem).
        orphans: data files no entry refers to.
        leftovers: files of writers that are gone.
        in_progress: files of writers still running (left alone).
        unsafe: file name -> why it is not what a store file of its name must be
            (a link, a FIFO, ...); never touched.
        removed: files :func:`repair` took out of the store directory (empty for
            :func:`verify`): deleted, or moved into ``.backup/`` (those are also in
            ``backed_up``).
        kept_aside: the folders of ``.damaged/``, each an entry a call could not load
            (damaged, or needing a class this program lacked), moved there before its
            result was computed again; never removed by archived (not a problem).
        backed_up: files among ``removed`` that :func:`repair` moved into ``.backup/``
            rather than deleted: the data files of the version a killed
            ``backup_data`` writer replaced, beside that version's entry file there.
        advised: entry name -> the module whose ``allow=`` the safe load that refused it
            advised (a module that may be the user's own, which it needs): the refusal's
            own :attr:`~archived.errors.UnsafeArchiveError.allow`, never words found in
            its message, which quotes the store's text.
        other_key: entry name -> the call its record names, for the calls whose key is
            not that call's (a problem: see the module docstring).
        key_unchecked: the calls whose key could not be recomputed from their record
            (not a problem: nothing is known of them).
        key_unchecked_by: entry name of ``key_unchecked`` -> the parameters its record
            holds as something that may stand for another value (a text, bytes, NaN, a
            numpy scalar, a container); none: its numbers may be archived 0.1's numpy
            scalars, too many readings to try.
        edited: the stored calls whose value was edited by hand (a problem: see the
            module docstring).
        no_digest: the stored calls whose record holds no value digest, stored before
            archived recorded it (not a problem: an edit of their value cannot be told).
        no_array_digest: the entries whose source names arrays of data files without
            their digests, written before archived recorded them (not a problem: whether
            their data files hold those arrays cannot be told).

    >>> r = VerifyReport('/s', ['a'], damaged={'b': 'truncated'})
    >>> r.ok
    False
    >>> print(r)
    store '/s': 1 entry checked, 1 problem
      damaged entry b: truncated
    """

    path: str
    entries: list[str] = field(default_factory=list)
    damaged: dict[str, str] = field(default_factory=dict)
    unimportable: dict[str, str] = field(default_factory=dict)
    orphans: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unsafe: dict[str, str] = field(default_factory=dict)
    kept_aside: list[str] = field(default_factory=list)
    backed_up: list[str] = field(default_factory=list)
    advised: dict[str, str] = field(default_factory=dict)
    other_key: dict[str, str] = field(default_factory=dict)
    key_unchecked: list[str] = field(default_factory=list)
    key_unchecked_by: dict[str, list[str]] = field(default_factory=dict)
    edited: list[str] = field(default_factory=list)
    no_digest: list[str] = field(default_factory=list)
    misnamed: dict[str, str] = field(default_factory=dict)
    no_array_digest: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no entry is damaged, holds another call's key or a value edited by
        hand, or is not named by its key, and no orphan, leftover or unsafe file remains."""
        return not (
            self.damaged
            or self.other_key
            or self.edited
            or self.misnamed
            or self.orphans
            or self.leftovers
            or self.unsafe
        )

    @property
    def problems(self) -> bool:
        """Whether a problem was found: an entry known damaged (not one a safe load
        refused, which nobody checked), an orphan, a leftover or an unsafe file.

        >>> VerifyReport('/s', ['a'], damaged={'a': _REFUSED + 'a pickle'}).problems
        False
        """
        damaged = any(not why.startswith(_REFUSED) for why in self.damaged.values())
        return damaged or bool(
            self.other_key
            or self.edited
            or self.misnamed
            or self.orphans
            or self.leftovers
            or self.unsafe
        )

    @property
    def unchecked(self) -> list[str]:
        """The entries whose value was not rebuilt, so not checked: refused by a safe
        load (a class of a module not allowed, a pickle), or intact but not loadable
        here (their module or class missing).

        >>> VerifyReport('/s', ['a', 'b'], unimportable={'b': 'it needs m'}).unchecked
        ['b']
        """
        refused = [name for name, why in self.damaged.items() if why.startswith(_REFUSED)]
        return sorted([*refused, *self.unimportable])

    @property
    def suspect(self) -> list[str]:
        """The entries a safe load refused for what they hold (a pickle, a call it does
        not allow, an array its data file does not describe as the store writes it),
        not only for a module of the user's not named in ``allow``: damage cannot be
        ruled out.

        >>> VerifyReport('/s', ['a', 'b'], damaged={
        ...     'a': _REFUSED + "its value is refused: ... pass allow=['models'] ...",
        ...     'b': _REFUSED + 'its value is refused: a pickle'},
        ...     advised={'a': 'models'}).suspect
        ['b']
        """
        return sorted(
            name
            for name, why in self.damaged.items()
            if why.startswith(_REFUSED) and name not in self.advised
        )

    def __str__(self) -> str:
        # an entry a safe load refused is not a problem found, and was not checked
        refused = sum(why.startswith(_REFUSED) for why in self.damaged.values())
        problems = len(self.damaged) - refused + len(self.other_key) + len(self.edited)
        problems += len(self.misnamed)
        problems += len(self.orphans) + len(self.leftovers) + len(self.unsafe)
        n = len(self.entries)
        entries = f"{n} entr{'y' if n == 1 else 'ies'}"
        found = f"{problems} problem{'s' * (problems != 1)}"
        # an entry whose class cannot be imported here was read but its value never
        # rebuilt: neither checked nor OK, and the summary must not say OK above it
        unloadable = len(self.unimportable)
        if refused or unloadable:
            found = found if problems else "no problem"
            counts = [f"{entries} read"]
            counts += [f"{refused} not checked"] if refused else []
            counts += [f"{unloadable} not loadable here"] if unloadable else []
            status = ", ".join([*counts, found])
        else:
            status = f"{entries} checked, {found if problems else 'OK'}"
        lines = [f"store {self.path!r}: {status}"]
        needing: dict[str, list[str]] = {}  # module a safe load would not import -> entries
        for name, why in sorted(self.damaged.items()):
            advice = self.advised.get(name) if why.startswith(_REFUSED) else None
            if advice is not None:
                needing.setdefault(advice, []).append(name)
            elif why.startswith(_REFUSED):
                lines.append(
                    f"  entry {name} {why}; `verify --trust` checks it (only for a store you "
                    "trust)"
                )
            else:
                lines.append(f"  damaged entry {name}: {why}")
        for module, names in needing.items():
            # a store of results holding the user's own classes: one line, not one per entry
            if len(names) == 1:
                lines.append(f"  entry {names[0]} {self.damaged[names[0]]}")
            else:
                lines.append(
                    f"  {len(names)} entries not checked ({_some(names)}): a safe load does not "
                    f"import module {module!r}, which they need"
                )
            them = "them" if names[1:] else "it"
            lines.append(
                f"    `verify --allow {module}` checks {them}, if it is your own module of "
                "data classes and you trust all of its code (the store may call any "
                "function of it)"
            )
        alike: dict[str, list[str]] = {}  # what is missing -> the entries needing it
        for name, why in sorted(self.unimportable.items()):
            alike.setdefault(why, []).append(name)
        for why, names in alike.items():
            # a store of results of the user's own classes, read where their module is
            # missing: one line, not one per entry (hundreds, all alike)
            if len(names) == 1:
                lines.append(f"  intact entry {names[0]} cannot be loaded here: {why}")
            else:
                they = why.replace("it needs ", "they need ", 1).replace(
                    "of the entry file", "of their entry files"
                )
                lines.append(
                    f"  {len(names)} intact entries cannot be loaded here ({_some(names)}): {they}"
                )
        lines += [
            f"  entry {name} holds the key of another call than it records ({call}): its "
            "parameters (or function or version) were edited by hand, or it is a copy of "
            "another call's entry; a call with its key computes without storing, and a "
            "table lists this record beside a result it may not give. Move "
            f"{entry_files_text(self.path, name)} out of the store: a call of these "
            "parameters then computes and stores its own result"
            for name, call in sorted(self.other_key.items())
        ]
        lines += [
            f"  entry {name} holds a value edited by hand (its value section, import lines "
            "included, is not the one its record's digest names): it is not its call's "
            "result, so a call computes "
            "without storing over it and a table leaves it out. Move "
            f"{entry_files_text(self.path, name)} out of the store to keep your edit: "
            "a call of its parameters then stores its own result"
            for name in self.edited
        ]
        lines += [
            f"  entry {name} records a call whose key names its entry {wanted}, not {name}: "
            "a copy or a rename of that call's entry file, which no call looks up under "
            "this name (so no call's result comes of it) while a table lists it beside "
            f"the call's own entry. Move {os.path.join(self.path, name + '.py')} out of "
            "the store"
            for name, wanted in sorted(self.misnamed.items())
        ]
        lines += [f"  orphaned data file {f} (no entry refers to it)" for f in self.orphans]
        lines += [f"  leftover of a crashed writer: {f}" for f in self.leftovers]
        lines += [f"  in progress (a live writer): {f}" for f in self.in_progress]
        lines += [
            f"  unsafe file {f!r}: {why} (left untouched; remove it by hand if it is not yours)"
            for f, why in sorted(self.unsafe.items())
        ]
        moved = set(self.backed_up)
        lines += [
            f"  moved {f} into .backup/ (data of a version a killed writer replaced)"
            if f in moved
            else f"  removed {f}"
            for f in self.removed
        ]
        if self.kept_aside:  # out of sight, maybe big: say they are there
            kept = [folder.partition(".")[0] for folder in self.kept_aside]
            lines.append(
                f"  {len(kept)} entr{'y' if len(kept) == 1 else 'ies'} kept aside in "
                f"{DAMAGED_DIR}/ ({_some(kept)}): moved there by calls that could not load "
                "them, which computed their results again; each folder holds an entry's "
                "files: move them back into the store to restore it, or delete the folder"
            )
        if self.orphans or self.leftovers:
            lines.append("  run `python -m archived repair PATH` to remove orphans and leftovers")
        if self.key_unchecked:  # said, not guessed: their records may hold descriptions
            # once, naming what stood in the way (a store of calls of a data class config
            # is all such calls): one sentence of every reason there could be read as a
            # problem in every verify of such a store, and named none of the parameters
            n = len(self.key_unchecked)
            uses: dict[str, int] = {}  # parameter -> the calls it kept unchecked
            for names in self.key_unchecked_by.values():
                for parameter in names:
                    uses[parameter] = uses.get(parameter, 0) + 1
            by = sorted(uses, key=lambda k: -uses[k])
            reasons = []
            if by:
                named = ", ".join(by[:3]) + (f" and {len(by) - 3} more" if by[3:] else "")
                reasons.append(
                    f"their parameter{'s' * (len(by) > 1)} {named} "
                    f"{'are' if len(by) > 1 else 'is'} recorded as text, bytes, NaN, a "
                    "numpy scalar or a container, which may stand for another value (an "
                    "object's description, an array's)"
                )
            if not all(self.key_unchecked_by.get(name) for name in self.key_unchecked):
                reasons.append(
                    "their numbers may be numpy scalars archived 0.1 recorded as numbers, "
                    "too many to try"
                )
            why = "; ".join(reasons)
            lines.append(
                f"  {n} call key{'s' * (n != 1)} not recomputed ({_some(self.key_unchecked)}):"
                f" {why}, so whether they were edited by hand cannot be told from the "
                "record (not a problem found)"
            )
        if self.no_digest:  # said: an edit of their values cannot be told
            n = len(self.no_digest)
            lines.append(
                f"  {n} stored call{'s' * (n != 1)} with no value digest "
                f"({_some(self.no_digest)}): stored before archived recorded one, so "
                "whether a value was edited by hand cannot be told"
            )
        if self.no_array_digest:  # said: a swapped data file of theirs cannot be told
            n = len(self.no_array_digest)
            lines.append(
                f"  {n} entr{'y' if n == 1 else 'ies'} with arrays of data files but no "
                f"array digests ({_some(self.no_array_digest)}): stored before archived "
                "recorded them, so whether their data files still hold their arrays (not "
                "another entry's) cannot be told"
            )
        # names and texts of the store (a function, a parameter, a file name, an error
        # message) reach the terminal of whoever prints the report: escaped, as the CLI does
        return escaped("\n".join(lines))


def verify(
    path: str | os.PathLike[str],
    *,
    safe: bool = False,
    allow: Iterable[str] = (),
    limits: Limits | None = None,
    rekey: Callable[[Any], str] | None = None,
) -> VerifyReport:
    """Read every entry of the store at ``path`` and report what is wrong; change nothing.

    ``safe=True`` loads entries with the safe evaluator (:mod:`archived.load.safe`, extra
    trusted modules in ``allow``, budgets in ``limits``), so verifying a store you did
    not write runs none of its code; entries it refuses are reported as damaged.
    ``rekey``: what the key of a call record says of it, ``'match'``, ``'mismatch'`` or
    ``'unknown'`` (:func:`archived.cache.keycheck.key_status`, which ``archived.verify``
    passes), or None to leave keys unchecked.

    >>> import os, tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet('s', 'w', path=tempfile.mkdtemp())
    >>> ds.x = 1
    >>> open(os.path.join(ds._path, 'y.py'), 'w').write('garbage')
    7
    >>> print(verify(ds._path).damaged['y'])
    unreadable entry file or header: entry 'y' is damaged: the entry file has no archived ...
    """
    folder = _store_folder(path)
    listing = store_files(folder)  # before reading entries: see _classify
    report = VerifyReport(folder)
    options: dict[str, Any] | None = {"safe": True, "allow": tuple(allow)} if safe else None
    if options is not None and limits is not None:
        options["limits"] = limits
    referenced: set[str] = set()
    infos: dict[str, Any] = {}
    edited: dict[str, bool | None] = {}
    no_array_digest: set[str] = set()
    # the arrays loaded without a digest, counted in one scope for all entries (a scope
    # for each section of each entry took a sixth of verify's time for a small entry)
    with counting_unchecked() as unchecked:
        for name in entries.entry_names(folder):
            report.entries.append(name)
            problem = _check_entry(
                folder,
                name,
                options,
                referenced,
                report.advised,
                infos,
                edited,
                no_array_digest,
                unchecked,
            )
            unchecked.clear()  # (only this entry's count mattered)
            if problem is not None and problem.startswith(_MISSING_IMPORT):
                report.unimportable[name] = problem[len(_MISSING_IMPORT) :]
            elif problem is not None:
                report.damaged[name] = problem
            info = infos.pop(name, None)
            if rekey is not None and name not in report.damaged:
                _check_key(name, info, rekey, report)
                wanted = misnamed(name, info)
                if wanted is not None:
                    report.misnamed[name] = wanted
            if name not in report.damaged and _is_stored_call(info):
                value_edited = edited.pop(name, None)
                if value_edited:
                    report.edited.append(name)
                elif value_edited is None:
                    report.no_digest.append(name)
            if name in no_array_digest and name not in report.damaged:
                report.no_array_digest.append(name)
    unreadable = {
        name
        for name, why in report.damaged.items()
        if _HEADER_PROBLEM in why or why.startswith(_FILE_PROBLEMS)
    }
    _classify(folder, listing, referenced, unreadable, report)
    report.unsafe.update(_unsafe_files(folder))
    report.kept_aside = _kept_aside(folder)
    return report


def _check_key(name: str, info: Any, rekey: Callable[[Any], str], report: VerifyReport) -> None:
    """Note in ``report`` what ``rekey`` says of the key of entry ``name``'s record."""
    status = rekey(info)
    if status == "mismatch":
        from .._format import format_params, short_name

        try:
            shown = f"{short_name(info['function'])}({format_params(info['parameters'], 80)})"
        except Exception:  # a record a person edited: the entry is still named
            shown = "its parameters"
        report.other_key[name] = shown
    elif status == "unknown":
        report.key_unchecked.append(name)
        report.key_unchecked_by[name] = _described(info)


_HELD = (type(None), bool, int, float, complex)  # recorded as they are keyed


def _described(info: dict[str, Any]) -> list[str]:
    """The names of the parameters of call record ``info`` that may stand for another
    value than they show (not a number, None or bool as it is keyed, or a NaN).

    >>> _described({"parameters": {"cfg": "Config(L=8)", "T": 1.5, "x": float("nan")}})
    ['cfg', 'x']
    """
    parameters = info.get("parameters")
    if type(parameters) is not dict:
        return []
    return [
        str(name)
        for name, value in parameters.items()
        if type(value) not in _HELD or value != value  # (NaN: not equal to itself)
    ]


def _is_stored_call(info: Any) -> bool:
    """Whether ``info`` is the record of a stored call's result (a function's or a
    block's, status ok), whose value section a value digest covers."""
    return (
        type(info) is dict
        and record_text(info, "status", "ok") == "ok"  # (an array there: no truth)
        and type(info.get("function")) is str
        and type(info.get("key")) is str
        and type(info.get("parameters")) is dict
    )


def _kept_aside(folder: str) -> list[str]:
    """The folders of the store's ``.damaged/`` (none if it is not a real directory)."""
    kept = os.path.join(folder, DAMAGED_DIR)
    try:
        if not stat.S_ISDIR(os.lstat(kept).st_mode):
            return []  # reported as an unsafe file
        with os.scandir(kept) as it:
            return sorted(item.name for item in it if item.is_dir(follow_symlinks=False))
    except OSError as err:  # none (a failing disk raises: told, not hidden)
        _raise_read_failure(err, kept)
        return []


def repair(
    path: str | os.PathLike[str],
    *,
    timeout: float = 60,
    safe: bool = False,
    allow: Iterable[str] = (),
    rekey: Callable[[Any], str] | None = None,
) -> VerifyReport:
    """Remove leftovers of crashed writers and orphaned data files; never an entry.

    Runs under the store lock (waiting up to ``timeout`` seconds, then
    :class:`~archived.errors.LockTimeout`).  Returns the report of a :func:`verify` run
    afterwards (``safe``, ``allow`` and ``rekey`` as there), with ``removed`` listing the deleted
    files; damaged entries and unsafe files are only reported.  Every name is checked
    before anything is deleted (:mod:`archived.store.storefiles`).

    >>> import os, tempfile
    >>> from archived.store.dataset import DataSet
    >>> ds = DataSet('s', 'w', path=tempfile.mkdtemp())
    >>> ds.x = 1
    >>> open(os.path.join(ds._path, 'x.0a1b2c-1-0a1b2c3d.h5'), 'wb').close()
    >>> repair(ds._path, safe=True).removed
    ['x.0a1b2c-1-0a1b2c3d.h5']
    >>> verify(ds._path).ok
    True
    """
    folder = _store_folder(path)
    # the store's own kind of lock: writers of the other kind would not be excluded
    soft = recorded_locking(folder) == "soft"
    gone: list[str] = []  # the files taken out so far: a read error after says so
    try:
        swept = _repair(folder, timeout, soft, gone)
        final = verify(folder, safe=safe, allow=allow, rekey=rekey)
    except StoreReadError as err:
        if not gone:
            raise
        # (its own words, "nothing was changed", were untrue of a store repaired)
        done = (
            f"repair had removed {len(gone)} leftover or orphaned file(s) before it "
            f"({', '.join(sorted(gone)[:3])}{' ...' if len(gone) > 3 else ''}); no entry "
            "was changed"
        )
        raise StoreReadError(err.path, err.reason, err.errno, entry=err.entry, done=done) from err
    final.removed = sorted(set(gone))
    final.backed_up = sorted(swept.backed_up)
    return final


def _repair(folder: str, timeout: float, soft: bool, gone: list[str]) -> Swept:
    """:func:`repair`'s removals, under the store lock: the leftovers of killed writers
    and the orphaned data files, each appended to ``gone`` once removed; the sweep of
    the leftovers returned."""
    with StoreLock(os.path.join(folder, ".lock"), timeout, soft=soft):
        swept = sweep_leftovers(folder, lock_proof=not soft)  # as a writer opening it
        gone.extend(swept)
        listing = store_files(folder)
        referenced: set[str] = set()
        unreadable: set[str] = set()
        report = VerifyReport(folder)
        for name in entries.entry_names(folder):
            report.entries.append(name)
            try:
                files = _header_files(folder, name)
            except DamagedEntryError:
                unreadable.add(name)  # reported by the verify below
                continue
            referenced.update(files)
            if not all(_is_data_file_of(folder, name, f) for f in files):
                unreadable.add(name)  # damaged in a file's name: its own may be among ours
        _classify(folder, listing, referenced, unreadable, report)
        for f in report.orphans:
            if _removed(folder, f, "data"):
                gone.append(f)
        for f in report.leftovers:
            if _removed(folder, f, _kind(f)):
                gone.append(f)
    return swept


# --------------------------------------------------------------------------- helpers


def _removed(folder: str, name: str, kind: str) -> bool:
    """:func:`remove_file`, a removal the system refuses (a failing disk, no permission)
    told in a warning: the file stays, reported by the verify after it, and repair goes
    on with the others (it raised a bare OSError naming no store)."""
    try:
        return remove_file(folder, name, kind)
    except OSError as err:
        warnings.warn(
            f"could not remove {os.path.join(folder, name)!r} ({err.strerror or err}): it "
            "stays in the store; run repair again once the disk works",
            UnsafeFileWarning,
            stacklevel=3,
        )
        return False


def _store_folder(path: str | os.PathLike[str]) -> str:
    folder = os.fspath(path)
    init = os.path.join(folder, "__init__.py")
    try:
        is_store = stat.S_ISREG(os.stat(init).st_mode)
    except OSError as err:  # a failing disk is told, never "no store there"
        _raise_read_failure(err, init)
        is_store = False
    if not is_store:
        raise StoreNotFoundError(folder, advice="")  # (mode='w' is no option of verify)
    if is_persist_store(folder):  # its entries have no header: all would look damaged
        raise ReadOnlyError(
            f"{folder!r} is a persist DataSet: verify and repair check stores written by "
            "archived; open it read-only with DataSet(name, path=...) and copy its entries "
            "into an archived store to check them"
        )
    return folder


def _check_entry(
    folder: str,
    name: str,
    options: dict[str, Any] | None,
    referenced: set[str],
    advised: dict[str, str],
    infos: dict[str, Any] | None = None,
    edited: dict[str, bool | None] | None = None,
    no_array_digest: set[str] | None = None,
    unchecked: list[str] | None = None,
) -> str | None:
    """Why entry ``name`` cannot be read back, or None; adds its data files to referenced,
    to ``advised`` the module whose ``allow=`` a safe load refusing it advised, to
    ``infos`` its info as it loaded, to ``edited`` whether its value was edited by
    hand (None: its record holds no value digest), and its name to ``no_array_digest``
    if its value loaded arrays of data files with no digest to check them by: those the
    caller's :func:`~archived.engine.arraydigest.counting_unchecked` scope adds to its
    list ``unchecked`` (given with ``no_array_digest``).

    The entry file is read once and both its sections decoded from that text.  A
    problem seen while a writer replaced the entry (its old data files deleted under
    the reader) is no damage: the entry is checked again, up to a few times.
    """
    problem = None
    for _ in range(_RETRIES):
        advised.pop(name, None)  # (of a version read before: this one may advise none)
        if no_array_digest is not None:
            no_array_digest.discard(name)  # (of a version read before)
        problem, before = _entry_problem(
            folder, name, options, referenced, advised, infos, edited, no_array_digest, unchecked
        )
        if problem is None or _raw_bytes(folder, name) == before:
            return problem
    return problem


def _raw_bytes(folder: str, name: str) -> bytes | str | None:
    try:
        read = entries.read_entry_bytes(folder, name)  # no links, no FIFOs
    except DamagedEntryError as err:
        return str(err)
    return None if read is None else read[0]


def _entry_problem(
    folder: str,
    name: str,
    options: dict[str, Any] | None,
    referenced: set[str],
    advised: dict[str, str],
    infos: dict[str, Any] | None = None,
    edited: dict[str, bool | None] | None = None,
    no_array_digest: set[str] | None = None,
    unchecked: list[str] | None = None,
) -> tuple[str | None, bytes | str | None]:
    """Why entry ``name`` cannot be read back (or None), and the bytes it was read from;
    its info, as it loaded, into ``infos``, and whether its value was edited into
    ``edited`` (see :func:`_check_entry`)."""
    try:
        read = entries.read_entry_bytes(folder, name)
    except DamagedEntryError as err:
        return f"{_HEADER_PROBLEM}: {err}", str(err)
    if read is None:
        return None, None  # deleted while we looked: not damaged
    data = read[0]
    try:
        text = entries.entry_text(name, data)
        files = entries.header_files(name, text)
    except Exception as err:
        return f"{_HEADER_PROBLEM}: {err}", data
    referenced.update(f for f in files if isinstance(f, str))
    for f in files:
        try:
            # (another entry's data file too: a copy of its entry file made by hand reads it)
            path = checked_path(folder, f, "data")
        except UnsafeFileError as err:
            _raise_read_failure(err.__cause__, os.path.join(folder, str(f)))
            return f"{_FILE_PROBLEMS[0]}{f!r:.200}, which is not its data file: {err.reason}", data
        if not _lexists(path):
            return f"{_FILE_PROBLEMS[1]}{f!r} is missing{_moved_aside(folder, name, f)}", data
    try:
        info_src, value_src = entries.section_sources(name, text)  # (its header read above)
    except Exception as err:
        return f"its info does not load: {err}", data
    lines = {"info": entries.INFO_LINE, "value": entries.value_line(text, value_src)}
    for what, src, var in (("info", info_src, "info"), ("value", value_src, name)):
        seen = 0 if unchecked is None else len(unchecked)
        try:
            loaded = entries.decode_section(
                name, src, var, folder, options, once=True, first_line=lines[what]
            )
            if no_array_digest is not None and unchecked is not None and len(unchecked) > seen:
                no_array_digest.add(name)
            if what == "info" and infos is not None:
                infos[name] = loaded
        except MissingImportError as err:
            return f"{_MISSING_IMPORT}{err.reason}", data
        except UnsafeArchiveError as err:  # a pickle is no damage, a planted call may be
            if err.allow is not None:
                advised[name] = err.allow
            return f"{_REFUSED}its {what} is refused by a safe load: {err}", data
        except Exception as err:
            _raise_read_failure(err, os.path.join(folder, name + ".py"))
            return f"its {what} does not load: {err}", data
    if edited is not None:
        recorded = valuedigest.recorded(info_src)  # (found once: edited() finds it again)
        edited[name] = None if recorded is None else valuedigest.digest(value_src) != recorded
    return None, data


def _raise_read_failure(err: BaseException | None, path: str) -> None:
    """Raise ``err`` as a :class:`~archived.errors.StoreReadError` if it is a failing
    disk's or system's (EIO reading a data file): no damage, and a report calling it
    damage leads a person, or a call, to set a good entry aside."""
    if isinstance(err, StoreReadError):
        raise err
    if isinstance(err, OSError) and is_read_failure(err):
        raise StoreReadError.of(err, path) from err


def _lexists(path: str) -> bool:
    """``os.path.lexists``, but a failing disk raises (not "missing": damage)."""
    try:
        os.lstat(path)
    except OSError as err:
        _raise_read_failure(err, path)
        return False
    return True


def _moved_aside(folder: str, name: str, file: str) -> str:
    """Where the missing data file ``file`` of entry ``name`` went, if a set-aside of the
    entry was cut short after it moved the file into ``.damaged/`` (a crash, a kill, a
    failed rename of the entry file): words to add to "is missing", or ``""``."""
    for kept in reversed(_kept_aside(folder)):  # newest first
        if not kept.startswith(name + "."):
            continue
        try:
            mode = os.lstat(os.path.join(folder, DAMAGED_DIR, kept, file)).st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode):
            return (
                f": it is in {DAMAGED_DIR}/{kept}/, where a set-aside of this entry was cut "
                "short (the next call that finds the entry damaged moves its entry file "
                "there too)"
            )
    return ""


def _header_files(folder: str, name: str) -> list[str]:
    text = entries.read_entry_text(folder, name)
    return [] if text is None else entries.header_files(name, text)


def _is_data_file_of(folder: str, name: str, file: str) -> bool:
    """Whether ``file``, listed by entry ``name``'s header, is a data file of the store
    that exists (its own, or another entry's that a copy made by hand reads; else the
    entry is damaged: :func:`_entry_problem` says so)."""
    try:
        return os.path.lexists(checked_path(folder, file, "data"))
    except UnsafeFileError:
        return False


def _kind(name: str) -> str:
    """The kind of store file ``name`` is (a key of SHAPES), ``'data'`` by default."""
    for kind in ("tmp", "drop", "claim"):
        if SHAPES[kind].fullmatch(name):
            return kind
    return "data"


def _unsafe_files(folder: str) -> dict[str, str]:
    """Files named like store files that are not what such a file must be, and why."""
    found = {}
    with os.scandir(folder) as it:
        for item in it:
            try:
                if item.name not in SUBDIRS and item.is_file(follow_symlinks=False):
                    continue  # a regular file, as the listing says: no lstat of each entry
                mode = item.stat(follow_symlinks=False).st_mode
            except OSError as err:
                _raise_read_failure(err, item.path)
                continue  # gone meanwhile
            if item.name in SUBDIRS:
                if not stat.S_ISDIR(mode):
                    found[item.name] = f"{file_kind(mode)} where the store's directory belongs"
                continue
            if stat.S_ISREG(mode):
                continue
            kind = next((k for k, shape in SHAPES.items() if shape.fullmatch(item.name)), None)
            if kind is None or (kind == "claim" and stat.S_ISLNK(mode)):
                continue
            if kind == "entry" and stat.S_ISLNK(mode):
                continue  # reported as a damaged entry
            found[item.name] = f"{file_kind(mode)} where a {kind} file belongs"
    return found


def _classify(
    folder: str,
    listing: list[os.DirEntry[str]],
    referenced: set[str],
    unreadable: set[str],
    report: VerifyReport,
) -> None:
    """Sort the files listed *before* the entries were read into orphans and leftovers.

    A data file committed after the listing is referenced by an entry read after it; a
    data file being written has its writer's ``.tmp`` in the listing.  The old data files
    of an entry replaced while the entries were read are listed in its writer's ``.drop``
    file until they are deleted, so a second look at the directory (after the entries
    were read) tells them apart.  A data file is an orphan only if no entry refers to it,
    no writer owns or is dropping it, and it still exists.  Data files named after an
    entry whose header is unreadable, or lists a data file that is missing or is no plain
    name of the store (its header damaged in that name), are kept: they may be its own;
    so are those of an entry whose file is not a regular file (a FIFO or a directory where
    it belongs, reported as unsafe and left untouched: what it holds is not known), and
    those the header line of any entry names, parsed or not
    (:func:`~archived.store.datarefs.listed_elsewhere`: every one, if an entry file
    cannot be read).
    """
    live, gone, pending = _writers(listing, report)
    candidates = []
    for item in listing:
        m = DATA_FILE.fullmatch(item.name)
        if m is None or item.name in referenced:
            continue
        if not item.is_file(follow_symlinks=False):
            continue  # a link named like a data file: reported as unsafe, never touched
        if m["token"] in live or item.name in pending:
            report.in_progress.append(item.name)
        elif m["name"] in unreadable:
            continue  # may be its damaged entry's own
        elif m["token"] in gone:
            report.leftovers.append(item.name)
        else:
            candidates.append(item.name)
    if candidates:
        live2, _, pending2 = _writers(store_files(folder), None)
        # a header the store cannot parse (a hand edit gone wrong, which a person may
        # mend) naming it, or an entry file that cannot be read: it stays, as the drop of
        # a deleted entry kept it (datarefs)
        named = listed_elsewhere(folder, candidates)
        for name in candidates:
            m = DATA_FILE.fullmatch(name)
            assert m is not None
            if name in pending2 or m["token"] in live2:
                report.in_progress.append(name)
            elif _special_entry(folder, m["name"]) or name in named:
                continue  # its entry's file is a FIFO or a directory, or a header names it
            elif os.path.lexists(os.path.join(folder, name)):  # not dropped meanwhile
                report.orphans.append(name)
    report.orphans.sort()
    report.leftovers.sort()
    report.in_progress.sort()


def _special_entry(folder: str, name: str) -> bool:
    """Whether entry ``name``'s file is there but not a regular file (nor a link, which
    is read as a damaged entry)."""
    try:
        mode = os.lstat(os.path.join(folder, name + ".py")).st_mode
    except OSError:
        return False
    return not is_file_or_link(mode)


def _some(names: list[str]) -> str:
    """The first three of ``names`` and how many more, for a line of many alike.

    >>> _some(["a", "b"]), _some(["a", "b", "c", "d", "e"])
    ('a, b', 'a, b, c and 2 more')
    """
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if names[3:] else "")


def _writers(
    listing: list[os.DirEntry[str]], report: VerifyReport | None
) -> tuple[set[str], set[str], set[str]]:
    """Tokens of live and gone writers, and the data files live writers are dropping."""
    live: set[str] = set()
    gone: set[str] = set()
    pending: set[str] = set()
    for writer in writer_files(listing):
        if writer.gone:
            gone.add(writer.token)
            if report is not None:
                report.leftovers.append(writer.item.name)
            continue
        live.add(writer.token)
        if report is not None:
            report.in_progress.append(writer.item.name)
        if writer.kind == "drop":  # old data files the writer is about to delete or back up
            pending.update(read_drop_list(os.path.dirname(writer.item.path), writer.item.name))
    return live, gone, pending
