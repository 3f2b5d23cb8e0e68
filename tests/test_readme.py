"""The README and the flagship spec's header say what the code does: every example is checked.

- YAML blocks: the `x-apigwc` example, embedded in a minimal spec that has the resources it names,
  validates with no finding at all; the `x-apigwc-ignore` fragment validates without error; the
  pre-commit configuration names a hook `.pre-commit-hooks.yaml` defines.
- The JSON block has the keys `validate --format json` writes.
- Shell blocks and the CLI table: each `apigwc` subcommand exists and each option written after it
  is listed by that subcommand's `--help`; `make` targets exist in the Makefile; `python -m
  petstore_gateway` options are the generated runtime's; any other command is one of a few named
  external tools (a new kind of command needs a check here).
- Every `AGWnnn name` the README writes is a code of the catalogue under that name.
- The `curl` requests of `specs/petstore.yaml`'s header are sent to the served flagship build, as
  `make run` serves it, and each answers the status its comment gives.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import socket
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml
from apigwc.cli import main
from apigwc.codes import all_codes
from click.testing import CliRunner

from tests.runtime_server import fetch, serve_spec

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w*)\n(.*?)^```", README, re.S | re.M)
# Commands of other tools the README shows; their options are theirs, not checked here.
EXTERNAL = {"aws", "sam", "cd", "source", "pip"}

# A minimal spec holding what the x-apigwc example refers to (the /pets GET method).
HOST_SPEC = """\
openapi: 3.0.1
info: {title: Readme, version: "1"}
paths:
  /pets:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"""


def blocks(lang: str) -> list[str]:
    return [body for kind, body in BLOCKS if kind == lang]


def validate(spec: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(spec)])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.output)
    return report


def test_the_readme_has_the_examples_this_test_reads() -> None:
    assert len(blocks("yaml")) >= 3 and len(blocks("sh")) >= 5 and len(blocks("json")) == 1
    assert len(commands()) >= 15


def test_x_apigwc_example_validates_clean(tmp_path: Path) -> None:
    (example,) = [b for b in blocks("yaml") if b.startswith("x-apigwc:")]
    spec = tmp_path / "api.yaml"
    spec.write_text(HOST_SPEC + example, encoding="utf-8")
    report = validate(spec)
    assert report["diagnostics"] == [], report["diagnostics"]
    keys = set(yaml.safe_load(example)["x-apigwc"])
    assert {"identities", "functions", "stages", "apiKeys", "usagePlans"} <= keys


def test_ignore_fragment_validates_without_error(tmp_path: Path) -> None:
    (fragment,) = [b for b in blocks("yaml") if b.startswith("x-apigwc-ignore:")]
    spec = tmp_path / "api.yaml"
    spec.write_text('openapi: 3.0.1\ninfo: {title: I, version: "1"}\n' + fragment, "utf-8")
    report = validate(spec)
    assert report["summary"] == {"errors": 0, "warnings": 1, "infos": 0}, report


def test_pre_commit_example_names_a_defined_hook() -> None:
    (config,) = [yaml.safe_load(b) for b in blocks("yaml") if b.startswith("repos:")]
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    used = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert used and used <= hooks


def test_json_example_has_the_keys_validate_writes(tmp_path: Path) -> None:
    (example,) = [json.loads(b) for b in blocks("json")]
    spec = tmp_path / "api.yaml"
    spec.write_text(HOST_SPEC + "x-amazon-apigateway-frobnicate: 1\n", encoding="utf-8")
    report = validate(spec)
    assert set(example) == set(report)
    assert set(example["summary"]) == set(report["summary"])  # type: ignore[arg-type]
    written = report["diagnostics"][0]  # type: ignore[index]
    assert set(example["diagnostics"][0]) == set(written)


def test_every_code_the_readme_names_is_in_the_catalogue() -> None:
    named = set(re.findall(r"(AGW\d{3})[ \]]([a-z][a-z-]+[a-z])", README))
    assert named
    for code, name in named:
        assert all_codes()[code].name == name, code


# -- commands -------------------------------------------------------------------------------------


def commands() -> list[list[str]]:
    """Every command line of the shell blocks and of the CLI table (`apigwc ...` in a row's
    first cell)."""
    rows = re.findall(r"^\| `(apigwc [^`]*)`", README, re.M)
    return shell_commands() + [row.replace("\\|", "|").split() for row in rows]


def shell_commands() -> list[list[str]]:
    """The shell blocks' commands: comments cut, continuations joined, `&&` split."""
    return [
        part
        for body in blocks("sh")
        for line in body.replace("\\\n", " ").splitlines()
        for part in _split_and(line)
        if part
    ]


def _split_and(line: str) -> list[list[str]]:
    words = shlex.split(line, comments=True)
    parts: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            parts.append([])
        else:
            parts[-1].append(word)
    return parts


@cache
def apigwc_help(subcommand: str) -> str:
    result = CliRunner().invoke(main, [subcommand, "--help"] if subcommand else ["--help"])
    assert result.exit_code == 0, f"apigwc {subcommand}: {result.output}"
    return result.output


@cache
def runtime_help() -> str:
    # no .pyc beside the checked-in build (the freshness test compares that tree file by file)
    env = {
        "PYTHONPATH": str(ROOT / "generated" / "petstore" / "runtime"),
        "PATH": "/usr/bin",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "petstore_gateway", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def options(words: list[str]) -> list[str]:
    """`--name` and `-o` words, also inside `[--name VALUE]` (a `--name=value` is `--name`)."""
    return re.findall(r"(?:^|[\s\[])(--?[a-z][a-z-]*)", " ".join(words))


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", text, re.M))


def check_command(words: list[str]) -> None:
    tool = words[0].removeprefix(".venv/bin/")
    if tool == "make":
        assert set(words[1:]) <= makefile_targets(), words
    elif tool == "apigwc":
        subcommand = words[1] if len(words) > 1 and not words[1].startswith("-") else ""
        if subcommand:
            assert f"  {subcommand} " in apigwc_help(""), f"no subcommand {subcommand}"
        listed = apigwc_help(subcommand)
        for option in options(words):
            assert re.search(rf"(^|[\s,]){re.escape(option)}\b", listed), (option, words)
    elif words[:3] == ["python", "-m", "petstore_gateway"]:
        for option in options(words[3:]):
            assert option in runtime_help(), (option, words)
    elif words[:3] == ["python", "-m", "websockets"]:  # the websockets library's client
        assert importlib.util.find_spec("websockets.__main__") is not None, words
    elif tool in ("pytest", "pre-commit"):
        assert (ROOT / ".venv" / "bin" / tool).exists() or tool == "pytest", words
    elif tool == "moto_server":  # the dev extra's moto[server]
        assert (Path(sys.executable).parent / tool).exists(), words
    elif tool == "python" and words[1].startswith("specs/"):  # a script of the examples
        assert (ROOT / words[1]).is_file(), words
    else:
        assert tool in EXTERNAL, f"an unchecked command in the README: {words}"


@pytest.mark.parametrize("words", commands(), ids=lambda w: " ".join(w)[:60])
def test_command(words: list[str]) -> None:
    check_command(words)


@pytest.mark.parametrize(
    "words",
    [w for w in shell_commands() if w[0] == "apigwc"],
    ids=lambda w: " ".join(w)[:60],
)
def test_apigwc_command_parses(words: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The arguments as written parse (click's own parser, from the repository's root, where
    the example spec exists), without running the command."""
    monkeypatch.chdir(ROOT)
    command = main.commands[words[1]]
    with command.make_context(words[1], words[2:]) as context:
        assert context.params


def test_pip_install_paths_exist() -> None:
    for words in commands():
        if words[:2] == ["pip", "install"]:
            target = words[-1].split("[")[0]
            assert (ROOT / target).is_dir(), words
            extra = re.search(r"\[(\w+)\]", words[-1])
            if extra:
                pyproject = (ROOT / target / "pyproject.toml").read_text(encoding="utf-8")
                assert f"\n{extra.group(1)} = [" in pyproject, words


def test_exit_code_3_is_port_in_use(tmp_path: Path) -> None:
    """The documented exit code of `apigwc serve` when its port is taken."""
    assert "| 3 | `serve` only: the server could not start (the port is in use" in README
    spec = tmp_path / "api.yaml"
    spec.write_text(HOST_SPEC, encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        apigwc = Path(sys.executable).parent / "apigwc"
        done = subprocess.run(
            [str(apigwc), "serve", "api.yaml", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 3, done.stderr


# -- the flagship spec's header -------------------------------------------------------------------


def header_requests() -> list[tuple[list[str], int, str]]:
    """(curl words, expected status, comment) for each `curl` of specs/petstore.yaml's header;
    `$(.venv/bin/apigwc …)` is replaced by what the command prints, and `eval "$(…)"` by the
    curl command it prints (`apigwc sign`)."""
    header = []
    for line in (ROOT / "specs" / "petstore.yaml").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        header.append(line.removeprefix("#"))
    found = []
    for line in "\n".join(header).replace("\\\n", " ").splitlines():
        if line.strip().startswith(("curl ", "eval ")):
            command, _, comment = line.partition("  # ")
            status = re.match(r"\d{3}", comment.strip())
            assert status, f"no expected status after {command}"
            words = shlex.split(_SUBSTITUTION.sub(_run_apigwc, command))
            if words[0] == "eval":
                words = shlex.split(words[1])
            found.append((words, int(status.group()), comment.strip()))
    return found


_SUBSTITUTION = re.compile(r"\$\((\.venv/bin/apigwc [^)]*)\)")


def _run_apigwc(found: re.Match[str]) -> str:
    """What `$(.venv/bin/apigwc …)` prints, run from the repository's root as `make run` is."""
    from apigwc.cli import main

    words = shlex.split(found.group(1))[1:]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = CliRunner().invoke(main, words)
    assert result.exit_code == 0, (words, result.output)
    return result.output.strip()


def send(port: int, words: list[str]) -> int:
    method, headers, body, url = "GET", {}, b"", ""
    args = iter(words[1:])
    for word in args:
        if word == "-X":
            method = next(args)
        elif word == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(args).encode()
            method = "POST" if method == "GET" else method
        elif word == "--data-binary":
            body = next(args).encode()
        elif word.startswith("http://"):
            url = word
    prefix = "http://127.0.0.1:8080"
    # as curl sends it: a signed request (`apigwc sign`) signed this Host
    headers.setdefault("Host", "127.0.0.1:8080")
    assert url.startswith(prefix + "/"), url
    return fetch(port, method, url.removeprefix(prefix), headers, body).status


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_petstore_header_requests_answer_as_written(tmp_path: Path) -> None:
    requests = header_requests()
    assert len(requests) >= 8
    with serve_spec(ROOT / "specs" / "petstore.yaml", tmp_path / "out") as gateway:
        for words, expected, comment in requests:
            status = send(gateway.port, words)
            if "until a vet backend listens on 127.0.0.1:9001" in comment and _listening(9001):
                assert status != expected, (words, status)  # a backend happens to listen there
            else:
                assert status == expected, (" ".join(words), status)


def test_make_check_scope_is_what_the_readme_says() -> None:
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mypy_files = ", ".join(pyproject["tool"]["mypy"]["files"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    linted = re.search(r"ruff check (.+)", makefile)
    assert linted is not None
    folders = ", ".join(f"{f}/" for f in linted.group(1).split())
    assert f"ruff and black --check over {folders}; mypy (strict) over {mypy_files}" in README
