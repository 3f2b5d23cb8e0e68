"""`apigwc serve --debug-port N`: a debugger attaches as VS Code and PyCharm do (the Debug Adapter
Protocol over the socket debugpy listens on), a breakpoint in the user's handler file stops the
request there, and the request answers once the debugger continues. A handler's traceback
names the user's file, not the build's copy."""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.runtime_server import Reply, fetch, free_port, wait_for_port

pytest.importorskip("debugpy", reason="the [debug] extra (debugpy) is not installed")

SPEC = """\
openapi: 3.0.1
info: {title: Debugged, version: "1.0"}
paths:
  /hello:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:Hello/invocations
x-apigwc:
  functions:
    Hello: {handler: app:handler, codeUri: handlers, timeout: 60}
"""
HANDLER = """\
def handler(event, context):
    greeting = "hello from the handler"
    return {"statusCode": 200, "body": greeting}
"""
BREAK_LINE = 3


class Dap:
    """A Debug Adapter Protocol client: Content-Length framed JSON over a socket."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buffer = b""
        self.seq = itertools.count(1)
        self.messages: list[dict[str, Any]] = []

    def send(self, command: str, **arguments: Any) -> int:
        seq = next(self.seq)
        body = json.dumps(
            {"seq": seq, "type": "request", "command": command, "arguments": arguments}
        ).encode()
        self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return seq

    def _read(self) -> dict[str, Any]:
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._chunk()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = int(head.split(b":")[1])
        while len(rest) < length:
            rest += self._chunk()
        self.buffer = rest[length:]
        return json.loads(rest[:length])  # type: ignore[no-any-return]

    def _chunk(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the debug adapter closed the connection")
        return data

    def wait(self, kind: str, name: str, timeout: float = 60) -> dict[str, Any]:
        """The first response to `name` (kind "response") or event `name` not yet taken."""
        key = "command" if kind == "response" else "event"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["type"] == kind and message.get(key) == name:
                    self.messages.remove(message)
                    return message
            self.messages.append(self._read())
        raise AssertionError(f"no {kind} {name}: {self.messages}")


@contextmanager
def debugged_server(folder: Path) -> Iterator[tuple[int, int, subprocess.Popen[bytes]]]:
    port, debug_port = free_port(), free_port()
    apigwc = Path(sys.executable).parent / "apigwc"
    command = [str(apigwc), "serve", "api.yaml", "--port", str(port)]
    command += ["--debug-port", str(debug_port), "--workers", "3"]
    process = subprocess.Popen(command, cwd=folder, stderr=subprocess.PIPE, env=dict(os.environ))
    try:
        wait_for_port(port, process, timeout=60)
        yield port, debug_port, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_breakpoint_in_a_handler_stops_the_request(tmp_path: Path) -> None:
    (tmp_path / "handlers").mkdir()
    handler = tmp_path / "handlers" / "app.py"
    handler.write_text(HANDLER, encoding="utf-8")
    (tmp_path / "api.yaml").write_text(SPEC, encoding="utf-8")
    with debugged_server(tmp_path) as (port, debug_port, _):
        dap = Dap(debug_port)
        dap.send("initialize", adapterID="python", clientID="test", pathFormat="path")
        assert dap.wait("response", "initialize")["success"]
        dap.send("attach", justMyCode=True)
        dap.wait("event", "initialized")
        dap.send(
            "setBreakpoints", source={"path": str(handler)}, breakpoints=[{"line": BREAK_LINE}]
        )
        verified = dap.wait("response", "setBreakpoints")["body"]["breakpoints"]
        assert verified and verified[0]["verified"], verified
        dap.send("configurationDone")
        dap.wait("response", "attach")
        replies: list[Reply] = []
        request = threading.Thread(target=lambda: replies.append(fetch(port, "GET", "/hello")))
        request.start()
        stopped = dap.wait("event", "stopped")["body"]
        assert stopped["reason"] == "breakpoint"
        dap.send("stackTrace", threadId=stopped["threadId"])
        frame = dap.wait("response", "stackTrace")["body"]["stackFrames"][0]
        assert (frame["source"]["path"], frame["line"]) == (str(handler), BREAK_LINE)
        assert not replies  # the request waits at the breakpoint
        dap.send("continue", threadId=stopped["threadId"])
        request.join(60)
        assert replies and replies[0].body == b"hello from the handler"
        dap.send("disconnect")


def test_debug_port_without_debugpy_says_what_to_install(tmp_path: Path) -> None:
    (tmp_path / "api.yaml").write_text(SPEC, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", HIDE_DEBUGPY, "serve", "api.yaml", "--debug-port", "5999"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'apigwc[debug]'" in done.stderr
    assert "Traceback" not in done.stderr


# `apigwc` with debugpy made unfindable (a meta path finder that refuses it), as in an
# environment without the [debug] extra.
HIDE_DEBUGPY = """\
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name == "debugpy" or name.startswith("debugpy."):
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
from apigwc.cli import main
sys.argv[0] = "apigwc"
main()
"""
