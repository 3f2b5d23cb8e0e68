"""`apigwc usage`: each API key's remaining quota and throttle tokens, like `GetUsage`.

Flows in: a spec (compiled as `apigwc build` would, for its usage plans, API keys and ids) and
the `--state` the gateways share (Redis: the in-memory state of a gateway lives in that
process only). Flows out: a table (or GetUsage's JSON) on stdout; exit 2 when the state is not
a shared store or the spec does not compile, 1 when the store does not answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path

import click

from apigwc.diagnostics.render import print_errors
from apigwc.emitters import EmitContext
from apigwc.emitters.runtime_data import api_settings, functions_folders
from apigwc.pipeline import compile_spec
from apigwc.runtime.state.backends import MEMORY, StateError, open_store
from apigwc.runtime.traffic.usage import KeyUsage, get_usage, usage

EXIT_FAILED, EXIT_USAGE = 1, 2


def run(spec: Path, state: str, fmt: str) -> int:
    if state in ("", MEMORY):
        click.echo(
            "error: a gateway's memory state lives in its own process; serve with "
            "--state redis://HOST:PORT/DB and pass the same --state here",
            err=True,
        )
        return EXIT_USAGE
    result = compile_spec(spec)
    if result.api is None or result.sink.has_errors:
        print_errors(result.sink.sorted(), result.source_line)
        return EXIT_USAGE
    context = EmitContext(spec.resolve(), hashlib.sha256(spec.read_bytes()).hexdigest())
    settings = api_settings(result.api, context, functions_folders(result.api, spec.parent))
    try:
        rows = asyncio.run(_read(settings, state))
    except StateError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_USAGE
    click.echo(json.dumps(get_usage(rows), indent=2) if fmt == "json" else _table(rows))
    unanswered = any(r.period is not None and r.used is None for r in rows)
    return EXIT_FAILED if unanswered else 0


async def _read(settings: object, state: str) -> list[KeyUsage]:
    from apigwc.runtime.pipeline.plan import ApiSettings

    assert isinstance(settings, ApiSettings)
    store = open_store(state)
    try:
        return await usage(settings, store, time.time())
    finally:
        await store.close()


def _table(rows: list[KeyUsage]) -> str:
    lines = [
        f"{'plan':<16} {'key':<16} {'key id':<10} {'period':<6} {'used':>8} "
        f"{'remaining':>10} {'tokens':>8}"
    ]
    for row in rows:
        tokens = "-" if row.tokens is None else f"{row.tokens:.1f}"
        used = "-" if row.used is None else str(row.used)
        left = "-" if row.remaining is None else str(row.remaining)
        lines.append(
            f"{row.plan:<16} {row.key:<16} {row.key_id:<10} {row.period or '-':<6} "
            f"{used:>8} {left:>10} {tokens:>8}"
        )
    return "\n".join(lines)
