import ast
import sys
from pathlib import Path

import pytest

import app.charts
import app.rules.survival

CHARTS = Path(app.charts.__file__).parent
SOURCES = [*sorted(CHARTS.glob("*.py")), Path(app.rules.survival.__file__)]


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_standard_library_only_and_nothing_else_from_the_app(path: Path) -> None:
    """The charts and the estimator stay pure: no plotting library, no database, no
    service code; the charts import only each other."""
    own = "app.charts" if path.parent == CHARTS else "app.rules.survival"
    outside = {
        name
        for name in _imported(path)
        if name.split(".")[0] not in sys.stdlib_module_names and not name.startswith(own)
    }

    assert outside == set()
