"""The house's shape: small modules, imports that go one way, no private names across modules.

These read the source with :mod:`ast` (nothing is imported), so a module that breaks a rule is
named with the line that does.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd_cbook"
MODULES = sorted(PACKAGE.rglob("*.py"))
LIMIT = 600  # lines a module may have: one concept, readable in a sitting


def name_of(path: Path) -> str:
    """``micrograd_cbook/speed/compiler.py`` -> ``micrograd_cbook.speed.compiler``."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported(path: Path, node: ast.Import | ast.ImportFrom) -> list[tuple[str, list[str]]]:
    """Each module ``node`` imports, absolute, with the names taken from it."""
    if isinstance(node, ast.Import):
        return [(alias.name, []) for alias in node.names]
    base = name_of(path).split(".")
    if node.level:
        base = base[: len(base) - node.level + (1 if is_package(path) else 0)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    names = [alias.name for alias in node.names]
    if node.module is None:  # from . import a, b: each a module of its own
        return [(f"{module}.{n}", []) for n in names]
    return [(module, names)]


def type_checking_only(module: ast.Module) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:`` (never run)."""
    ids = set()
    for node in ast.walk(module):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids |= {id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return ids


def ours(module: str) -> bool:
    return module == "micrograd_cbook" or module.startswith("micrograd_cbook.")


def edges() -> dict[str, set[str]]:
    """module -> the package's modules it imports when it runs (TYPE_CHECKING left out)."""
    known = {name_of(p) for p in MODULES}
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        module = tree(path)
        skip = type_checking_only(module)
        targets = graph.setdefault(name_of(path), set())
        for node in ast.walk(module):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skip:
                for target, names in imported(path, node):
                    if not ours(target):
                        continue
                    subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in known]
                    targets |= set(subs) or {target}
        targets.discard(name_of(path))
    return graph


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_every_module_is_short_enough_to_read_in_a_sitting(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= LIMIT, f"{name_of(path)} has {lines} lines (limit {LIMIT}): split it by concept"


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A path a -> b -> ... -> a in ``graph``, or None (an iterative depth-first walk)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(graph):
        if start in state:
            continue
        stack, path = [(start, iter(sorted(graph[start])))], [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    return [*path[path.index(child) :], child]
                if child not in state and child in graph:
                    state[child] = 1
                    stack.append((child, iter(sorted(graph[child]))))
                    path.append(child)
                    break
            else:
                state[node] = 2
                stack.pop()
                path.pop()
    return None


def test_the_circle_finder_finds_circles():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_itself_round_a_circle():
    circle = find_circle(edges())
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_the_engine_stands_on_small_modules_that_stand_on_nothing():
    """The page a teacher prints needs only the table of operations, the passes' registry and
    two leaves (how a number is shown, the float rules' real-number helpers)."""
    graph = edges()
    below = {"ops", "passes", "notation", "reals"}
    assert graph["micrograd_cbook.engine"] <= {f"micrograd_cbook.{m}" for m in below}
    for module in below:
        assert graph[f"micrograd_cbook.{module}"] == set(), module


def test_imports_between_our_modules_are_at_the_top():
    found = []
    for path in MODULES:
        module = tree(path)
        top = {id(n) for n in module.body} | type_checking_only(module)
        for node in module.body:  # a try: import ... except ImportError at the top is fine
            if isinstance(node, (ast.Try, ast.If)):
                top |= {id(n) for n in ast.walk(node)}
        for node in ast.walk(module):
            local = isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in top
            if local and any(ours(target) for target, _ in imported(path, node)):
                found.append(f"{name_of(path)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "imports inside functions:\n" + "\n".join(found)


def test_no_private_name_is_imported_from_another_module():
    found = []
    for path in MODULES:
        for node in ast.walk(tree(path)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target, names in imported(path, node):
                    private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                    if ours(target) and private:
                        found.append(f"{name_of(path)}:{node.lineno}: {private} from {target}")
    assert not found, "\n".join(found)
