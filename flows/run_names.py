"""Names for the scheduled runs of newswatch's deployments, before they start.

Prefect names a flow run at random when it is created ("bright-otter") and applies the flow's
`flow_run_name` only once the run starts, so the UI's upcoming runs are a column of random names.
`name_scheduled_runs` names every SCHEDULED run of our deployments (those tagged `newswatch`:
waiting for its time, or for its deployment's concurrency slot) after what it will do:

    poll-feeds 2026-12-02 07:30                               (its scheduled time, UTC)
    poll-feeds-2-of-4 2026-12-02 07:30                        (a deployment of one shard)
    weekly-digest 2026-12-07 07:00
    backfill discover 2024-06-01..2024-06-30, all feeds       (its form)

`newswatch serve` calls it every `RENAME_EVERY` seconds; when a run starts, its flow names it
again from what it finds ("poll-feeds: 29 feeds").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    DeploymentFilterTags,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from pydantic import ValidationError

from pipeline.backfill.request import BackfillForm

TAG = "newswatch"  # every deployment of prefect.yaml carries it (a poll shard's too)
RENAME_EVERY = 30.0  # seconds, in `newswatch serve`


def scheduled_name(deployment: str, parameters: Mapping[str, Any], when: datetime | None) -> str:
    """The name of a scheduled run of `deployment`: its form for a backfill, else its time."""
    if deployment == "backfill":
        try:
            return f"backfill {BackfillForm.model_validate(parameters.get('request')).describe()}"
        except ValidationError:
            return "backfill (form to check)"
    if when is None:
        return deployment
    return f"{deployment} {when.astimezone(UTC):%Y-%m-%d %H:%M}"


def name_scheduled_runs(api_url: str, *, limit: int = 200) -> list[str]:
    """Rename the scheduled runs of our deployments on the API at `api_url`; the new names."""
    renamed: list[str] = []
    with SyncPrefectClient(api_url) as client:
        deployments = client.read_deployments(
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=[TAG]))
        )
        names = {d.id: d.name for d in deployments}
        if not names:
            return renamed
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(names))),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
            limit=limit,
        )
        for run in runs:
            if run.deployment_id not in names:
                continue
            when = run.next_scheduled_start_time or run.expected_start_time
            name = scheduled_name(names[run.deployment_id], run.parameters, when)
            if run.name != name:
                client.update_flow_run(run.id, name=name)
                renamed.append(name)
    return renamed
