"""Transformations between the method and the integration, and back.

Flows in: request or response parts and the route's templates and mappings. Flows out: rendered
bodies, mapped headers and parameters, encoded payloads. `vtl`/`velocity`/`velocity_engine` are the
Velocity mapping templates with `$input`, `$util` and `$context`; `jsonpath` the JSONPath of
`$input.path`; `mapping` the parameter mappings; `media_types` the one reading of Content-Type,
Accept and `binaryMediaTypes`; `payloads` content handling, template selection and compression;
`json_input` the bounded JSON reader; `render_budget` the time and size bounds of a render.
"""
