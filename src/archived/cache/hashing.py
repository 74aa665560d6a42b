"""Deterministic keys for the arguments of cached calls.

A key is the 128-bit xxh3 digest (32 hex digits) of a tagged, length-prefixed encoding of a
value.  It is the same in every process, run and machine: nothing depends on ``id()``,
``hash()`` (salted for ``str``) or a ``repr`` that may hold an address.  Every kind of value
carries its own tag, so values that compare equal in Python but may act differently are kept
apart (``True`` and ``1``, ``1`` and ``1.0``, a list and a tuple, a set and a frozenset).

What can be keyed, and how:

* ``None``, ``bool``, ``int`` (any size), ``str``, ``bytes``, ``bytearray``.
* ``float`` and ``complex`` exactly, by their IEEE bits: ``0.0`` and ``-0.0`` are two keys,
  and so are ``nan`` and ``-nan`` (``math.copysign`` tells them apart).
* ``list`` and ``tuple`` by their items in order.
* ``dict`` by its items *in insertion order*: ``{"a": 1, "b": 2}`` and ``{"b": 2, "a": 1}``
  are equal, but a function that iterates them sees two orders and can compute two
  results, so they are two keys (as ``collections.OrderedDict``, whose key differs).
* ``set`` and ``frozenset`` regardless of order (their iteration order is not the
  caller's to choose: for strings it changes from one process to the next).
* numpy arrays (and memory maps) by dtype (with byte order), shape and content, and by
  the order numpy walks them when it is not C order: a Fortran-ordered array and its
  C-ordered copy are two keys (``ravel('K')`` and the layout of ``2 * a`` differ), a
  C-ordered view and its copy are one.  The content of a C-contiguous array is hashed in
  place, without a copy; object arrays are keyed item by item.  Numpy scalars by dtype
  and bits: ``np.float64(1.0)`` and ``1.0`` are two keys (they can compute different
  results: ``np.float64(1.0) / 0`` is ``inf``, ``1.0 / 0`` raises).
* ``enum.Enum`` members by class and name, ``pathlib`` paths, ``range`` and ``slice``.
* pandas ``Index``, ``Series`` and ``DataFrame`` by class, labels, dtypes (a categorical's
  categories too) and values.
* Objects with an ``archive_1()`` method by their class and the ``(rep, args, imports)`` it
  returns, so two objects that would be archived identically share a key.
* Everything else through :mod:`archived.cache.objectkeys`: a class's own
  ``__archived_key__()``, dates and times, ``Decimal``, ``Fraction``, masked arrays, xarray
  objects, functions, and any other object by its class and state (dataclasses, attrs
  classes, NamedTuples, the ``self`` of a method).

What cannot be keyed faithfully raises :class:`~archived.errors.UnkeyableArgumentError`
naming the parameter and where in it the value sits; a wrong key is never made up from
an address.

>>> hash_value((1, 2.5, "a")) == hash_value((1, 2.5, "a"))
True
>>> hash_value(True) == hash_value(1), hash_value(0.0) == hash_value(-0.0)
(False, False)
>>> hash_value({"a": 1, "b": 2}) == hash_value({"b": 2, "a": 1})
False
>>> len(hash_value(None))
32
"""

from __future__ import annotations

import contextlib
import enum
import pathlib
import struct
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

import xxhash

from ..errors import UnkeyableArgumentError
from .objectkeys import KEY_METHOD, closure_values, feed_object

__all__ = [
    "hash_value",
    "hash_call",
    "flat_key",
    "positional_plan",
    "positional_key",
    "prime_head",
    "variant_keys",
    "identity_keys",
    "closure_digest",
    "content_key",
    "parameter_bytes",
    "key_of_parts",
]


def hash_value(value: Any, *, parameter: str = "value") -> str:
    """Return the 32-hex-digit key of ``value``.

    Args:
        value: the value to key (see the module documentation for what can be keyed).
        parameter: the name used in the error message if ``value`` cannot be keyed.

    Raises:
        UnkeyableArgumentError: ``value`` holds something that has no deterministic key.

    >>> import numpy as np
    >>> a = np.arange(6.0)
    >>> hash_value(a) == hash_value(a.copy()) != hash_value(a.reshape(2, 3))
    True
    >>> hash_value({1, 2, 3}) == hash_value({3, 2, 1})
    True
    >>> hash_value([object()], parameter="x")
    Traceback (most recent call last):
        ...
    archived.errors.UnkeyableArgumentError: cannot key parameter 'x' of type 'object' ...
    """
    hasher = xxhash.xxh3_128()
    _Encoder(parameter).feed(hasher, value, parameter)
    return hasher.hexdigest()


def hash_call(
    identity: str,
    version: str,
    parameters: Mapping[str, Any],
    *,
    array_keys: dict[int, str] | None = None,
) -> str:
    """Return the key of one call: the function's identity, code version and parameters.

    ``parameters`` maps parameter names to values (the bound arguments, defaults applied);
    the order of the names does not matter.  If ``array_keys`` is a dict, the key of every
    numpy array met is stored in it under the array's ``id()``, so
    :func:`~archived.cache.recorded.readable` can name arrays without hashing them again.

    >>> k = hash_call("mod.f", "v1", {"x": 1, "y": 2})
    >>> k == hash_call("mod.f", "v1", {"y": 2, "x": 1})
    True
    >>> k != hash_call("mod.f", "v2", {"x": 1, "y": 2})
    True
    """
    flat = flat_key(identity, version, parameters)
    if flat is not None:
        return flat
    hasher = xxhash.xxh3_128(_head(identity, version) + _length(len(parameters)))
    _feed_parameters(hasher, _Encoder("", array_keys), parameters, sorted(parameters))
    return hasher.hexdigest()


def _feed_parameters(
    hasher: Any, encoder: _Encoder, parameters: Mapping[str, Any], names: Iterable[str]
) -> None:
    """Feed ``hasher`` the parameters ``names`` of ``parameters``, each its name's tag
    and its value's encoding, in that order: what every key of a call holds after its
    head (one loop for :func:`hash_call`, :func:`variant_keys` and
    :func:`identity_keys`, so that their keys cannot drift apart)."""
    for name in names:
        hasher.update(_text(b"P", name))
        encoder.parameter = name
        encoder.feed(hasher, parameters[name], name)


def flat_key(identity: str, version: str, parameters: Mapping[str, Any]) -> str | None:
    """:func:`hash_call`'s key when every value of ``parameters`` is ``None`` or exactly
    a ``bool``, ``int``, ``float``, ``complex``, ``str`` or ``bytes`` (the common call
    of scalars, which :func:`~archived.cache.recorded.readable` records as they are);
    None for anything else, which the general encoder keys.

    The bytes are those the general encoder feeds, in the same order, joined and hashed
    at once: xxh3 of joined bytes is the digest of feeding them one by one, so the key
    is the same (``tests/test_hashing.py`` checks both against known keys).

    >>> flat_key("m.f", "v1", {"x": 1, "y": 2}) == hash_call("m.f", "v1", {"y": 2, "x": 1})
    True
    >>> flat_key("m.f", "v1", {"x": [1]}) is None
    True
    """
    # (_length spelt out here and in the encoders of scalars: a call of a Python
    # function costs more than the encoding, and a process's first hit pays it most)
    # (the encoded head and names kept in plain dicts: an lru_cache's first calls ran
    # more code than the encoding, and floats and ints spelt out: see _float_bytes and
    # _int_bytes)
    head = _HEADS.get((identity, version)) or _head(identity, version)
    encoded = head + len(parameters).to_bytes(8, "little")
    tags = _TAGS
    for name in sorted(parameters):  # (a few short parts: added up, no list to join)
        value = parameters[name]
        kind = type(value)
        tag = tags.get(name) or _parameter_tag(name)
        if kind is float:
            encoded += tag + b"f" + _PACK_DOUBLE(value)
        elif kind is int:
            data = value.to_bytes((value.bit_length() + 8) // 8 or 1, "little", signed=True)
            encoded += tag + b"i" + len(data).to_bytes(8, "little") + data
        elif kind in _FLAT:
            encoded += tag + (b"N" if value is None else _SIMPLE[kind](value))
        else:
            return None
    return xxhash.xxh3_128_hexdigest(encoded)


def positional_plan(names: Sequence[str]) -> tuple[bytes, tuple[tuple[int, bytes], ...]]:
    """What :func:`positional_key` needs of a signature's parameter ``names`` (in their
    order): their count and each one's encoded name with its position, sorted by name
    (as :func:`flat_key` feeds them).  It depends on the names alone, so a decorated
    function makes it once.

    >>> count, tags = positional_plan(["y", "x"])
    >>> [position for position, _ in tags]
    [1, 0]
    """
    tags = []
    for position, name in sorted(enumerate(names), key=lambda pair: pair[1]):
        data = name.encode("utf-8", "surrogatepass")
        tags.append((position, b"P" + len(data).to_bytes(8, "little") + data))
    return len(names).to_bytes(8, "little"), tuple(tags)


def positional_key(
    identity: str,
    version: str,
    plan: tuple[bytes, tuple[tuple[int, bytes], ...]],
    args: tuple[Any, ...],
) -> str | None:
    """:func:`flat_key` of the call binding ``args`` to the parameters of ``plan``
    (:func:`positional_plan` of their names) one by one, or None as it gives: the key of
    the commonest call, every parameter given by position, without binding them first.

    >>> plan = positional_plan(["x", "y"])
    >>> positional_key("m.f", "v1", plan, (1, 2.5)) == flat_key("m.f", "v1", {"x": 1, "y": 2.5})
    True
    >>> positional_key("m.f", "v1", plan, (1, [2])) is None
    True
    """
    # (flat_key's loop over the values in their order, without a dict of them: a
    # process's first hit pays for every Python function it runs, so a call of scalars
    # is keyed here in one; tests/test_hashing.py checks the two give one key)
    encoded = (_HEADS.get((identity, version)) or _head(identity, version)) + plan[0]
    for position, tag in plan[1]:
        value = args[position]
        kind = type(value)
        if kind is float:
            encoded += tag + b"f" + _PACK_DOUBLE(value)
        elif kind is int:
            data = value.to_bytes((value.bit_length() + 8) // 8 or 1, "little", signed=True)
            encoded += tag + b"i" + len(data).to_bytes(8, "little") + data
        elif kind in _FLAT:
            encoded += tag + (b"N" if value is None else _SIMPLE[kind](value))
        else:
            return None
    return xxhash.xxh3_128_hexdigest(encoded)


def prime_head(identity: str, version: str) -> None:
    """Encode the head of the keys of a function's calls now (when it is decorated),
    not in its first call: the bytes depend on ``identity`` and ``version`` alone.

    >>> prime_head("m.f", "v1")
    """
    _head(identity, version)


def _parameter_tag(name: str) -> bytes:
    """The encoded name of a parameter, kept in ``_TAGS`` (the same few names in every
    call)."""
    tag = _TAGS.get(name)
    if tag is None:
        if len(_TAGS) >= _KEPT_TAGS:  # (names made on the fly: keep memory bounded)
            _TAGS.clear()
        data = name.encode("utf-8", "surrogatepass")  # (_text spelt out: a first call)
        tag = _TAGS[name] = b"P" + len(data).to_bytes(8, "little") + data
    return tag


_TAGS: dict[str, bytes] = {}
_KEPT_TAGS = 1024


def variant_keys(
    identity: str,
    version: str,
    parameters: Mapping[str, Any],
    name: str,
    alternatives: list[Any],
    *,
    array_keys: dict[int, str] | None = None,
) -> list[str]:
    """The keys :func:`hash_call` gives ``parameters`` with the value of ``name`` replaced
    by each of ``alternatives``; the other parameters are encoded once for all.

    >>> keys = variant_keys("m.f", "v", {"x": 1, "y": 2}, "x", [1.0, 3])
    >>> keys[1] == hash_call("m.f", "v", {"x": 3, "y": 2})
    True
    """
    encoder = _Encoder("", array_keys)
    value_of = dict(parameters)
    names = sorted(parameters)
    # as hash_call: the parameters before ``name`` go into one hasher whose state each
    # variant copies; those after it are encoded once, kept, and fed again to each
    before = xxhash.xxh3_128()
    before.update(_text(b"C", identity))
    before.update(_text(b"V", version))
    before.update(_length(len(parameters)))
    _feed_parameters(before, encoder, value_of, names[: names.index(name)])
    after = _Recorder()
    _feed_parameters(after, encoder, value_of, names[names.index(name) + 1 :])
    keys = []
    for alternative in alternatives:
        hasher = before.copy()
        value_of[name] = alternative
        _feed_parameters(hasher, encoder, value_of, (name,))
        for part in after.parts:
            hasher.update(part)
        keys.append(hasher.hexdigest())
    return keys


def identity_keys(
    identities: Sequence[str],
    version: str,
    parameters: Mapping[str, Any],
    *,
    array_keys: dict[int, str] | None = None,
) -> list[str]:
    """The keys :func:`hash_call` gives ``parameters`` as a call of each of
    ``identities`` (of one code ``version``); the parameters are encoded once for all.

    >>> call = {"x": 1, "y": [2]}
    >>> names = ["m.f", "m.g"]
    >>> identity_keys(names, "v", call) == [hash_call(f, "v", call) for f in names]
    True
    """
    body = _Recorder()
    _feed_parameters(body, _Encoder("", array_keys), parameters, sorted(parameters))
    tail = _text(b"V", version) + _length(len(parameters)) + b"".join(body.parts)
    return [xxhash.xxh3_128_hexdigest(_text(b"C", identity) + tail) for identity in identities]


def parameter_bytes(name: str, value: Any) -> bytes:
    """The bytes a call's key holds for parameter ``name`` of ``value`` (its name's tag
    and its value's encoding): :func:`key_of_parts` of every parameter's, in the order
    of their names, is :func:`hash_call`'s key, each encoded once however many calls
    share it (verify tries many of one record, :mod:`archived.cache.keycheck`).

    >>> parts = [parameter_bytes("x", 1), parameter_bytes("y", [2])]
    >>> key_of_parts("m.f", "v", parts) == hash_call("m.f", "v", {"y": [2], "x": 1})
    True
    """
    simple = _SIMPLE.get(type(value))
    if simple is not None or value is None:  # what _Encoder.feed gives them, at once
        return _text(b"P", name) + (b"N" if simple is None else simple(value))
    recorder = _Recorder()
    _feed_parameters(recorder, _Encoder(name), {name: value}, (name,))
    return b"".join(recorder.parts)


def key_of_parts(identity: str, version: str, parts: Sequence[bytes]) -> str:
    """The key of the call of ``identity`` and ``version`` whose parameters encode as
    ``parts`` (:func:`parameter_bytes` of each, sorted by name)."""
    head = _head(identity, version) + _length(len(parts))
    return xxhash.xxh3_128_hexdigest(head + b"".join(parts))


class _Recorder:
    """A stand-in hasher that keeps what is fed to it, to feed it again to others."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def update(self, data: Any) -> None:
        self.parts.append(bytes(data))


def closure_digest(func: Any, wrapper: Any = None) -> str:
    """``""``, or ``"/<12 hex>"`` keying the variables a nested function closes over, as
    they are now: appended to its identity, so functions made by one factory with other
    values are other functions.  A variable not assigned yet (the function's own name,
    for recursion) is left out.

    >>> def make(p):
    ...     return lambda x: x**p
    >>> closure_digest(make(2)) != closure_digest(make(3)), closure_digest(len)
    (True, '')
    """
    values = closure_values(func)
    if wrapper is not None:
        # a decorated nested function that calls itself by name closes over its wrapper
        values = {name: value for name, value in values.items() if value is not wrapper}
    if not values:
        return ""
    hasher = xxhash.xxh3_128()
    encoder = _Encoder("")
    for name in sorted(values):
        hasher.update(_text(b"Y", name))
        encoder.parameter = name
        try:
            encoder.feed(hasher, values[name], name)
        except UnkeyableArgumentError as err:
            where = getattr(func, "__qualname__", "the function")
            raise UnkeyableArgumentError(
                name,
                err.type_name,
                err.reason,
                advice=(
                    f"{where} reads {name!r} from its enclosing function, so its value is part "
                    f"of {where}'s identity; pass it as an argument instead"
                ),
                what="variable",
            ) from None
    return "/" + hasher.hexdigest()[:12]


def _pandas_kind(value: Any) -> str | None:
    """'Index', 'Series' or 'DataFrame' for pandas objects (pandas is never imported here)."""
    if type(value).__module__.partition(".")[0] != "pandas":
        return None
    for klass in type(value).__mro__:
        if klass.__module__.partition(".")[0] == "pandas" and klass.__name__ in _PANDAS_KINDS:
            return klass.__name__
    return None


_PANDAS_KINDS = ("Index", "Series", "DataFrame")


def _length(n: int) -> bytes:
    return n.to_bytes(8, "little")


def _head(identity: str, version: str) -> bytes:
    """The encoded identity and version that begin every key of a function's calls,
    kept in ``_HEADS`` (the same bytes whatever the call: encoded once, not on every hit)."""
    head = _HEADS.get((identity, version))
    if head is None:
        if len(_HEADS) >= _KEPT_HEADS:
            _HEADS.clear()
        name = identity.encode("utf-8", "surrogatepass")  # (_text spelt out, as above)
        code = version.encode("utf-8", "surrogatepass")
        head = b"C" + len(name).to_bytes(8, "little") + name
        head = _HEADS[identity, version] = head + b"V" + len(code).to_bytes(8, "little") + code
    return head


_HEADS: dict[tuple[str, str], bytes] = {}
_KEPT_HEADS = 256


def _text(tag: bytes, text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return tag + len(data).to_bytes(8, "little") + data


def _as_mapping(args: Any) -> dict[Any, Any]:
    """``archive_1`` returns its args as a dict or as a sequence of (name, value) pairs;
    they are named values of a template, so their order means nothing: sorted by name."""
    return dict(sorted(dict(args).items()))


class _Encoder:
    """Feeds the tagged encoding of one parameter's value into a hasher.

    ``path`` strings say where in the parameter a value sits (``cfg['a'][2]``) for errors.
    """

    def __init__(self, parameter: str, array_keys: dict[int, str] | None = None) -> None:
        self.parameter = parameter
        self.array_keys = array_keys
        self.active: set[int] = set()  # ids of the containers being encoded, for cycles
        # objects being encoded -> their depth: an object met inside itself is keyed as a
        # reference back to that depth (objects may refer to each other; data may not)
        self.objects: dict[int, int] = {}
        # > 0 while encoding values made for the key (a pandas column's to_numpy(), an
        # object's state, archive_1's arguments): such arrays die after use, and a later
        # temporary may get their id, so they are never remembered in array_keys
        self.derived = 0

    def feed(self, hasher: Any, value: Any, path: str) -> None:
        kind = type(value)
        simple = _SIMPLE.get(kind)
        if simple is not None:
            hasher.update(simple(value))
            return
        if value is None:
            hasher.update(b"N")
            return
        if kind in (list, tuple, dict, OrderedDict, set, frozenset):
            self._container(hasher, value, path)
            return
        self._other(hasher, value, path)

    def digest(self, value: Any, path: str) -> bytes:
        hasher = xxhash.xxh3_128()
        self.feed(hasher, value, path)
        return hasher.digest()

    def seen(self, value: Any, hasher: Any) -> bool:
        """Feed a reference back if ``value`` is an object being encoded already."""
        depth = self.objects.get(id(value))
        if depth is None:
            return False
        hasher.update(b"R" + _length(depth))
        return True

    @contextlib.contextmanager
    def inside(self, value: Any, hasher: Any) -> Iterator[None]:
        """Encode the parts of the object ``value`` (for :meth:`seen`)."""
        self.objects[id(value)] = len(self.objects)
        try:
            yield
        finally:
            del self.objects[id(value)]

    def _container(self, hasher: Any, value: Any, path: str) -> None:
        if id(value) in self.active:
            self.refuse(value, path, "it contains itself (a reference cycle)")
        self.active.add(id(value))
        try:
            kind = type(value)
            hasher.update(_CONTAINER_TAGS[kind] + _length(len(value)))
            if kind in (list, tuple):
                scalars = _scalar_items(value)
                if scalars is not None:  # the bytes the loop below feeds, fed at once
                    hasher.update(scalars)
                    return
                for i, item in enumerate(value):
                    self.feed(hasher, item, f"{path}[{i}]")
            elif kind is OrderedDict or kind is dict:
                for k, v in value.items():
                    self.feed(hasher, k, f"{path} key {k!r}")
                    self.feed(hasher, v, f"{path}[{k!r}]")
            else:
                hasher.update(b"".join(sorted(self.digest(x, f"{path} item") for x in value)))
        finally:
            self.active.discard(id(value))

    def _other(self, hasher: Any, value: Any, path: str) -> None:
        import numpy as np

        kind = type(value)
        if kind is np.ndarray or kind is np.memmap:
            self._array(hasher, value, path)
        elif isinstance(value, np.generic):
            hasher.update(_text(b"g", value.dtype.str) + np.asarray(value).tobytes())
        elif isinstance(value, enum.Enum):
            hasher.update(_text(b"E", f"{kind.__module__}.{kind.__qualname__}"))
            hasher.update(_text(b"e", value.name))
        elif isinstance(value, pathlib.PurePath):
            hasher.update(_text(b"p", f"{kind.__module__}.{kind.__qualname__}"))
            hasher.update(_text(b"s", str(value)))
        elif kind is range:
            hasher.update(b"r")
            for part in (value.start, value.stop, value.step):
                self.feed(hasher, part, path)
        elif kind is slice:
            hasher.update(b"/")
            for part in (value.start, value.stop, value.step):
                self.feed(hasher, part, f"{path} slice bound")
        else:
            self.derived += 1
            try:
                if hasattr(kind, KEY_METHOD) or isinstance(value, type):
                    feed_object(self, hasher, value, path)
                elif callable(getattr(kind, "archive_1", None)):  # the class's, not the value's
                    self._archivable(hasher, value, path)
                elif _pandas_kind(value) is not None:
                    self._pandas(hasher, value, path)
                else:
                    feed_object(self, hasher, value, path)
            finally:
                self.derived -= 1

    def _pandas(self, hasher: Any, value: Any, path: str) -> None:
        """A pandas Index, Series or DataFrame: its class, labels, dtypes and values."""
        kind = _pandas_kind(value)
        hasher.update(_text(b"D", f"{type(value).__module__}.{type(value).__qualname__}"))
        if kind == "Index":
            self.feed(hasher, list(value.names), f"{path}.names")
            self._pandas_dtype(hasher, value.dtype, path)
            self._array(hasher, value.to_numpy(), path)
        elif kind == "Series":
            self.feed(hasher, value.name, f"{path}.name")
            self._pandas(hasher, value.index, f"{path}.index")
            self._pandas_dtype(hasher, value.dtype, path)
            self._array(hasher, value.to_numpy(), path)
        else:
            self._pandas(hasher, value.columns, f"{path}.columns")
            self._pandas(hasher, value.index, f"{path}.index")
            for i in range(value.shape[1]):
                column = value.iloc[:, i]
                self._pandas_dtype(hasher, column.dtype, path)
                self._array(hasher, column.to_numpy(), f"{path}.iloc[:, {i}]")

    def _pandas_dtype(self, hasher: Any, dtype: Any, path: str) -> None:
        hasher.update(_text(b"s", str(dtype)))
        categories = getattr(dtype, "categories", None)
        if categories is not None:  # str() says only "category"
            self._pandas(hasher, categories, f"{path} categories")
            self.feed(hasher, bool(dtype.ordered), f"{path} categories")

    def _array(self, hasher: Any, value: Any, path: str) -> None:
        dtype = value.dtype
        hasher.update(_text(b"a", dtype.str if dtype.fields is None else repr(dtype.descr)))
        hasher.update(_length(value.ndim) + b"".join(_length(n) for n in value.shape))
        hasher.update(_walk_order(value))
        if dtype.hasobject:
            if id(value) in self.active:
                self.refuse(value, path, "it contains itself (a reference cycle)")
            self.active.add(id(value))
            try:
                for i, item in enumerate(value.flat):
                    self.feed(hasher, item, f"{path}.flat[{i}]")
            finally:
                self.active.discard(id(value))
            return
        # an array met again in one call (or in the variants of a call) is hashed once
        # (only arrays the arguments hold: they live as long as array_keys does)
        kept = self.array_keys if self.derived == 0 else None
        content = (kept or {}).get(id(value)) or content_key(value)
        hasher.update(bytes.fromhex(content))
        if kept is not None:
            kept[id(value)] = content

    def _archivable(self, hasher: Any, value: Any, path: str) -> None:
        try:
            rep, args, imports = value.archive_1()
        except Exception as err:  # the object's own method failed: not our key to guess
            self.refuse(value, path, f"its archive_1() raised {err!r}")
        kind = type(value)
        hasher.update(_text(b"A", f"{kind.__module__}.{kind.__qualname__}"))
        self.feed(hasher, str(rep), f"{path} archive_1 rep")
        self.feed(hasher, _as_mapping(args), f"{path} archive_1 args")
        self.feed(hasher, [tuple(i) for i in imports], f"{path} archive_1 imports")

    def refuse(self, value: Any, path: str, reason: str, advice: str = "") -> NoReturn:
        """Raise :class:`UnkeyableArgumentError` for ``value`` at ``path``, with ``reason``
        (and ``advice``, what to do instead, when the general advice does not fit)."""
        where = "" if path == self.parameter else f"at {path}"
        detail = "; ".join(part for part in (where, reason) if part)
        kind = type(value)
        name = (
            kind.__qualname__
            if kind.__module__ == "builtins"
            else (f"{kind.__module__}.{kind.__qualname__}")
        )
        raise UnkeyableArgumentError(self.parameter, name, detail, advice=advice)


def _walk_order(array: Any) -> bytes:
    """Nothing for an array numpy walks in C order, else the order of its axes.

    numpy's ``'K'`` order (``ravel('K')``, ``np.copy``, every ufunc's result) follows the
    memory layout: a Fortran-ordered array gives other values to ``ravel('K')`` and
    Fortran-ordered results to ``2 * a`` than its C-ordered copy, so the two are two
    keys.  The axes of length 1 and of stride 0 (broadcast) take no part in that order;
    a view in C order (``a[:, ::2]``, ``a[::-1]``) keys as its C-contiguous copy.

    >>> import numpy as np
    >>> a = np.zeros((2, 3))
    >>> _walk_order(a), _walk_order(a[:, ::2]), _walk_order(np.asfortranarray(a)) == b''
    (b'', b'', False)
    """
    if array.ndim < 2 or array.flags.c_contiguous:
        return b""
    shape, strides = array.shape, array.strides
    axes = [i for i in range(array.ndim) if shape[i] > 1 and strides[i] != 0]
    walk = sorted(axes, key=lambda i: -abs(strides[i]))  # stable: ties keep C order
    if walk == axes:
        return b""
    return b"o" + _length(len(walk)) + b"".join(_length(i) for i in walk)


def content_key(array: Any) -> str:
    """The xxh3_128 hex digest of a plain (not object) array's bytes in C order."""
    import numpy as np

    content = xxhash.xxh3_128()
    if array.nbytes:
        data = array if array.flags.c_contiguous else np.ascontiguousarray(array)
        # a flat uint8 view exports a buffer for every dtype (datetime64 does not), no copy
        content.update(data.reshape(-1).view(np.uint8))  # type: ignore[arg-type]
    return content.hexdigest()


_PACK_DOUBLE = struct.Struct("<d").pack  # (struct.pack parses its format on a first call)


def _float_bytes(value: float) -> bytes:
    return b"f" + _PACK_DOUBLE(value)


def _complex_bytes(value: complex) -> bytes:
    return b"c" + _float_bytes(value.real) + _float_bytes(value.imag)


def _int_bytes(value: int) -> bytes:
    data = value.to_bytes((value.bit_length() + 8) // 8 or 1, "little", signed=True)
    return b"i" + len(data).to_bytes(8, "little") + data


def _bytes_bytes(value: bytes) -> bytes:
    return b"b" + _length(len(value)) + value


def _scalar_items(items: list[Any] | tuple[Any, ...]) -> bytes | None:
    """What :meth:`_Encoder.feed` gives the items of ``items``, one after the other, if
    every one is ``None`` or of a type of :data:`_SIMPLE` (a list of names, of numbers);
    else None.  A sweep's record keys the list of its points' keys: one call and one
    path text per key took a second per 100,000 points."""
    simple = _SIMPLE
    if not all(type(item) in simple or item is None for item in items):
        return None
    return b"".join([b"N" if item is None else simple[type(item)](item) for item in items])


_SIMPLE = {
    bool: lambda v: b"T" if v else b"F",
    int: _int_bytes,
    float: _float_bytes,
    complex: _complex_bytes,
    str: lambda v: _text(b"s", v),
    bytes: _bytes_bytes,
    bytearray: lambda v: b"B" + _length(len(v)) + bytes(v),
}

# the values flat_key encodes (readable() keeps each as itself, too)
_FLAT = frozenset((bool, int, float, complex, str, bytes, type(None)))

_CONTAINER_TAGS: dict[type, bytes] = {
    list: b"l",
    tuple: b"t",
    dict: b"d",
    OrderedDict: b"o",
    set: b"S",
    frozenset: b"Z",
}
