"""The Velocity fast path (apigwc.runtime.transform.vtl): plain text plus simple references renders without
the engine, byte for byte as the engine renders it.

Each template of the table is rendered twice, through `Template.render` (the fast path when the
template qualifies) and through the engine alone, over several requests and contexts; body and
overrides must agree. A second table pins which templates take the fast path at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from apigwc.runtime.transform.vtl import Template, VtlRenderError, VtlRequest, VtlTemplateError

REQUESTS = (
    VtlRequest(
        body='{"a": {"b": [1, 2]}, "s": "caf\u00e9 \\"q\\""}',
        path={"id": "7"},
        querystring={"x": "1", "id": "from-query", "empty": ""},
        header={"X-Header": "hv", "Content-Type": "application/json"},
    ),
    VtlRequest(body="", querystring={"x": "a b\nc\u00e9"}),
    VtlRequest(body="not json", header={"x": "from-header"}),
    VtlRequest(body="[1, 2.50, null]"),
)
CONTEXTS: tuple[dict[str, Any], ...] = (
    {
        "requestId": "req-1",
        "stage": "dev",
        "identity": {"sourceIp": "127.0.0.1", "userAgent": None},
        "requestTimeEpoch": 1700000000000,
        "empty": "",
        "stageVariables": {"v": "sv"},
    },
    {"requestId": "", "identity": {}, "stage": None},
    {"requestId": 5, "identity": "flat", "extra": {"deep": {"er": "yes"}}},
)
STAGE_VARIABLES: tuple[dict[str, str], ...] = ({"v": "sv", "url": "http://h/p"}, {})

TEMPLATES = (
    "",
    "plain text",
    '{"status":"ok","x":"$input.params(\'x\')"}',
    '{"x":"$input.params("x")","id":"$input.params(\'id\')"}',
    "$input.params('X-Header')|$input.params('missing')|$input.params('empty')",
    "$input.body",
    "[$input.body]",
    "$input.json('$')",
    "$input.json('$.a')",
    "$input.json('$.a.b')",
    "$input.json('$.nope')",
    "$context.requestId",
    "id=$context.requestId, ip=$context.identity.sourceIp.",
    "$context.identity.userAgent",
    "$context.requestTimeEpoch",
    "$context.empty|$context.stage|$context.missing",
    "$context.extra.deep.er $context.identity.sourceIp",
    "$context.stageVariables.v",
    "$stageVariables.v/$stageVariables.url",
    "$stageVariables.missing",
    "line one\nline two\r\n\t$context.requestId\n",
    "caf\u00e9 \u2603 $input.params('x') \U0001f600",
    "quotes ' \" and a lone $ sign",
    "price: 5$",
    "$context.requestId$context.stage",
    "{$context.requestId}",
    "($input.params('x'))",
    "$input.params('x'),$input.params('x');",
    # Not on the fast path, rendered by the engine on both sides.
    "#set($a = 1)$a",
    "$!context.missing",
    "${context.requestId}",
    "\\$context.requestId",
    "$context.requestId.length()",
    "$input.params('x').length()",
    "$input.body.length()",
    "$context.requestOverride.header",
    "#set($context.responseOverride.status = 201)$context.requestId",
    "$input.params()",
    "$util.urlEncode($input.params('x'))",
    "$context.identity-x",
    "## comment\n$context.requestId",
)


def _outcome(render: Any, *arguments: Any) -> tuple[str, Any, Any] | str:
    try:
        result = render(*arguments)
    except VtlRenderError:
        return "VtlRenderError"
    return result.body, result.request_override, result.response_override


@pytest.mark.parametrize("text", TEMPLATES)
def test_fast_path_renders_as_the_engine(text: str) -> None:
    template = Template.compile(text)
    for request in REQUESTS:
        for context in CONTEXTS:
            for variables in STAGE_VARIABLES:
                arguments = (request, context, variables)
                fast = _outcome(template.render, *arguments)
                engine = _outcome(template._merge, *arguments)
                assert fast == engine, (text, request, context, variables)


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("plain", True),
        ('{"x":"$input.params(\'x\')"}', True),
        ("$input.json('$')", True),
        ("$context.identity.sourceIp $stageVariables.v $input.body", True),
        ("#if(true)x#end", False),
        ("$context.requestOverride.header.x", False),
        ("$context.x.length()", False),
        ('$input.json("$")', False),
        ("$!context.x", False),
        ("$context.stageVariables.v", False),
    ],
)
def test_which_templates_take_the_fast_path(text: str, fast: bool) -> None:
    assert (Template.compile(text)._parts is not None) is fast


def test_fast_path_defers_to_the_engine_for_values_it_cannot_print() -> None:
    # A number prints the Java way (Double.toString) and a missing one prints nothing: the
    # engine's printing, reached by deferring the whole template.
    template = Template.compile("$context.n|$context.missing")
    assert template._parts is not None
    assert template._engine_template is None  # parsed by the engine only when first needed
    result = template.render(VtlRequest(), {"n": 1.0}, {})
    assert result.body == "1.0|"
    assert template._engine_template is not None


def test_an_engine_template_is_parsed_at_compile_time() -> None:
    # Its syntax errors surface at start-up, not on the first request.
    assert Template.compile("#if(true)x#end")._engine_template is not None
    with pytest.raises(VtlTemplateError):
        Template.compile("#if($a")
