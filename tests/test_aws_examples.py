"""The AWS service examples of specs/aws/ answer their header's requests against a moto server.

As the README's "AWS service examples" section says: a moto server (here in this process's
threads, on 127.0.0.1), `specs/aws/setup_moto.py ENDPOINT` run as a user runs it, then each spec
served with `AWS_ENDPOINT_URL` naming moto (the environment wins over the spec's
`awsEndpoint`), and each `curl` of the spec's header sent, answering the status written after it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runtime_server import build_spec, fetch, run_package

moto_server = pytest.importorskip("moto.server")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "specs" / "aws").glob("*.yaml"))
PREFIX = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    script = ROOT / "specs" / "aws" / "setup_moto.py"
    for _ in range(2):  # a second run leaves what the first created
        done = subprocess.run(
            [sys.executable, str(script), endpoint],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    yield endpoint
    server.stop()


def header_requests(spec: Path) -> list[tuple[list[str], int]]:
    """(curl words, expected status) for each `curl` of the spec's header comment."""
    header = []
    for line in spec.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line.removeprefix("#"))
    found = []
    for line in "\n".join(header).replace("\\\n", " ").splitlines():
        if line.strip().startswith("curl "):
            command, _, comment = line.partition("  # ")
            status = comment.strip()[:3]
            assert status.isdigit(), f"no expected status after {command}"
            found.append((shlex.split(command), int(status)))
    return found


def send(port: int, words: list[str]) -> tuple[int, bytes]:
    method, headers, body, url = "GET", {}, b"", ""
    args = iter(words[1:])
    for word in args:
        if word == "-X":
            method = next(args)
        elif word == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif word in ("-d", "--data-binary"):
            body = next(args).encode()
            method = "POST" if method == "GET" else method
        elif word.startswith("http://"):
            url = word
    assert url.startswith(PREFIX + "/"), url
    reply = fetch(port, method, url.removeprefix(PREFIX), headers, body)
    return reply.status, reply.body


def test_every_example_has_requests() -> None:
    assert len(EXAMPLES) >= 4
    for spec in EXAMPLES:
        assert len(header_requests(spec)) >= 3, spec.name


@pytest.mark.parametrize("spec", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_answers_its_header_requests(spec: Path, moto: str, tmp_path: Path) -> None:
    package = build_spec(spec, tmp_path / "out")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "APIGWC_AWS"))},
        "AWS_ENDPOINT_URL": moto,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with run_package(tmp_path / "out" / "runtime", package, env=env) as port:
        for words, expected in header_requests(spec):
            status, body = send(port, words)
            assert status == expected, (spec.name, words, status, body[:300])
