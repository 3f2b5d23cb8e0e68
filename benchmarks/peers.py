"""The peer tools' virtual environment, `benchmarks/out/peers-venv/` (ignored by git).

Connexion (with uvicorn) and openapi-generator-cli (PyPI, ships the jar; needs Java 17) are
benchmark baselines, not dependencies of apigwc: they are installed here on first use, pinned so
that figures from different days compare, and never imported by apigwc or its tests.
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
VENV = OUT / "peers-venv"
PINNED = ("connexion[uvicorn]==3.3.0", "openapi-generator-cli==7.26.0")


def python() -> Path:
    """The peers venv's interpreter, creating the venv and installing the pins when missing."""
    interpreter = VENV / "bin" / "python"
    if not interpreter.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    probe = "import connexion, uvicorn, uvloop, httptools, openapi_generator_cli"
    if subprocess.run([str(interpreter), "-c", probe], capture_output=True).returncode != 0:
        print(f"installing {', '.join(PINNED)} into {VENV}", file=sys.stderr)
        subprocess.run([str(interpreter), "-m", "pip", "install", "-q", *PINNED], check=True)
    return interpreter
