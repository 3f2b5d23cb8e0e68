"""Every route of every valid corpus spec answers as `tests/data/corpus_routes.tsv` records.

Each spec is built and served on 127.0.0.1 (one server per spec, a batch of specs at a time; see
`tests/corpus_routes.py`), and each route gets one request, with valid credentials where the
route is protected (the spec's copy gets local stand-ins for its authorizers, user pools, IAM
users and API keys: `tests/corpus_credentials.py`), so a protected route answers 2xx when its
integration can run here. The class of each answer (`2xx`, or
status, `x-amzn-ErrorType` and message) must be the table's: a route whose answer changes fails,
so a fix shows up as a table change. Each 4xx and 5xx has a cause: one the spec explains
(`tests.corpus_routes.cause`: an authorizer not enforced yet, an API key not sent, an AWS service
integration, a Lambda function with no local handler, a method with no integration, request
validation), or a defect written by hand as `known: <why>`. Any other 5xx fails.

After a change of answers, rewrite the table from today's answers and review its diff:

    .venv/bin/python -m tests.corpus_routes --update
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus_routes import (
    KNOWN,
    UNEXPLAINED,
    VALID,
    Observed,
    batches,
    observe,
    read_table,
    spec_name,
)

BATCHES = batches()


def test_the_table_lists_every_valid_spec() -> None:
    table = read_table()
    # (a spec with no route has no row; each batch checks its specs' routes exactly)
    assert {r.spec for r in table.values()} <= {spec_name(r) for r in VALID}
    assert len(table) >= 230
    assert all(r.cause for r in table.values())


@pytest.mark.parametrize("batch", BATCHES, ids=[f"batch{i}" for i in range(len(BATCHES))])
def test_corpus_routes_answer_as_recorded(batch: list, tmp_path: Path) -> None:
    table = read_table()
    observed = observe(batch, tmp_path)
    names = {spec_name(r) for r in batch}
    expected = {key: row for key, row in table.items() if row.spec in names}
    assert {o.key for o in observed} == set(expected), "routes added or gone: --update"
    mismatches = [_mismatch(o, expected[o.key]) for o in observed]
    assert not [m for m in mismatches if m], [m for m in mismatches if m]


def _mismatch(found: Observed, row: Observed) -> str:
    where = f"{found.spec} {found.route} ({found.request})"
    if (found.request, found.answer) != (row.request, row.answer):
        return f"{where}: answers {found.answer!r}, the table says {row.answer!r}"
    if found.cause == UNEXPLAINED and not row.cause.startswith(KNOWN):
        return f"{where}: {found.answer} with no cause the spec explains"
    if found.cause != UNEXPLAINED and row.cause != found.cause:
        return f"{where}: cause {found.cause!r}, the table says {row.cause!r}"
    return ""
