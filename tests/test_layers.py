"""The toolkit's floors: no import cycles, and nothing imports the two top floors, toolkit.recipes (training)
and toolkit.experiments (the scripts that write the metric tables). Read from the source (every import
statement, those inside functions too), so a cycle cannot hide in a function body."""
import ast
from pathlib import Path

import pytest

import toolkit

ROOT = Path(toolkit.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """{module: the toolkit modules it imports anywhere in its file}."""
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]) if node.level \
                    else node.module
                found = [f"{base.rstrip('.')}.{a.name}" for a in node.names]
            else:
                continue
            for target in found:
                while target not in modules and "." in target:       # `from .x import y`: y may be a name in x
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, found = {}, {}, [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read():
    graph = import_graph()
    assert "toolkit.checkpoints" in graph["toolkit.zoo"] and "toolkit.zoo" in graph["toolkit.pipelines.text_to_video"]
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]      # the detector finds a planted cycle


def test_no_import_cycles():
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("floor", ["toolkit.recipes", "toolkit.experiments"])
def test_nothing_imports_the_top_floors(floor):
    """Recipes (training) and experiments (the scripts that write the metric tables) are entry points: nothing
    below them imports them; pipelines and measures load the shipped models with toolkit.zoo. Only an experiment
    may train, through a recipe (the training curve of notebook 02)."""
    graph = import_graph()
    assert any(m.startswith(floor + ".") for m in graph)
    for module, targets in graph.items():
        may_train = floor == "toolkit.recipes" and module.startswith("toolkit.experiments")
        if not module.startswith(floor) and not may_train:
            above = sorted(t for t in targets if t.startswith(floor))
            assert not above, f"{module} imports {above}"


def floor_of(module: str) -> int:
    """The index in toolkit.FLOORS of the floor that holds `module` (the package itself: below them all)."""
    if module == "toolkit":
        return -1
    part = module.split(".")[1]
    found = [i for i, floor in enumerate(toolkit.FLOORS) if part in floor]
    assert found, f"{module} is on no floor: add it to toolkit.FLOORS (toolkit/__init__.py)"
    return found[0]


def test_no_module_imports_from_a_floor_above_its_own():
    assert floor_of("toolkit.zoo") > floor_of("toolkit.models.unet") and floor_of("toolkit.recipes.cli") == 10
    upward = [f"{m} -> {t}" for m, targets in import_graph().items() for t in targets if floor_of(t) > floor_of(m)]
    assert upward == [], f"imports from a higher floor: {upward}"


def test_measures_are_not_scripts():
    """toolkit.eval holds measures; a command line that writes a table belongs in toolkit.experiments."""
    for path in (ROOT / "eval").glob("*.py"):
        functions = {n.name for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef)}
        assert "main" not in functions, f"toolkit/eval/{path.name} has a main(): move it to toolkit/experiments"
