"""Prefect flows: orchestration only. Each task is a one-line wrapper over a plain function."""
