"""Model patterns (AGW211, AGW305) and request-validation wording (runtime reference §1.5).

A pattern API Gateway's Java/ECMA 262 validator reads must build and serve: it is translated to
Python's dialect, or (when apigwc cannot translate it) reported by `validate` and failed closed
by the built gateway. A violation is worded as API Gateway's validator words it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from apigwc.emitters.runtime_models import compile_models
from apigwc.runtime.validation.java_regex import PatternError, java_pattern
from apigwc.runtime.validation.request_validation import check_body

from tests.rules_cases import HEAD, MOCK, OK, diagnostics, findings
from tests.runtime_server import build_spec, serve_spec

# (Java/ECMA pattern, strings it matches, strings it does not)
TRANSLATED = [
    (r"^[\w-_]+$", ["a-_b", "A9"], ["a b", "é", "a-b\n"]),
    (r"^[_-\w]+$", ["a-b"], ["a.b"]),
    (r"^\w+$", ["abc_1"], ["é"]),  # ASCII-only in Java and ECMA 262
    (r"^\d{2}$", ["12"], ["١٢"]),  # Arabic-Indic digits are not \d in Java
    (r"^\p{Alpha}+\z", ["abc"], ["ab1", "abc\n"]),
    (r"^\p{Alnum}*\Z", ["ab1", "ab1\n"], ["a b"]),
    (r"^[\p{L} .'-]+$", ["Zoë O'Neil"], ["R2-D2"]),
    (r"^[^\p{L}]+$", ["123 -"], ["a1"]),
    (r"^\P{Digit}+$", ["abc"], ["a1"]),
    (r"^(?<year>\d{4})-\k<year>$", ["2024-2024"], ["2024-2025"]),
    (r"^a*+b$", ["aab"], ["aa"]),
    (r"^[a-z$]+$", ["a$b"], ["A"]),
    (r"^\Qa.b\E$", ["a.b"], ["axb"]),
]


@pytest.mark.parametrize(("pattern", "good", "bad"), TRANSLATED, ids=[t[0] for t in TRANSLATED])
def test_patterns_match_as_api_gateway_reads_them(
    pattern: str, good: list[str], bad: list[str]
) -> None:
    # the built module compiles it as fastjsonschema does: every unescaped `$` becomes `\Z`
    compiled = re.compile(re.sub(r"(?<!\\)\$", r"\\Z", java_pattern(pattern)))
    assert all(compiled.search(text) for text in good), java_pattern(pattern)
    assert not any(compiled.search(text) for text in bad), java_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "invalid"),
    [(r"^[a-z&&[^e]]+$", False), (r"^\p{Lu}+$", False), (r"^[a-z+$", True), ("(a", True)],
)
def test_untranslatable_patterns_say_why(pattern: str, invalid: bool) -> None:
    with pytest.raises(PatternError) as raised:
        java_pattern(pattern)
    assert raised.value.invalid is invalid


def _spec(pattern: str, where: str = "pattern") -> str:
    constraint = (
        f"pattern: '{pattern}'"
        if where == "pattern"
        else f"patternProperties: {{'{pattern}': {{type: integer}}}}"
    )
    return (
        HEAD
        + "x-amazon-apigateway-request-validators: {all: {validateRequestBody: true}}\n"
        + "x-amazon-apigateway-request-validator: all\n"
        + "paths:\n  /pets:\n    post:\n"
        + "      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}\n"
        + f"      responses: {OK}\n      x-amazon-apigateway-integration: {MOCK}\n"
        + "components:\n  schemas:\n    Pet:\n      type: object\n      required: [name]\n"
        + f"      properties:\n        name: {{type: string, {constraint}}}\n"
    )


@pytest.mark.parametrize(
    ("pattern", "where", "expected"),
    [
        (r"^[\w-_]+$", "pattern", set()),
        (r"^\p{Alpha}+$", "patternProperties", set()),
        (r"^[a-z&&[^e]]+$", "pattern", {("AGW305", "warning")}),
        (r"^\p{Lu}", "patternProperties", {("AGW305", "warning")}),
        (r"^[a-z+$", "pattern", {("AGW211", "error")}),
    ],
)
def test_validate_reports_patterns_it_cannot_check(
    pattern: str, where: str, expected: set[tuple[str, str]]
) -> None:
    found = {f for f in findings(_spec(pattern, where)) if f[0] in ("AGW211", "AGW305")}
    assert found == expected


def test_the_finding_points_at_the_pattern() -> None:
    text = _spec(r"^[a-z&&[^e]]+$")
    (finding,) = [d for d in diagnostics(text) if d.code == "AGW305"]
    assert finding.position is not None
    assert finding.pointer.endswith("/properties/name/pattern"), finding.pointer
    line = text.splitlines()[finding.position.line - 1]
    assert line[finding.position.column - 1 :].startswith("'^[a-z&&[^e]]+$'"), finding.position


def _validator(schema: dict[str, Any]) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile_models({"M": schema}), namespace)  # the module a build writes, run in place
    return namespace["VALIDATORS"]["M"]


PET = {
    "type": "object",
    "required": ["name", "id"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": r"^[\w-_]+$", "minLength": 2, "maxLength": 5},
        "id": {"type": "integer", "minimum": 1, "maximum": 9},
        "kind": {"enum": ["cat", 1]},
        "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "any": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "ratio": {"type": "number", "maximum": 3, "exclusiveMaximum": True, "multipleOf": 0.5},
        "tags": {"type": "object", "minProperties": 1, "maxProperties": 1},
        "no": {"not": {"type": "string"}},
        "set": {"type": "array", "uniqueItems": True},
        "odd": {"type": "string", "pattern": r"^[a-z&&[^e]]+$"},
    },
}

# API Gateway's model validator (a Java JSON-schema library) words violations like this;
# `$context.error.validationErrorString` holds them in brackets.
WORDED = [
    ({}, 'object has missing required properties (["name","id"])'),
    ({"name": "ab"}, 'object has missing required properties (["id"])'),
    (
        {"name": "ab", "id": "1"},
        'instance type (string) does not match any allowed primitive type (allowed: ["integer"])',
    ),
    (
        {"name": "ab", "id": 0},
        "numeric instance is lower than the required minimum (minimum: 1, found: 0)",
    ),
    (
        {"name": "ab", "id": 10},
        "numeric instance is greater than the required maximum (maximum: 9, found: 10)",
    ),
    ({"name": "a", "id": 1}, 'string "a" is too short (length: 1, expected minimum: 2)'),
    ({"name": "abcdef", "id": 1}, 'string "abcdef" is too long (length: 6, maximum allowed: 5)'),
    ({"name": "a b", "id": 1}, 'ECMA 262 regex "^[\\w-_]+$" does not match input string "a b"'),
    (
        {"name": "ab", "id": 1, "kind": "dog"},
        'instance value ("dog") not found in enum (possible values: ["cat",1])',
    ),
    (
        {"name": "ab", "id": 1, "either": 1.5},
        "instance failed to match exactly one schema (matched 0 out of 2)",
    ),
    (
        {"name": "ab", "id": 1, "any": 1.5},
        "instance failed to match at least one required schema among 2",
    ),
    (
        {"name": "ab", "id": 1, "ratio": 3},
        "numeric instance is not strictly lower than the required maximum 3",
    ),
    ({"name": "ab", "id": 1, "ratio": 0.7}, "remainder of division is not zero (0.7 / 0.5)"),
    (
        {"name": "ab", "id": 1, "tags": {}},
        "object has too few properties (found 0, minimum required: 1)",
    ),
    (
        {"name": "ab", "id": 1, "tags": {"a": 1, "b": 2}},
        "object has too many properties (found 2, maximum allowed: 1)",
    ),
    ({"name": "ab", "id": 1, "no": "x"}, "instance matched a schema which it should not have"),
    ({"name": "ab", "id": 1, "set": [1, 1]}, "array must not contain duplicate elements"),
    (
        {"name": "ab", "id": 1, "zz": 1, "aa": 2},
        'object instance has properties which are not allowed by the schema: ["aa","zz"]',
    ),
    # a pattern apigwc cannot translate fails closed, worded with the pattern as written
    (
        {"name": "ab", "id": 1, "odd": "abc"},
        'ECMA 262 regex "^[a-z&&[^e]]+$" does not match input string "abc"',
    ),
]


@pytest.mark.parametrize(("body", "expected"), WORDED, ids=[w[1][:40] for w in WORDED])
def test_violations_are_worded_as_api_gateway_words_them(body: Any, expected: str) -> None:
    failure = check_body(_validator(PET), json.dumps(body).encode())
    assert failure is not None
    assert failure.message == "Invalid request body"
    assert failure.validation_error == f"[{expected}]"


def test_a_translated_pattern_accepts_what_api_gateway_accepts() -> None:
    assert check_body(_validator(PET), b'{"name": "a-_", "id": 1}') is None


def test_spec_with_java_patterns_builds_and_serves(tmp_path: Path) -> None:
    spec = tmp_path / "patterns.yaml"
    text = _spec(r"^[\w-_]+$").replace(
        "components:",
        "x-amazon-apigateway-gateway-responses:\n"
        "  BAD_REQUEST_BODY:\n"
        "    responseTemplates:\n"
        '      application/json: \'{"why": "$context.error.validationErrorString"}\'\n'
        "components:",
    )
    spec.write_text(text.replace("name: {type: string,", "name: {type: string, maxLength: 9,"))
    with serve_spec(spec, tmp_path / "out") as gateway:
        ok = gateway.fetch(
            "POST", "/pets", {"Content-Type": "application/json"}, b'{"name": "a-_b"}'
        )
        assert ok.status == 200, ok.body
        missing = gateway.fetch("POST", "/pets", {"Content-Type": "application/json"}, b"{}")
        assert missing.status == 400
        # the template writes the string as it is (no JSON escaping), as API Gateway does
        assert missing.body == b'{"why": "[object has missing required properties (["name"])]"}'

        bad = gateway.fetch(
            "POST", "/pets", {"Content-Type": "application/json"}, b'{"name": "a b"}'
        )
        assert bad.status == 400
        assert bad.body == (
            b'{"why": "[ECMA 262 regex "^[\\w-_]+$" does not match input string "a b"]"}'
        )


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "required": "name"},
        {"type": "text"},
        {"type": "string", "maxLength": "5"},
        # valid draft 4, but nothing satisfies it: fastjsonschema refuses to compile it
        {"type": "object", "required": ["a"], "additionalProperties": False},
    ],
    ids=["required-not-a-list", "unknown-type", "length-not-a-number", "unsatisfiable"],
)
def test_a_model_that_cannot_be_compiled_builds_and_fails_closed(schema: dict[str, Any]) -> None:
    failure = check_body(_validator(schema), b'{"a": "x", "name": "x"}')
    assert failure is not None and failure.message == "Invalid request body"


@pytest.mark.parametrize(
    ("schema", "reported"),
    [
        ("{type: object, required: name}", True),
        ("{type: object, properties: {a: {type: text}}}", True),
        ("{type: object, properties: {a: {type: string, maxLength: '5'}}}", True),
        ("{type: object, required: [a], additionalProperties: false}", False),
        ("{type: object, required: [a], properties: {a: {type: [string, 'null']}}}", False),
    ],
)
def test_validate_reports_malformed_models(schema: str, reported: bool) -> None:
    text = HEAD + f"paths: {{}}\ncomponents: {{schemas: {{Pet: {schema}}}}}\n"
    assert (("AGW214", "warning") in findings(text)) is reported


def test_a_spec_whose_model_names_a_missing_model_builds(tmp_path: Path) -> None:
    spec = tmp_path / "missing.yaml"
    spec.write_text(
        _spec(r"^a").replace("{type: string, pattern: '^a'}", "{$ref: '#/components/schemas/Nope'}")
    )
    assert ("AGW125", "warning") in findings(spec.read_text())
    package = build_spec(spec, tmp_path / "out")
    assert (tmp_path / "out" / "runtime" / package).is_dir()
