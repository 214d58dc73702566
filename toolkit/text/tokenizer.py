"""A word-level tokenizer for prompts: text in, token ids and a padding mask out.

    tokenizer = Tokenizer()
    tokens = tokenizer("a small red circle, moving left")
    tokens.ids        # (1, 40) long: <bos> a small red circle , moving left <eos> <pad> ...
    tokens.mask       # (1, 40) bool: True for real tokens
    tokens.unknown    # [[]]: the words of each prompt that are not in the vocabulary

The vocabulary is every word the shapes world's caption grammar can write (toolkit.data.captions), so it
is built from code and never downloaded. Production tokenizers split words into sub-word pieces
(CLIP's byte-pair encoding, T5's SentencePiece) so that no word is ever unknown; with a closed
vocabulary a word-level tokenizer is simpler to read and shows what a model can and cannot understand.

Unknown words never crash anything: they are dropped, listed in `tokens.unknown` and reported in a
warning ("brightly" is not a word the model has seen, so it cannot change the picture). strict=True
raises instead. Empty prompts, prompts longer than `max_length` tokens and non-text prompts raise.
Every prompt is padded to `max_length`, as CLIP pads to 77, so that conditional and unconditional
batches line up.
"""
import re
import warnings
from dataclasses import dataclass

import torch

from ..data.captions import SYNONYMS, TEMPLATES, _GLUE

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, BOS, EOS)
MAX_LENGTH = 40                                     # two-object captions take up to 31 tokens
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*|[,.]|\S")   # words (up-left is one), commas and full stops, any other mark


class UnknownWordsError(ValueError):
    """A prompt uses words outside the vocabulary and strict mode is on."""


@dataclass
class Tokens:
    ids: torch.Tensor           # (B, L) long, padded with the <pad> id
    mask: torch.Tensor          # (B, L) bool, True for real tokens (<bos> and <eos> included)
    unknown: list               # B lists of the words that were dropped

    def __len__(self) -> int:
        return self.ids.shape[0]


def split_words(text: str) -> list[str]:
    """'A red disc, rising.' -> ['a', 'red', 'disc', ',', 'rising', '.']"""
    return _WORD.findall(text.lower())


def grammar_words() -> list[str]:
    """Every word and mark the caption grammar can produce, in a fixed order."""
    phrases = [p for table in SYNONYMS.values() for options in table.values() for p in options]
    template_words = [w for t in TEMPLATES for w in split_words(re.sub(r"\{\w+\}", " ", t))]
    words = [w for text in phrases + template_words + sorted(_GLUE) + ["."] for w in split_words(text)]
    return list(dict.fromkeys(words))               # de-duplicated, first occurrence kept


class Tokenizer:
    def __init__(self, max_length: int = MAX_LENGTH, words: list[str] | None = None,
                 example: str = "a small red circle moving left"):
        """words: the vocabulary (default: the shapes world's caption grammar; the digits world passes its own,
        and an example prompt for the error messages)."""
        if max_length < 3:
            raise ValueError(f"max_length must leave room for <bos>, a word and <eos>, got {max_length}")
        words = grammar_words() if words is None else list(words)
        if not words or len(set(words)) != len(words) or set(words) & set(SPECIALS):
            raise ValueError("words must be a non-empty list of distinct words, without <pad>, <bos> or <eos>")
        self.max_length, self.example = max_length, example
        self.vocab = list(SPECIALS) + words
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.pad_id, self.bos_id, self.eos_id = (self.index[s] for s in SPECIALS)

    def __len__(self) -> int:
        return len(self.vocab)

    def __call__(self, prompts, strict: bool = False, warn: bool = True) -> Tokens:
        """Tokenize a prompt or a list of prompts; see the module docstring for what is refused."""
        prompts = [prompts] if isinstance(prompts, str) else prompts
        if not isinstance(prompts, (list, tuple)) or not prompts:
            raise TypeError(f"prompts must be a string or a non-empty list of strings, got {prompts!r}")
        rows, unknown = [], []
        for prompt in prompts:
            words, dropped = self._words(prompt)
            if dropped and strict:
                raise UnknownWordsError(f"unknown words {dropped} in {prompt!r}; the model knows only the "
                                        f"words of the caption grammar, e.g. {self.example!r}")
            rows.append([self.bos_id] + [self.index[w] for w in words] + [self.eos_id])
            unknown.append(dropped)
        if warn and any(unknown):
            said = "; ".join(f"{p!r}: {', '.join(u)}" for p, u in zip(prompts, unknown) if u)
            warnings.warn(f"ignored words the model does not know ({said})", stacklevel=2)
        return self._pad(rows, unknown)

    def null(self, n: int) -> Tokens:
        """n empty prompts (<bos> <eos>): the unconditional input of classifier-free guidance."""
        return self._pad([[self.bos_id, self.eos_id]] * n, [[] for _ in range(n)])

    def decode(self, ids: torch.Tensor) -> str:
        """One row of ids back to text, without the special tokens."""
        return " ".join(self.vocab[i] for i in ids.tolist() if self.vocab[i] not in SPECIALS).replace(" ,", ",")

    def _words(self, prompt) -> tuple[list[str], list[str]]:
        if not isinstance(prompt, str):
            raise TypeError(f"a prompt must be a string, not {type(prompt).__name__} ({prompt!r})")
        if not prompt.strip():
            raise ValueError(f"the prompt is empty; describe what to draw, e.g. {self.example!r}")
        words = split_words(prompt)
        known = [w for w in words if w in self.index]
        dropped = [w for w in words if w not in self.index]
        if not known:
            raise ValueError(f"no word of {prompt!r} is in the vocabulary, so there is nothing to draw; "
                             f"try e.g. {self.example!r}")
        if len(known) + 2 > self.max_length:
            raise ValueError(f"the prompt has {len(known)} words; at most {self.max_length - 2} fit "
                             f"(max_length={self.max_length} includes <bos> and <eos>)")
        return known, dropped

    def _pad(self, rows: list, unknown: list) -> Tokens:
        ids = torch.full((len(rows), self.max_length), self.pad_id, dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = torch.tensor(row)
        return Tokens(ids=ids, mask=ids != self.pad_id, unknown=unknown)
