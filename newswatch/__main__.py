"""`python -m newswatch` runs the CLI."""

from newswatch.cli import app

app()
