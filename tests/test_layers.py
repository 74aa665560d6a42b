"""The package's folders are its layers, and imports only point down.

Layers, bottom to top: ``errors``/``_version``/``_format``/``_usercode`` (used by all),
``engine`` (objects -> source), ``load`` (source -> objects), ``store`` (one DataSet directory),
``cache`` (``@archived``, blocks, sweeps), then the command line, the public
``__init__`` and the module paths written into users' files.  Each module imports only
from its own layer and the layers below, and no modules import each other in a circle.
Imports inside ``if TYPE_CHECKING:`` are for type checkers only and are not counted.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "src" / "archived"
BOTTOM = {"archived.errors", "archived._version", "archived._format", "archived._usercode"}
LAYERS = ["engine", "load", "store", "cache"]


def module_name(path):
    parts = ("archived", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def rank(module):
    """0 for the bottom, 1..4 for the layer folders, 5 for the top of the package."""
    if module in BOTTOM:
        return 0
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS):
        if parts[1] in LAYERS:
            return 1 + LAYERS.index(parts[1])
    return 5


def _runtime_nodes(tree):
    """Every node except the bodies of ``if TYPE_CHECKING:`` blocks."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test).endswith("TYPE_CHECKING"):
                todo.extend(child.orelse)
                continue
            todo.append(child)


def imports_of(module):
    """The modules of this package that ``module`` imports (at any depth of its code)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "archived")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "archived":
                target = node.module
            else:
                continue
            for alias in node.names:  # ``from . import entries`` imports a submodule
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m != module}


GRAPH = {m: imports_of(m) for m in MODULES}


def test_the_tree_has_the_four_layer_folders():
    for layer in LAYERS:
        assert (PACKAGE / layer / "__init__.py").is_file(), layer


@pytest.mark.parametrize("module", sorted(m for m in MODULES if rank(m) < 5))
def test_a_layer_module_imports_only_its_own_layer_and_those_below(module):
    upward = sorted(t for t in GRAPH[module] if rank(t) > rank(module))
    assert not upward, f"{module} imports {upward}, which sit above it"


def test_the_bottom_modules_import_nothing_of_the_package():
    for module in BOTTOM:
        assert not GRAPH[module], f"{module} imports {sorted(GRAPH[module])}"


def test_no_modules_import_each_other_in_a_circle():
    state = {}  # module -> 1 (on the current path) or 2 (done)

    def visit(module, path):
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if target not in MODULES:
                continue
            if state.get(target) == 1:
                circle = path[path.index(target) :] + [target]
                pytest.fail("import circle: " + " -> ".join(circle))
            if target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])


def test_the_checker_sees_an_upward_import():
    # the rule is only worth something if it would catch a violation
    assert rank("archived.engine.graph") < rank("archived.store.dataset")
    assert rank("archived.cli") == 5 and rank("archived.arrays") == 5
    assert "archived.store.dataset" in GRAPH["archived.cache.callstore"]


def test_every_declared_dependency_is_imported_by_the_package():
    # a dependency nothing imports (filelock, once locks became archived's own) is
    # installed for nothing and pins a floor nothing needs
    import re
    import tomllib

    project = tomllib.loads((PACKAGE.parent.parent / "pyproject.toml").read_text())["project"]
    declared = {
        re.match(r"[A-Za-z0-9_.\-]+", spec)[0].lower().replace("-", "_")
        for spec in project["dependencies"]
    }
    imported = set()
    for path in MODULES.values():
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert declared and declared <= imported, declared - imported
