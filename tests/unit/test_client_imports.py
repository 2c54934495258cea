"""The client is light: importing it, making a client and the CLI's client commands load none of
the server's heavy modules. Checked by module name in a fresh interpreter; the import time is
reported, bounded only generously (speed is measured in bench/, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Callable

HEAVY = ("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "litellm", "torch", "transformers", "numpy")


def _fresh(code: str) -> dict[str, object]:
    """Run ``code`` in a new interpreter; it prints a JSON object as its last line."""
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def _heavy_loaded() -> str:
    return f"[m for m in {HEAVY!r} if m in sys.modules or any(k.startswith(m + '.') for k in sys.modules)]"


def test_importing_the_client_loads_no_server_module(record_property: Callable[[str, object], None]) -> None:
    found = _fresh(
        f"""
        import json, sys, time
        started = time.perf_counter()
        import gateway.client
        imported = time.perf_counter()
        from gateway.client import AsyncStrata, Strata
        from gateway.client.types import ChatCompletion
        loaded = time.perf_counter()
        with Strata(base_url="http://127.0.0.1:9", api_key="sk-x") as client:
            ChatCompletion.model_validate({{"id": "c", "model": "m", "choices": []}})
            client.admin.keys
        AsyncStrata(base_url="http://127.0.0.1:9", api_key="sk-x")
        deps = sorted({{m.split('.')[0] for m in sys.modules}} & {{"httpx", "pydantic", "tenacity"}})
        print(json.dumps({{"heavy": {_heavy_loaded()}, "package_ms": (imported - started) * 1000,
                           "clients_ms": (loaded - started) * 1000, "deps": deps}}))
        """
    )
    assert found["heavy"] == []
    assert found["deps"] == ["httpx", "pydantic", "tenacity"]
    record_property("import_ms", found["package_ms"])
    record_property("import_with_clients_ms", found["clients_ms"])
    print(f"import gateway.client: {found['package_ms']:.0f} ms; with the clients: {found['clients_ms']:.0f} ms")
    assert isinstance(found["clients_ms"], float) and found["clients_ms"] < 5000  # generous: a loaded CI machine


def test_the_package_itself_defers_httpx_until_a_client_is_named() -> None:
    """``from gateway.client import StrataError`` (what an ``except`` needs) costs no HTTP stack."""
    found = _fresh(
        """
        import json, sys
        from gateway.client import RateLimitError, StrataError
        print(json.dumps({"httpx": "httpx" in sys.modules, "tenacity": "tenacity" in sys.modules}))
        """
    )
    assert found == {"httpx": False, "tenacity": False}


def test_the_cli_client_commands_load_no_server_module() -> None:
    """`strata keys list` against a gateway that is not there: the whole command path, no server import."""
    found = _fresh(
        f"""
        import contextlib, io, json, sys
        import gateway.cli
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = gateway.cli.main(["keys", "list", "--base-url", "http://127.0.0.1:9", "--api-key", "sk-x",
                                     "--timeout", "0.5"])
        print(json.dumps({{"code": code, "heavy": {_heavy_loaded()}, "stderr": err.getvalue()}}))
        """
    )
    assert found["code"] == 1
    assert found["heavy"] == []
    assert "Cannot reach the gateway at http://127.0.0.1:9" in str(found["stderr"])
