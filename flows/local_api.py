"""Which Prefect API a one-shot command's flow run talks to, and a temporary one that dies with it.

    with prefect_api(host, port) as api:      # before Prefect is imported
        from flows.poll_feeds import poll_feeds_flow   # imports overlap the server's start
        api.wait()
        poll_feeds_flow(...)

In order:
1. an API the operator configured (`PREFECT_API_URL` in the environment or the active Prefect
   profile, or the settings of a Prefect already imported, as under a test harness): used as is;
2. a Prefect server answering on the `newswatch serve` address (`NEWSWATCH_PREFECT_HOST`/`_PORT`,
   default 127.0.0.1:4200): used, so the run shows in its UI and nothing is started (about 3 s
   of fixed cost instead of 10 to 20);
3. otherwise a temporary API server, started the way Prefect's local mode starts its own (uvicorn
   over `prefect.server.api.server:create_app`, UI off, ephemeral), but as a child bound to this
   process: Linux kills it (`PR_SET_PDEATHSIG`, SIGKILL) the moment this process dies, however it
   dies (SIGKILL included), and a normal exit stops it first. Prefect's own temporary server is
   only stopped by an `atexit` hook, so a killed command left it running for ever.

Imports nothing of Prefect: choosing costs a file read and, at most, one loopback request.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

PR_SET_PDEATHSIG = 1
PROBE_TIMEOUT = 0.5
START_TIMEOUT = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90"))


class PrefectApiError(RuntimeError):
    """The temporary Prefect API server did not start."""


def configured_api_url() -> str | None:
    """The API URL the operator set: environment, active profile, or an imported Prefect's."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect.settings" in sys.modules:  # e.g. prefect_test_harness in this process
        from prefect.settings import get_current_settings

        url = get_current_settings().api.url
        return str(url) if url else None
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    url = (profiles.get("profiles", {}).get(active) or {}).get("PREFECT_API_URL")
    return str(url) if url else None


def api_answers(api_url: str, *, timeout: float = PROBE_TIMEOUT) -> bool:
    import httpx

    try:
        return httpx.get(f"{api_url}/health", timeout=timeout, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent(parent: int) -> None:
    """preexec_fn of the child: SIGKILL when the parent dies (Linux); nothing elsewhere."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


@dataclass
class PrefectApi:
    url: str
    how: str  # "configured", "serve" or "temporary"
    process: subprocess.Popen[bytes] | None = None

    def wait(self, timeout: float = START_TIMEOUT) -> None:
        """Return once the API answers; raise if the temporary server dies or takes too long."""
        if self.process is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrefectApiError(
                    f"the temporary Prefect server exited with code {self.process.returncode}"
                )
            if api_answers(self.url, timeout=2.0):
                return
            time.sleep(0.1)
        raise PrefectApiError(f"the temporary Prefect server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        _drain_prefect_workers()  # logs and events still queued go out before the server stops
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _drain_prefect_workers() -> None:
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    with suppress(RuntimeError):  # never started
        APILogWorker.instance().drain()
    EventsWorker.drain_all(timeout=10)


def start_temporary_server() -> PrefectApi:
    """A Prefect API server on a free loopback port, killed when this process dies."""
    spec = find_spec("prefect")
    assert spec is not None and spec.origin is not None, "prefect is not installed"
    port = _free_port()
    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    parent = os.getpid()
    command = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent)]
    command += ["--factory", "prefect.server.api.server:create_app", "--lifespan", "on"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "error"]
    process = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=lambda: _die_with_parent(parent),  # runs before the child execs
    )
    return PrefectApi(f"http://127.0.0.1:{port}/api", "temporary", process)


def reachable_api(serve_host: str, serve_port: int) -> PrefectApi | None:
    """A configured API, else a server answering on the `serve` address, else None."""
    configured = configured_api_url()
    if configured:
        return PrefectApi(configured, "configured")
    serve_url = f"http://{serve_host}:{serve_port}/api"
    return PrefectApi(serve_url, "serve") if api_answers(serve_url) else None


@contextmanager
def prefect_api(
    serve_host: str, serve_port: int, found: PrefectApi | None = None
) -> Iterator[PrefectApi]:
    """The API this command's flow runs use (see the module docstring), set in the environment.

    `found`: what `reachable_api` returned, when the caller asked already."""
    found = found or reachable_api(serve_host, serve_port)
    if found is not None and found.how == "configured":
        yield found
        return
    api = found or start_temporary_server()
    os.environ["PREFECT_API_URL"] = api.url
    try:
        yield api
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        api.stop()
