"""`apigwc.testing`: test an API spec from pytest as if it were deployed.

This package is the pytest plugin (`pytest -p apigwc.testing`, or loaded by its `pytest11` entry
point of the same name): its hooks and fixtures are those of `plugin.py`, which lists them;
`client.py` holds the clients. Loading it imports pytest and nothing else of apigwc's.
"""

from __future__ import annotations

try:
    from apigwc.testing.plugin import (
        _apigwc_gateways,
        apigwc_api,
        apigwc_app,
        apigwc_aws_environment,
        apigwc_client,
        apigwc_identities,
        apigwc_live_client,
        apigwc_live_server,
        apigwc_moto,
        apigwc_sign,
        apigwc_spec,
        apigwc_stage,
        apigwc_token,
        pytest_addoption,
    )
except ModuleNotFoundError as missing:  # the clients are usable without pytest
    if missing.name != "pytest":
        raise
else:
    __all__ = [
        "_apigwc_gateways",
        "apigwc_api",
        "apigwc_app",
        "apigwc_aws_environment",
        "apigwc_client",
        "apigwc_identities",
        "apigwc_live_client",
        "apigwc_live_server",
        "apigwc_moto",
        "apigwc_sign",
        "apigwc_spec",
        "apigwc_stage",
        "apigwc_token",
        "pytest_addoption",
    ]
