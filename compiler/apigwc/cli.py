"""The command line: `apigwc validate | export | build | serve | init | token | sign | rules |
explain | schema | diff`.

`serve` and `build` take their defaults from `apigwc.toml` or `[tool.apigwc]` (config.py) and
their `APIGWC_*` environment variables: a flag wins over its variable, which wins over the file.

Imports are lazy: `apigwc validate` loads only the loader, the IR and the lowering, so it stays
fast enough for a pre-commit hook. Exit codes (the contract in DESIGN.md): 0 clean, 1 findings
at or above `--fail-on`, 2 usage errors or unreadable input.
"""

from __future__ import annotations

import sys

import click

from apigwc import __version__
from apigwc.runtime.server.launch import DEFAULT_SERVER, SERVER_HELP, SERVERS  # no imports

EXIT_CLEAN, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2

# A spec reads files ($ref, codeUri) only under its own folder; each DIR named here widens that.
allow_root_option = click.option(
    "--allow-root",
    "allow_roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Also let $refs and codeUri read files under DIR (repeatable); by default only the "
    "spec's own folder tree.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="apigwc")
@click.pass_context
def main(ctx: click.Context) -> None:
    """A compiler for Amazon API Gateway OpenAPI specs."""
    if ctx.invoked_subcommand in ("serve", "build") and not ctx.resilient_parsing:
        from apigwc.config import ConfigError, load

        try:
            config = load()
        except ConfigError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_UNREADABLE)
        ctx.obj = config
        ctx.default_map = {name: config.defaults(name) for name in ("serve", "build")}


def _spec_given(spec: str | None) -> str:
    if spec is None:
        raise click.UsageError("no SPEC: name one, or set `spec` in apigwc.toml or APIGWC_SPEC")
    return spec


@main.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text"
)
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error")
@click.option("--allow-remote-refs", is_flag=True, help="Fetch $ref URLs over the network.")
@allow_root_option
def validate(
    specs: tuple[str, ...],
    fmt: str,
    fail_on: str,
    allow_remote_refs: bool,
    allow_roots: tuple[str, ...],
) -> None:
    """Report what API Gateway would reject or warn about, with file:line:column."""
    from apigwc.diagnostics.model import Severity
    from apigwc.diagnostics.render import render_github, render_json, render_sarif, render_text
    from apigwc.pipeline import compile_spec

    diagnostics, unreadable, sources = [], False, []
    for spec in specs:
        result = compile_spec(spec, allow_remote_refs=allow_remote_refs, allow_roots=allow_roots)
        unreadable |= not result.readable
        diagnostics.extend(result.sink.sorted())
        sources.append(result)

    def source_line(file: str, line: int) -> str:
        for result in sources:
            if result.document is not None and file in result.document.files:
                return result.document.source_line(file, line)
        return ""

    if fmt == "json":
        click.echo(render_json(diagnostics), nl=False)
    elif fmt == "sarif":
        click.echo(render_sarif(diagnostics, __version__), nl=False)
    elif fmt == "github":
        click.echo(render_github(diagnostics), nl=False)
    else:
        click.echo(render_text(diagnostics, source_line, color=sys.stdout.isatty()), nl=False)
    threshold = Severity.ERROR.rank if fail_on == "error" else Severity.WARNING.rank
    if unreadable:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(
        EXIT_FINDINGS if any(d.severity.rank >= threshold for d in diagnostics) else EXIT_CLEAN
    )


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["oas30", "swagger"]), default="oas30")
@click.option(
    "--extensions",
    default="documentation",
    show_default=True,
    help="Comma-separated: integrations, authorizers, apigateway, documentation, apigwc, or all.",
)
@click.option("--output-format", type=click.Choice(["yaml", "json"]), default=None)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
@allow_root_option
def export(
    spec: str,
    fmt: str,
    extensions: str,
    output_format: str | None,
    output: str | None,
    allow_roots: tuple[str, ...],
) -> None:
    """OpenAPI out, like API Gateway's GetExport (x-apigwc only when asked for)."""
    from apigwc.diagnostics.render import print_errors
    from apigwc.export import ExportOptions, export_document, serialize
    from apigwc.pipeline import compile_spec

    result = compile_spec(spec, allow_roots=allow_roots)
    if result.api is None or result.sink.has_errors:
        print_errors(result.sink.sorted(), result.source_line)
        sys.exit(EXIT_UNREADABLE if result.api is None else EXIT_FINDINGS)
    try:
        options = ExportOptions.parse(fmt, extensions)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    document = export_document(result.api, options)
    kind = output_format or ("json" if (output or "").endswith(".json") else "yaml")
    text = serialize(document, kind)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False), required=False, envvar="APIGWC_SPEC")
@click.option("-o", "--output", type=click.Path(file_okay=False), default=None)
@click.option(
    "--stage", default=None, envvar="APIGWC_STAGE", help="The stage the runtime serves by default."
)
@allow_root_option
def build(
    spec: str | None, output: str | None, stage: str | None, allow_roots: tuple[str, ...]
) -> None:
    """Validate, then emit everything into DIR (default generated/<api-slug>/)."""
    from pathlib import Path

    spec = _spec_given(spec)

    from apigwc.diagnostics.render import print_errors
    from apigwc.emitters.output import OutputRefused
    from apigwc.pipeline import build as build_spec

    try:
        built = build_spec(
            Path(spec),
            Path(output) if output else (lambda slug: Path("generated") / slug),
            stage=stage,
            allow_roots=allow_roots,
        )
    except OutputRefused as exc:  # a usage error: the folder given is not one to build into
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    result = built.compilation
    if built.out_dir is None:
        print_errors(result.sink.sorted(), result.source_line)
        sys.exit(EXIT_UNREADABLE if result.api is None else EXIT_FINDINGS)
    for note in built.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"built {len(built.files)} files into {built.out_dir}")


@main.command()
@click.argument(
    "spec", type=click.Path(dir_okay=False, exists=True), required=False, envvar="APIGWC_SPEC"
)
@click.option("--host", default="127.0.0.1", show_default=True, envvar="APIGWC_HOST")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, envvar="APIGWC_PORT"
)
@click.option(
    "--stage",
    default=None,
    envvar="APIGWC_STAGE",
    help="The stage served at / (default: the first one).",
)
@click.option("--all-stages", is_flag=True, help="Serve every stage under /{stage}/.")
@click.option(
    "--reload",
    is_flag=True,
    help="Load an edited handler module again in the running server (state and connections "
    "kept); rebuild an edited spec and swap the new gateway in (a spec with errors keeps the "
    "previous one serving).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, envvar="APIGWC_WORKERS"
)
@click.option(
    "--validate-responses",
    is_flag=True,
    help="Check every integration response against the spec's response schemas (openapi-core); "
    "mismatches get an x-apigwc-contract-violation header and a log line.",
)
@allow_root_option
@click.option(
    "--trusted-proxies",
    default="",
    metavar="ADDRESSES",
    help="Comma-separated addresses or networks of proxies whose X-Forwarded-For is believed "
    "(default: none; the caller is the TCP peer, as in API Gateway).",
)
@click.option(
    "--no-access-log",
    is_flag=True,
    help="Write no access log, not even for a stage whose spec sets accessLog.format.",
)
@click.option(
    "--access-log",
    "access_log_to",
    default=None,
    metavar="stderr|stdout|FILE",
    help="Write the access log of every stage there (a FILE is appended to): the stage's "
    "accessLog.format, else API Gateway's CLF line. Default: on stderr, only for the stages "
    "that set accessLog.format, as API Gateway writes one only for those.",
)
@click.option(
    "--admin-port",
    type=int,
    default=None,
    metavar="N",
    help="Serve CloudWatch's metrics (Count, Latency, 4XXError, ...) as a Prometheus page at "
    "http://HOST:N/metrics, summed over every worker (default: off; never the API's port).",
)
@click.option(
    "--server",
    type=click.Choice(SERVERS),
    default=DEFAULT_SERVER,
    show_default=True,
    help=SERVER_HELP,
)
@click.option(
    "--state",
    default="memory",
    show_default=True,
    envvar="APIGWC_STATE",
    metavar="memory|redis://HOST:PORT/DB",
    help="Where throttles and quotas are kept: this process's memory, or a Redis server shared "
    "by several workers (--workers N) or gateways.",
)
@click.option(
    "--allow-remote-jwks",
    is_flag=True,
    help="Let Cognito and JWT authorizers fetch signing keys from their issuers' URLs (or a "
    "jwks URL in x-apigwc.identities); without it only local JWKS files are used.",
)
@click.option(
    "--otlp-endpoint",
    default=None,
    metavar="URL",
    help="Export OpenTelemetry traces of the requests over OTLP/HTTP to URL (URL/v1/traces; "
    "needs apigwc[otel]). OTEL_EXPORTER_OTLP_ENDPOINT in the environment does the same.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json", "off"]),
    default="text",
    show_default=True,
    envvar="APIGWC_LOG_FORMAT",
    help="The console line per request on stdout (method, path, status, latency, route, "
    "integration, request id) and handler output tagged with its request id: text (coloured "
    "on a terminal unless NO_COLOR is set), json, or off. The stage's access log is apart, "
    "on stderr (--access-log, --no-access-log).",
)
@click.option(
    "--aws-endpoint",
    default=None,
    envvar="APIGWC_AWS_ENDPOINT",
    metavar="URL",
    help="Send AWS service integrations here (AWS_ENDPOINT_URL of the gateway, e.g. a moto "
    "server), over x-apigwc.awsEndpoint.",
)
@click.option(
    "--debug-port",
    type=click.IntRange(1, 65535),
    default=None,
    metavar="N",
    help="Run the server under debugpy listening on 127.0.0.1:N (one worker), for VS Code or "
    "PyCharm to attach to; needs the [debug] extra.",
)
@click.pass_context
def serve(
    ctx: click.Context,
    spec: str | None,
    host: str,
    port: int,
    stage: str | None,
    all_stages: bool,
    reload: bool,
    workers: int,
    validate_responses: bool,
    allow_roots: tuple[str, ...],
    trusted_proxies: str,
    no_access_log: bool,
    access_log_to: str | None,
    admin_port: int | None,
    server: str,
    state: str,
    allow_remote_jwks: bool,
    otlp_endpoint: str | None,
    log_format: str,
    aws_endpoint: str | None,
    debug_port: int | None,
) -> None:
    """Build SPEC into .apigwc-cache/ and run the generated gateway under uvicorn (or granian)."""
    from pathlib import Path

    from apigwc.config import Config
    from apigwc.serve import ServeOptions
    from apigwc.serve import serve as run_server
    from apigwc.serve_reload import serve_with_reload

    spec = _spec_given(spec)
    config = ctx.obj if isinstance(ctx.obj, Config) else Config()

    options = ServeOptions(
        host,
        port,
        stage,
        all_stages,
        workers,
        validate_responses,
        trusted_proxies,
        allow_roots,
        access_log=not no_access_log,
        access_log_to=access_log_to,
        admin_port=admin_port,
        server=server,
        state=state,
        allow_remote_jwks=allow_remote_jwks,
        otlp_endpoint=otlp_endpoint,
        log_format=log_format,
        aws_endpoint=aws_endpoint,
        function_environment=config.env,
        stage_variables=config.stage_variables,
        debug_port=debug_port,
    )
    sys.exit(serve_with_reload(Path(spec), options) if reload else run_server(Path(spec), options))


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Write a starter project into DIRECTORY (default: here): api.yaml (a Lambda handler, a
    request validator, a stage), handlers/app.py, tests/test_api.py and pytest.ini. Existing
    files are never overwritten."""
    from pathlib import Path

    from apigwc.starter import StarterExists, write_starter

    try:
        written = write_starter(Path(directory))
    except StarterExists as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_UNREADABLE)
    for path in written:
        click.echo(f"wrote {path}")
    spec = Path(directory) / "api.yaml"
    click.echo(f"next: apigwc serve {spec}   (then: curl 'http://127.0.0.1:8080/hello?name=Ada')")


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.option("--pool", required=True, help="A name in x-apigwc.identities.cognitoUserPools.")
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="The PEM private key whose public half is in the pool's JWKS.",
)
@click.option("--scope", "scopes", multiple=True, help="Mint an access token with this scope.")
@click.option("--claim", "claims", multiple=True, metavar="NAME=VALUE", help="Add a claim.")
@click.option("--ttl", type=int, default=3600, show_default=True, help="Seconds until `exp`.")
@allow_root_option
def token(
    spec: str,
    pool: str,
    key_file: str,
    scopes: tuple[str, ...],
    claims: tuple[str, ...],
    ttl: int,
    allow_roots: tuple[str, ...],
) -> None:
    """Print a token a local user pool or JWT issuer of SPEC accepts (an ID token; an access
    token with --scope), for the Authorization header of a Cognito or JWT route."""
    from pathlib import Path

    from apigwc import credentials

    try:
        found, _ = credentials.identities(Path(spec), allow_roots)
        chosen = credentials.pick(found.cognito_user_pools, pool, "user pool")
        jwks = credentials.read_jwks(Path(spec), chosen)
        extra = dict(_pair(claim) for claim in claims)
        key = Path(key_file).read_bytes()
        click.echo(credentials.mint_token(chosen, jwks, key, scopes, extra, ttl))
    except credentials.CredentialsError as error:
        raise click.UsageError(str(error)) from None


def _pair(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise click.BadParameter(f"{text!r}: expected NAME=VALUE", param_hint="--claim")
    return name, value


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.argument("url")
@click.option("--identity", required=True, help="A name in x-apigwc.identities.iamCredentials.")
@click.option("-X", "--request", "method", default="GET", show_default=True)
@click.option("-H", "--header", "headers", multiple=True, metavar="'NAME: VALUE'")
@click.option("-d", "--data", default="", help="The request body.")
@allow_root_option
def sign(
    spec: str,
    url: str,
    identity: str,
    method: str,
    headers: tuple[str, ...],
    data: str,
    allow_roots: tuple[str, ...],
) -> None:
    """Print a curl command for URL signed (SigV4, botocore) with a local IAM identity of SPEC,
    for an AWS_IAM route. The signature holds five minutes."""
    from pathlib import Path

    from apigwc import credentials

    try:
        found, region = credentials.identities(Path(spec), allow_roots)
        chosen = credentials.pick(found.iam_credentials, identity, "IAM identity")
        body = data.encode("utf-8")
        given = credentials.parse_headers(headers)
        signed = credentials.sign_request(chosen, region, method.upper(), url, given, body)
        click.echo(credentials.curl_command(method.upper(), url, signed, body))
    except credentials.CredentialsError as error:
        raise click.UsageError(str(error)) from None


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--state",
    required=True,
    metavar="redis://HOST:PORT/DB",
    help="The state the gateways were served with (`apigwc serve --state`).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def usage(spec: str, state: str, fmt: str) -> None:
    """Each API key's quota used and left in the current period, and its plan's throttle
    tokens (like API Gateway's GetUsage; --format json prints GetUsage's shape)."""
    from pathlib import Path

    from apigwc.usage import run

    sys.exit(run(Path(spec), state, fmt))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(fmt: str) -> None:
    """List every diagnostic code."""
    import json

    from apigwc.codes import all_codes

    codes = sorted(all_codes().values(), key=lambda c: c.code)
    if fmt == "json":
        rows = [
            {"code": c.code, "name": c.name, "severity": c.severity.value, "summary": c.summary}
            for c in codes
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    for c in codes:
        click.echo(f"{c.code}  {c.severity.value:<7}  {c.name:<28}  {c.summary}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Explain one diagnostic code."""
    from apigwc.codes import all_codes

    entry = all_codes().get(code.upper())
    if entry is None:
        click.echo(f"unknown diagnostic code {code!r}; `apigwc rules` lists them", err=True)
        sys.exit(EXIT_UNREADABLE)
    click.echo(f"{entry.code} {entry.name} ({entry.severity.value})\n")
    click.echo(entry.summary + "\n")
    click.echo("message: " + entry.message)
    click.echo("hint:    " + entry.hint)


@main.command()
@click.argument("old", type=click.Path(dir_okay=False, exists=True))
@click.argument("new", type=click.Path(dir_okay=False, exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@allow_root_option
def diff(old: str, new: str, fmt: str, allow_roots: tuple[str, ...]) -> None:
    """The changes from OLD to NEW that break clients of the deployed API (errors: exit 1),
    and the compatible ones (infos), each with its place in both files."""
    from apigwc.versions.report import run

    sys.exit(run(old, new, fmt, allow_roots, color=sys.stdout.isatty()))


@main.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
def schema(output: str | None) -> None:
    """The JSON Schema of every x-amazon-apigateway-* extension and of x-apigwc, for
    yaml-language-server and VS Code (`# yaml-language-server: $schema=FILE`)."""
    from apigwc.schema import shipped

    text = shipped()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None)
@click.option("--api", "api_id", default=None, help="The logical id of the API to import.")
@allow_root_option
def import_(
    file: str, output: str | None, api_id: str | None, allow_roots: tuple[str, ...]
) -> None:
    """A CloudFormation / SAM template (or an API Gateway export) into a spec apigwc builds."""
    from apigwc.diagnostics.render import render_text
    from apigwc.importer import import_file, render, spec_dir_for

    result = import_file(
        file, api_id=api_id, spec_dir=spec_dir_for(output), allow_roots=allow_roots
    )
    doc = result.template.doc if result.template is not None else None
    source_line = doc.source_line if doc is not None else (lambda f, n: "")
    click.echo(render_text(result.sink.sorted(), source_line), err=True, nl=False)
    if result.spec is None or result.sink.has_errors:
        sys.exit(EXIT_UNREADABLE if result.spec is None else EXIT_FINDINGS)
    text = render(result.spec)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"imported {result.api_id or file} into {output}", err=True)
    else:
        click.echo(text, nl=False)
