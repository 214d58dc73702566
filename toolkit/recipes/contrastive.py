"""Notebook 04: train the contrastive text-image model (and its noise-aware and video variants) here.

    python -m toolkit.recipes.contrastive train --out assets/checkpoints                  # shapes_clip: images
    python -m toolkit.recipes.contrastive train --noise-aware --out assets/checkpoints    # shapes_clip_noisy
    python -m toolkit.recipes.contrastive train --visual video --out assets/checkpoints   # shapes_clip_video

    model = zoo.load("shapes_clip"); tokenizer = Tokenizer()
    tokens = tokenizer(["a large blue square"])
    text = model.encode_text(tokens.ids, tokens.mask)          # (1, 64) unit vector

The noise-aware model keeps shapes_clip's text tower frozen and trains only a new image tower on noisy
x_t = (1 − t)·x₀ + t·ε, so its image vectors land in the same space as the clean model's captions.

Retrieval (`retrieval_accuracy`): a gallery of one picture for every (shape, colour, size) combination
(and motion, for clips); each query caption must find a picture with every attribute it names. The query
captions use wordings that training never showed (`data.captions.is_held_out_wording`); "combinations"
queries also name (colour, shape) pairs held out of training.
"""
import sys
import time
from dataclasses import asdict, dataclass

import torch

from .. import checkpoints, zoo
from ..data import ShapesWorld, WorldConfig, vocab
from ..eval.adherence import heldout_prompts
from ..models.clip import ContrastiveConfig, ContrastiveModel, contrastive_loss
from ..models.text_encoder import TextEncoderConfig
from ..runtime import pick
from ..text import TEXT_ENCODER, Tokenizer
from . import cli
from .train import TrainConfig, train

NAMES = {("image", False): "shapes_clip", ("image", True): "shapes_clip_noisy", ("video", False): "shapes_clip_video"}


@dataclass(frozen=True)
class ContrastiveTrainConfig:
    model: ContrastiveConfig = ContrastiveConfig()
    steps: int = 2000
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        if isinstance(self.model, dict):
            object.__setattr__(self, "model", ContrastiveConfig(**self.model))

    @property
    def name(self) -> str:
        return NAMES[(self.model.visual, self.model.noise_aware)]


def make_config(visual: str = "image", noise_aware: bool = False, **overrides) -> ContrastiveTrainConfig:
    if (visual, noise_aware) not in NAMES:
        raise ValueError("the noise-aware variant exists for images only (visual='image')")
    text = TextEncoderConfig(vocab_size=len(Tokenizer()))
    # Clips cost 8 frames each: a tower half as wide (a quarter of the cost) and half the batch.
    model = ContrastiveConfig(text=text, visual=visual, noise_aware=noise_aware,
                              **({"channels": (16, 32, 64)} if visual == "video" else {}))
    defaults = {"batch_size": 64, "steps": 1500} if visual == "video" else {}
    return ContrastiveTrainConfig(model=model, **(defaults | overrides))


def batches(config: ContrastiveTrainConfig):
    """batches(k): a dict of pictures x in [-1, 1] and their captions' token ids and mask."""
    frames = 1 if config.model.visual == "image" else config.model.frames
    world, tokenizer = ShapesWorld(WorldConfig(frames=frames)), Tokenizer()

    def batch(k):
        b = world.sample(config.batch_size, seed=config.seed * 1_000_003 + k, split="train")
        tokens = tokenizer(b.captions)
        return {"x": b.images if frames == 1 else b.video, "ids": tokens.ids, "mask": tokens.mask}
    return batch


def loss_function(noise_aware: bool):
    def loss(model, batch, generator):
        x, t = batch["x"], None
        if noise_aware:                                     # x_t = (1 − t)·x₀ + t·ε, t ~ U(0, 1)
            t = torch.rand(len(x), generator=generator).to(x.device)
            noise = torch.randn(x.shape, generator=generator).to(x.device)
            tt = t.view(-1, *[1] * (x.ndim - 1))
            x = (1 - tt) * x + tt * noise
        return contrastive_loss(model(x, batch["ids"], batch["mask"], t=t))
    return loss


def make_model(config: ContrastiveTrainConfig) -> ContrastiveModel:
    torch.manual_seed(config.seed)
    model = ContrastiveModel(config.model)
    if config.model.noise_aware:                            # the clean model's text side, frozen
        clean = zoo.load("shapes_clip")
        model.text.load_state_dict(clean.text.state_dict())
        model.text_proj.load_state_dict(clean.text_proj.state_dict())
        model.text.requires_grad_(False), model.text_proj.requires_grad_(False)
    return model


def train_model(config: ContrastiveTrainConfig, out_dir=None, progress: bool = True, command: str | None = None,
                data=None):
    """Train (or resume); data: batches(k) (default the shapes world's captioned pictures)."""
    train_config = TrainConfig.from_preset("cpu", steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                                           warmup=min(100, config.steps), seed=config.seed,
                                           checkpoint_every=max(1, min(250, config.steps)))
    return train(make_model(config), loss_function(config.model.noise_aware), data or batches(config), train_config,
                 out_dir=out_dir, command=command, progress=progress)


# ---------------------------------------------------------------- evaluation

def gallery(visual: str = "image", seed: int = 12345) -> tuple[torch.Tensor, list[dict]]:
    """One picture per attribute combination: 48 images, or 576 clips with motion; and their attributes."""
    frames = 1 if visual == "image" else 16
    world, pictures, attributes = ShapesWorld(WorldConfig(frames=frames)), [], []
    motions = [None] if visual == "image" else vocab.MOTION_NAMES
    for i, (shape, colour, size, motion) in enumerate(
            (s, c, z, m) for s in vocab.SHAPES for c in vocab.COLOUR_NAMES for z in vocab.SIZE_NAMES for m in motions):
        fixed = {"shape": shape, "colour": colour, "size": size} | ({"motion": motion} if motion else {})
        b = world.sample(1, seed=seed + i, split="all", **fixed)
        pictures.append(b.images if frames == 1 else b.video)
        attributes.append({k: v for k, v in fixed.items()})
    return torch.cat(pictures), attributes


@torch.no_grad()
def retrieval_accuracy(model: ContrastiveModel, kind: str = "wording", per_combination: int = 2,
                       t: float | None = None, batch: int = 64) -> dict:
    """Top-1 text-to-picture retrieval over the full gallery: the fraction of queries whose best picture
    has all of their attributes. t: for a noise-aware model, the flow time of the gallery's noise."""
    visual = model.config.visual
    pictures, attributes = gallery(visual)
    if t is not None:
        noise = torch.randn(pictures.shape, generator=torch.Generator().manual_seed(7))
        pictures = (1 - t) * pictures + t * noise
    tt = None if t is None else torch.full((1,), float(t))
    vision = torch.cat([model.encode_visual(p, None if tt is None else tt.expand(len(p)))
                        for p in pictures.split(batch)])
    texts, truths = heldout_prompts(kind, per_combination, with_motion=visual == "video")
    tokens = Tokenizer()(texts)
    similarity = model.encode_text(tokens.ids, tokens.mask) @ vision.T                 # (queries, gallery)
    best = similarity.argmax(dim=1)
    right = [all(attributes[int(b)][k] == v for k, v in truth.items()) for b, truth in zip(best, truths)]
    return {"top1": sum(right) / len(right), "queries": len(right), "gallery": len(attributes)}


@torch.no_grad()
def similarity_matrix(model: ContrastiveModel, pictures: torch.Tensor, prompts: list[str]) -> torch.Tensor:
    """(pictures, prompts) cosine similarities, each in [-1, 1]; pictures clean (a noise-aware model sees t = 0)."""
    t = torch.zeros(len(pictures)) if model.config.noise_aware else None
    tokens = Tokenizer()(prompts)
    return model.encode_visual(pictures, t) @ model.encode_text(tokens.ids, tokens.mask).T


def save_text_encoder(model: ContrastiveModel, folder, command: str):
    """Ship the clean model's text tower on its own: the frozen encoder every generator reads."""
    return checkpoints.save(folder, TEXT_ENCODER, model.text.state_dict(), asdict(model.config.text), command,
                            metrics={}, extra={"source": "the text tower of shapes_clip (toolkit.recipes.contrastive)"},
                            half=True)


def train_and_ship(args, command: str) -> list:
    config = make_config(args.visual, args.noise_aware, **({"steps": args.steps} if args.steps else {}))
    start = time.perf_counter()
    result = train_model(config, out_dir=f"{args.runs}/{config.name}", command=command)
    model = result.ema_model
    metrics = {"train_seconds_this_session": round(time.perf_counter() - start),
               "final_loss_mean_last_100": sum(result.losses[-100:]) / len(result.losses[-100:])}
    per = pick(4, 1) if args.visual == "image" else 1
    if args.noise_aware:
        for t in (0.0, 0.25, 0.5, 0.75):
            metrics[f"top1_heldout_wording_t{t}"] = retrieval_accuracy(model, "wording", per, t=t)["top1"]
    else:
        metrics["top1_heldout_wording"] = retrieval_accuracy(model, "wording", per)["top1"]
        metrics["top1_heldout_combination"] = retrieval_accuracy(model, "combination", per)["top1"]
    print(metrics)
    paths = [checkpoints.save(args.out, config.name, model.state_dict(), asdict(config), command, metrics,
                              half=True)]
    if config.name == "shapes_clip":
        paths.append(save_text_encoder(model, args.out, command))
    return paths


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.contrastive", __doc__, train_and_ship, argv=argv, options=[
        (("--visual",), {"choices": ["image", "video"], "default": "image"}),
        (("--noise-aware",), {"action": "store_true", "help": "train on noisy images (needs shapes_clip)"})])


if __name__ == "__main__":
    sys.exit(main())
