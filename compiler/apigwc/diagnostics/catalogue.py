"""The registry of diagnostic codes: stable ids, severities, message templates and hints.

`AGW` + three digits + kebab slug. The hundreds digit is the phase:
1 read / `$ref`, 2 extension shape, 3 lowering / unsupported, 4 semantic, 5 target limits,
6 compatibility between two versions (`apigwc diff`, registered by `versions/codes.py`).
Codes are never reused: retire a code by leaving it here with `retired=True`.
Message and hint are `str.format` templates filled from the fields a pass reports.
This module is the one registry: it holds the codes written here, and the validation rule
modules feed it theirs (`register`) when `apigwc.validation` is imported; it imports nothing
back from them (`apigwc.codes.all_codes()` loads every code).
"""

from __future__ import annotations

from dataclasses import dataclass

from apigwc.diagnostics.model import Severity

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    name: str
    severity: Severity
    message: str
    hint: str
    summary: str
    retired: bool = False
    # Minimal whole documents (YAML) for docs and the generic rule test: `bad` must produce
    # this code, `good` (the fixed version) must not. Rules of phase 4/5 must have both.
    bad: str = ""
    good: str = ""

    @property
    def phase(self) -> int:
        return int(self.code[3])


_CODES: tuple[Code, ...] = (
    # --- 1xx: reading files and resolving $ref ---------------------------------------------
    Code(
        "AGW101",
        "file-not-found",
        E,
        "cannot read {path}: {reason}",
        "check the path; relative paths are resolved from the file that names them",
        "The spec, or a file named by a `$ref`, could not be opened.",
    ),
    Code(
        "AGW102",
        "invalid-encoding",
        E,
        "{path} is not valid UTF-8: {reason}",
        "save the file as UTF-8 (API Gateway reads JSON and YAML as UTF-8 text)",
        "The file holds bytes that are not UTF-8.",
    ),
    Code(
        "AGW103",
        "yaml-syntax",
        E,
        "YAML syntax error: {reason}",
        "fix the YAML at the marked position; API Gateway answers such a file with 'Invalid OpenAPI input.'",
        "The document does not parse as YAML.",
    ),
    Code(
        "AGW104",
        "json-syntax",
        E,
        "JSON syntax error: {reason}",
        "fix the JSON at the marked position; API Gateway answers such a file with 'Invalid OpenAPI input.'",
        "The document does not parse as JSON.",
    ),
    Code(
        "AGW105",
        "document-too-deep",
        E,
        "the document nests deeper than {limit} levels",
        "flatten the structure; no API definition needs this depth",
        "Refused before parsing so that a hostile document cannot exhaust the stack.",
    ),
    Code(
        "AGW106",
        "document-too-large",
        E,
        "{what} is {size:,} bytes, over API Gateway's import limit of {limit:,} bytes (6 MB)",
        "split the API, or move documentation out of the definition (import with ignore=documentation)",
        "API Gateway refuses an import or put definition file larger than 6 MB.",
    ),
    Code(
        "AGW107",
        "alias-expansion",
        E,
        "YAML aliases expand to more than {limit:,} values",
        "remove the alias chain; this looks like an alias ('billion laughs') bomb",
        "Refused so that a hostile document cannot exhaust memory.",
    ),
    Code(
        "AGW108",
        "not-a-mapping",
        E,
        "the document root is {kind}, not a mapping",
        "an OpenAPI document is a JSON object / YAML mapping at its top level",
        "The root of the document is not an object.",
    ),
    Code(
        "AGW110",
        "ref-not-found",
        E,
        "$ref {ref!r} points to nothing: {reason}",
        "check the JSON pointer after '#' and the file path before it",
        "A `$ref` names a location that does not exist.",
    ),
    Code(
        "AGW111",
        "ref-cycle",
        E,
        "$ref cycle: {chain}",
        "break the cycle; only schemas may refer to themselves (through a named model)",
        "A chain of `$ref`s returns to where it started outside a schema.",
    ),
    Code(
        "AGW112",
        "remote-ref-refused",
        E,
        "$ref {ref!r} is remote and remote references are off",
        "pass --allow-remote-refs to fetch it, or copy the file next to the spec",
        "apigwc never touches the network unless asked to.",
    ),
    Code(
        "AGW113",
        "ref-invalid",
        E,
        "$ref must be a string, not {kind}",
        "write the reference as a string such as '#/components/schemas/Pet'",
        "A `$ref` value that is not a string.",
    ),
    Code(
        "AGW114",
        "ref-to-other-file",
        W,
        "$ref {ref!r} points into another file; API Gateway does not import references to other files",
        "apigwc inlines it in every export and template, so the deployed API is complete",
        "API Gateway's importer refuses `$ref` to other files; apigwc bundles them.",
    ),
    Code(
        "AGW120",
        "unknown-openapi-version",
        E,
        "cannot tell the OpenAPI version: {reason}",
        "start the document with 'openapi: 3.0.1' or 'swagger: \"2.0\"'",
        "API Gateway imports Swagger 2.0 and OpenAPI 3.0 documents.",
    ),
    Code(
        "AGW121",
        "openapi-31",
        W,
        "OpenAPI {version} is not documented as importable by API Gateway",
        "apigwc reads it, and exports OpenAPI 3.0.1 for deployment",
        "API Gateway answered 'Invalid OpenAPI input.' for OpenAPI 3.1 documents (smithy-lang/smithy#985).",
    ),
    Code(
        "AGW122",
        "missing-paths",
        W,
        "the document has no 'paths' object; the API would have only its root resource",
        "add 'paths: {{}}' to say so",
        "OpenAPI requires 'paths'; an importer that enforces it answers \"'paths' is a required property\".",
    ),
    Code(
        "AGW124",
        "misspelt-root-field",
        E,
        "{key!r} is not an OpenAPI field; did you mean {field!r}? ({field!r} is a required property)",
        "rename it to {field!r}",
        "A root key one typo away from a required OpenAPI field that is missing (moto and AWS answer \"'paths' is a required property\").",
    ),
    Code(
        "AGW125",
        "model-not-found",
        W,
        "$ref {ref!r} names a model that the document does not define",
        "define it under components.schemas (or definitions), or fix the name",
        "API Gateway imports with the warning 'missing model reference' and the method gets no model; with failonwarnings=true the import fails.",
    ),
    Code(
        "AGW123",
        "duplicate-key",
        W,
        "key {key!r} appears more than once in this mapping; the last one wins",
        "remove the duplicate",
        "JSON and YAML parsers keep the last of duplicate keys; the first one is silently lost.",
    ),
    # --- 13x-14x: `apigwc import` reading CloudFormation / SAM templates -----------------
    Code(
        "AGW130",
        "template-has-no-api",
        E,
        "{path} defines no API apigwc can import ({reason})",
        "give a template with an AWS::ApiGateway::RestApi, AWS::ApiGatewayV2::Api, "
        "AWS::Serverless::Api / HttpApi or a function with Api / HttpApi events, or an OpenAPI file",
        "`apigwc import` found nothing to import in the file.",
    ),
    Code(
        "AGW131",
        "api-not-in-template",
        E,
        "no API {api_id!r} in the template; it defines {apis}",
        "pass one of the listed logical ids to --api",
        "`--api` names a logical id that is not an API of the template.",
    ),
    Code(
        "AGW132",
        "other-apis-in-template",
        INFO,
        "imported {api_id}; the template also defines {apis}",
        "import another one with --api LOGICAL_ID",
        "A template with several APIs: one is imported per run.",
    ),
    Code(
        "AGW133",
        "definition-file-not-found",
        E,
        "{what} names {location}, which cannot be read: {reason}",
        "put the file next to the template (apigwc import reads local files only, never S3)",
        "An `AWS::Include`, `BodyS3Location` or `DefinitionUri` file that is not on disk.",
    ),
    Code(
        "AGW134",
        "definition-not-local",
        W,
        "{what} is {location}, which is not beside the template; imported without it",
        "download the definition next to the template (same file name as the S3 key) and re-import",
        "apigwc import never fetches from the network: a definition kept only in S3 is left out.",
    ),
    Code(
        "AGW135",
        "sam-invalid-definition",
        E,
        "invalid SAM definition: {reason}",
        "fix the API definition; the SAM translator rejects this template",
        "The SAM transform fails on this template (the message follows the SAM translator's).",
    ),
    Code(
        "AGW136",
        "sam-invalid-resource",
        E,
        "resource {resource} is invalid: {reason}",
        "fix the property; the SAM translator rejects this resource",
        "A SAM resource property the SAM transform rejects.",
    ),
    Code(
        "AGW137",
        "sam-invalid-event",
        E,
        "event {event} of {resource} is invalid: {reason}",
        "fix the event; the SAM translator rejects it",
        "A SAM function event the SAM transform rejects.",
    ),
    Code(
        "AGW138",
        "unsupported-template-shape",
        E,
        "{what} cannot be imported: {reason}",
        "write the value in a form apigwc import reads (see the README's import section)",
        "A template construct apigwc import does not read.",
    ),
    Code(
        "AGW139",
        "template-value-not-imported",
        W,
        "{what} is not imported: {reason}",
        "set it in x-apigwc by hand if the local runtime needs it",
        "A template value with no place in the spec or x-apigwc (kept out rather than guessed).",
    ),
    Code(
        "AGW140",
        "included-file-missing",
        W,
        "{what} names {location}, which is not beside the template; imported without it",
        "copy the included file next to the template and re-import",
        "The SAM transform accepts the template, but the file its `AWS::Include` names is not on "
        "disk: the API is imported with only what the template itself declares (its events).",
    ),
    Code(
        "AGW141",
        "definition-not-openapi",
        W,
        "{what} is not an OpenAPI or Swagger document ({reason}); API Gateway rejects it, so it "
        "is imported as an API with no routes",
        "write an OpenAPI 3.0 or Swagger 2.0 document there",
        "The SAM transform passes any mapping through as the body, but API Gateway's import "
        "needs `openapi` / `swagger` and `paths`.",
    ),
    Code(
        "AGW142",
        "definition-part-degraded",
        W,
        "{what} {problem}, which API Gateway rejects; imported {action}",
        "fix the template so that it deploys as written",
        "The SAM transform accepts the template, but API Gateway would refuse this part of the "
        "definition: the import keeps the rest and says how it changed this part.",
    ),
    Code(
        "AGW143",
        "file-outside-root",
        E,
        "{what} {path!r} lies outside the folders a spec may read ({roots}); it is not read",
        "keep referenced files and function code under the spec's folder, or name the folder "
        "with --allow-root DIR (validate, build, serve, export)",
        "A `$ref` or a function's `codeUri` leads, symlinks resolved, out of the root spec's "
        "folder tree. apigwc reads nothing there unless `--allow-root` names the folder, so that "
        "a spec from someone else cannot copy local files into an export, template or build.",
        bad="openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "x-apigwc:\n  functions:\n    fn: {handler: 'app:handler', codeUri: ../..}\n",
        good="openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "x-apigwc:\n  functions:\n    fn: {handler: 'app:handler', codeUri: src}\n",
    ),
    Code(
        "AGW144",
        "not-a-regular-file",
        E,
        "{path} is {kind}, not a regular file; it is not read",
        "name a regular file; apigwc never reads devices, pipes, sockets or folders for a spec",
        "A `$ref` names a device, FIFO, socket or folder: reading one could hang or never end.",
    ),
    Code(
        "AGW145",
        "ref-expansion",
        E,
        "$ref {ref!r}: inlined schema references copy more than {limit:,} values",
        "refer to named models (components/schemas, definitions) instead of inlining; this "
        "looks like a reference bomb",
        "Schema references that are not named models are copied where they are used; many "
        "references to schemas that themselves hold many references multiply, so the copying "
        "is bounded, as YAML aliases are (AGW107).",
    ),
    # --- 2xx: shape of extensions ----------------------------------------------------------
    Code(
        "AGW201",
        "wrong-type",
        E,
        "{what} must be {expected}, not {actual}",
        "see `apigwc explain AGW201` and the extension's page in the API Gateway developer guide",
        "A value has the wrong JSON type for its place.",
    ),
    Code(
        "AGW202",
        "invalid-value",
        E,
        "{what} is {value!r}; expected {expected}",
        "use one of the documented values",
        "A value is outside the set API Gateway accepts.",
    ),
    Code(
        "AGW203",
        "missing-property",
        E,
        "{what} needs {prop!r}",
        "add the property",
        "A required property of an extension is absent.",
    ),
    Code(
        "AGW204",
        "unknown-property",
        W,
        "{what} has no property {prop!r}; API Gateway ignores it",
        "remove it, or check its spelling{suggestion}",
        "A property that the extension does not define.",
    ),
    Code(
        "AGW205",
        "unknown-extension",
        W,
        "unknown API Gateway extension {name!r}",
        "check the spelling{suggestion}; API Gateway ignores extensions it does not know",
        "An `x-amazon-apigateway-*` key that API Gateway does not document.",
    ),
    Code(
        "AGW206",
        "extension-misplaced",
        E,
        "{name} is not allowed here; it belongs {where}",
        "move it to its documented place",
        "An extension appears where API Gateway does not read it.",
    ),
    Code(
        "AGW207",
        "extension-wrong-flavour",
        W,
        "{name} is for {flavour} APIs only; this {api} API ignores it",
        "remove it, or change the API flavour (x-apigwc.protocol)",
        "An extension that only one API flavour (REST or HTTP) supports.",
    ),
    Code(
        "AGW208",
        "invalid-intrinsic",
        E,
        "malformed CloudFormation intrinsic {fn}: {reason}",
        "see the CloudFormation intrinsic function reference",
        "An `Fn::*` / `Ref` / `!Tag` value whose arguments have the wrong shape.",
    ),
    Code(
        "AGW209",
        "unknown-apigwc-property",
        W,
        "x-apigwc{where} has no property {prop!r}",
        "check the spelling{suggestion}; see the README's spec dialect section",
        "A key inside `x-apigwc` that apigwc does not define.",
    ),
    Code(
        "AGW210",
        "invalid-operation",
        E,
        "{what} must be a mapping (an Operation object)",
        "write the operation as a mapping of OpenAPI fields",
        "An operation or path item that is not a mapping.",
    ),
    Code(
        "AGW213",
        "authtype-without-authorizer",
        W,
        "security scheme {scheme!r} has x-amazon-apigateway-authtype {auth_type!r} but no "
        "x-amazon-apigateway-authorizer; the scheme protects nothing as an authorizer",
        "add the x-amazon-apigateway-authorizer the authtype describes, or remove the authtype",
        "x-amazon-apigateway-authtype describes the authorizer of a scheme (`custom`, "
        "`cognito_user_pools`); only `awsSigv4` (IAM) stands without one. API Gateway's import "
        "creates authorizers from x-amazon-apigateway-authorizer alone.",
        bad="openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components: {securitySchemes: {k: {type: apiKey, name: Authorization, in: header, "
        "x-amazon-apigateway-authtype: custom}}}\n",
        good="openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components: {securitySchemes: {k: {type: apiKey, name: Authorization, in: header, "
        "x-amazon-apigateway-authtype: awsSigv4}}}\n",
    ),
    # --- 3xx: lowering / unsupported ------------------------------------------------------
    Code(
        "AGW301",
        "unsupported-for-protocol",
        W,
        "{feature} is not supported by {api} APIs and is ignored",
        "remove it, or deploy as the other API flavour",
        "A feature API Gateway ignores for this API flavour.",
    ),
    Code(
        "AGW302",
        "swagger-http-api",
        E,
        "HTTP APIs import OpenAPI 3.0 only; this document is Swagger 2.0",
        "convert it with `apigwc export --format oas30`",
        "API Gateway rejects a Swagger 2.0 document for an HTTP API.",
    ),
    Code(
        "AGW304",
        "any-operation-key",
        W,
        "'any' under {path!r} is not an OpenAPI operation; read as x-amazon-apigateway-any-method",
        "rename the key to x-amazon-apigateway-any-method; API Gateway's importer does not know 'any'",
        "SAM CLI accepts an 'any' key for the ANY method; API Gateway reads only the extension.",
    ),
    Code(
        "AGW303",
        "protocol-conflict",
        W,
        "x-apigwc.protocol says {forced} but the document uses {evidence}",
        "remove the extensions that belong to the other flavour",
        "The forced protocol disagrees with the extensions in use.",
    ),
    Code(
        "AGW307",
        "protocol-evidence-conflict",
        W,
        "the document uses {rest} (REST APIs only) and {http} (HTTP APIs only); read as a "
        "{chosen} API",
        "set `x-apigwc: {{protocol: {other}}}` to read it as the other flavour, and remove the "
        "features of the flavour it is not",
        "apigwc infers the API flavour from the features a document uses. REST-only features "
        "(REST root extensions, AWS/HTTP/MOCK integrations, mapping templates, integration "
        "responses) outweigh HTTP-only extensions that API Gateway's REST import ignores "
        "(x-amazon-apigateway-cors, x-amazon-apigateway-tag-value); any other HTTP-only feature "
        "(the import/export version API Gateway writes into HTTP API exports, a JWT authorizer, "
        "integrationSubtype, isDefaultRoute, integration components) makes it an HTTP API.",
        bad="openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
        "x-amazon-apigateway-cors: {allowOrigins: ['*']}\n"
        "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n"
        "      x-amazon-apigateway-integration: {type: mock, requestTemplates: "
        "{application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}\n",
        good="openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /pets:\n    get:\n      responses: {'200': {description: ok}}\n"
        "      x-amazon-apigateway-integration: {type: mock, requestTemplates: "
        "{application/json: '{\"statusCode\": 200}'}, responses: {default: {statusCode: '200'}}}\n",
    ),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


def get(code: str) -> Code:
    """A registered code. The validation rule modules register theirs when `apigwc.validation`
    is imported (before any of them reports); `apigwc.codes.all_codes()` loads every one."""
    return CATALOGUE[code]


def register(*codes: Code) -> None:
    """Add codes from another phase module (validation rules register theirs here)."""
    for c in codes:
        if c.code in CATALOGUE and CATALOGUE[c.code] != c:
            raise ValueError(f"diagnostic code {c.code} registered twice")
        CATALOGUE[c.code] = c
