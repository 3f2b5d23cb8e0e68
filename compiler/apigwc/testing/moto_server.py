"""A moto server on 127.0.0.1 for the AWS service integrations of a spec under test.

Where it sits: `apigwc.testing`, behind the `apigwc_moto` fixture (moto is the user's test
dependency: `pip install 'moto[server]'`). Flows out: the server's URL and the environment that
points the gateway's AWS calls at it (`AWS_ENDPOINT_URL`, the first place the runtime looks:
README, "AWS service integrations: where the calls go") with moto's test keys, and boto3 clients
for the test's own checks.
"""

from __future__ import annotations

import importlib
from typing import Any

KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _testing_extra(name: str) -> Any:
    """A module of the `[testing]` extra (moto, boto3), imported by name where it is used: a
    plain install of apigwc has neither, and `apigwc_moto` is the only fixture that needs them."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"apigwc_moto needs {name.split('.')[0]}: pip install 'apigwc[testing]'", name=name
        ) from None


class MotoServer:
    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        server = _testing_extra("moto.server")
        self.server = server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def environment(self) -> dict[str, str]:
        return {"AWS_ENDPOINT_URL": self.url, **KEYS}

    def client(self, service: str) -> Any:
        """A boto3 client of `service` at this server (boto3 comes with moto)."""
        return _testing_extra("boto3").client(
            service,
            endpoint_url=self.url,
            region_name=self.region,
            aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        )

    def stop(self) -> None:
        self.server.stop()
