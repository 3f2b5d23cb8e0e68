"""The diagnostic codes of `apigwc diff` (phase 6: compatibility between two versions of a spec).

A breaking change is an error: a request a client of the deployed OLD API sends successfully
could be refused, or answered differently, by NEW. A compatible change is an info. Registered
into the one catalogue (`diagnostics.catalogue`) on import; `apigwc.codes.all_codes()` loads them.
"""

from __future__ import annotations

from apigwc.diagnostics.catalogue import INFO, Code, E, register

CODES = (
    Code(
        "AGW601",
        "route-removed",
        E,
        "{route} is gone in {new} ({other}): clients calling it get 403 Missing Authentication "
        "Token",
        "keep the method, or release the change as a new version (a new base path or stage)",
        "A method (route) of the old version is missing in the new one.",
    ),
    Code(
        "AGW602",
        "parameter-required",
        E,
        "{route}: {what} is required in {new} (was {before}; old at {other})",
        "make it optional, or release the change as a new version",
        "A request parameter or body became required: requests without it are refused.",
    ),
    Code(
        "AGW603",
        "model-stricter",
        E,
        "{route}: the {media_type} request model is stricter in {new}: {reason} (old at {other})",
        "accept what the old model accepted, or release the change as a new version",
        "A request model accepts less than before: bodies the old version took are refused.",
    ),
    Code(
        "AGW604",
        "validation-added",
        E,
        "{route}: the request validator now validates {what} in {new} (old at {other})",
        "requests that passed unvalidated may now get 400 Bad Request",
        "A method's request validator validates what it did not validate before.",
    ),
    Code(
        "AGW605",
        "authorization-required",
        E,
        "{route}: {what} in {new} (was {before}; old at {other})",
        "callers without these credentials get 401 or 403; announce it or release a new version",
        "A method needs authorization it did not need, or other authorization than before.",
    ),
    Code(
        "AGW606",
        "api-key-required",
        E,
        "{route}: an API key is required in {new} (old at {other})",
        "callers without a key get 403 Forbidden; give them keys first, or release a new version",
        "A method requires an API key it did not require before.",
    ),
    Code(
        "AGW607",
        "integration-status-changed",
        E,
        "{route}: responses selected by {pattern} have status {status} in {new}, not {before} "
        "(old at {other})",
        "clients branch on status codes; keep the old status or release a new version",
        "An integration response answers with another status code than before.",
    ),
    Code(
        "AGW608",
        "stage-variable-removed",
        E,
        "stage {stage}: variable {variable} is gone in {new} (old at {other})",
        "integrations and templates reading ${{stageVariables.{variable}}} get an empty value",
        "A stage variable of the old version is missing in the new one.",
    ),
    Code(
        "AGW609",
        "stage-removed",
        E,
        "stage {stage} is gone in {new}: its invoke URL stops answering (old at {other})",
        "keep the stage until its clients have moved",
        "A stage of the old version is missing in the new one.",
    ),
    Code(
        "AGW610",
        "route-added",
        INFO,
        "{route} is new in {new}",
        "a new method breaks no client",
        "A method (route) the old version did not have.",
    ),
    Code(
        "AGW611",
        "compatible-change",
        INFO,
        "{what} (old at {other})",
        "a change that accepts what the old version accepted breaks no client",
        "A change between the versions that breaks no client.",
    ),
)

register(*CODES)
