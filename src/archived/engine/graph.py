"""The object graph of an archive: one walk over the inserted objects, keyed by ``id()``.

Each non-atomic object becomes a :class:`Node` holding its representation (from
:mod:`archived.reps`), its children (atom text or other nodes) and how many references
point at it.  The walk is iterative (deeply nested data does not hit the recursion limit),
visits every object once, records a post-order (children before parents: a valid order to
build them in) and raises :class:`~archived.errors.CycleError` naming the path of a cycle.

>>> g = Graph(Context())
>>> shared = [1]
>>> kid, order = g.add_root("x", [shared, shared])
>>> [n.refs for n in order]
[2, 1]
"""

from __future__ import annotations

from typing import Any

from ..errors import CycleError, UnarchivableError
from .builtin_reps import LONG_TEXT, PLAIN_TYPES, plain_text
from .importable import main_reason
from .reps import ATOMS, REGISTRY, Context, Rep, rep_for

__all__ = ["Node", "Graph"]

NEW, ACTIVE, DONE = 0, 1, 2
_BIG = 1 << 4000  # ints beyond this are written in hex by builtin_reps


class Node:
    """One object of the graph: its rep, its children's entries and its reference count."""

    __slots__ = (
        "obj",
        "rep",
        "kids",
        "refs",
        "names",
        "state",
        "pos",
        "expr",
        "depth",
        "has_nodes",
        "text",
    )

    def __init__(self, obj: Any, rep: Rep) -> None:
        self.obj = obj  # keeps the object alive, so its id() stays unique during the walk
        self.rep = rep
        self.kids: list[str | Node] = []
        self.refs = 0
        self.names: list[str] = []
        self.state = NEW
        self.pos = 0
        self.expr = ""
        self.depth = 0
        self.has_nodes = False  # some kid is a Node, not atom text
        self.text: str | None = None  # the finished expression of an atoms-only leaf


class Graph:
    """Walks inserted objects into nodes; shared objects become one node.

    ``add_root(name, obj)`` returns the root's entry (atom text or node) and the nodes
    first reached from it, in post-order.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.nodes: dict[int, Node] = {}
        self.order: list[Node] = []
        # atoms-only lists/tuples/dicts skip the per-element walk, unless re-registered
        self.plain = {t for t, handler in PLAIN_TYPES.items() if REGISTRY.get(t) is handler}

    def add_root(self, name: str, obj: Any) -> tuple[str | Node, list[Node]]:
        """Walk ``obj`` inserted as ``name``; return its entry and the new nodes."""
        order: list[Node] = []
        self.order = order
        entry = self._atom(obj)
        if entry is not None:
            return entry, order
        node = self.nodes.get(id(obj))
        if node is None:
            node = self._new(obj, [], name)
        node.refs += 1
        node.names.append(name)
        if node.state == NEW:
            self._walk(node, name, order)
        return node, order

    @staticmethod
    def _atom(obj: Any) -> str | None:
        f = ATOMS.get(type(obj))
        return None if f is None else f(obj)

    def _new(self, obj: Any, stack: list[Node], root: str) -> Node:
        if type(obj) in self.plain:
            text = plain_text(obj)
            if text is not None:
                node = Node(obj, _LEAF)
                node.text = text
                node.state = DONE
                self.nodes[id(obj)] = node
                self.order.append(node)
                return node
        try:
            rep = rep_for(obj, self.ctx)
            if self.ctx.refuse_main:
                _refuse_main(obj, rep)
        except UnarchivableError as err:
            raise UnarchivableError(err.type_name, _path(root, stack), err.reason) from None
        node = Node(obj, rep)
        self.nodes[id(obj)] = node
        return node

    def _walk(self, root: Node, name: str, order: list[Node]) -> None:
        atoms = ATOMS
        nodes = self.nodes
        root.state = ACTIVE
        stack = [root]
        while stack:
            node = stack[-1]
            children = node.rep.children
            kids = node.kids
            i = node.pos
            n = len(children)
            while i < n:
                child = children[i]
                i += 1
                tp = type(child)
                if tp is str and len(child) < LONG_TEXT:  # the commonest atoms, inlined
                    kids.append(repr(child))
                    continue
                if (tp is float and child - child == 0.0) or (tp is int and -_BIG < child < _BIG):
                    kids.append(repr(child))
                    continue
                f = atoms.get(tp)
                if f is not None:
                    text = f(child)
                    if text is not None:
                        kids.append(text)
                        continue
                kid = nodes.get(id(child))
                node.pos = i
                if kid is None:
                    kid = self._new(child, stack, name)
                kids.append(kid)
                node.has_nodes = True
                kid.refs += 1
                if kid.state == NEW:
                    kid.state = ACTIVE
                    stack.append(kid)
                    break
                if kid.state == ACTIVE:
                    raise _cycle(name, stack, kid)
            else:
                node.pos = n
                node.state = DONE
                stack.pop()
                order.append(node)
                for j in node.rep.repeated:
                    again = node.kids[j]
                    if isinstance(again, Node):
                        again.refs += 1


def _refuse_main(obj: Any, rep: Rep) -> None:
    for module, _ in rep.imports:
        if module == "__main__":
            what = obj if isinstance(obj, type) or callable(obj) else type(obj)
            raise UnarchivableError(type(obj).__qualname__, "?", main_reason(what))


_LEAF = Rep(lambda kids, aliases: "")  # the rep of atoms-only leaves: their text is ready


def _path(root: str, stack: list[Node]) -> str:
    return root + "".join(s.rep.label(s.pos - 1) for s in stack)


def _cycle(root: str, stack: list[Node], again: Node) -> CycleError:
    paths = [root]
    for s in stack:
        paths.append(paths[-1] + s.rep.label(s.pos - 1))
    start = next(j for j, s in enumerate(stack) if s is again)
    return CycleError(paths[start:])
