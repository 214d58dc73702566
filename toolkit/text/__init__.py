"""Text in, conditioning out: the tokenizer, and the frozen text encoder the generators read.

    text = TextConditioner.from_pretrained()          # the text tower of the shipped shapes_clip
    text = TextConditioner.from_pretrained("shapes_clip_video")   # the one trained on clips: knows motion
    text = TextConditioner.from_pretrained("digits_clip")         # the bouncing digits' (its own tokenizer)
    cond = text(["a large blue square"])               # {"context": (1, 40, 64), "context_mask": (1, 40), "pooled": (1, 64)}
    null = text.null(1)                                # the empty prompt, for classifier-free guidance
    net(x_t, t, **cond)                                # any text-conditioned U-Net or transformer

Like Stable Diffusion with CLIP's text tower, the generators never train the text encoder: it was trained
contrastively (toolkit.recipes.contrastive) and is frozen. The image generators read shapes_clip's tower; the video
generators read the tower of shapes_clip_video, trained against clips: shapes_clip only ever read captions of
still pictures, so to it "moving left" and "slides to the right" are untrained, interchangeable words (much as
video models moved from CLIP's text tower to larger text encoders such as T5).
"""
import torch

from .. import zoo
from ..data import digits
from ..models.clip import ContrastiveModel
from ..models.text_encoder import TextEncoder
from .tokenizer import Tokenizer, Tokens, UnknownWordsError

TEXT_ENCODER = "text_encoder"


def tokenizer_for(name: str) -> Tokenizer:
    """The tokenizer a shipped text tower was trained with: the digits world's words for digits_clip, else the
    shapes world's caption grammar."""
    return Tokenizer(words=digits.words(), example=digits.EXAMPLE) if name == "digits_clip" else Tokenizer()


class TextConditioner:
    """A tokenizer and a frozen text encoder: prompts -> the keyword arguments of a text-conditioned network."""

    def __init__(self, encoder: TextEncoder, tokenizer: Tokenizer | None = None):
        self.encoder, self.tokenizer = encoder.eval().requires_grad_(False), tokenizer or Tokenizer()
        if len(self.tokenizer) != encoder.config.vocab_size:
            raise ValueError(f"the tokenizer has {len(self.tokenizer)} words but the encoder was trained on "
                             f"{encoder.config.vocab_size}; retrain it (python -m toolkit.recipes.contrastive train)")

    @classmethod
    def from_pretrained(cls, name: str = TEXT_ENCODER, folder=None) -> "TextConditioner":
        """name: "text_encoder" (shapes_clip's text tower, which read captions of still images), or a shipped
        contrastive model whose text tower to use, e.g. "shapes_clip_video": trained against clips, it is the
        one that knows what motion words mean (the video generators read it). Loaded by toolkit.zoo."""
        model = zoo.load(name, folder)
        if not isinstance(model, (TextEncoder, ContrastiveModel)):
            raise ValueError(f"{name} is a {type(model).__name__}, not a text encoder; use {TEXT_ENCODER!r} or a "
                             "contrastive model (shapes_clip, shapes_clip_video, digits_clip)")
        return cls(model.text if isinstance(model, ContrastiveModel) else model, tokenizer_for(name))

    @property
    def width(self) -> int:
        return self.encoder.config.width

    @torch.no_grad()
    def encode(self, tokens: Tokens) -> dict:
        context, pooled = self.encoder(tokens.ids, tokens.mask)
        return {"context": context, "context_mask": tokens.mask, "pooled": pooled}

    def __call__(self, prompts, strict: bool = False, warn: bool = True) -> dict:
        """Prompts -> {"context", "context_mask", "pooled"}; unknown words warn (or raise, strict=True)."""
        return self.encode(self.tokenizer(prompts, strict=strict, warn=warn))

    def null(self, n: int) -> dict:
        """The empty prompt n times: what caption dropout trains and classifier-free guidance subtracts."""
        return self.encode(self.tokenizer.null(n))


__all__ = ["Tokenizer", "Tokens", "UnknownWordsError", "TextConditioner", "tokenizer_for", "TEXT_ENCODER"]
