"""Emitter: `runtime/`, the standalone gateway, an installable Python project.

Flows in: the validated IR and the emit context. Flows out: `runtime/pyproject.toml` (the
runtime's own dependencies), `runtime/<slug>_gateway/{__init__,__main__,app}.py` rendered from
the Jinja templates in the repository's `templates/runtime/` and formatted with black, the
support library `apigwc/runtime/**.py` (its sub-packages kept) copied verbatim into `<slug>_gateway/_runtime/`, and the
code folders of `x-apigwc.functions` copied into `<slug>_gateway/_functions/`.

Generated code is data: every spec value reaches it through `literal()` (Python literals built
from plain values, never pasted text) and comments carry spec text only JSON-escaped, so no
spec can break out of a string or a comment. Output is deterministic.
"""

from __future__ import annotations

import ast
import gc
import json
import os
import re
import sys
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import black
import jinja2
from black.mode import TargetVersion

from apigwc import __version__
from apigwc.emitters import EmitContext
from apigwc.emitters.runtime_data import (
    api_data,
    comment_text,
    default_stage,
    functions_folders,
    request_models,
    route_data,
    used_models,
)
from apigwc.export import ExportOptions, export_document
from apigwc.ir.api import Api
from apigwc.loader.files import copyable
from apigwc.runtime.validation.contract import CONTRACT_FILE

RUNTIME_SOURCE = Path(__file__).resolve().parent.parent / "runtime"
BLACK_MODE = black.Mode(line_length=100, target_versions={TargetVersion.PY311})
# Import name -> requirement, for the third-party imports of the support library's modules.
REQUIREMENTS = {
    "uvicorn": "uvicorn[standard]>=0.55,<0.56",  # runtime/server/uvicorn_internals.py: TESTED_UVICORN
    "aiohttp": "aiohttp>=3.9",
    "httptools": "httptools>=0.6.3",  # runtime/integrations/upstream_http.py (uvicorn's parser)
    "yarl": "yarl>=1.9",
    "airspeed": "airspeed-ext==0.6.9",
    "fastjsonschema": "fastjsonschema>=2.20",
    "redis": "redis[hiredis]>=5.0.1",  # runtime/state/redis_store.py (`--state redis://...`)
    # runtime/websocket/protocol.py: frame and message limits as a (message, fragment) pair
    "websockets": "websockets>=17",
    # Cognito and JWT authorizers (runtime/security/jwt_verify.py): PyJWT on cryptography.
    "jwt": "PyJWT[crypto]>=2.8,<3",
    # runtime/integrations/aws_endpoints.py signs AWS service calls (imported on the first call)
    "botocore": "botocore>=1.31",
}
ALWAYS = ("uvicorn",)  # __main__ runs uvicorn
# Optional extras of the generated runtime: `[contract]` for `--validate-responses`
# (`_runtime/validation/contract.py` imports openapi-core lazily, so it is not a plain dependency)
# and `[granian]` for `--server granian` (`_runtime/server/granian_server.py`, imported by name),
# `[otel]` for `--otlp-endpoint` (`_runtime/observability/tracing.py`, imported when tracing is on).
OTEL = ["opentelemetry-sdk>=1.25", "opentelemetry-exporter-otlp-proto-http>=1.25"]
OPTIONAL = {
    "contract": ["openapi-core>=0.19"],
    "granian": ["granian>=2.8,<3"],
    "otel": OTEL,
}


def templates_dir() -> Path:
    """The source tree's `templates/runtime`, or the copy a wheel installs under share/."""
    source = Path(__file__).resolve().parents[3] / "templates" / "runtime"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "apigwc" / "templates" / "runtime"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=False,  # Python source: values arrive as literals, never as raw text
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["py"] = literal
    env.filters["toml"] = lambda value: json.dumps(str(value))
    return env


def literal(value: Any) -> str:
    """A Python literal for plain data; anything else is refused rather than pasted."""
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("non-finite float in generated data")
        return repr(value)
    if isinstance(value, tuple | list):
        inner = ", ".join(literal(v) for v in value)
        return (
            f"({inner},)"
            if isinstance(value, tuple) and len(value) == 1
            else (f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def emit(api: Api, ctx: EmitContext) -> dict[str, bytes]:
    package = f"{api.slug}_gateway"
    common = {
        "version": __version__,
        "spec_name": comment_text(ctx.spec_path.name),
        "package": package,
    }
    folders = functions_folders(api, ctx.spec_path.parent)
    routes = [route_data(api, method, ctx.spec_path.name) for method in api.methods]
    files = {
        f"runtime/{package}/__init__.py": _python("__init__.py.j2", common, "#"),
        f"runtime/{package}/__main__.py": _python(
            "__main__.py.j2",
            common
            | {
                "stages": list(api.deployment.stage_names),
                # `build --stage NAME` makes NAME the stage `python -m <pkg>` serves.
                "default_stage": default_stage(api, ctx),
                "websocket": api.deployment.websocket is not None,
            },
            "#",
        ),
        f"runtime/{package}/app.py": _app_module(
            common
            | {
                "api": api_data(api, ctx, folders),
                "routes": routes,
                "has_models": bool(request_models(api)),
            },
        ),
    }
    models = request_models(api)
    if models:
        files[f"runtime/{package}/models.py"] = _models_module(models, used_models(api), ctx)
    files[f"runtime/{package}/{CONTRACT_FILE}"] = _contract(api)
    support = _support_library()
    files.update({f"runtime/{package}/_runtime/{name}": data for name, data in support.items()})
    files.update(_function_files(package, folders))
    files["runtime/pyproject.toml"] = _render(
        "pyproject.toml.j2",
        common
        | {
            "comment": "#",
            "distribution": package.replace("_", "-"),
            "version_string": api.version if _pep440(api.version) else "0.0.0",
            "description": f"API Gateway runtime generated by apigwc from {ctx.spec_path.name}",
            "dependencies": _dependencies(support),
            "extras": OPTIONAL,
            "packages": [package, *_support_packages(package, support)],
        },
    ).encode()
    return files


def _contract(api: Api) -> bytes:
    """The spec as plain OpenAPI 3.0 (no API Gateway extensions) for `--validate-responses`,
    which reads it with openapi-core at start-up only when the option is on."""
    document = export_document(api, ExportOptions("oas30", documentation=False))
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode()


def _models_module(models: dict[str, Any], used: set[str], ctx: EmitContext) -> bytes:
    """Request models compiled to Python at build time with fastjsonschema (reference §1.5)."""
    from apigwc.emitters.runtime_models import compile_models

    banner = (
        f"Generated by apigwc {__version__} from {comment_text(ctx.spec_path.name)}. "
        "DO NOT EDIT: run `apigwc build` again."
    )
    # Black parses every chunk shape, so a syntax error still fails the build here.
    return format_top_level(compile_models(models, banner=banner, used=used)).encode()


_TOP_LEVEL_DEF = re.compile(r"^(?=def |VALIDATORS = )", re.M)
# Model indexes in a validator chunk: its own `_validator_7`, and `..._m7` for every model its
# schema reaches (its own and the ones it references).
_INDEX = r"(?<=_validator_)({digits})(?![A-Za-z0-9_])|(?<=_m)({digits})(?![A-Za-z0-9_])"
_PLACEHOLDER_LETTERS = "QXZJKVWY"
# Patterns compiled once (a pattern per chunk was a third of formatting a 600-model module):
# every index, and every run of placeholder letters in an index's place.
_ANY_INDEX = re.compile(_INDEX.format(digits=r"\d+"))
_ANY_PLACEHOLDER = re.compile(_INDEX.format(digits=f"[{_PLACEHOLDER_LETTERS}]+"))


def format_top_level(source: str) -> str:
    """Black for the models module, chunk by chunk: black formats top-level statements
    independently, so the joined chunks are what `black.format_str(source)` gives, and chunks
    that differ only in model indexes (`_validator_7`, `..._m7`) are formatted once.

    Black on the whole module was most of `apigwc build` for big APIs (30 s of 50 s for
    1,000 operations): models of one shape repeat, one per resource. Distinct shapes are
    formatted together, on every core when there are many (`_black_all`).
    """
    chunks = [_chunk_shape(chunk) for chunk in _TOP_LEVEL_DEF.split(source) if chunk.strip()]
    shapes = list(dict.fromkeys(shape for shape, _ in chunks if shape is not None))
    formatted = dict(zip(shapes, _black_all(shapes), strict=True))
    return "\n\n".join(
        finish(formatted[shape]) if shape is not None else finish("") for shape, finish in chunks
    )


def _chunk_shape(chunk: str) -> tuple[str | None, Callable[[str], str]]:
    """(the text black must format, or None; how the chunk is made from black's output)."""
    if chunk.startswith("VALIDATORS = {"):
        table = _format_validators(chunk)
        if table is not None:
            return None, lambda _: table
        return chunk, _same
    if not chunk.startswith("def _validator_"):
        return chunk, _same
    indexes = list(dict.fromkeys(match.group(0) for match in _ANY_INDEX.finditer(chunk)))
    if len(indexes) > len(_PLACEHOLDER_LETTERS) or _ANY_PLACEHOLDER.search(chunk):
        return chunk, _same  # a name already looks like one
    # Letters of the same width as each index, so black lays the chunk out the same way.
    placeholders = [
        letter * len(index) for letter, index in zip(_PLACEHOLDER_LETTERS, indexes, strict=False)
    ]
    to_placeholder = dict(zip(indexes, placeholders, strict=True))
    to_index = dict(zip(placeholders, indexes, strict=True))
    shape = _ANY_INDEX.sub(lambda m: to_placeholder[m.group(0)], chunk)
    return shape, lambda text: _ANY_PLACEHOLDER.sub(lambda m: to_index[m.group(0)], text)


def _same(text: str) -> str:
    return text


# Below this many distinct shapes, starting worker processes costs more than it saves.
_PARALLEL_MIN = 48


def _black_all(sources: list[str]) -> list[str]:
    """`_black` of each source, in order. Many shapes (an API whose models all differ: 600
    took 13 s of black) are split over one worker process per core; a fork of this process
    has black imported already, so workers start at once. A process with other threads (a
    server that rebuilds) is not forked: it formats in order."""
    workers = min(os.cpu_count() or 1, 8)
    if len(sources) < _PARALLEL_MIN or workers < 2 or threading.active_count() > 1:
        return [_black(source) for source in sources]
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_black, sources, chunksize=max(1, len(sources) // (workers * 4)))


# One `VALIDATORS` entry as `compile_models` writes it: a repr'd name and its validator's call.
_VALIDATORS_ENTRY = re.compile(
    r"""    ('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"): _validator_(\d+)\(\),"""
)


def _format_validators(chunk: str) -> str | None:
    """The `VALIDATORS` table as black writes it, without black: the source ends every entry
    with a comma (black's magic trailing comma keeps one entry a line), so black only rewrites
    each name's quotes. Anything else, or a line over the limit, is black's (None)."""
    lines = chunk.split("\n")
    entries = []
    for line in lines[1:-2]:
        match = _VALIDATORS_ENTRY.fullmatch(line)
        if match is None:
            return None
        name = black.strings.normalize_string_quotes(match.group(1))
        entries.append(f"    {name}: _validator_{match.group(2)}(),")
    fits = all(
        e.isascii() and e.isprintable() and len(e) <= BLACK_MODE.line_length for e in entries
    )
    if lines[0] != "VALIDATORS = {" or lines[-2:] != ["}", ""] or not entries or not fits:
        return None
    return "\n".join(["VALIDATORS = {", *entries, "}", ""])


@lru_cache(maxsize=256)
def _format_shape(shape: str) -> str:
    return _black(shape)


def _black(source: str) -> str:
    """`black.format_str`, then a collection of the youngest generation: black's syntax trees
    link children and parents, so only the cycle collector frees them, and `apigwc build`
    pauses it while the emitters run (`emit_all`). A young collection is cheap right after a
    format (little else is young), and a models module of 600 distinct shapes would otherwise
    hold every tree: a gigabyte."""
    formatted = black.format_str(source, mode=BLACK_MODE)
    gc.collect(0)
    return formatted


def _render(template: str, values: dict[str, Any]) -> str:
    return environment().get_template(template).render(**values)


_EMPTY_ROUTES = "ROUTES = ()\n"
_PLACEHOLDER_STRING = re.compile(r'"x*"')


def _app_module(values: dict[str, Any]) -> bytes:
    """`app.py`: the template formatted with black, the route table one entry at a time.

    Black formats each element of an exploded tuple on its own, so the entries joined are what
    black gives for the whole table; entries are formatted by shape (`_format_entry`), since
    black on a 1,000-route table took most of `apigwc build`'s time.
    """
    routes = values["routes"]
    if len(routes) < 2:  # black writes a one-entry table on one line when it fits
        return _python("app.py.j2", values, "#")
    skeleton = _skeleton(values | {"routes": []})
    if routes:
        entries = "".join(
            f"    {('# ' + route['comment']).rstrip()}\n{_format_entry(route['data'])}"
            for route in routes
        )
        assert skeleton.count(_EMPTY_ROUTES) == 1, "app.py.j2 renders the route table once"
        skeleton = skeleton.replace(_EMPTY_ROUTES, f"ROUTES = (\n{entries})\n")
    # The skeleton was parsed (`_python`) and black parsed every entry shape.
    return skeleton.encode()


_EMPTY_FUNCTIONS = '    "functions": {},\n'


def _skeleton(values: dict[str, Any]) -> str:
    """`app.py` formatted with black, the `API["functions"]` table one entry at a time when it
    is too long for one line: black then writes each function on its own line(s), formatted on
    its own, and functions of one kind share a shape (`_function_entry`)."""
    api = values["api"]
    functions = api.get("functions") if isinstance(api, dict) else None
    # One entry has no comma to split at: black lays it out without a trailing comma.
    if not isinstance(functions, dict) or len(functions) < 2:
        return _python("app.py.j2", values, "#").decode()
    if len(f"{_EMPTY_FUNCTIONS[:-4]}{literal(functions)},") <= BLACK_MODE.line_length:
        return _python("app.py.j2", values, "#").decode()
    lean = _python("app.py.j2", values | {"api": api | {"functions": {}}}, "#").decode()
    if lean.count(_EMPTY_FUNCTIONS) != 1:  # the API table fits on one line without them
        return _python("app.py.j2", values, "#").decode()
    entries = "".join(_function_entry(name, data) for name, data in functions.items())
    return lean.replace(_EMPTY_FUNCTIONS, f'    "functions": {{\n{entries}    }},\n')


_FUNCTIONS_HEAD = 'API = {\n    "functions": {\n'
_FUNCTIONS_END = "        0: 0,\n    },\n}\n"


def _function_entry(name: str, data: Any) -> str:
    """One `API["functions"]` entry as black lays it out in an exploded table (strings swapped
    for same-width placeholders, as in `_format_entry`)."""
    strings: list[str] = []
    shape = _shaped({name: data}, strings)
    item = literal({name: data}) if shape is None else shape
    formatted = _format_shape(f"{_FUNCTIONS_HEAD}        {item[1:-1]},\n{_FUNCTIONS_END}")
    assert formatted.startswith(_FUNCTIONS_HEAD) and formatted.endswith(_FUNCTIONS_END)
    lines = formatted[len(_FUNCTIONS_HEAD) : -len(_FUNCTIONS_END)]
    if shape is None:
        return lines
    tokens = iter(strings)
    restored = _PLACEHOLDER_STRING.sub(lambda _: next(tokens), lines)
    assert next(tokens, None) is None, "black kept every string token"
    return restored


def _format_entry(data: Any) -> str:
    """One route entry as black lays it out inside the `ROUTES` tuple.

    Black's layout of a literal depends on its structure and the width of its tokens, not on
    what the strings say, and black writes strings with `normalize_string_quotes`. So each
    string is replaced by a placeholder of the same width, the shape is formatted once
    (`_format_shape`, cached: routes of one kind share a shape), and the strings go back in
    order. Strings with non-ASCII text (wide characters count double) are formatted as they are.
    """
    strings: list[str] = []
    shape = _shaped(data, strings)
    if shape is None:
        return _entry_lines(_format_shape(_entry_source(literal(data))))
    formatted = _entry_lines(_format_shape(_entry_source(shape)))
    tokens = iter(strings)
    restored = _PLACEHOLDER_STRING.sub(lambda _: next(tokens), formatted)
    assert next(tokens, None) is None, "black kept every string token"
    return restored


# The entry between two table rows, as in a table of many: black explodes it (magic trailing
# comma) and lays the entry out on its own lines.
_ENTRY_END = "    0,\n)\n"


def _entry_source(item: str) -> str:
    return f"ROUTES = (\n    {item},\n{_ENTRY_END}"


def _entry_lines(formatted: str) -> str:
    first, rest = formatted.split("\n", 1)
    assert first == "ROUTES = (" and rest.endswith(_ENTRY_END), formatted[:80]
    return rest[: -len(_ENTRY_END)]


def _shaped(value: Any, strings: list[str]) -> str | None:
    """`literal(value)` with every string a same-width `"xx"` placeholder; None when a string
    is not plain ASCII."""
    if isinstance(value, str):
        token = _string_token(value)
        if token is None:
            return None
        strings.append(token)
        return '"' + "x" * (len(token) - 2) + '"'
    if isinstance(value, tuple | list):
        items = [_shaped(item, strings) for item in value]
        if any(item is None for item in items):
            return None
        inner = ", ".join(items)  # type: ignore[arg-type]
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner},)" if len(items) == 1 else f"({inner})"
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            shaped_key, shaped_item = _shaped(key, strings), _shaped(item, strings)
            if shaped_key is None or shaped_item is None:
                return None
            pairs.append(f"{shaped_key}: {shaped_item}")
        return "{" + ", ".join(pairs) + "}"
    return literal(value)


_PLAIN_STRING = re.compile(r"[ !#-&(-\[\]-~]*")  # printable ASCII but quotes and backslash


@lru_cache(maxsize=4096)
def _string_token(value: str) -> str | None:
    """The string as black writes it (`normalize_string_quotes(repr(value))`), or None when
    it is not plain printable ASCII. Printable ASCII without quotes or backslashes is written
    as it is between double quotes, which skips black's regexes for most route strings."""
    if _PLAIN_STRING.fullmatch(value):
        return f'"{value}"'
    token = black.strings.normalize_string_quotes(repr(value))
    return token if token.isascii() and token.isprintable() else None


def _python(template: str, values: dict[str, Any], comment: str) -> bytes:
    source = _render(template, values | {"comment": comment})
    ast.parse(source)  # a template bug fails the build, not the user's first request
    return _black(source).encode()


def _support_library() -> dict[str, bytes]:
    """Every module of the runtime tree, keyed by its path below `_runtime/` (sub-packages kept)."""
    return {
        p.relative_to(RUNTIME_SOURCE).as_posix(): p.read_bytes()
        for p in sorted(RUNTIME_SOURCE.rglob("*.py"))
    }


def _support_packages(package: str, support: dict[str, bytes]) -> list[str]:
    """`<pkg>._runtime` and its sub-packages, each named once, for setuptools' `packages`."""
    folders = {name.rpartition("/")[0] for name in support if name.endswith("__init__.py")}
    return sorted(".".join([package, "_runtime", *filter(None, f.split("/"))]) for f in folders)


def _dependencies(support: dict[str, bytes]) -> list[str]:
    imported = set(ALWAYS)
    for data in support.values():
        # A module that never names a requirement cannot import it: only the others are parsed.
        if any(name.encode() in data for name in REQUIREMENTS):
            imported |= _top_level_imports(data)
    return sorted(REQUIREMENTS[name] for name in imported if name in REQUIREMENTS)


@cache  # the support library is the same for every build of a process (a third of a build's time)
def _top_level_imports(source: bytes) -> frozenset[str]:
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
    return frozenset(imported)


def _function_files(package: str, folders: dict[str, Path]) -> dict[str, bytes]:
    """Each function code folder, regular files only (no symlinks, caches or hidden files)."""
    files: dict[str, bytes] = {}
    for name, folder in sorted(folders.items()):
        if not folder.is_dir():
            continue
        root = folder.resolve()
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            if path.suffix in (".pyc", ".pyo") or not copyable(path, root):
                continue
            files[f"runtime/{package}/_functions/{name}/{rel.as_posix()}"] = path.read_bytes()
    return files


def _pep440(version: str) -> bool:
    return bool(re.fullmatch(r"\d+(\.\d+)*", version or ""))
