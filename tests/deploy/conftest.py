"""A running gateway for the deployment tests to probe: the paths and ports the manifests name
must answer on the real app, started as the image starts it (`strata serve`'s configuration)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.gateway import RunningGateway, gateway_in_thread

ECHO_CATALOG = "models:\n  strata-echo:\n    deployments:\n      - provider: echo\n"


@pytest.fixture(scope="package")
def running_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    with gateway_in_thread(ECHO_CATALOG, tmp_path_factory.mktemp("deploy")) as gateway:
        yield gateway
