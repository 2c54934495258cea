"""Several gateways on one machine, as a scaled-out deployment runs them: `strata serve` processes
logging to files, and Debian's nginx in front of them, round robin, logging which process served
each request id (so a test knows how its calls were spread).

The nginx configuration follows deploy/compose/nginx.conf, except that nginx never passes a
request on to a second process (``proxy_next_upstream off``): each request reaches exactly one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.gateway import RunningGateway, free_port, wait_until_ready
from tests.support.require import require_tool

NGINX_CONF = """
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    log_format served '$upstream_addr $status $upstream_http_x_request_id';
    access_log {dir}/access.log served;
    upstream strata {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://strata;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_buffering off;
            proxy_read_timeout 60s;
            proxy_next_upstream off;
        }}
    }}
}}
"""


@dataclass(frozen=True)
class Balancer:
    base_url: str
    access_log: Path  # "<process address> <status> <request id>" per request

    def served_by(self, request_ids: list[str], wait_s: float = 10.0) -> dict[str, str]:
        """Request id -> address (host:port) of the process that answered it ("?" if nginx never
        logged it): waits for the lines of requests that just ended."""
        wanted = set(request_ids)
        deadline = time.monotonic() + wait_s
        while True:
            lines = self.access_log.read_text().splitlines()
            found = {parts[2]: parts[0] for parts in (line.split() for line in lines) if len(parts) == 3}
            if wanted <= found.keys() or time.monotonic() > deadline:
                return {rid: found.get(rid, "?") for rid in request_ids}
            time.sleep(0.1)


def address(gateway: RunningGateway) -> str:
    """The host:port nginx logs for ``gateway``."""
    return gateway.base_url.removeprefix("http://")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def logged_gateway(folder: Path, config: Path, env: Mapping[str, str], master_key: str) -> Iterator[RunningGateway]:
    """One `strata serve` (one worker) with its data and log in ``folder`` (created here); a failed
    start says why with the log's tail. Two minutes to get ready: on a busy CI machine the imports
    alone can take half a minute, and a cluster starts its processes at once."""
    folder.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--port", str(port)]
    with open(folder / "gateway.log", "wb") as log:
        process = subprocess.Popen(
            command, cwd=folder, env={**env, "STRATA_DATA_DIR": str(folder)}, stdout=log, stderr=log
        )
        try:
            try:
                wait_until_ready(base, timeout=120, process=process)
            except (RuntimeError, TimeoutError) as exc:
                raise RuntimeError(f"{exc}: {(folder / 'gateway.log').read_text()[-3000:]}") from None
            yield RunningGateway(base, master_key, data_dir=str(folder))
        finally:
            stop(process)


@contextmanager
def nginx(folder: Path, gateways: list[RunningGateway]) -> Iterator[Balancer]:
    """Debian's nginx in the foreground, round robin over ``gateways``, its files in ``folder``
    (created here). Skipped without nginx; a failure under CI=true."""
    binary = require_tool("nginx", "Debian's nginx-light balances the gateways")
    folder.mkdir()
    port = free_port()
    servers = "\n".join(f"        server {address(g)};" for g in gateways)
    user = "user root;" if os.geteuid() == 0 else ""  # else workers run as nobody, locked out of tmp_path
    conf = NGINX_CONF.format(user=user, dir=folder, servers=servers, port=port)
    (folder / "nginx.conf").write_text(conf)
    command = [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "error.log")]
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_ready(base, timeout=20, process=process)  # a gateway's /health/live, through nginx
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"nginx: {exc}: {(folder / 'error.log').read_text()[-2000:]}") from None
        yield Balancer(base, folder / "access.log")
    finally:
        stop(process)
