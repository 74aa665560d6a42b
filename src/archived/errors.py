"""The exception hierarchy of ``archived``: every error the library raises on purpose.

All classes derive from :class:`ArchiveError`.  Leaves that correspond to a built-in
error a Python user would expect also derive from it (a read-only store refusing a write
is a ``ValueError``, a lock timeout a ``TimeoutError``, ...), so ``except ValueError``
keeps working.

Every exception pickles and unpickles with its message and attributes intact, because
errors raised in joblib workers cross process boundaries:

>>> import pickle
>>> err = DuplicateError("x")
>>> again = pickle.loads(pickle.dumps(err))
>>> type(again) is DuplicateError, again.name, str(again) == str(err)
(True, 'x', True)
"""

from __future__ import annotations

import errno
import os
import re
from typing import Any, TypeGuard

__all__ = [
    "ArchiveError",
    "DuplicateError",
    "CycleError",
    "UnarchivableError",
    "InvalidNameError",
    "InvalidOptionError",
    "UnsafeArchiveError",
    "BudgetExceededError",
    "BesideStoreError",
    "ReadOnlyError",
    "StoreNotFoundError",
    "StorePathError",
    "DamagedEntryError",
    "DamagedArrayError",
    "StoreReadError",
    "EntryDeletedError",
    "EntryChangedError",
    "ResultNotSetError",
    "LockTimeout",
    "LockingKindError",
    "LockFileError",
    "OutputFileError",
    "CommitError",
    "AfterCommitError",
    "DiskFullError",
    "CommitPermissionError",
    "CommitTimeout",
    "UnkeyableArgumentError",
    "CodeChangedError",
    "ResultNotStoredWarning",
    "DamagedEntryWarning",
    "EditedEntryWarning",
    "PickleWarning",
    "NumericTypeWarning",
    "StaleVersionWarning",
    "MovedFunctionWarning",
    "MovedBlockWarning",
    "AddedParameterWarning",
    "BlockInputWarning",
    "StorePathWarning",
    "MissingImportError",
    "UnsafeFileError",
    "UnsafeFileWarning",
    "is_read_failure",
]


def _rebuild(
    cls: type[ArchiveError], message: str, attrs: dict[str, Any], code: int | None = None
) -> ArchiveError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(attrs)
    if code is not None:
        err.errno = code  # type: ignore[attr-defined]  # an OSError's, not in __dict__
    return err


class ArchiveError(Exception):
    """Base class of every error raised by ``archived``.

    >>> raise ArchiveError("something went wrong")
    Traceback (most recent call last):
        ...
    archived.errors.ArchiveError: something went wrong
    """

    def __reduce__(self) -> tuple[Any, ...]:
        message = self.args[0] if self.args else ""
        code = getattr(self, "errno", None) if isinstance(self, OSError) else None
        return (_rebuild, (type(self), message, dict(self.__dict__), code))


class DuplicateError(ArchiveError, ValueError):
    """A name is already present in an archive or store.

    >>> str(DuplicateError("x"))
    "name 'x' is already in the archive; choose another name"
    """

    def __init__(self, name: str, where: str = "the archive") -> None:
        self.name = name
        super().__init__(f"name {name!r} is already in {where}; choose another name")


class CycleError(ArchiveError, ValueError):
    """The object graph contains a reference cycle, which an archive cannot express.

    >>> str(CycleError(["l", "l[0]", "l[0][0]"]))
    'Archive contains cyclic dependencies: l -> l[0] -> l[0][0] (break the cycle ...)'
    """

    def __init__(self, path: list[str]) -> None:
        self.path = list(path)
        chain = " -> ".join(self.path)
        super().__init__(
            f"Archive contains cyclic dependencies: {chain} (break the cycle or give the "
            "object an archive_1() method that rebuilds it through its constructor)"
        )


class UnarchivableError(ArchiveError, TypeError):
    """An object can be neither represented as source nor pickled.

    >>> str(UnarchivableError("generator", "x[2]", "cannot pickle"))
    "cannot archive object of type 'generator' at x[2]: cannot pickle"
    """

    def __init__(self, type_name: str, path: str, reason: str = "") -> None:
        self.type_name = type_name
        self.path = path
        self.reason = reason
        tail = f": {reason}" if reason else ""
        super().__init__(f"cannot archive object of type {type_name!r} at {path}{tail}")


class InvalidNameError(ArchiveError, ValueError):
    """A name that cannot be used for an archive variable or a store entry.

    >>> str(InvalidNameError("1x", "not a Python identifier"))
    "invalid name '1x': not a Python identifier"
    """

    def __init__(self, name: object, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid name {name!r}: {reason}")


class InvalidOptionError(ArchiveError, ValueError):
    """An option was given a value it does not take (``mode='a'``, ``locking='nfs'``).

    >>> str(InvalidOptionError("mode", "a", ("r", "w")))
    "invalid mode='a': expected one of 'r', 'w'"
    """

    def __init__(self, option: str, value: object, allowed: tuple[object, ...]) -> None:
        self.option = option
        self.value = value
        self.allowed = tuple(allowed)
        choices = ", ".join(repr(a) for a in self.allowed)
        super().__init__(f"invalid {option}={value!r}: expected one of {choices}")


class UnsafeArchiveError(ArchiveError, ValueError):
    """A safe load met a construct outside the grammar ``archived`` writes.

    ``allow``: the module whose ``allow=`` the refusal advises (a module of the user's
    own that the load would import), or None.  Whoever repeats that advice (the command
    line, ``verify``) reads it here, never from the message: the message quotes text of
    the store (a string a constructor refused), which can spell any advice.

    >>> str(UnsafeArchiveError(3, "call of 'open'"))
    "unsafe archive: line 3: call of 'open' is not allowed in a safe load"
    >>> UnsafeArchiveError(1, "import of module 'models'", allow="models").at_line(4).allow
    'models'
    """

    def __init__(self, line: int | None, construct: str, *, allow: str | None = None) -> None:
        self.line = line
        self.construct = construct
        self.allow = allow
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"unsafe archive: {where}{construct} is not allowed in a safe load")

    def at_line(self, line: int) -> UnsafeArchiveError:
        """The same refusal, naming ``line`` of the source.

        >>> str(UnsafeArchiveError(None, "call of 'open'").at_line(2))
        "unsafe archive: line 2: call of 'open' is not allowed in a safe load"
        """
        return UnsafeArchiveError(line, self.construct, allow=self.allow)


class BesideStoreError(UnsafeArchiveError):
    """A safe load would import a module found beside the store it reads: in the folder
    holding the store, where a store someone sent brings files of its own (a
    ``pandas.py`` that runs when a DataFrame is rebuilt).  ``allow=[module]`` lets it,
    unless the file is named as an installed module (``shadows``: that module's file),
    which is never the user's own; ``workdir``: the folder is the working directory, where
    ``python -c``, a script or a notebook finds modules first; ``data``: ``store`` is a
    data folder that is no store, the file lies in it or in the folder holding it.

    >>> err = BesideStoreError("labmodels", "/got/labmodels.py", "/got/runs")
    >>> print(err)  # doctest: +NORMALIZE_WHITESPACE
    unsafe archive: import of module 'labmodels' (its file '/got/labmodels.py' lies beside
    the archived store '/got/runs', where a store someone sent brings files of its own; if
    it is your own module and you trust its code, pass allow=['labmodels']) is not allowed
    in a safe load
    >>> err.module, err.file, isinstance(err, UnsafeArchiveError)
    ('labmodels', '/got/labmodels.py', True)
    >>> print(BesideStoreError("pandas", "/got/pandas.py", "/got/runs",
    ...     shadows="/venv/pandas/__init__.py"))  # doctest: +NORMALIZE_WHITESPACE
    unsafe archive: import of module 'pandas' (its file '/got/pandas.py' lies beside the
    archived store '/got/runs', where a store someone sent brings files of its own; the
    installed module 'pandas' is '/venv/pandas/__init__.py': a file of that name beside the
    store is no module of yours, move it out of that folder) is not allowed in a safe load
    """

    def __init__(
        self,
        module: str,
        file: str,
        store: str,
        line: int | None = None,
        *,
        shadows: str | None = None,
        workdir: bool = False,
        data: bool = False,
    ) -> None:
        self.module, self.file, self.store = module, file, store
        self.shadows, self.workdir, self.data = shadows, workdir, data
        if workdir:
            where = (
                f"lies in the working directory {store!r}, searched first for modules by "
                "python -c, a script or a notebook"
            )
        elif data:
            where = f"lies in or beside the data folder {store!r}"
        else:
            where = f"lies beside the archived store {store!r}"
        advice = (
            f"the installed module {module!r} is {shadows!r}: a file of that name beside "
            "the store is no module of yours, move it out of that folder"
            if shadows is not None
            else f"if it is your own module and you trust its code, pass allow=[{module!r}]"
        )
        super().__init__(
            line,
            f"import of module {module!r} (its file {file!r} {where}, where a store "
            f"someone sent brings files of its own; {advice})",
            allow=module if shadows is None else None,
        )

    def at_line(self, line: int) -> BesideStoreError:
        """The same refusal, naming ``line`` of the source."""
        return BesideStoreError(
            self.module,
            self.file,
            self.store,
            line,
            shadows=self.shadows,
            workdir=self.workdir,
            data=self.data,
        )


class BudgetExceededError(UnsafeArchiveError):
    """A safe load would do more work than one of its budgets allows.

    ``budget`` names it (``'max_bytes'``, ``'max_elements'``, ``'max_depth'`` or
    ``'max_digits'``); the message says how to raise it.

    >>> err = BudgetExceededError(None, "a list of 9 elements (more than max_elements=8)",
    ...     "max_elements")
    >>> err.budget, isinstance(err, UnsafeArchiveError)
    ('max_elements', True)
    """

    def __init__(self, line: int | None, construct: str, budget: str) -> None:
        self.budget = budget
        super().__init__(line, construct)

    def at_line(self, line: int) -> BudgetExceededError:
        return BudgetExceededError(line, self.construct, self.budget)


class ReadOnlyError(ArchiveError, ValueError):
    """A write was attempted on a store opened read-only.

    >>> str(ReadOnlyError())
    'DataSet opened in read-only mode.'
    """

    def __init__(self, message: str = "DataSet opened in read-only mode.") -> None:
        super().__init__(message)


class StoreNotFoundError(ArchiveError, FileNotFoundError, ValueError):
    """A store that does not exist was opened for reading.

    It is a ``FileNotFoundError``, and a ``ValueError`` as persist raised, so code
    written for either catches it.

    >>> str(StoreNotFoundError("/tmp/nowhere"))
    "no DataSet at '/tmp/nowhere' (open it with mode='w' to create it)"
    >>> issubclass(StoreNotFoundError, ValueError), issubclass(StoreNotFoundError, OSError)
    (True, True)
    """

    def __init__(self, path: str, advice: str = "open it with mode='w' to create it") -> None:
        self.path = path
        super().__init__(f"no DataSet at {path!r}" + (f" ({advice})" if advice else ""))


class StorePathError(ArchiveError, NotADirectoryError):
    """A store cannot be made at a path because one of its folders is a file.

    >>> print(StorePathError("/data/results.csv/runs", "/data/results.csv"))
    cannot make the store '/data/results.csv/runs': '/data/results.csv' is a file, not a \
folder; give a store path whose folders are folders (or none yet)
    """

    def __init__(self, path: str, blocker: str) -> None:
        self.path = path
        self.blocker = blocker
        super().__init__(
            f"cannot make the store {path!r}: {blocker!r} is a file, not a folder; give a "
            "store path whose folders are folders (or none yet)"
        )
        self.errno = errno.ENOTDIR

    def __str__(self) -> str:  # OSError's would show an errno and no message
        return str(self.args[0]) if self.args else ""


class DamagedEntryError(ArchiveError, OSError):
    """An entry of a store could not be read back (truncated data, broken source).

    >>> str(DamagedEntryError("x_3", "truncated HDF5 file"))
    "entry 'x_3' is damaged: truncated HDF5 file"
    """

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"entry {name!r} is damaged: {reason}")


class StoreReadError(ArchiveError, OSError):
    """A file of a store could not be read for a reason outside the file itself: the
    disk failed (EIO), a network file system lost its server, the system denied it or
    ran out of memory or descriptors.  This is no damage: nothing was set aside, deleted
    or written over because of it, and reading again may succeed.

    Attributes: ``path`` (the file), ``entry`` (the entry it belongs to, or None),
    ``reason``, ``done`` (what the operation had changed before it, said in the message
    in place of "nothing was changed"; None: nothing); ``errno`` is the system's error
    number, as on any ``OSError``.

    >>> import errno
    >>> err = StoreReadError("/s/x.py", "[Errno 5] Input/output error", errno.EIO, entry="x")
    >>> print(err)
    could not read entry 'x' ('/s/x.py'): [Errno 5] Input/output error; nothing was \
changed (a read error is not damage: the file stays as it is). Check the disk or file \
system, then try again
    >>> err.errno == errno.EIO, isinstance(err, OSError)
    (True, True)
    """

    def __init__(
        self,
        path: str,
        reason: str,
        code: int | None = None,
        *,
        entry: str | None = None,
        done: str | None = None,
    ) -> None:
        self.path = path
        self.entry = entry
        self.reason = reason
        self.done = done  # what the operation had changed before it (None: nothing)
        what = f"entry {entry!r} ({path!r})" if entry else repr(path)
        changed = done or "nothing was changed"
        ArchiveError.__init__(
            self,
            f"could not read {what}: {reason}; {changed} (a read error is not damage: the "
            "file stays as it is). Check the disk or file system, then try again",
        )
        self.errno = code

    @classmethod
    def of(cls, err: OSError, path: str, *, entry: str | None = None) -> StoreReadError:
        """The read error ``err`` (from reading ``path``) in the library's words.

        >>> import errno
        >>> StoreReadError.of(OSError(errno.EIO, "Input/output error"), "/s/x.py").errno
        5
        """
        reason = f"[Errno {err.errno}] {err.strerror}" if err.strerror else str(err)
        return cls(path, reason, err.errno, entry=entry)


# The errors of a read that say the disk, the file system or the system failed, not that
# the file read is damaged (a link or a special file in its place is damage, told apart
# by the callers' own checks; a missing file is no entry).
_READ_FAILURES = frozenset(
    code
    for code in (
        getattr(errno, name, None)
        for name in (
            "EIO", "EACCES", "EPERM", "ENOMEM", "ETIMEDOUT", "ESTALE", "EAGAIN", "EINTR",
            "EMFILE", "ENFILE", "ENOLINK", "EREMOTEIO", "ECONNRESET", "ECONNABORTED",
            "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "ENETDOWN", "ENETUNREACH",
            "ENETRESET", "ENOTCONN", "EUCLEAN", "ENOLCK", "EBUSY", "ENOBUFS",
        )
    )
    if code is not None
)  # fmt: skip


def is_read_failure(err: BaseException | None) -> TypeGuard[OSError]:
    """Whether ``err``, raised reading a store's file, is a failure of the disk or the
    system (EIO, a lost server, no permission, ...) rather than a sign of a missing or
    damaged file: a reader must then report it (:class:`StoreReadError`), never take
    the file for absent (and write over it) or for damaged (and set it aside).

    >>> import errno
    >>> is_read_failure(OSError(errno.EIO, "x")), is_read_failure(FileNotFoundError())
    (True, False)
    >>> is_read_failure(StoreReadError("/s/x.py", "EIO"))
    True
    """
    if isinstance(err, StoreReadError):
        return True
    return (
        isinstance(err, OSError)
        and not isinstance(err, ArchiveError)
        and (err.errno in _READ_FAILURES)
    )


class EntryDeletedError(ArchiveError, KeyError, AttributeError):
    """A handle of an entry (a lazy sweep result, a stored call, an imported store's
    ``_info_dict`` record) was used after its entry was deleted from the store.

    It is a ``KeyError`` and an ``AttributeError``, which the handles raised before, so
    code catching either keeps working; unlike them it says what happened.

    >>> str(EntryDeletedError("f_3", "/data/runs"))
    "entry 'f_3' was deleted from '/data/runs' after this handle was made (a prune, a \
clear() or another program removed it); a cached call computes it again when called"
    >>> issubclass(EntryDeletedError, KeyError), issubclass(EntryDeletedError, AttributeError)
    (True, True)
    """

    def __init__(self, name: str, path: str) -> None:
        self.entry = name  # not .name: AttributeError keeps that out of __dict__ (pickling)
        self.path = path
        super().__init__(
            f"entry {name!r} was deleted from {path!r} after this handle was made (a prune, "
            "a clear() or another program removed it); a cached call computes it again when "
            "called"
        )

    def __str__(self) -> str:  # KeyError's would quote the message as a key
        return str(self.args[0]) if self.args else ""


class EntryChangedError(ArchiveError, KeyError, AttributeError):
    """An entry was rewritten after a view of it was made (a listed call, a row of the
    store's index): what the view kept of the old version (its parameters, its record)
    must not be paired with what the new version holds, so the new one is not read
    through it.  Tables and hits read the new version again whole; a stored call of
    ``where()`` raises this when its entry now holds another call.

    A ``KeyError`` and an ``AttributeError``, as :class:`EntryDeletedError`: code that
    takes the entry for gone never mixes two versions.

    >>> str(EntryChangedError("f_3", "/data/runs"))
    "entry 'f_3' of '/data/runs' was rewritten after this handle was made: list the \
calls again to read its new version"
    >>> issubclass(EntryChangedError, KeyError), issubclass(EntryChangedError, AttributeError)
    (True, True)
    """

    def __init__(self, name: str, path: str) -> None:
        self.entry = name  # not .name: AttributeError keeps that out of __dict__ (pickling)
        self.path = path
        super().__init__(
            f"entry {name!r} of {path!r} was rewritten after this handle was made: list the "
            "calls again to read its new version"
        )

    def __str__(self) -> str:  # KeyError's would quote the message as a key
        return str(self.args[0]) if self.args else ""


class ResultNotSetError(ArchiveError, ValueError):
    """A ``with archived(path, **parameters) as rec:`` block that computed (its result was
    not stored) ended without setting ``rec.result``: nothing was recorded.

    >>> print(ResultNotSetError("block:exp.<module>@12"))
    the block block:exp.<module>@12 ended without setting rec.result, so nothing was \
recorded: assign what it computed to rec.result inside the block, under 'if not rec.cached:' \
(rec.result = value; a block whose result is None sets rec.result = None)
    """

    def __init__(self, block: str) -> None:
        self.block = block
        super().__init__(
            f"the block {block} ended without setting rec.result, so nothing was recorded: "
            "assign what it computed to rec.result inside the block, under 'if not "
            "rec.cached:' (rec.result = value; a block whose result is None sets "
            "rec.result = None)"
        )


class MissingImportError(DamagedEntryError):
    """An intact entry names a module or class that cannot be imported in this program.

    The entry is not damaged: install (or restore) that module, or edit the import line
    of the entry file (a stored call's entry so edited loads, but its value is then one
    edited by hand: never a hit; keeping the old name importable keeps it one).  Still
    a :class:`DamagedEntryError`, since its value cannot be read back here; ``verify``,
    ``show`` and a DataSet's read leave it in place and ``verify`` lists it apart from
    damage.  A call of an ``@archived`` function (or a
    ``with`` block) whose stored result it is moves it to the store's ``.damaged/``
    folder, as it does a damaged entry, and computes the result again: its
    :class:`DamagedEntryWarning` (:meth:`moved_advice`) says where the entry is now, how
    to keep the store's other such entries from being moved too (make what they import
    importable: for a renamed class, keep its old name, ``Run = Trial`` in its module)
    and how to bring this one back.

    >>> print(MissingImportError("x", "mymod", "cannot import name 'Run' from 'mymod'"))
    entry 'x' cannot be loaded here: it needs mymod (cannot import name 'Run' from \
'mymod'); for a class renamed since, keep its old name too (`Run = NewName` in mymod), \
which makes every such entry load as stored; else install or restore mymod; or edit the \
import line of the entry file to read it (a stored call's value so edited is one edited \
by hand: no hit, and left out of its function's table)
    >>> print(MissingImportError("x", "lab.sim", "No module named 'lab'"))
    entry 'x' cannot be loaded here: it needs lab.sim (No module named 'lab'); \
make it importable: put the folder holding lab/sim.py on sys.path (or install it), or, for \
a module renamed since, keep a module lab.sim that imports the names of its new one \
(`from new_name import *` in lab/sim.py); or edit the import line of the entry file to \
read it (a stored call's value so edited is one edited by hand: no hit, and left out of \
its function's table)
    """

    def __init__(
        self, name: str, module: str | None, error: str, store: str | None = None
    ) -> None:
        self.name = name
        self.module = module
        if module and store:
            # the program imported a store under the name of the module its entries need
            # (a store named after the module whose results it keeps): installing
            # nothing helps, a program that has not imported the store that way does
            parent, folder = os.path.split(store)
            self.reason = (
                f"it needs the module {module} ({error}), and {module} in this program "
                f"is the store {store}, imported under that name in place of the module: "
                f"read the store with archived.DataSet({folder!r}, path={parent!r}) in a "
                f"program that has not imported it as {module}, or rename its folder to "
                f"{folder}_results (nothing in the store names it; a bare @archived finds "
                "it there, a path given to @archived must change with it) and import it "
                f"as {folder}_results"
            )
        elif module and error.startswith("No module named"):
            # (a project moved, a script run from elsewhere, a module renamed: a year on,
            # "install or restore it" named no step a user could take)
            self.reason = (
                f"it needs {module} ({error}); make it importable: put the "
                f"folder holding {module.replace('.', '/')}.py on sys.path (or install it), "
                f"or, for a module renamed since, keep a module {module} that imports the "
                f"names of its new one (`from new_name import *` in "
                f"{module.replace('.', '/')}.py); {_EDIT_TO_READ}"
            )
        elif module and _renamed(error):
            # a class renamed since: "install or restore it" named no step, and the
            # entry's import line edited by hand makes a stored call's value an edit
            self.reason = (
                f"it needs {module} ({error}); for a class renamed since, keep its old name "
                f"too ({_alias(error, module)}), which makes every such entry load as "
                f"stored; else install or restore {module}; {_EDIT_TO_READ}"
            )
        else:
            self.reason = (
                f"it needs {module or 'a module or class'} ({error}); install or restore "
                f"it; {_EDIT_TO_READ}"
            )
        ArchiveError.__init__(self, f"entry {name!r} cannot be loaded here: {self.reason}")
        self.error = error

    def moved_advice(self, kept: str) -> str:
        """The warning of a call that moved this entry to the folder ``kept`` and
        computes its result again: where it is, and what to do, now the entry file is
        no longer in the store.

        >>> err = MissingImportError("f_1", "models", "cannot import name 'Run'")
        >>> advice = err.moved_advice("/s/.damaged/f_1.T")
        >>> print(advice[:advice.index(". ") + 1])
        entry 'f_1' is intact but cannot be loaded here: it needs models (cannot import \
name 'Run'); it was moved to /s/.damaged/f_1.T (kept for you, with its data files) and its \
result is computed again.
        >>> "keep its old name too (`Run = NewName` in models)" in advice
        True

        An import line corrected by hand changes the value's text: the entry then holds
        a value edited by hand, which loads but is never its call's hit again.
        """
        module = self.module or "a module or class"
        return (
            f"entry {self.name!r} is intact but cannot be loaded here: it needs {module} "
            f"({self.error}); it was moved to {kept} (kept for you, with its data files) "
            f"and its result is computed again. The store's other entries that need "
            f"{module} are moved likewise when a call finds them, unless what they import "
            f"can be imported first: install or restore {module}, or, for a class renamed "
            f"since, keep its old name too ({_alias(self.error, self.module)}). To bring this "
            f"entry back once it loads, move the files of {kept} back into the store: "
            "they replace the entry computed now (correct its import line by hand only to "
            "read it: a stored value edited so is yours, never a hit again)"
        )


#: the last step of a missing import's advice: an edit of the entry for reading
_EDIT_TO_READ = (
    "or edit the import line of the entry file to read it (a stored call's value so "
    "edited is one edited by hand: no hit, and left out of its function's table)"
)


def _renamed(error: str) -> bool:
    """Whether ``error`` says a module has no longer a name (a class renamed since)."""
    return re.search(r"(?:cannot import name|Can't get attribute) '[\w.]+'", error) is not None


def _alias(error: str, module: str | None) -> str:
    """An alias line that makes the missing class of ``error`` importable again."""
    found = re.search(r"(?:cannot import name|Can't get attribute) '([\w.]+)'", error)
    old = found[1] if found else "OldName"
    return f"`{old} = NewName` in {module}" if module else f"`{old} = NewName` in its module"


class DamagedArrayError(DamagedEntryError):
    """An array stored in an HDF5 data file is missing or cannot be read back.

    >>> str(DamagedArrayError("/s/x_1.h5", "a0", "no such file"))
    "cannot read array 'a0' from '/s/x_1.h5': no such file"
    """

    def __init__(self, filename: str, key: str, reason: str) -> None:
        self.data_file = filename  # not .filename: OSError would reformat the message
        self.key = key
        self.name = f"{filename}:{key}"
        self.reason = reason
        ArchiveError.__init__(self, f"cannot read array {key!r} from {filename!r}: {reason}")


class LockTimeout(ArchiveError, TimeoutError):
    """A lock could not be acquired within the timeout.

    >>> str(LockTimeout("/data/run/.lock", 60))
    "could not lock '/data/run/.lock' within 60 s: another writer holds it"
    """

    def __init__(self, lock_file: str, timeout: float) -> None:
        self.lock_file = lock_file
        self.timeout = timeout
        super().__init__(
            f"could not lock {lock_file!r} within {timeout:g} s: another writer holds it"
        )


class LockFileError(ArchiveError, OSError):
    """A lock file of a store cannot be created, opened or locked: the system denied it,
    the store is on a read-only file system, the disk (or quota) is full, or the disk
    failed.  Nothing was changed: the command or write that needed the lock did not
    start.

    Attributes: ``lock_file`` (the file), ``reason``; ``errno`` as on any ``OSError``.

    >>> import errno
    >>> err = LockFileError("/s/.lock", "[Errno 30] Read-only file system", errno.EROFS)
    >>> print(err)
    could not lock the store with its lock file '/s/.lock': [Errno 30] Read-only file \
system; nothing was changed. The store is on a read-only file system: a change to it \
needs a writable one (reading it takes no lock)
    >>> err.errno == errno.EROFS, isinstance(err, OSError)
    (True, True)
    """

    def __init__(self, lock_file: str, reason: str, code: int | None = None) -> None:
        self.lock_file = lock_file
        self.reason = reason
        ArchiveError.__init__(
            self,
            f"could not lock the store with its lock file {lock_file!r}: {reason}; nothing "
            f"was changed. {_lock_advice(code)}",
        )
        self.errno = code

    @classmethod
    def of(cls, err: OSError, lock_file: str) -> LockFileError:
        """The failure ``err`` (creating, opening or locking ``lock_file``) in the
        library's words.

        >>> import errno
        >>> LockFileError.of(OSError(errno.ENOSPC, "No space left on device"), "/s/.lock").errno
        28
        """
        reason = f"[Errno {err.errno}] {err.strerror}" if err.strerror else str(err)
        return cls(lock_file, reason, err.errno)


def _lock_advice(code: int | None) -> str:
    """What to do about a lock file that failed with error number ``code``."""
    if code in (errno.EACCES, errno.EPERM):
        return (
            "This user may not create or open it: ask whoever owns the store for write "
            "access (reading a store takes no lock)"
        )
    if code == errno.EROFS:
        return (
            "The store is on a read-only file system: a change to it needs a writable "
            "one (reading it takes no lock)"
        )
    return _disk_advice(code)


def _disk_advice(code: int | None) -> str:
    """What to do about a write the disk refused with ``code`` (full, over quota, or
    failing): the advice lock files and output files share."""
    if code == getattr(errno, "EDQUOT", None):
        return "Your disk quota is full: free some space, then try again"
    if code == errno.ENOSPC:
        return "The disk is full: free some space, then try again"
    return "Check the disk or file system, then try again"


class OutputFileError(ArchiveError, OSError):
    """A file a command writes for the user (``archived export -o FILE``) could not be
    written: the disk (or quota) is full, the system denied it, or the disk failed.
    ``kept`` says whether the file is as it was (written beside it, then renamed onto
    it, the export stopped before the rename); a device or a file with other hard links
    is written in place, and may hold part of the output.

    Attributes: ``path``, ``reason``, ``kept``; ``errno`` as on any ``OSError``.

    >>> import errno
    >>> err = OutputFileError("/t/out.csv", "[Errno 28] No space left on device", 28)
    >>> print(err)
    could not write '/t/out.csv': [Errno 28] No space left on device; the file is as it \
was (none of this output was written to it). The disk is full: free some space, then \
try again
    """

    def __init__(
        self, path: str, reason: str, code: int | None = None, *, kept: bool = True
    ) -> None:
        self.path = path
        self.reason = reason
        self.kept = kept
        state = (
            "the file is as it was (none of this output was written to it)"
            if kept
            else "it was written in place and may hold part of this output"
        )
        ArchiveError.__init__(
            self, f"could not write {path!r}: {reason}; {state}. {_write_advice(code)}"
        )
        self.errno = code

    @classmethod
    def of(cls, err: OSError, path: str, *, kept: bool = True) -> OutputFileError:
        """The failure ``err`` writing ``path`` in the library's words.

        >>> import errno
        >>> OutputFileError.of(OSError(errno.EIO, "Input/output error"), "/t.csv").errno
        5
        """
        reason = f"[Errno {err.errno}] {err.strerror}" if err.strerror else str(err)
        return cls(path, reason, err.errno, kept=kept)


def _write_advice(code: int | None) -> str:
    """What to do about a file that could not be written, failed with ``code``."""
    if code in (errno.EACCES, errno.EPERM):
        return "This user may not write it: give a file you may write"
    if code == errno.EROFS:
        return "It is on a read-only file system: give a file on a writable one"
    return _disk_advice(code)


class LockingKindError(ArchiveError, ValueError):
    """A store was opened for writing with another kind of locking than it records.

    Writers holding ``fcntl`` locks and writers holding soft locks do not exclude each
    other, so a store keeps the one kind it was created with.

    >>> str(LockingKindError("/s", "fcntl", "soft"))
    "the store '/s' uses locking='fcntl', not 'soft': writers of the two kinds would ..."
    """

    def __init__(self, store: str, recorded: str, wanted: str) -> None:
        self.store = store
        self.recorded = recorded
        self.wanted = wanted
        super().__init__(
            f"the store {store!r} uses locking={recorded!r}, not {wanted!r}: writers of the "
            "two kinds would not exclude each other and could undo each other's writes; "
            f"open it with locking={recorded!r} (or leave locking out to use the store's kind)"
        )


class CommitError(ArchiveError, OSError):
    """Writing to a store (or deleting from it) failed for a reason outside
    ``archived``; the change left nothing behind and the entry's previous version (if
    any) is intact.

    Attributes: ``store`` (the directory), ``entry``, ``resource`` (what failed:
    ``'disk'`` full, ``'permission'``, ``'lock'``, or ``'io'`` for any other I/O error),
    ``reason``, ``operation`` (``'write'``, or ``'delete'`` for a deletion: a prune, a
    ``clear()``, ``del ds.x``); ``errno`` is the operating system's error number, as on
    any ``OSError``.  The subclasses are also the built-in error a user expects.

    >>> import errno
    >>> err = CommitError("/s", "x", "io", "[Errno 5] Input/output error", errno.EIO)
    >>> str(err), err.errno == errno.EIO
    ("could not write entry 'x' to the store '/s': [Errno 5] Input/output error", True)
    >>> str(CommitError("/s", "x", "permission", "permission denied", operation="delete"))
    "could not delete entry 'x' from the store '/s': permission denied"
    """

    def __init__(
        self,
        store: str,
        entry: str,
        resource: str,
        reason: str,
        code: int | None = None,
        *,
        operation: str = "write",
    ) -> None:
        self.store = store
        self.entry = entry
        self.resource = resource
        self.reason = reason
        self.operation = operation
        where = "from" if operation == "delete" else "to"
        ArchiveError.__init__(
            self, f"could not {operation} entry {entry!r} {where} the store {store!r}: {reason}"
        )
        self.errno = code


class AfterCommitError(ArchiveError, OSError):
    """A change to a store was made (the entry's new value is stored, or the entry is
    deleted), then a step after it failed: the sync of the store's folder (the change
    may not survive a crash), the close of the entry file (a network file system's
    failed flush), or the removal of the replaced version's data files.  Unlike a
    :class:`CommitError`, nothing was undone: the store reads the new state.

    A deletion of several entries (``clear()``, a prune) stopped by a failure after
    some were deleted is one too (``step='rest'``, ``entry`` the last one deleted).

    Attributes: ``store``, ``entry``, ``step`` (``'sync'``, ``'close'``, ``'drop'`` or
    ``'rest'``),
    ``reason``, ``operation`` (``'write'`` or ``'delete'``); ``errno`` as on any
    ``OSError``.

    >>> print(AfterCommitError("/s", "x", "drop", "[Errno 5] Input/output error", 5))
    entry 'x' is stored in the store '/s' (its new value reads back), but removing the \
replaced version's data files failed afterwards ([Errno 5] Input/output error): they \
stay in the store as orphans, which `python -m archived repair /s` removes once the \
disk works
    >>> deleted = AfterCommitError("/s", "x", "drop", "[Errno 5] I/O", operation="delete")
    >>> str(deleted)[:82]
    "entry 'x' is deleted from the store '/s', but removing its data files failed after"
    """

    _STEPS = {
        "sync": (
            "the sync of the store's folder",
            "until the disk is synced, a crash or power cut may undo this change; a failing "
            "sync is a failing disk or file system: check it (the system log, its health)",
        ),
        "close": (
            "closing the entry file",
            "on a network file system that is a failed flush: check that the entry reads "
            "back whole (`python -m archived verify {store}`)",
        ),
        "drop": (
            "removing the replaced version's data files",
            "they stay in the store as orphans, which `python -m archived repair {store}` "
            "removes once the disk works",
        ),
        "rest": (
            "deleting the others",
            "the entries not deleted are as they were: run it again once the disk works",
        ),
    }

    def __init__(
        self,
        store: str,
        entry: str,
        step: str,
        reason: str,
        code: int | None = None,
        *,
        operation: str = "write",
    ) -> None:
        self.store = store
        self.entry = entry
        self.step = step
        self.reason = reason
        self.operation = operation
        if operation == "delete":
            done = f"entry {entry!r} is deleted from the store {store!r}"
        else:
            done = f"entry {entry!r} is stored in the store {store!r} (its new value reads back)"
        what, advice = self._STEPS.get(step, (step, ""))
        if step == "drop" and operation == "delete":
            what = "removing its data files"  # (no version replaced it)
        advice = advice.format(store=store)
        ArchiveError.__init__(
            self,
            f"{done}, but {what} failed afterwards ({reason})" + (f": {advice}" if advice else ""),
        )
        self.errno = code


class DiskFullError(CommitError):
    """The disk (or the user's quota) holding a store is full.

    >>> str(DiskFullError("/s", "x", "the disk is full ([Errno 28] No space left on device)"))
    "could not write entry 'x' to the store '/s': the disk is full ([Errno 28] No space ..."
    """

    def __init__(
        self,
        store: str,
        entry: str,
        reason: str,
        code: int | None = 28,
        *,
        operation: str = "write",
    ) -> None:
        super().__init__(store, entry, "disk", reason, code, operation=operation)


class CommitPermissionError(CommitError, PermissionError):
    """The operating system denied a write to a store (a file, the directory, its lock).

    >>> str(CommitPermissionError("/s", "x", "permission", "no write permission"))
    "could not write entry 'x' to the store '/s': no write permission"
    """


class CommitTimeout(CommitError, LockTimeout):
    """A write could not take the store's lock within the timeout.

    >>> str(CommitTimeout("/s", "x", "/s/.lock", 60))
    "could not write entry 'x' to the store '/s': could not lock '/s/.lock' within 60 s: ..."
    """

    def __init__(
        self, store: str, entry: str, lock_file: str, timeout: float, *, operation: str = "write"
    ) -> None:
        self.lock_file = lock_file
        self.timeout = timeout
        reason = f"could not lock {lock_file!r} within {timeout:g} s: another writer holds it"
        super().__init__(store, entry, "lock", reason, operation=operation)


class UnkeyableArgumentError(ArchiveError, TypeError):
    """An argument of a cached call cannot be turned into a faithful key.

    The message says why and what to do; it never suggests leaving out a parameter that
    may change the result.

    >>> print(UnkeyableArgumentError("rng", "generator", "it is an iterator, used up when read"))
    cannot key parameter 'rng' of type 'generator' (it is an iterator, used up when read).
    Pass a value archived can key, or give the class an __archived_key__() method returning
    what decides its results.  Only if 'rng' cannot change the result (a logger, a progress
    bar) may it be left out of the key, with ignore=('rng',).
    """

    def __init__(
        self,
        parameter: str,
        type_name: str,
        reason: str = "",
        *,
        advice: str = "",
        what: str = "parameter",
    ) -> None:
        self.parameter = parameter
        self.type_name = type_name
        self.reason = reason
        tail = f" ({reason})" if reason else ""
        advice = advice or (
            "Pass a value archived can key, or give the class an __archived_key__() method "
            "returning\nwhat decides its results.  "
            f"Only if {parameter!r} cannot change the result (a logger, a progress\n"
            f"bar) may it be left out of the key, with ignore=({parameter!r},)"
        )
        head = f"cannot key {what} {parameter!r} of type {type_name!r}{tail}"
        super().__init__(f"{head}.\n{advice}.")


class CodeChangedError(ArchiveError, RuntimeError):
    """A worker of a sweep runs other code than the driver keyed the sweep's points with.

    The driver keys every point with the code version of the function it imported; a
    worker that imports the function later (its source file edited meanwhile, or another
    checkout on another machine) would store its own code's results under those keys.

    >>> print(CodeChangedError("m.f", "1a2b", "3c4d"))  # doctest: +ELLIPSIS
    m.f: a sweep keyed its points with code version 1a2b, but this worker runs version 3c4d: ...
    """

    def __init__(self, function: str, keyed: str, running: str) -> None:
        self.function = function
        self.keyed = keyed
        self.running = running
        super().__init__(
            f"{function}: a sweep keyed its points with code version {keyed}, but this "
            f"worker runs version {running}: the function's source differs where the "
            "worker imported it (a file edited during the run, an importlib.reload in the "
            "driver while loky kept workers that imported the old code, or workers with "
            "another checkout); nothing was computed here.  Restart the workers so that "
            "they import the current code (for loky: joblib.externals.loky."
            "get_reusable_executor().shutdown(wait=True); or restart the kernel, or the "
            "cluster's workers), then run the sweep again"
        )


class ResultNotStoredWarning(RuntimeWarning):
    """A cached call computed its result but could not store it; the result is returned.

    ``error`` is what failed: usually a :class:`CommitError` whose ``resource`` says
    which (``'disk'`` full, ``'permission'``, ``'lock'``, ``'io'``).

    >>> w = ResultNotStoredWarning("f(x=1) was computed but not stored", OSError(28, "full"))
    >>> str(w), w.error.errno
    ('f(x=1) was computed but not stored', 28)
    """

    def __init__(self, message: str, error: BaseException | None = None) -> None:
        super().__init__(message)
        self.error = error


class DamagedEntryWarning(RuntimeWarning):
    """A stored result could not be read back; it was kept aside and computed again, or
    left out, untouched, of a function's table or calls (``func.table()``, ``where()``)
    or of a DataSet's listing (``ds._table()``, ``ds._info_items()``; of a safe DataSet,
    also an entry its load refuses).

    ``entry`` names it; ``kept`` is the folder it was moved to (``None`` if it could not
    be moved, or was only left out: then it stays in place, and a new result is not
    stored over it).

    >>> str(DamagedEntryWarning("entry 'x' is damaged", "x", "/s/.damaged/x.T"))
    "entry 'x' is damaged"
    """

    def __init__(self, message: str, entry: str, kept: str | None) -> None:
        super().__init__(message)
        self.entry = entry
        self.kept = kept


class EditedEntryWarning(RuntimeWarning):
    """A stored call's value was edited by hand (its value section no longer has the
    digest its record holds), or its recorded parameters were (its key is no longer
    theirs): it is not what the call computes, so it is no hit.  The
    call computes its result and returns it without storing it over the edit, or a
    table leaves the entry out.  The entry file stays as it is (the edit is the user's
    work).

    ``entry`` names it; ``path`` is its file (move it out of the store to have the
    call's result stored again).

    >>> str(EditedEntryWarning("entry 'f_1' was edited by hand", "f_1", "/s/f_1.py"))
    "entry 'f_1' was edited by hand"
    """

    def __init__(self, message: str, entry: str, path: str) -> None:
        super().__init__(message)
        self.entry = entry
        self.path = path


class PickleWarning(UserWarning):
    """An object was stored as a pickle: opaque, tied to its class's module, refused by safe
    loads.  Issued once per type and process, naming the type and the two ways out.

    >>> issubclass(PickleWarning, UserWarning)
    True
    """


class NumericTypeWarning(UserWarning):
    """A call missed, but a stored call differs from it only by the type of a number
    (``np.float64(1.0)`` against ``1.0``): the two are different calls.

    ``entry`` names the stored call.

    >>> NumericTypeWarning("f(x=1.0) is not stored, but f(x=1) is", "f_1").entry
    'f_1'
    """

    def __init__(self, message: str, entry: str | None) -> None:
        super().__init__(message)
        self.entry = entry


class StaleVersionWarning(UserWarning):
    """A sweep is about to compute points that the store holds as calls of another
    version of the function (its code was edited since): they are computed again.

    ``version`` names the stored version (pin it with ``version=`` if the edit cannot
    change a result).

    >>> StaleVersionWarning("2 of the 3 points ...", "3cc867b4015e04e6").version
    '3cc867b4015e04e6'
    """

    def __init__(self, message: str, version: str) -> None:
        super().__init__(message)
        self.version = version


class MovedFunctionWarning(UserWarning):
    """A sweep is about to compute points that the store holds as calls of another
    function with the same code (a function moved to another module): they are computed
    again.  ``identity`` names the stored function (``@archived(..., name=identity)``
    finds its results).

    >>> MovedFunctionWarning("2 of the 3 points ...", "experiment.simulate").identity
    'experiment.simulate'
    """

    def __init__(self, message: str, identity: str) -> None:
        super().__init__(message)
        self.identity = identity


class MovedBlockWarning(UserWarning):
    """A ``with`` block without a name is about to compute a result that the same code
    stored at another line of its function (lines added or removed above it moved it):
    a block is named by its line, so it is computed again.  ``identity`` names the
    stored block, as ``ls -l`` shows it.

    >>> MovedBlockWarning("the block at line 6 ...", "block:study.<module>@5").identity
    'block:study.<module>@5'
    """

    def __init__(self, message: str, identity: str) -> None:
        super().__init__(message)
        self.identity = identity


class AddedParameterWarning(UserWarning):
    """A sweep is about to compute points that the store holds as calls of the same
    function made before some of its parameters were added (each point gives them their
    defaults): a call's key holds every parameter, so they are computed again.
    ``names`` lists the added parameters.

    >>> AddedParameterWarning("2 of the 3 points ...", ["seed"]).names
    ['seed']
    """

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.names = names


class BlockInputWarning(UserWarning):
    """A ``with archived(...)`` block found its result stored, but a variable it reads
    that is not a parameter (a loop variable) changed since it last entered with these
    parameters in this program: the stored result may be of the earlier value.
    ``names`` lists those variables.

    >>> BlockInputWarning("the block ...", ["mu"]).names
    ['mu']
    """

    def __init__(self, message: str, names: list[str]) -> None:
        super().__init__(message)
        self.names = names


class ClosureChangedWarning(UserWarning):
    """A cached nested function changed a variable it closes over while it ran (a list
    it appends to, a ``nonlocal`` counter): those values are part of its calls' keys, so
    the next call is another call and will not find this result.  Issued once per
    function.

    >>> issubclass(ClosureChangedWarning, UserWarning)
    True
    """


class StorePathWarning(UserWarning):
    """A relative store path names a store next to the code, while a store made by
    archived 0.1 for the same path exists relative to the working directory; or the
    code is installed (``pip install .``), so the store is inside the Python
    installation, which a new environment does not keep.

    ``store`` is the store used; ``other`` the one found where 0.1 put it (None for a
    store inside the installation).

    >>> StorePathWarning("two stores", "/p/results", "/home/results").other
    '/home/results'
    """

    def __init__(self, message: str, store: str, other: str | None) -> None:
        super().__init__(message)
        self.store = store
        self.other = other


class UnsafeFileError(ArchiveError, ValueError):
    """A file name read from a store is not a plain file of the store: it was not touched.

    A data file listed in an entry's header, a name in a writer's ``.drop`` list or a
    file found in the store directory must be a plain name of the expected shape,
    directly inside the store, and a regular file (never a symbolic link or a FIFO).

    >>> print(UnsafeFileError("/s", "/etc/passwd", "not a plain name inside the store"))
    unsafe file name '/etc/passwd' in store '/s': not a plain name inside the store (left ...)
    """

    def __init__(self, folder: str, name: object, reason: str) -> None:
        self.folder = folder
        self.name = name
        self.reason = reason
        super().__init__(
            f"unsafe file name {name!r:.200} in store {folder!r}: {reason} (left untouched)"
        )


class UnsafeFileWarning(RuntimeWarning):
    """A file of a store was skipped, not touched: it failed the checks of UnsafeFileError,
    or it is a special file (a FIFO, a socket, a device) where an entry belongs, or the
    disk failed to examine a file a cleanup would remove (the message says it is a read
    error)."""
