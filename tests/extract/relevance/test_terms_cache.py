"""The term data is read once per process while its file stays the same, and again once it
changes: the poll's batches, the seeds, the stories and the extraction workers share it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extract.relevance.terms import TopicTermsError, cached_topic_terms, load_topic_terms
from pipeline.settings import GAZETTEER


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.toml"
    shutil.copy(GAZETTEER, path)
    first = cached_topic_terms(path)
    assert cached_topic_terms(path) is first
    assert cached_topic_terms(str(tmp_path / "." / "gazetteer.toml")) is first  # same file
    assert first == load_topic_terms(path)

    text = path.read_text(encoding="utf-8")
    assert "\nmax_terms = 24\n" in text
    path.write_text(text.replace("\nmax_terms = 24\n", "\nmax_terms = 3\n"), encoding="utf-8")
    changed = cached_topic_terms(path)
    assert changed is not first
    assert (first.max_terms, changed.max_terms) == (24, 3)
    assert cached_topic_terms(path) is changed


def test_a_missing_file_is_the_loaders_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(TopicTermsError, match="cannot read topic terms") as error:
        cached_topic_terms(tmp_path / "missing.toml")
    assert "\n" not in str(error.value)
