"""app.webhooks stands alone: the standard library, httpx and standardwebhooks, nothing else
(the DB, the services and the worker are built on it, never the other way round)."""

import ast
import sys
from pathlib import Path

import app.webhooks

PACKAGE = Path(app.webhooks.__file__).parent
ALLOWED = {"httpx", "standardwebhooks", "app"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_imports_are_stdlib_httpx_standardwebhooks_or_the_package_itself() -> None:
    modules = set().union(*(imported_modules(path) for path in PACKAGE.glob("*.py")))
    assert modules  # the walk found the imports
    for module in modules:
        top = module.split(".")[0]
        assert top in sys.stdlib_module_names or top in ALLOWED, module
        if top == "app":
            assert module.startswith("app.webhooks"), module


def test_public_names_exist() -> None:
    assert all(hasattr(app.webhooks, name) for name in app.webhooks.__all__)
