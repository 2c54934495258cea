"""`strata serve` runs every worker on Strata's HTTP protocol, with the limits from its settings."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.integration.conftest import assert_openai_error, catalog_yaml
from tests.support.gateway import MASTER_KEY, gateway_process
from tests.support.raw_http import RawConnection

HEADER_S = 0.5


@pytest.mark.parametrize("workers", [1, 2])
def test_strata_serve_holds_each_worker_to_the_configured_limits(tmp_path: Path, workers: int) -> None:
    config = tmp_path / "strata.yaml"
    config.write_text(catalog_yaml({"echo": [{"provider": "echo"}]}))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STRATA_")},
        "STRATA_MASTER_KEY": MASTER_KEY,
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_LOG_LEVEL": "warning",
        "STRATA_HEADER_TIMEOUT_S": str(HEADER_S),
    }
    args = ["--config", str(config), "--workers", str(workers)]

    with gateway_process(args, tmp_path, env=env) as (gateway, _):
        for _ in range(2):  # whichever worker takes each connection
            with RawConnection(gateway.base_url) as conn:
                started = time.monotonic()
                assert conn.closed_within(HEADER_S + 1.5), "a silent connection outlived the header timeout"
                assert time.monotonic() - started >= HEADER_S * 0.8
            with RawConnection(gateway.base_url) as conn:
                conn.send(b"BREW /pot HTTP/1.1\r\nHost: strata\r\n\r\n")
                assert_openai_error(conn.response(), 400)
