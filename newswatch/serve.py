"""`newswatch serve`: the whole of newswatch on one box, from one command.

    newswatch serve [--port 4200]

starts (or reuses) a Prefect server on 127.0.0.1, makes sure the work pools `prefect.yaml` names
exist (type process), deploys `prefect.yaml` exactly as an operator would (`prefect --no-prompt
deploy --all`, so the file stays the single source of deployments), and starts one process worker
per pool. Schedules then fire, and runs triggered from the UI at http://127.0.0.1:4200 (a backfill
with its form, say) are picked up by the worker. SIGTERM or Ctrl-C stops the worker, marks the
runs it leaves unfinished Crashed (so they free their deployment's concurrency slot), then stops
the server if this command started it; a child that dies on its own stops the rest and the
command exits non-zero, for systemd (or whatever supervises it) to restart.

Children run as `python -m prefect ...` with this interpreter, so they use the project's venv, and
inherit the environment with the settings made absolute (`NEWSWATCH_DB`, `NEWSWATCH_FEEDS`): flow
runs execute in the project directory whatever directory `serve` was started from.

While it runs, it names the scheduled runs of the deployments after what they will do, every
30 s (`flows.run_names`: Prefect names them at random until they start).

Two small run-time hooks for the deployments live here too, because they only matter when flows
run under a worker:
- `set_project_directory`, the pull step of `prefect.yaml`: it moves a flow run into the checkout
  this `newswatch` package is installed from, so no machine path is written in `prefect.yaml`;
  (Prefect attaches its API handler to PREFECT_LOGGING_EXTRA_LOGGERS but leaves their level at the
  root's WARNING).

Imports stay light (no Prefect): the pull step runs in every flow-run process.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from pipeline.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"
SERVER_START_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0


class ServeError(RuntimeError):
    """The single-box runner could not start, or a part of it died."""


# --- run-time hooks for deployments ----------------------------------------------------------


def set_project_directory() -> dict[str, str]:
    """Pull step: run the flow in this project's directory (where `flows/` and `.env` are)."""
    os.chdir(PROJECT_ROOT)
    return {"directory": str(PROJECT_ROOT)}


# --- what prefect.yaml asks for --------------------------------------------------------------


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    work_pool: str


def read_deployments(path: Path = PREFECT_YAML) -> list[DeploymentSpec]:
    """The deployments of a prefect.yaml (aliases resolved), with the pool each one runs on."""
    import yaml

    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ServeError(f"cannot read {path}: {exc}") from exc
    specs = []
    for item in config.get("deployments") or []:
        pool = (item.get("work_pool") or {}).get("name")
        if not item.get("name") or not item.get("entrypoint") or not pool:
            raise ServeError(
                f"{path}: every deployment needs a name, an entrypoint and a work pool"
            )
        specs.append(DeploymentSpec(item["name"], item["entrypoint"], pool))
    if not specs:
        raise ServeError(f"{path} defines no deployments")
    return specs


# --- talking to the Prefect API ---------------------------------------------------------------


def api_url_for(host: str, port: int) -> str:
    return f"http://{host}:{port}/api"


def api_healthy(api_url: str, *, timeout: float = 2.0) -> bool:
    import httpx

    try:
        response = httpx.get(f"{api_url}/health", timeout=timeout, trust_env=False)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def wait_for_api(api_url: str, *, timeout: float, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api_healthy(api_url):
            return
        if not alive():
            raise ServeError(f"the Prefect server exited before {api_url} answered")
        time.sleep(0.5)
    raise ServeError(f"the Prefect server at {api_url} did not answer within {timeout:.0f} s")


def work_pool_exists(api_url: str, name: str) -> bool:
    import httpx

    response = httpx.get(f"{api_url}/work_pools/{name}", timeout=10.0, trust_env=False)
    if response.status_code == 404:
        return False
    response.raise_for_status()
    return True


def registered_deployments(api_url: str) -> list[str]:
    """'flow/deployment' names the server knows."""
    import httpx

    response = httpx.post(
        f"{api_url}/deployments/filter", json={"limit": 200}, timeout=10.0, trust_env=False
    )
    response.raise_for_status()
    flows = httpx.post(
        f"{api_url}/flows/filter", json={"limit": 200}, timeout=10.0, trust_env=False
    )
    flows.raise_for_status()
    flow_names = {f["id"]: f["name"] for f in flows.json()}
    return sorted(f"{flow_names.get(d['flow_id'], '?')}/{d['name']}" for d in response.json())


ORPHAN_STATES = ("PENDING", "RUNNING", "CANCELLING")


def crash_orphaned_runs(api_url: str, pools: Sequence[str], reason: str) -> list[str]:
    """Mark the pools' unfinished flow runs Crashed: their processes are gone, no worker serves them.

    Only called when nothing can be running them: after this command stopped its worker, or at
    start-up of a server it started itself. Besides telling the truth in the UI, the transition
    frees the deployment's concurrency slot; without it a run killed with the server would hold
    the slot of `concurrency_limit: 1` for ever, and every later run of that deployment (every
    scheduled poll) would wait in AwaitingConcurrencySlot. A killed backfill resumes when run again.
    """
    import httpx

    response = httpx.post(
        f"{api_url}/flow_runs/filter",
        json={
            "flow_runs": {"state": {"type": {"any_": list(ORPHAN_STATES)}}},
            "work_pools": {"name": {"any_": list(pools)}},
            "limit": 200,
        },
        timeout=30.0,
        trust_env=False,
    )
    response.raise_for_status()
    crashed = []
    for run in response.json():
        result = httpx.post(
            f"{api_url}/flow_runs/{run['id']}/set_state",
            json={"state": {"type": "CRASHED", "message": reason}, "force": True},
            timeout=30.0,
            trust_env=False,
        )
        result.raise_for_status()
        crashed.append(str(run["name"]))
        log.warning("marked flow run %r Crashed: %s", run["name"], reason)
    return crashed


# --- child processes --------------------------------------------------------------------------


def prefect_command(*args: str) -> list[str]:
    """The Prefect CLI of this interpreter (the project's venv), whatever is on PATH."""
    return [sys.executable, "-m", "prefect", *args]


def child_environment(
    settings: Settings, api_url: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of the server, deploy and worker processes (and so of every flow run)."""
    from flows.prefect_env import DEFAULTS

    env = dict(os.environ if base is None else base)
    for key, value in DEFAULTS.items():
        env.setdefault(key, value)
    env["PREFECT_API_URL"] = api_url
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env["DO_NOT_TRACK"] = "1"
    # Relative paths would be read from the project directory by flow runs: pin them down here.
    env["NEWSWATCH_DB"] = str(Path(settings.db).expanduser().resolve())
    env["NEWSWATCH_FEEDS"] = str(Path(settings.feeds).expanduser().resolve())
    return env


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        if self.alive():
            log.info("stopping %s (pid %d)", self.name, self.process.pid)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


def start_child(name: str, command: Sequence[str], env: Mapping[str, str], cwd: Path) -> Child:
    # A session of its own: Ctrl-C reaches `serve` only, which stops children in order.
    process = subprocess.Popen(list(command), env=dict(env), cwd=cwd, start_new_session=True)
    log.info("started %s (pid %d): %s", name, process.pid, " ".join(command[2:]))
    return Child(name, process)


def run_cli(args: Sequence[str], env: Mapping[str, str], cwd: Path, *, what: str) -> None:
    result = subprocess.run(
        prefect_command(*args), env=dict(env), cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise ServeError(f"{what} failed (exit {result.returncode}):\n{tail}")


# --- the runner -------------------------------------------------------------------------------


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 4200
    prefect_yaml: Path = PREFECT_YAML
    worker_query_seconds: float | None = None  # how often workers poll (Prefect's default: 10)
    server_start_timeout: float = SERVER_START_TIMEOUT


@dataclass
class Services:
    """What `serve` started; `stop()` undoes it, workers first."""

    api_url: str
    pools: list[str] = field(default_factory=list)
    server: Child | None = None
    workers: list[Child] = field(default_factory=list)

    def children(self) -> list[Child]:
        return [*self.workers, *([self.server] if self.server else [])]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.workers and self.pools and api_healthy(self.api_url):
            try:
                crash_orphaned_runs(
                    self.api_url,
                    self.pools,
                    "newswatch serve stopped while this run was in progress; run it again "
                    "(a backfill resumes where it stopped)",
                )
            except Exception as exc:  # stopping goes on; the next start cleans up
                log.warning("could not mark unfinished runs Crashed: %s", exc)
        if self.server is not None:
            self.server.stop()


def start_services(settings: Settings, options: ServeOptions) -> Services:
    """Server (or an existing one), work pools, deployments, workers; stops all on failure."""
    project = options.prefect_yaml.resolve().parent
    specs = read_deployments(options.prefect_yaml)
    api_url = api_url_for(options.host, options.port)
    env = child_environment(settings, api_url)
    services = Services(api_url)
    try:
        if api_healthy(api_url):
            log.info("using the Prefect server already answering at %s", api_url)
        else:
            server = start_child(
                "prefect server",
                prefect_command(
                    "server",
                    "start",
                    "--host",
                    options.host,
                    "--port",
                    str(options.port),
                    "--analytics-off",
                ),
                env,
                project,
            )
            services.server = server
            wait_for_api(api_url, timeout=options.server_start_timeout, alive=server.alive)
        pools = list(dict.fromkeys(spec.work_pool for spec in specs))
        services.pools = pools
        if services.server is not None:
            # Our own server, no worker yet: anything unfinished was killed with the last one.
            crash_orphaned_runs(
                api_url,
                pools,
                "found unfinished when newswatch serve started (the machine or serve was "
                "stopped hard); run it again (a backfill resumes where it stopped)",
            )
        for pool in pools:
            if not work_pool_exists(api_url, pool):
                log.info("creating work pool %s (process)", pool)
                run_cli(
                    ["work-pool", "create", pool, "--type", "process"],
                    env,
                    project,
                    what=f"creating work pool {pool}",
                )
        log.info("deploying %s", options.prefect_yaml)
        run_cli(["--no-prompt", "deploy", "--all"], env, project, what="prefect deploy --all")
        worker_env = dict(env)
        if options.worker_query_seconds is not None:
            worker_env["PREFECT_WORKER_QUERY_SECONDS"] = str(options.worker_query_seconds)
        for pool in pools:
            services.workers.append(
                start_child(
                    f"worker for pool {pool}",
                    prefect_command(
                        "worker",
                        "start",
                        "--pool",
                        pool,
                        "--type",
                        "process",
                        "--install-policy",
                        "never",
                    ),
                    worker_env,
                    project,
                )
            )
    except BaseException:
        services.stop()
        raise
    return services


def name_runs(api_url: str) -> None:
    """Name the scheduled runs of our deployments (`flows.run_names`); a failure is logged only:
    names are cosmetic, and the next round tries again."""
    from flows.run_names import name_scheduled_runs

    try:
        renamed = name_scheduled_runs(api_url)
    except Exception as exc:  # an API hiccup must not stop the services
        log.warning("naming scheduled runs failed: %s: %s", type(exc).__name__, exc)
        return
    if renamed:
        log.info("named %d scheduled run(s): %s", len(renamed), ", ".join(renamed[:3]))


@contextmanager
def _stop_signals(stop: threading.Event) -> Iterator[None]:
    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stop.set()

    previous: dict[int, Any] = {
        sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def serve(
    settings: Settings,
    options: ServeOptions,
    *,
    on_ready: Callable[[Services, list[str]], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (0) or until a child dies (1); name scheduled runs meanwhile."""
    from flows.run_names import RENAME_EVERY

    rename_every = RENAME_EVERY
    stop = stop or threading.Event()
    with _stop_signals(stop):
        services = start_services(settings, options)
        try:
            if on_ready is not None:
                on_ready(services, registered_deployments(services.api_url))
            next_names = 0.0
            while not stop.wait(1.0):
                if time.monotonic() >= next_names:
                    name_runs(services.api_url)
                    next_names = time.monotonic() + rename_every
                dead = [child for child in services.children() if not child.alive()]
                if dead:
                    for child in dead:
                        log.error("%s exited with %s", child.name, child.process.returncode)
                    return 1
            return 0
        finally:
            services.stop()
