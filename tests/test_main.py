"""app.main: importing it builds nothing; `uvicorn app.main:app` still finds an app."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.clients import ROOT

pytestmark = pytest.mark.slow  # a fresh interpreter: the suite has imported app.main already

PROBE = """
import os
import app.main
print("app" in vars(app.main), os.path.exists("var"))
built = app.main.app
print(type(built).__name__, os.path.exists("var"), app.main.app is built)
"""


def test_import_has_no_side_effects_and_the_app_is_built_on_first_access(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,  # the default SQLite file lives under ./var, created by the engine
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["False False", "FastAPI True True"]
