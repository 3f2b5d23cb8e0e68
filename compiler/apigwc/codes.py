"""Every diagnostic code, and `docs/diagnostics.md` written from them.

Flows in: the catalogue (`diagnostics.catalogue`), which the validation rule modules feed when
`apigwc.validation` is imported. Flows out: `all_codes()` for `apigwc rules | explain` and the
docs. It sits above both packages so that neither imports the other back.

    python -m apigwc.codes [OUT]      # OUT defaults to stdout
"""

from __future__ import annotations

import sys
from pathlib import Path

from apigwc.diagnostics.catalogue import CATALOGUE, Code


def all_codes() -> dict[str, Code]:
    import apigwc.validation
    import apigwc.versions.codes  # noqa: F401  (the codes of `apigwc diff`)

    return CATALOGUE


def main(argv: list[str]) -> int:
    from apigwc.diagnostics.docs import render

    text = render(all_codes())
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
