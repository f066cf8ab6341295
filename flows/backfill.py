"""Flow `backfill`: rework a past window by hand, from the Prefect UI's run form or the CLI.

    plan-backfill -> (rework-batch)* | (discover-feed)* -> finish-backfill

One parameter, `request` (`pipeline.backfill.request.BackfillForm`, the UI's run form): its fields
carry the titles and descriptions the UI shows (first day, last day or a number of days, the mode
as a choice, feeds, dry run, digest). The deployment enforces its schema, so a malformed form is
refused by the server before a run exists; a form the schema cannot judge (the last day before
the first) ends the run at once, Failed with that one sentence and no traceback. No database or
feed-list parameter: those are settings (NEWSWATCH_DB, NEWSWATCH_FEEDS) of the worker or the CLI.
The run is named after what it does ("backfill rescore 2024-06-01..2024-06-30, all feeds"); a progress artifact
(`backfill-progress`) moves after every batch or feed, and a table (`backfill-summary`) ends it.
A run killed half-way leaves its job open: running the same request again resumes it.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID, uuid4

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.runtime import deployment, flow_run
from prefect.states import Failed

from flows.prefect_env import show_core_logs
from flows.weekly_digest import build_digest, deliver_digest
from pipeline import digest
from pipeline.backfill import discover as discover_step
from pipeline.backfill import finish as finish_step
from pipeline.backfill import plan as plan_step
from pipeline.backfill import rework as rework_step
from pipeline.backfill.discover import FeedDiscovery
from pipeline.backfill.finish import BackfillSummary
from pipeline.backfill.plan import BackfillPlan, progress_of
from pipeline.backfill.request import BackfillError, BackfillForm, BackfillMode, BackfillRequest
from pipeline.backfill.rework import BatchResult
from pipeline.settings import Settings, load_settings


@task(name="plan-backfill", cache_policy=NO_CACHE)
def plan_backfill(settings: Settings, request: BackfillRequest, run_id: str) -> BackfillPlan:
    return plan_step.plan_backfill(settings, request, run_id=run_id)


@task(name="rework-batch", cache_policy=NO_CACHE)
def rework_batch(
    settings: Settings, plan: BackfillPlan, cursor: int | None, run_id: str
) -> BatchResult:
    return rework_step.rework_batch(settings, plan, cursor, run_id=run_id)


@task(name="discover-feed", cache_policy=NO_CACHE)
def discover_feed(
    settings: Settings, plan: BackfillPlan, feed_url: str, run_id: str
) -> FeedDiscovery:
    return discover_step.discover_feed(settings, plan, feed_url, run_id=run_id)


@task(name="finish-backfill", cache_policy=NO_CACHE)
def finish_backfill(
    settings: Settings,
    plan: BackfillPlan,
    batches: list[BatchResult],
    feeds: list[FeedDiscovery],
) -> BackfillSummary:
    return finish_step.finish_backfill(settings, plan, batches=batches, feeds=feeds)


def _run_name() -> str:
    request = flow_run.parameters.get("request")
    if isinstance(request, BackfillForm | BackfillRequest):
        return f"backfill {request.describe()}"
    return "backfill"


def _run_id() -> str:
    return str(flow_run.get_id() or uuid4())


@flow(name="backfill", flow_run_name=_run_name, log_prints=False)
def backfill_flow(request: BackfillForm) -> BackfillSummary | State[Any]:
    """Rework a past window: rescore, re-extract, refetch, or discover older articles.

    Args:
        request: What to backfill: the window (first day, and last day or number of days), the
            mode, optionally the feeds, and whether to only report (dry run). Running the same
            request again resumes it if a run was killed, or redoes it if it finished.
    """
    if deployment.get_id():
        show_core_logs()
    try:
        checked = request.to_request()
    except BackfillError as exc:  # what the form's schema cannot check: one line, no traceback
        get_run_logger().error("%s", exc)
        return Failed(message=str(exc))
    return run_backfill(load_settings(), checked)


def run_backfill(settings: Settings, request: BackfillRequest) -> BackfillSummary:
    logger = get_run_logger()
    run_id = _run_id()
    plan = plan_backfill(settings, request, run_id)
    logger.info("backfill %s", plan.describe())
    progress = cast(  # called from sync code, it returns the id, not a coroutine
        UUID,
        create_progress_artifact(
            progress=progress_of(plan, 0),
            key="backfill-progress",
            description=f"backfill {plan.describe()}",
        ),
    )
    batches: list[BatchResult] = []
    feeds: list[FeedDiscovery] = []
    with plan_step.stage_of(plan) as counter:
        if request.mode is BackfillMode.DISCOVER:
            for feed_url in plan.feeds:
                feeds.append(discover_feed(settings, plan, feed_url, run_id))
                update_progress_artifact(progress, progress_of(plan, len(feeds)))
                counter.advance(detail=feeds[-1].how)
            discover_step.check_discovery(feeds)
        else:
            cursor = plan.cursor
            while True:
                batch = rework_batch(settings, plan, cursor, run_id)
                batches.append(batch)
                cursor = batch.last_id
                done = sum(b.processed for b in batches)
                update_progress_artifact(progress, progress_of(plan, done))
                counter.advance(batch.processed, detail=f"{batch.changed} changed")
                if batch.finished:
                    break
    summary = finish_backfill(settings, plan, batches, feeds)
    update_progress_artifact(progress, 100.0)
    create_table_artifact(
        key="backfill-summary",
        table=summary.rows,
        description=summary.describe(),
    )
    logger.info("backfill %s", summary.describe())
    if request.digest and not request.dry_run:
        window = digest.backfill_window(settings, request.start, request.end)
        delivered = deliver_digest(settings, build_digest(settings, window), False)
        logger.info("backfill digest %s: %s", window.key, delivered.detail)
    return summary
