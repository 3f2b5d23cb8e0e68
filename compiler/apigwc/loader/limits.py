"""Input limits the loader enforces before and while parsing.

API Gateway refuses an import / put definition file over 6 MB (reference §5.2). The other limits
guard apigwc itself against hostile documents: nesting depth (libyaml's composer and Python's
stack are recursive) and YAML alias expansion ("billion laughs").
"""

IMPORT_SIZE_LIMIT = 6 * 1024 * 1024  # bytes, API Gateway's import/put definition file quota
READ_LIMIT = 64 * 1024 * 1024  # never read more than this from one file
MAX_DEPTH = 512  # nesting levels; real specs stay under 40
MAX_VALUES = 2_000_000  # values after alias expansion
