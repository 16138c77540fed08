"""The package's shape (docs/architecture.md): no import circle among ferlib's modules, counting the
imports inside functions too (a function-level import that only breaks a circle still leaves one), and
no module longer than about 400 lines except those listed below with the reason.

Read from the source with ``ast``: nothing is imported, so this runs in well under a second."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ferlib"
MAX_LINES = 400

#: Modules allowed past MAX_LINES, each with the reason. Remove an entry once its module fits.
LONG_MODULES: dict[str, str] = {}

#: Circles known and being removed elsewhere, as sorted module tuples, each with the reason. Remove an
#: entry once its circle is gone.
KNOWN_CIRCLES: dict[tuple[str, ...], str] = {}


#: The layers of docs/architecture.md, lowest first: a module imports from its own layer or those below,
#: never from one above. A name covers the module and, for a package, everything inside it.
LAYERS: list[tuple[str, set[str]]] = [
    ("foundations", {
        "ferlib.errors", "ferlib._version", "ferlib._quiet", "ferlib.labels", "ferlib.config", "ferlib.io",
        "ferlib.imageops", "ferlib.machine", "ferlib.table", "ferlib.course", "ferlib.extras",
    }),
    ("data", {"ferlib.data"}),
    ("models, input and cards", {
        "ferlib.models", "ferlib.pipeline", "ferlib.augment", "ferlib.half_precision", "ferlib.tflite",
        "ferlib.card", "ferlib.provenance", "ferlib.cluster", "ferlib.distribute", "ferlib.calibration",
    }),
    ("making and judging models", {
        "ferlib.training", "ferlib.ensemble", "ferlib.distill", "ferlib.evaluation", "ferlib.plots",
        "ferlib.pretrained",
    }),
    ("faces to emotions", {
        "ferlib.faces", "ferlib.blazeface", "ferlib.identity", "ferlib.recognizer", "ferlib.tracking",
        "ferlib.samples",
    }),
    ("applications", {
        "ferlib.video", "ferlib.archive", "ferlib.live", "ferlib.widgets", "ferlib.browser_camera",
    }),
    ("entry points", {"ferlib", "ferlib.cli", "ferlib.__main__"}),
]  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at the top, in functions, in ``try``; not those under
    ``if TYPE_CHECKING:``, which never run."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The ferlib modules an import statement runs: ``from ferlib.x import y`` runs ``ferlib.x.y`` when
    that is a module, else ``ferlib.x``. (The parent packages Python also imports on the way are left
    out: every module would otherwise form a circle with its package's ``__init__``.)"""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if node.level:  # relative: from its package, one level up per extra dot
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    if base not in known:
        return set()
    return {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}


def import_graph() -> dict[str, set[str]]:
    """Each ferlib module and the ferlib modules it imports."""
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = set().union(*(_targets(module, path, node, known) for node in _imports(tree)))
        graph[module] = edges - {module}
    return graph


def circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected groups of more than one module (Tarjan), each as a sorted tuple."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(tuple(sorted(group)))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def test_the_graph_sees_imports_at_every_level() -> None:
    graph = import_graph()
    assert "ferlib.training.run_folder" in graph["ferlib.training.loop"]  # top level
    assert "ferlib.distribute" in graph["ferlib.cli.training"]  # inside a function
    assert "ferlib.training" not in graph["ferlib"]  # under TYPE_CHECKING: never runs
    assert "ferlib.plots" in graph["ferlib.cli.models"]  # ``from ferlib import plots``: the submodule


def test_circles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(graph) == [("a", "b", "c")]


def test_no_import_circle_in_ferlib() -> None:
    found = circles(import_graph())
    unexpected = [group for group in found if group not in KNOWN_CIRCLES]
    assert not unexpected, f"import circles: {unexpected}; move what both sides need into a lower module"
    gone = [group for group in KNOWN_CIRCLES if group not in found]
    assert not gone, f"these circles are gone: remove them from KNOWN_CIRCLES: {gone}"


def test_the_training_package_imports_point_down() -> None:
    """Inside ``ferlib.training`` the loop sits on top, the run folder and the cluster checks at the
    bottom: each module imports only those after it in this list."""
    order = ["loop", "run_card", "callbacks", "schedule", "run_folder", "cluster_checks"]
    graph = import_graph()
    assert {m for m in graph if m.startswith("ferlib.training.")} == {f"ferlib.training.{n}" for n in order}
    for position, name in enumerate(order):
        inside = {
            m.rpartition(".")[2] for m in graph[f"ferlib.training.{name}"] if m.startswith("ferlib.training.")
        }
        assert inside <= set(order[position + 1 :]), f"ferlib.training.{name} imports {inside}"


def test_no_module_is_too_long() -> None:
    lengths = {str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
               for path in PACKAGE.rglob("*.py")}  # fmt: skip
    too_long = {
        name: lines for name, lines in lengths.items() if lines > MAX_LINES and name not in LONG_MODULES
    }
    assert not too_long, (
        f"modules over {MAX_LINES} lines (split them by job, or list one with a reason): {too_long}"
    )
    fits = [name for name in LONG_MODULES if lengths.get(name, 0) <= MAX_LINES]
    assert not fits, f"remove from LONG_MODULES, they fit now (or are gone): {fits}"


def _layer(module: str) -> int:
    """The index in LAYERS of the longest name that covers ``module``."""
    covering = [
        (len(name), index)
        for index, (_, names) in enumerate(LAYERS)
        for name in names
        if module == name or module.startswith(f"{name}.")
    ]
    assert covering, f"{module} is in no layer: add it to LAYERS (and docs/architecture.md)"
    return max(covering)[1]


def test_every_import_points_down_the_layers() -> None:
    upward = [
        f"{module} ({LAYERS[_layer(module)][0]}) imports {other} ({LAYERS[_layer(other)][0]})"
        for module, edges in import_graph().items()
        for other in sorted(edges)
        if _layer(other) > _layer(module)
    ]
    assert not upward, "imports pointing up:\n" + "\n".join(upward)
