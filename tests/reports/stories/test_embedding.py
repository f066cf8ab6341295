"""The sentence embedder over the real USE-m3 weights: one vector per text, a repeated text
(wire copy with the same headline and lead) embedded once."""

from __future__ import annotations

import numpy as np

from reports.stories.embedding import DIMENSIONS, SentenceEmbedder, embedding_text

REPORTS = [
    embedding_text(
        "Putin and Kim sign a strategic partnership treaty in Pyongyang",
        "Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a treaty "
        "pledging mutual assistance if either is attacked.",
    ),
    embedding_text(
        "Путин и Ким Чен Ын подписали договор о всеобъемлющем стратегическом партнёрстве",
        "Президент России и председатель КНДР подписали договор в Пхеньяне.",
    ),
    embedding_text(
        "북러 정상, 포괄적 전략적 동반자 관계 조약 서명",
        "블라디미르 푸틴 러시아 대통령과 김정은 국무위원장이 평양에서 조약에 서명했다.",
    ),
]


class CountingEmbedder(SentenceEmbedder):
    """The real embedder, counting the texts it runs through the model."""

    def __init__(self) -> None:
        super().__init__(threads=1, batch=2)
        self.embedded: list[str] = []

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return super()._encode_batch(texts)


def test_each_text_gets_its_unit_vector_and_a_repeated_text_is_embedded_once() -> None:
    embedder = CountingEmbedder()
    alone = embedder.encode(REPORTS)
    embedder.embedded.clear()

    a, b, c = REPORTS
    vectors = embedder.encode([a, b, a, "", c, b, ""])

    assert vectors.shape == (7, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert embedder.embedded == [a, b, " ", c]  # each distinct text once, in order
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[5])
    np.testing.assert_array_equal(vectors[3], vectors[6])
    np.testing.assert_allclose(vectors[[0, 1, 4]], alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # the same event in three languages: closer to each other than to an empty text
    assert min(alone[0] @ alone[1], alone[0] @ alone[2]) > vectors[0] @ vectors[3]


def test_no_texts_no_vectors() -> None:
    assert SentenceEmbedder().encode([]).shape == (0, DIMENSIONS)
