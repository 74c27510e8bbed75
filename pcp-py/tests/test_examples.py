"""The examples: type-checked with mypy --strict, and the EFM hook run as EFM would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import Sandbox, restore

HERE = Path(__file__).resolve().parent.parent
HOOK = HERE / "examples" / "efm_lb_hook.py"


def test_mypy_strict_on_examples() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(HERE / "examples"),
         str(HERE / "benches" / "roundtrip.py")],
        capture_output=True, text=True, cwd=HERE,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def hook(sandbox: Sandbox, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update({"PCP_HOST": sandbox.endpoint, "PCP_USER": sandbox.user,
                 "PCPPASSFILE": sandbox.env["PCPPASSFILE"], "PCP_WAIT": "30"})
    full.pop("PCP_PASSWORD", None)
    full.update(env)
    return subprocess.run([sys.executable, str(HOOK), *args], capture_output=True, text=True,
                          env=full, timeout=120)


def test_efm_hook(sandbox: Sandbox) -> None:
    restore(sandbox)
    try:
        out = hook(sandbox, "detach", "127.0.0.3", "s")
        assert out.returncode == 0, out.stderr
        assert "detach node 2: applied" in out.stderr and out.stdout == ""
        out = hook(sandbox, "detach", "127.0.0.3", "s")
        assert out.returncode == 0 and "already_applied" in out.stderr, out.stderr
        out = hook(sandbox, "attach", "127.0.0.3", "s")
        assert out.returncode == 0 and "attach node 2: applied" in out.stderr, out.stderr
        out = hook(sandbox, "attach", "127.0.0.1", "p")
        assert out.returncode == 0 and "promote node 0: already_applied" in out.stderr
        assert hook(sandbox, "attach", "10.9.9.9", "s").returncode == 3
        assert hook(sandbox, "attach", "127.0.0.2", "x").returncode == 2
        assert hook(sandbox, "attach", "127.0.0.2", "s", PCPPASSFILE="/nonexistent",
                    PCP_PASSWORD="wrong").returncode == 4
        assert hook(sandbox, "attach", "127.0.0.2", "s", PCP_HOST="127.0.0.1:1").returncode == 4
        assert hook(sandbox).returncode == 2
    finally:
        restore(sandbox)


def test_quickstart(sandbox: Sandbox) -> None:
    full = dict(os.environ)
    full.update({"PCP_HOST": sandbox.endpoint, "PCP_USER": sandbox.user,
                 "PCPPASSFILE": sandbox.env["PCPPASSFILE"]})
    out = subprocess.run([sys.executable, str(HERE / "examples" / "quickstart.py")],
                         capture_output=True, text=True, env=full, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("0 ") and lines[-1].startswith("primary: node "), out.stdout
