"""YAML as API Gateway and CloudFormation read it: keys are source text, values resolve as YAML 1.1,
CloudFormation short tags become their long form, duplicate keys are warned about."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from apigwc.diagnostics import Origin, Severity, Sink
from apigwc.loader import load_text


def read(text: str, name: str = "spec.yaml") -> tuple[Any, Sink]:
    sink = Sink()
    doc = load_text(text, name, sink)
    assert doc is not None, sink.sorted()
    return doc.data, sink


KEYS = [
    # (id, source key, key as loaded): a key is the scalar's text, never a resolved value
    ("status-code", "200", "200"),
    ("on-stays-text", "on", "on"),
    ("yes-stays-text", "yes", "yes"),
    ("null-tilde", "~", "~"),
    ("float-keeps-trailing-zero", "1.10", "1.10"),
    ("hex", "0x1F", "0x1F"),
    ("date", "2020-01-01", "2020-01-01"),
    ("quoted", "'200'", "200"),
    ("double-quoted-escape", '"a\\tb"', "a\tb"),
    ("empty-quoted", '""', ""),
    ("wildcard-status", "5\\d{2}", "5\\d{2}"),
]


@pytest.mark.parametrize(("case", "source", "expected"), KEYS, ids=[k[0] for k in KEYS])
def test_mapping_keys_are_source_text(case: str, source: str, expected: str) -> None:
    data, sink = read(f"{source}: value\n")
    assert data == {expected: "value"}
    assert not sink.diagnostics


VALUES = [
    # (id, source value, loaded value, same as PyYAML's own SafeLoader)
    ("yes", "yes", True, True),
    ("No", "No", False, True),
    ("on", "on", True, True),
    ("off", "off", False, True),
    ("int", "42", 42, True),
    ("negative-int", "-7", -7, True),
    ("underscore-int", "1_000", 1000, True),
    ("yaml-1.1-octal", "012", 10, True),
    ("sexagesimal", "1:30", 90, True),
    ("float", "2.5", 2.5, True),
    ("unquoted-version-is-a-float", "3.0", 3.0, True),
    ("exponent-without-dot-is-text", "1e3", "1e3", True),
    ("tilde-null", "~", None, True),
    ("empty-null", "", None, True),
    ("quoted-number", "'5'", "5", True),
    ("explicit-str", "!!str 5", "5", True),
    ("explicit-float", "!!float 1", 1.0, True),
    ("text", "hello world", "hello world", True),
    ("date-stays-text", "2020-01-01", "2020-01-01", False),
    ("timestamp-stays-text", "2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00", False),
    ("binary-stays-text", "!!binary aGVsbG8=", "aGVsbG8=", False),
]


@pytest.mark.parametrize(
    ("case", "source", "expected", "as_pyyaml"), VALUES, ids=[v[0] for v in VALUES]
)
def test_scalar_values_resolve_as_yaml_11(
    case: str, source: str, expected: Any, as_pyyaml: bool
) -> None:
    text = f"value: {source}\n"
    data, _ = read(text)
    assert data["value"] == expected
    assert type(data["value"]) is type(expected)
    if as_pyyaml:
        assert data == yaml.load(text, Loader=yaml.CSafeLoader)


def test_merge_keys_explicit_keys_win_then_earlier_merges() -> None:
    data, sink = read(
        "defaults: &defaults\n"
        "  type: http\n"
        "  timeoutInMillis: 29000\n"
        "override:\n"
        "  <<: *defaults\n"
        "  type: mock\n"
        "several:\n"
        "  <<: [*defaults, {passthroughBehavior: never, type: aws}]\n"
    )
    assert data["override"] == {"type": "mock", "timeoutInMillis": 29000}
    assert data["several"] == {
        "type": "http",
        "timeoutInMillis": 29000,
        "passthroughBehavior": "never",
    }
    assert list(data["several"]) == ["type", "timeoutInMillis", "passthroughBehavior"]
    assert "<<" not in data["override"]
    assert not sink.diagnostics


def test_anchors_and_aliases() -> None:
    text = (
        "params: &p [{name: id, in: path}]\n"
        "a: *p\n"
        "name: &n petId\n"
        "b: *n\n"
        "&k shared: 1\n"
        "c: *k\n"
    )
    data, sink = read(text)
    assert data["a"] == [{"name": "id", "in": "path"}]
    assert data["b"] == "petId"
    assert data["c"] == "shared"  # an anchor on a key names the key's text
    assert not sink.diagnostics


def test_position_inside_an_alias_is_the_alias() -> None:
    sink = Sink()
    doc = load_text("base: &b {x: [1, 2]}\nuse: *b\n", "spec.yaml", sink)
    assert doc is not None
    inside = doc.locate(Origin("spec.yaml", "/use/x/1"))
    assert inside is not None
    assert (inside.line, inside.column, inside.end_line, inside.end_column) == (2, 6, 2, 8)


INTRINSICS = [
    (
        "Sub",
        "!Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path'",
        {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path"},
    ),
    (
        "Sub-with-variables",
        "!Sub ['${Fn}', {Fn: !Ref MyFunction}]",
        {"Fn::Sub": ["${Fn}", {"Fn": {"Ref": "MyFunction"}}]},
    ),
    ("Ref", "!Ref MyFunction", {"Ref": "MyFunction"}),
    ("GetAtt-dotted", "!GetAtt MyFunction.Arn", {"Fn::GetAtt": ["MyFunction", "Arn"]}),
    (
        "GetAtt-splits-at-first-dot",
        "!GetAtt Stack.Outputs.Url",
        {"Fn::GetAtt": ["Stack", "Outputs.Url"]},
    ),
    ("GetAtt-list", "!GetAtt [MyFunction, Arn]", {"Fn::GetAtt": ["MyFunction", "Arn"]}),
    (
        "If",
        "!If [IsProd, !Ref ProdArn, !Ref AWS::NoValue]",
        {"Fn::If": ["IsProd", {"Ref": "ProdArn"}, {"Ref": "AWS::NoValue"}]},
    ),
    (
        "Join",
        "!Join ['', ['arn:aws:lambda:', !Ref AWS::Region]]",
        {"Fn::Join": ["", ["arn:aws:lambda:", {"Ref": "AWS::Region"}]]},
    ),
    (
        "Select-Split",
        "!Select [0, !Split [',', 'a,b']]",
        {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
    ),
    (
        "block-Sub",
        "!Sub\n  - 'x${Y}'\n  - Y: !ImportValue Shared",
        {"Fn::Sub": ["x${Y}", {"Y": {"Fn::ImportValue": "Shared"}}]},
    ),
    ("unknown-tag-keeps-value", "!Custom thing", "thing"),
]


@pytest.mark.parametrize(("case", "source", "expected"), INTRINSICS, ids=[i[0] for i in INTRINSICS])
def test_cloudformation_short_tags_become_long_form(case: str, source: str, expected: Any) -> None:
    data, sink = read(f"uri: {source}\n")
    assert data["uri"] == expected
    assert not sink.diagnostics


def test_complex_key_is_read_as_json_text() -> None:
    data, _ = read("? [a, b]\n: 1\n? {c: d}\n: 2\n")
    assert data == {'["a", "b"]': 1, '{"c": "d"}': 2}


DUPLICATES = [
    # (id, file name, text, [(pointer, key, line, column)] of the second occurrences, data)
    (
        "nested",
        "spec.yaml",
        "a: 1\nb:\n  c: 1\n  c: 2\n",
        [("/b/c", "c", 4, 3)],
        {"a": 1, "b": {"c": 2}},
    ),
    ("escaped-pointer", "spec.yaml", "a/b: 1\na/b: 2\n", [("/a~1b", "a/b", 2, 1)], {"a/b": 2}),
    (
        "three-times",
        "spec.yaml",
        "k: 1\nk: 2\nk: 3\n",
        [("/k", "k", 2, 1), ("/k", "k", 3, 1)],
        {"k": 3},
    ),
    (
        "same-text-different-style",
        "spec.yaml",
        "'200': a\n200: b\n",
        [("/200", "200", 2, 1)],
        {"200": "b"},
    ),
    ("json", "spec.json", '{"a": {"x": 1,\n "x": 2}}', [("/a/x", "x", 2, 2)], {"a": {"x": 2}}),
]


@pytest.mark.parametrize(
    ("case", "name", "text", "expected", "data"), DUPLICATES, ids=[d[0] for d in DUPLICATES]
)
def test_duplicate_keys_warn_at_the_later_key(
    case: str, name: str, text: str, expected: list[tuple[str, str, int, int]], data: Any
) -> None:
    loaded, sink = read(text, name)
    assert loaded == data
    found = [(d.pointer, d.line, d.column) for d in sink.diagnostics]
    assert found == [(pointer, line, column) for pointer, _, line, column in expected]
    for diagnostic, (_, key, _, _) in zip(sink.diagnostics, expected, strict=True):
        assert diagnostic.code == "AGW123"
        assert diagnostic.severity is Severity.WARNING
        assert f"key {key!r} appears more than once" in diagnostic.message
