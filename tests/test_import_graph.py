"""No import cycle crosses folders (issue 15): the import graph of the service's own modules,
read with ast (every import, module level or inside a function), has no strongly connected
group of files in more than one folder."""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "tests", "bench", "migrations", "instance", "node_modules", "docs", "locales", "content"}


def _modules():
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in SKIP or any(p.startswith(".") for p in parts):
            continue
        name = ".".join(parts)[:-3]
        name = name[: -len(".__init__")] if name.endswith(".__init__") else name
        found[name] = path
    return found


def _imports(path, name, modules):
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def graph():
    modules = _modules()
    return {name: set(_imports(path, name, modules)) for name, path in modules.items()}


def cycles(edges):
    """Strongly connected groups of more than one module (Tarjan)."""
    sys.setrecursionlimit(10_000)
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in list(edges):
        if v not in index:
            visit(v)
    return groups


def _folder(module):
    path = _modules()[module]
    return str(path.parent.relative_to(ROOT))


def test_no_import_cycle_crosses_folders():
    crossing = [group for group in cycles(graph()) if len({_folder(m) for m in group}) > 1]
    assert not crossing, "import cycles across folders:\n" + "\n".join(" <-> ".join(g) for g in crossing)
