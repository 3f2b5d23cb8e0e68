"""Input limits the loader enforces before and while parsing.

API Gateway refuses an import / put definition file over 6 MB (reference §5.2): a larger file is
refused before it is read past that size. The other limits guard apigwc itself against hostile
documents: nesting depth (later passes and `json` recurse; libyaml's composer would crash, which
is why YAML is read from its event stream) and the number of values, counted after YAML alias
expansion ("billion laughs").
"""

IMPORT_SIZE_LIMIT = 6 * 1024 * 1024  # bytes, API Gateway's import/put definition file quota
MAX_DEPTH = 512  # nesting levels; real specs stay under 40
MAX_VALUES = 2_000_000  # values in one file, aliases counted as what they expand to
