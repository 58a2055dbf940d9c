"""The package's layers read in one direction: no module imports a layer above its own.

Every ``import`` in ``src/llmvalues`` counts, at module level or inside a function, with
one sanctioned exception: a result's ``plot`` method may hand the result to the plots
layer (``fit.plot(kind=...)``), importing it when called, so results never load
matplotlib and the figures stay in one layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "llmvalues"

# lowest first; a module may import its own component and any component of a lower layer
LAYERS: list[tuple[str, ...]] = [
    ("llmvalues.data", "llmvalues.summary", "llmvalues.errors", "llmvalues.executor"),
    ("llmvalues.instruments",),
    ("llmvalues.responses",),
    ("llmvalues.collect",),
    ("llmvalues.sem",),
    ("llmvalues.iw",),
    ("llmvalues.iw.bayes",),
    ("llmvalues.fit",),
    ("llmvalues.embeddings",),
    ("llmvalues.valuelex", "llmvalues.univar"),
    ("llmvalues.plots",),
    ("llmvalues.report",),
    ("llmvalues.study",),
    ("llmvalues.cli",),
]
LATE_BOUND = {"plot": ("llmvalues.plots",)}  # method name → layers it may import when called


def component(module: str) -> str | None:
    """The longest layer component that ``module`` belongs to."""
    best = None
    for names in LAYERS:
        for name in names:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > len(best)
            ):
                best = name
    return best


def layer(name: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if name in names)


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path):
    """(imported module, enclosing function name or None, line) for every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = child.name
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, name, child.lineno
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    yield (target if component(target) else base), name, child.lineno
            yield from visit(child, name)

    yield from visit(tree, None)


def violations() -> list[str]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        here = module_name(path)
        if here == "llmvalues":  # the public façade re-exports every layer
            continue
        own = component(here)
        assert own is not None, f"{here} belongs to no layer: add it to LAYERS"
        for target, function, line in imports(path):
            if not target.startswith("llmvalues"):
                continue
            theirs = component(target)
            if theirs is None or theirs == own or own.startswith(theirs + "."):
                continue
            allowed = layer(theirs) < layer(own)
            if not allowed and function in LATE_BOUND:
                allowed = theirs in LATE_BOUND[function]
            if not allowed:
                rel = path.relative_to(SRC.parent)
                out.append(
                    f"{rel}:{line}: {own} (layer {layer(own)}) imports {target} "
                    f"({theirs}, layer {layer(theirs)})"
                )
    return out


def test_no_module_imports_a_higher_layer():
    assert violations() == []


def test_the_checker_finds_an_upward_import(tmp_path, monkeypatch):
    """The check can fail: a fake instruments module importing the plots layer is caught."""
    fake = tmp_path / "llmvalues"
    (fake / "instruments").mkdir(parents=True)
    (fake / "instruments" / "bad.py").write_text(
        "from llmvalues.plots import plot_map\n\ndef plot():\n    import llmvalues.cli\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", fake)
    found = violations()
    assert len(found) == 2
    assert "imports llmvalues.plots.plot_map" in found[0]
    assert "imports llmvalues.cli" in found[1]


@pytest.mark.parametrize("module", ["llmvalues.iw.bayes.model", "llmvalues.sem.cfa"])
def test_every_module_has_a_layer(module):
    assert component(module) is not None
