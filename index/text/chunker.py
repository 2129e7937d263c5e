"""Splitting an article into passages of whole sentences, counted in model tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.text.sentences import sentence_spans

# Word pieces added to every encoded text: [CLS] and [SEP].
SPECIAL_TOKENS = 2
# A passage holds at most this many characters per token of the limit. News text runs
# ~5 characters a token; a tokenizer reads a long run with no space or punctuation as
# one unknown token, so without this one "word" of 200,000 characters would be a passage.
MAX_CHARS_PER_TOKEN = 16

Counter = Callable[[Sequence[str]], list[int]]


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


def _fit(
    text: str, tokens: int, count_tokens: Counter, limit: int, max_chars: int
) -> list[tuple[str, int]]:
    """Cut `text` (`tokens` long, special tokens included) into pieces of at most `limit`
    tokens and `max_chars` characters, each with its own count: between paragraphs while
    a piece has several, else at whitespace, else between characters. A single
    character over the limit stays."""
    if tokens <= limit and len(text) <= max_chars:
        return [(text, tokens)]
    parts = max(2, -(-tokens // limit) + 1, -(-len(text) // max_chars) + 1)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    words = text.split() if len(lines) < 2 else []
    if len(lines) > 1:
        units, separator = lines, "\n"
    elif len(words) > 1:
        units, separator = words, " "
    elif words and len(words[0]) > 1:
        units, separator = list(words[0]), ""
    else:
        return [(text, tokens)]
    size = -(-len(units) // min(parts, len(units)))
    pieces = [separator.join(units[i : i + size]) for i in range(0, len(units), size)]
    out: list[tuple[str, int]] = []
    for piece, n in zip(pieces, count_tokens(pieces), strict=True):
        out.extend(_fit(piece, n, count_tokens, limit, max_chars))
    return out


def _within(
    pieces: list[tuple[str, int]], count_tokens: Counter, limit: int, max_chars: int
) -> list[tuple[str, int]]:
    """`pieces` (text, estimated tokens without special ones), each recounted and cut
    again only when its real count or length is over the limits."""
    real = count_tokens([piece for piece, _ in pieces])
    out: list[tuple[str, int]] = []
    for (piece, m), n in zip(pieces, real, strict=True):
        if n <= limit and len(piece) <= max_chars:
            out.append((piece, m))
        else:
            out.extend(
                (p, k - SPECIAL_TOKENS) for p, k in _fit(piece, n, count_tokens, limit, max_chars)
            )
    return out


def chunk_text(
    text: str,
    count_tokens: Counter,
    *,
    target: int = 120,
    limit: int = 256,
    keep_paragraphs: bool = True,
) -> list[Chunk]:
    """Pack the sentences of `text` into passages of about `target` tokens.

    A paragraph that fits in the target stays whole; passages never exceed
    `limit` tokens (special tokens included), as `count_tokens` counts them, nor
    `limit * MAX_CHARS_PER_TOKEN` characters; sentences are never cut unless one alone
    exceeds these (then at whitespace, else between characters). Nothing is lost but
    whitespace. A counter that gives one character more than `limit` tokens cannot be met.
    """
    max_chars = limit * MAX_CHARS_PER_TOKEN
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    sentences: list[tuple[str, int, bool]] = []  # text, tokens, starts a paragraph
    for paragraph in paragraphs:
        spans = sentence_spans(paragraph)
        texts = [paragraph[s:e] for s, e in spans]
        counts = [n - SPECIAL_TOKENS for n in count_tokens(texts)]
        for i, (sentence, n) in enumerate(zip(texts, counts, strict=True)):
            if n + SPECIAL_TOKENS > limit or len(sentence) > max_chars:
                pieces = _split_long(sentence, n, limit - SPECIAL_TOKENS)
                for j, (piece, m) in enumerate(_within(pieces, count_tokens, limit, max_chars)):
                    sentences.append((piece, m, i == 0 and j == 0))
            else:
                sentences.append((sentence, n, i == 0))
    chunks: list[Chunk] = []
    current: list[str] = []
    size = 0
    budget = min(target, limit) - SPECIAL_TOKENS
    chars = 0
    for index, (sentence, n, new_paragraph) in enumerate(sentences):
        if current and (size + n > budget or chars + 1 + len(sentence) > max_chars):
            # Keep a short paragraph whole: start it afresh rather than split it.
            chunks.append(Chunk(_join(current), size + SPECIAL_TOKENS))
            current, size, chars = [], 0, 0
        elif keep_paragraphs and current and new_paragraph and size >= budget // 2:
            rest = _paragraph_tokens(sentences, index)
            if size + rest > budget and rest <= budget:
                chunks.append(Chunk(_join(current), size + SPECIAL_TOKENS))
                current, size, chars = [], 0, 0
        current.append(("\n" if new_paragraph and current else "") + sentence)
        size += n
        chars += 1 + len(sentence)
    if current:
        chunks.append(Chunk(_join(current), size + SPECIAL_TOKENS))
    return _checked(chunks, count_tokens, limit, max_chars)


def _checked(chunks: list[Chunk], count_tokens: Counter, limit: int, max_chars: int) -> list[Chunk]:
    """The chunks, any that its real count puts over the limit cut again: sentence
    counts add up only about to a passage's (a tokenizer may count a join)."""
    if not chunks:
        return chunks
    real = count_tokens([chunk.text for chunk in chunks])
    if all(n <= limit and len(c.text) <= max_chars for c, n in zip(chunks, real, strict=True)):
        return chunks
    out: list[Chunk] = []
    for chunk, n in zip(chunks, real, strict=True):
        if n <= limit and len(chunk.text) <= max_chars:
            out.append(chunk)
        else:
            out.extend(Chunk(p, k) for p, k in _fit(chunk.text, n, count_tokens, limit, max_chars))
    return out


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
