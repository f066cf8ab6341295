"""The Prefect UI's side of the deployments, on a real Prefect API (the test harness's server),
with `prefect.yaml` deployed as an operator deploys it:

- the run forms offer no database or feed-list field, and no "X or None" toggle anywhere;
- a malformed backfill form (a bad date, an unknown mode, a negative count, a stray `db`) is
  refused with HTTP 409 and no run is created (`enforce_parameter_schema: true`);
- a reversed window, which a schema cannot see, ends its run at once: Failed, with one sentence
  and the run named after the form, not a traceback under a random name;
- scheduled runs get names that say what they will do before they start (`flows.run_names`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.prefect, pytest.mark.slow]


@pytest.fixture(scope="module")
def deployed(prefect_api: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """prefect.yaml deployed on the harness's API (work pool first, as docs/operations.md says)."""
    from prefect.settings import get_current_settings

    api_url = str(get_current_settings().api.url).rstrip("/")
    home = tmp_path_factory.mktemp("deploy-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSWATCH_", "PREFECT_"))}
    env.update(
        PREFECT_API_URL=api_url,
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
    )
    for args in (
        ["work-pool", "create", "newswatch", "--type", "process"],
        ["--no-prompt", "deploy", "--all"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    yield api_url


def deployments(api_url: str) -> dict[str, dict[str, Any]]:
    found = httpx.post(f"{api_url}/deployments/filter", json={"limit": 50}, timeout=30).json()
    return {d["name"]: d for d in found}


def runs_of(api_url: str, deployment_id: str) -> list[dict[str, Any]]:
    body = {"flow_runs": {"deployment_id": {"any_": [deployment_id]}}, "limit": 50}
    return list(httpx.post(f"{api_url}/flow_runs/filter", json=body, timeout=30).json())


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_forms_have_no_db_and_no_none_toggles(deployed: str) -> None:
    found = deployments(deployed)
    assert set(found) == {"poll-feeds", "weekly-digest", "backfill"}
    for name, dep in found.items():
        assert dep["enforce_parameter_schema"] is True, name
        schema = dep["parameter_openapi_schema"]
        assert not {"db", "feeds"} & set(schema["properties"]), (name, schema["properties"])
        for node in walk(schema):
            assert "anyOf" not in node and node.get("type") != "null", (name, node)
    form = found["backfill"]["parameter_openapi_schema"]["definitions"]["BackfillForm"]
    assert form["required"] == ["start"]
    fields = form["properties"]
    assert fields["end"] == {
        "title": "Last day",
        "type": "string",
        "format": "date",
        "pattern": fields["start"]["pattern"],
        "description": fields["end"]["description"],
    }
    assert fields["days"]["minimum"] == 0 and fields["feeds"]["type"] == "array"
    digest = found["weekly-digest"]["parameter_openapi_schema"]["properties"]
    assert digest["since"]["format"] == "date" and digest["week"]["type"] == "string"
    poll = found["poll-feeds"]["parameter_openapi_schema"]["properties"]
    for field in ("shard", "shards"):
        assert poll[field]["type"] == "integer" and poll[field]["default"] == 1, poll[field]
        assert poll[field]["minimum"] == 1 and poll[field]["description"], poll[field]


@pytest.mark.parametrize(
    "parameters",
    [
        {"request": {"start": "1 June 2024", "end": "2024-07-01"}},  # not a date
        {"request": {"start": "2024-06-01", "days": 30, "mode": "rescrape"}},
        {"request": {"start": "2024-06-01", "days": -3}},
        {"request": {"start": "2024-06-01", "days": 3, "db": "/tmp/other.duckdb"}},
        {"request": {"end": "2024-06-30"}},  # no first day
    ],
)
def test_a_malformed_backfill_form_is_refused_and_makes_no_run(
    deployed: str, parameters: dict[str, Any]
) -> None:
    backfill = deployments(deployed)["backfill"]
    before = len(runs_of(deployed, backfill["id"]))
    response = httpx.post(
        f"{deployed}/deployments/{backfill['id']}/create_flow_run",
        json={"parameters": parameters},
        timeout=30,
    )
    assert response.status_code == 409, response.text
    assert "Validation failed" in response.text or "validation" in response.text.lower()
    assert len(runs_of(deployed, backfill["id"])) == before


def test_scheduled_runs_are_named_after_what_they_will_do(deployed: str) -> None:
    from flows.run_names import name_scheduled_runs

    found = deployments(deployed)
    created = {}
    for name, body in {
        "poll-feeds": {
            "state": {
                "type": "SCHEDULED",
                "state_details": {"scheduled_time": "2031-03-04T07:30:00+00:00"},
            }
        },
        "backfill": {
            "parameters": {"request": {"start": "2024-06-01", "days": 30, "mode": "discover"}},
            "state": {
                "type": "SCHEDULED",
                "state_details": {"scheduled_time": "2031-03-04T08:00:00+00:00"},
            },
        },
    }.items():
        response = httpx.post(
            f"{deployed}/deployments/{found[name]['id']}/create_flow_run", json=body, timeout=30
        )
        assert response.status_code == 201, response.text
        created[name] = response.json()
    assert created["poll-feeds"]["name"] != "poll-feeds 2031-03-04 07:30"  # Prefect's random one

    renamed = name_scheduled_runs(deployed)
    assert set(renamed) >= {
        "poll-feeds 2031-03-04 07:30",
        "backfill discover 2024-06-01..2024-06-30, all feeds",
    }
    names = {
        key: httpx.get(f"{deployed}/flow_runs/{run['id']}", timeout=30).json()["name"]
        for key, run in created.items()
    }
    assert names == {
        "poll-feeds": "poll-feeds 2031-03-04 07:30",
        "backfill": "backfill discover 2024-06-01..2024-06-30, all feeds",
    }
    assert not set(name_scheduled_runs(deployed)) & set(names.values())  # named once


def test_a_reversed_window_fails_at_once_in_one_sentence_under_its_own_name(
    prefect_api: None,
) -> None:
    from flows.backfill import backfill_flow
    from pipeline.backfill.request import BackfillForm

    form = BackfillForm(start=date(2024, 6, 30), end=date(2024, 6, 1))
    state = backfill_flow(request=form, return_state=True)
    assert state.is_failed()
    assert state.message == "backfill: the last day (2024-06-01) is before the first (2024-06-30)"

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)  # type: ignore[arg-type]
    assert run.name == "backfill rescore 2024-06-30..2024-06-01, all feeds"


def test_a_shard_outside_its_count_fails_at_once_in_one_sentence(prefect_api: None) -> None:
    from flows.poll_feeds import poll_feeds_flow

    state = poll_feeds_flow(shard=3, shards=2, return_state=True)
    assert state.is_failed()
    assert state.message == "shard 3/2: expected K/N with 1 <= K <= N, such as 2/4"
