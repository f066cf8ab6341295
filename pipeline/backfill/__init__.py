"""Backfill: rework a past window of articles, or find the older ones feeds no longer list.

    request = BackfillRequest(start=date(2024, 6, 1), end=date(2024, 6, 30), mode="rescore")
    plan = plan_backfill(settings, request, run_id=...)         # start or resume the job
    article modes:  while not (batch := rework_batch(settings, plan, cursor)).finished: ...
    discover:       for feed in plan.feeds: discover_feed(settings, plan, feed)
    summary = finish_backfill(settings, plan, ...)              # stories, job done, table

One module a step: `request` (what the UI form asks: the window, the mode, feeds, dry run),
`plan` (start or resume the job), `rework` (the article modes), `discover` (the discover mode),
`finish` (stories, the job closed, the summary table).

Modes (`BackfillMode`):
- `rescore`: relevance judged again from the stored text; stories assigned over the window.
- `reextract`: text extracted again from the stored page HTML (no network), then judged.
- `refetch`: pages fetched again, extracted and judged; a page that fails now leaves the stored
  article alone (counted as failed).
- `discover`: older articles found through the feeds' archives, pages and sitemaps
  (`extract.feeds.discover`), stored as entries and turned into articles like a poll does.

Idempotent and resumable. A request (mode, window, feeds) is one job with a checkpoint in
`backfill_jobs` (store/backfill.py): articles are reworked in id order, a batch at a time, and the
checkpoint moves after each batch's write; discovery marks each feed done after its articles are
stored. Every write is an upsert or an update by key, so a run killed half-way and started again
redoes at most the batch (or feed) it was in, and stores nothing twice. Each batch opens its own
short connection; fetching and extraction happen outside it, so a poll or a digest waiting for the
database waits for one batch's write, not for the backfill.

Item failures are data (counted, and listed in the summary); systemic ones raise: a broken
database, a feed list that names unknown feeds, or every page of a batch failing at once.
`dry_run` reports what would change and writes nothing (discovery still reads feed archives and
sitemaps, but fetches no article page).
"""
