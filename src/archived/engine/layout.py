"""Line layout of generated source: long displays and calls are broken one item per line.

A statement that fits in :data:`LINE_LIMIT` characters is written on one line, exactly as
it always was.  A longer one is laid out the way a code formatter would: the outermost
display (``[...]``, ``(...)``, ``{...}``) or call argument list is broken, one item per
line, indented by four spaces, each followed by a comma (so a 1-tuple stays a tuple),
and each item that still does not fit is broken the same way, recursively; items that
fit stay on one line.  Only brackets are ever broken: string and bytes literals, and any
expression a representation did not describe as a :class:`Group` (numpy arrays, pickle
payloads, ...), are written whole.

The layout is built from the structure the archive already has (the representations and
their children), never by editing generated text:

* a :class:`Group` is ``head`` + items separated by ``", "`` + ``tail`` (``_f(`` ``)``);
* a :class:`Cat` is a fixed prefix before a breakable part (``'key': `` before a value,
  ``dtype=`` before an argument);
* any other part is either ``str`` (unbreakable text) or an object with an ``expr``
  attribute (its one-line text) that the ``expand`` callback turns into a part when it
  must be broken, so nested parts are only examined when their parent is broken.

>>> doc = Group("[", [Group("(", ["1"], ")", one=True), "'" + "a" * 90 + "'"], "]")
>>> print(render(doc, "x = "))
x = [
    (1,),
    'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["LINE_LIMIT", "INDENT", "Group", "Cat", "flat", "render"]

LINE_LIMIT = 88
INDENT = "    "


class Group:
    """A bracketed, comma-separated list of parts: ``head``, the items, ``tail``.

    ``flat`` is its one-line text when already known (the representation's own output);
    otherwise it is joined from the items.  A group of one item marked ``one=True`` (a
    tuple) keeps its comma on one line too.

    >>> flat(Group("(", ["1"], ")", one=True)), flat(Group("_f(", ["1", "2"], ")"))
    ('(1,)', '_f(1, 2)')
    """

    __slots__ = ("head", "items", "tail", "flat", "one")

    def __init__(
        self, head: str, items: list[Any], tail: str, flat: str | None = None, one: bool = False
    ) -> None:
        self.head = head
        self.items = items
        self.tail = tail
        self.flat = flat
        self.one = one


class Cat:
    """A fixed ``prefix`` written before a breakable part, e.g. ``'key': `` or ``name=``.

    >>> flat(Cat("'k': ", Group("[", ["1"], "]")))
    "'k': [1]"
    """

    __slots__ = ("prefix", "part")

    def __init__(self, prefix: str, part: Any) -> None:
        self.prefix = prefix
        self.part = part


def flat(part: Any) -> str:
    """The one-line text of a part (computed once per group, then remembered).

    >>> flat("x"), flat(Group("{", [Cat("1: ", "2")], "}"))
    ('x', '{1: 2}')
    """
    tp = part.__class__
    if tp is str:
        return part  # type: ignore[no-any-return]
    if tp is Group:
        if part.flat is None:
            items = part.items
            body = ", ".join([flat(item) for item in items])
            if part.one and len(items) == 1:
                body += ","
            part.flat = part.head + body + part.tail
        return part.flat  # type: ignore[no-any-return]
    if tp is Cat:
        return part.prefix + flat(part.part)  # type: ignore[no-any-return]
    return part.expr  # type: ignore[no-any-return]


def render(
    part: Any,
    first: str,
    expand: Callable[[Any], Any] | None = None,
    limit: int = LINE_LIMIT,
    indent: str = "",
) -> str:
    """The text writing ``first`` followed by ``part``, broken where a line is too long.

    ``first`` is the text before the part on its first line (``"x = "``); ``expand`` turns
    an object that is neither ``str``, :class:`Group` nor :class:`Cat` into a part.  The
    lines are joined by newlines, without a final one.  ``indent`` is the indentation of
    the statement (its continuation lines are indented further, its last is at it).

    >>> render(Group("[", ["1", "2"], "]"), "x = ")
    'x = [1, 2]'
    >>> print(render(Group("_f(", ["1", "2"], ")"), "x = ", limit=8))
    x = _f(
        1,
        2,
    )
    """
    out: list[str] = []
    _render(part, first, indent, "", out, expand, limit)
    return "\n".join(out)


def _render(
    part: Any,
    first: str,
    indent: str,
    trail: str,
    out: list[str],
    expand: Callable[[Any], Any] | None,
    limit: int,
) -> None:
    while True:
        tp = part.__class__
        if tp is Cat:  # measured, not joined: a prefix is copied only when written
            first += part.prefix
            part = part.part
            continue
        text = flat(part)
        if len(first) + len(text) + len(trail) <= limit:
            out.append(first + text + trail)
            return
        if tp is Group:
            break
        if tp is str or expand is None:
            out.append(first + text + trail)  # unbreakable: written whole
            return
        part = expand(part)
    items = part.items
    if not items:
        out.append(first + text + trail)
        return
    out.append(first + part.head)
    inner = indent + INDENT
    try:
        # only text has a len() among parts: the commonest case (a long dict or list of
        # short items) is checked and written at C speed
        fits = len(inner) + max(map(len, items)) < limit  # each line ends with a comma
    except TypeError:
        fits = False
    if fits:
        out.append(inner + (",\n" + inner).join(items) + ",")
    else:
        for item in items:
            _render(item, inner, inner, ",", out, expand, limit)
    out.append(indent + part.tail + trail)
