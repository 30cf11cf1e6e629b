import subprocess
import sys

import jwt
import pytest

from tests.support.clients import ROOT, SECRET

pytestmark = pytest.mark.slow


def _run(*args: str, secret: str | None = SECRET) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TR_DATABASE_URL": "sqlite:///:memory:"}
    if secret is not None:
        env["TR_JWT_SECRET"] = secret
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_token_command_mints_a_verifiable_token() -> None:
    done = _run("token", "--sub", "dr-house", "--scope", "records:read audit:read")
    assert done.returncode == 0, done.stderr
    claims = jwt.decode(done.stdout.strip(), SECRET, algorithms=["HS256"])
    assert claims["sub"] == "dr-house"
    assert claims["scope"] == "records:read audit:read"
    assert claims["exp"] > claims["iat"]


@pytest.mark.parametrize(
    ("args", "secret", "message"),
    [
        (("token", "--sub", "x", "--scope", "records:delete"), SECRET, "unknown scope"),
        (("token", "--sub", "x"), None, "TR_JWT_SECRET"),
    ],
)
def test_token_command_refuses(args: tuple[str, ...], secret: str | None, message: str) -> None:
    done = _run(*args, secret=secret)
    assert done.returncode == 2
    assert message in done.stderr
