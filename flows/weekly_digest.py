"""Flow `weekly-digest`: group the week's articles into stories, build the digest, deliver it once.

    assign-stories -> build-digest -> deliver-digest -> build-site, then a markdown artifact.

Thin: every task is a one-line wrapper over a step of `pipeline` (stories, digest, delivery). Parameters are checked here, at the
start of the run, so a bad week or date from the UI fails at once with a readable message.
"""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import deployment, flow_run

from flows.prefect_env import show_core_logs
from flows.smtp_block import smtp_overrides_from_block
from pipeline import delivery, digest, progress, site, stories
from pipeline.backfill.request import OptionalDate
from pipeline.delivery import Delivery
from pipeline.settings import Settings, load_settings
from pipeline.stories import StoryRun
from reports.select import DigestWindow, WindowError


@task(name="assign-stories", cache_policy=NO_CACHE)
def assign_stories(settings: Settings, window: DigestWindow) -> StoryRun:
    return stories.assign_stories(
        settings, window.start, window.end, by_published=window.by_published
    )


@task(name="build-digest", cache_policy=NO_CACHE)
def build_digest(settings: Settings, window: DigestWindow) -> digest.BuiltDigest:
    return digest.build_digest(settings, window)


@task(name="deliver-digest", cache_policy=NO_CACHE, retries=0)
def deliver_digest(settings: Settings, built: digest.BuiltDigest, resend: bool) -> Delivery:
    return delivery.deliver_digest(settings, built, resend=resend)


@task(name="build-site", cache_policy=NO_CACHE)
def build_site(settings: Settings) -> site.SiteBuild:
    return site.build_site(settings)


@task(name="load-smtp-block", cache_policy=NO_CACHE, persist_result=False)  # holds a password
def load_smtp_block(name: str) -> dict[str, object]:
    return smtp_overrides_from_block(name)


@dataclass(frozen=True)
class DigestOutcome:
    window_key: str
    subject: str
    stories: int
    new_stories: int
    articles: int
    delivery: Delivery
    story_run: StoryRun
    build_ms: float
    html: str
    text: str


def _run_name() -> str:
    """'weekly-digest: 2026-W47', 'weekly-digest: 2026-11-01..2026-11-15', '… (resend)'."""
    params = flow_run.parameters
    if params.get("week"):
        window = str(params["week"])
    elif params.get("since") or params.get("until"):
        window = f"{params.get('since') or '…'}..{params.get('until') or 'today'}"
    else:
        window = "previous week"
    return f"weekly-digest: {window}" + (" (resend)" if params.get("resend") else "")


@flow(name="weekly-digest", flow_run_name=_run_name, log_prints=False)
def weekly_digest_flow(
    week: str = "",
    since: OptionalDate = None,
    until: OptionalDate = None,
    send: bool = True,
    resend: bool = False,
) -> DigestOutcome:
    """Build the digest of a window and deliver it (once per window unless `resend`).

    The database is a setting (NEWSWATCH_DB), not a parameter.

    Args:
        week: ISO week "YYYY-Www" (e.g. "2026-W47"). Empty: the previous ISO week.
        since: First day of a custom window (instead of `week`).
        until: Day after the last day of a custom window (exclusive). Empty: through today.
        send: Deliver the digest (SMTP if NEWSWATCH_SMTP_HOST is set, else the outbox folder).
            False only builds it.
        resend: Deliver even if this window was delivered before.
    """
    if deployment.get_id():
        show_core_logs()  # under a worker: INFO of the core modules in the run logs
    settings = load_settings()
    if settings.smtp_block:
        settings = load_settings(**load_smtp_block(settings.smtp_block))
    try:
        window = digest.resolve_window(settings, week=week or None, since=since, until=until)
    except WindowError as exc:
        raise ValueError(f"weekly-digest: bad window parameters: {exc}") from exc
    return run_digest(settings, window, send=send, resend=resend)


def run_digest(
    settings: Settings, window: DigestWindow, *, send: bool, resend: bool
) -> DigestOutcome:
    logger = get_run_logger()
    with progress.stage("digest", 4) as steps:
        story_run = assign_stories(settings, window)
        steps.advance(detail="stories assigned")
        built = build_digest(settings, window)
        steps.advance(detail="digest built")
        if send:
            delivered = deliver_digest(settings, built, resend)
        else:
            delivered = Delivery(status="not-sent", channel=None, detail="built only (send=False)")
        steps.advance(detail=delivered.status)
        built_site = build_site(settings)
        steps.advance(detail="site built")
    logger.info("weekly-digest %s: %s", window.key, built_site.describe())
    create_markdown_artifact(
        key="weekly-digest",
        markdown=delivery.summary_markdown(built, delivered, story_run),
        description=f"weekly-digest {window.key}: {delivered.status}",
    )
    logger.info("weekly-digest %s: %s; %s", window.key, built.rendered.subject, delivered.detail)
    totals = built.digest.totals
    return DigestOutcome(
        window_key=window.key,
        subject=built.rendered.subject,
        stories=totals.stories,
        new_stories=totals.new_stories,
        articles=totals.articles,
        delivery=delivered,
        story_run=story_run,
        build_ms=built.elapsed_ms,
        html=built.rendered.html,
        text=built.rendered.text,
    )
