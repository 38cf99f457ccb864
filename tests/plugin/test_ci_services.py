"""``.ci/services.sh stop`` stops what a start started, and nothing that was already running."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SERVICES = ROOT / ".ci" / "services.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    done = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"], capture_output=True, text=True)
    return "PONG" in done.stdout


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("redis-server") or not shutil.which("pg_lsclusters"),
    reason="needs root, redis-server and PostgreSQL installed (as on CI: .ci/services.sh installs them)",
)
def test_stop_stops_only_what_the_start_started() -> None:
    port = _free_port()  # a redis-server of our own; PostgreSQL is already running (shared)
    env = {**os.environ, "CHAOS_REDIS_PORT": str(port)}
    started = subprocess.run(["bash", str(SERVICES)], capture_output=True, text=True, env=env, timeout=120)
    try:
        assert started.returncode == 0, started.stderr
        exports = dict(
            line.removeprefix("export ").replace("'", "").split("=", 1) for line in started.stdout.splitlines()
        )
        assert exports["CHAOS_SERVICES_STARTED"] == f"redis:{port}"  # not postgres: it was running
        assert _ping(port)
    finally:
        stop_env = {**os.environ, "CHAOS_SERVICES_STARTED": f"redis:{port}"}
        stopped = subprocess.run(["bash", str(SERVICES), "stop"], capture_output=True, text=True, env=stop_env)
    assert stopped.returncode == 0, stopped.stderr
    assert not _ping(port)
    pg = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    assert "online" in pg  # the PostgreSQL that was already running still is
