"""Splitting an article into passages of whole sentences, counted in model tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.text.sentences import sentence_spans

# Word pieces added to every encoded text: [CLS] and [SEP].
SPECIAL_TOKENS = 2


@dataclass(frozen=True)
class Chunk:
    """A passage's text and its length in model tokens, special tokens included."""

    text: str
    tokens: int


def _split_long(sentence: str, tokens: int, limit: int) -> list[tuple[str, int]]:
    """Cut a sentence longer than `limit` tokens at word boundaries into even pieces."""
    words = sentence.split()
    pieces = -(-tokens // limit) + 1
    size = max(1, -(-len(words) // pieces))
    out = []
    for start in range(0, len(words), size):
        part = " ".join(words[start : start + size])
        out.append((part, -(-tokens * len(part) // max(1, len(sentence)))))
    return out


def chunk_text(
    text: str,
    count_tokens: Callable[[Sequence[str]], list[int]],
    *,
    target: int = 120,
    limit: int = 256,
    keep_paragraphs: bool = True,
) -> list[Chunk]:
    """Pack the sentences of `text` into passages of about `target` tokens.

    A paragraph that fits in the target stays whole; passages never exceed
    `limit` tokens (special tokens included); sentences are never cut unless
    one alone exceeds the limit.
    """
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    sentences: list[tuple[str, int, bool]] = []  # text, tokens, starts a paragraph
    for paragraph in paragraphs:
        spans = sentence_spans(paragraph)
        texts = [paragraph[s:e] for s, e in spans]
        counts = [n - SPECIAL_TOKENS for n in count_tokens(texts)]
        for i, (sentence, n) in enumerate(zip(texts, counts, strict=True)):
            if n + SPECIAL_TOKENS > limit:
                for j, (piece, m) in enumerate(_split_long(sentence, n, limit - SPECIAL_TOKENS)):
                    sentences.append((piece, m, i == 0 and j == 0))
            else:
                sentences.append((sentence, n, i == 0))
    chunks: list[Chunk] = []
    current: list[str] = []
    size = 0
    budget = min(target, limit) - SPECIAL_TOKENS
    for index, (sentence, n, new_paragraph) in enumerate(sentences):
        if current and size + n > budget:
            # Keep a short paragraph whole: start it afresh rather than split it.
            chunks.append(Chunk(_join(current), size + SPECIAL_TOKENS))
            current, size = [], 0
        elif keep_paragraphs and current and new_paragraph and size >= budget // 2:
            rest = _paragraph_tokens(sentences, index)
            if size + rest > budget and rest <= budget:
                chunks.append(Chunk(_join(current), size + SPECIAL_TOKENS))
                current, size = [], 0
        current.append(("\n" if new_paragraph and current else "") + sentence)
        size += n
    if current:
        chunks.append(Chunk(_join(current), size + SPECIAL_TOKENS))
    return chunks


def _paragraph_tokens(sentences: list[tuple[str, int, bool]], start: int) -> int:
    total = sentences[start][1]
    for _, n, new_paragraph in sentences[start + 1 :]:
        if new_paragraph:
            break
        total += n
    return total


def _join(parts: list[str]) -> str:
    text = ""
    for part in parts:
        text += part if part.startswith("\n") or not text else " " + part
    return text.strip()
