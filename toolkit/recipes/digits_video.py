"""Notebook 08b: notebook 08's text-to-video recipe, unchanged, on real handwriting (toolkit.data.digits).

    python -m toolkit.recipes.digits_video train --out assets/checkpoints          # all four stages, in order
    python -m toolkit.recipes.digits_video train --stage dit --out assets/checkpoints
    python -m toolkit.experiments.digits --out assets/metrics/digits.json        # the held-out numbers

    pipe = TextToVideoPipeline.from_pretrained("digits_video_dit")     # toolkit.pipelines
    pipe("the digit 7 is moving up then down", seed=0).videos          # (1, 3, 16, 32, 32)

Four stages, each shipped with a manifest, each the shapes world's code with the digits world's data:
    classifier   digits_classifier: a small CNN that reads a digit from a 14 x 14 crop, trained on the training
                 sprites only (the judge of toolkit.eval.digits; it never sees a generated clip)
    vae          digits_video_vae: the video VAE of notebook 05 (toolkit.recipes.autoencoder), fine-tuned on digit clips
                 from shapes_video_vae, which never saw a stroke of handwriting and blurs a digit into a blob
    text         digits_clip: the contrastive clip-and-caption model of notebook 04 (toolkit.recipes.contrastive), with a
                 tokenizer of the digits captions' 22 words; its text tower is the generator's frozen encoder
    dit          digits_video_dit: notebook 08's VideoDiT (toolkit.recipes.text_to_video), trained on latents of the
                 digit clips with fresh captions every step and 10% caption dropout
Every stage reads only training data: the training sprites, and the training (digit, motion) pairs.
"""
import sys
import time
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import checkpoints, zoo
from . import autoencoder, contrastive, text_to_video
from ..data import digits
from ..eval.digits import centres, classifier_accuracy, crop
from ..models.classifiers import DigitClassifier
from ..models.clip import ContrastiveConfig, ContrastiveModel
from ..models.text_encoder import TextEncoderConfig
from ..runtime import pick
from ..text import TextConditioner, Tokenizer, tokenizer_for
from . import cli
from .train import ship

STAGES = ("classifier", "vae", "text", "dit")
NAMES = {"classifier": "digits_classifier", "vae": "digits_video_vae", "text": "digits_clip",
         "dit": "digits_video_dit"}


def tokenizer() -> Tokenizer:
    return tokenizer_for(NAMES["text"])


# ---------------------------------------------------------------- the judge: a digit classifier

@dataclass(frozen=True)
class ClassifierConfig:
    channels: tuple = (16, 32, 64)
    steps: int = 1500
    batch_size: int = 128
    lr: float = 2e-3
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))


def classifier_batch(images, labels, n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n training crops: random sprites, centred on their ink with up to a pixel of jitter, dimmed or brightened,
    sometimes blurred, with a little noise (what a decoded clip looks like), and their labels."""
    i = torch.randint(len(images), (n,), generator=g)
    padded = F.pad(images[i], (4, 4, 4, 4))
    centre = centres(padded) + (torch.rand(n, 2, generator=g) * 2 - 1)
    x = crop(padded, centre) * (0.6 + 0.6 * torch.rand(n, 1, 1, generator=g))
    blurred = F.avg_pool2d(x[:, None], 3, stride=1, padding=1, count_include_pad=False)[:, 0]
    x = torch.where(torch.rand(n, 1, 1, generator=g) < 0.3, blurred, x)
    return (x + 0.05 * torch.randn(x.shape, generator=g)).clamp(0, 1), labels[i]


def train_classifier(config: ClassifierConfig = ClassifierConfig(), progress: bool = True) -> DigitClassifier:
    torch.manual_seed(config.seed)
    model, g = DigitClassifier(config.channels), torch.Generator().manual_seed(config.seed)
    images, labels = digits.sprites("train")
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr)
    for _ in tqdm(range(config.steps), desc="digit classifier", disable=not progress):
        x, y = classifier_batch(images, labels, config.batch_size, g)
        loss = F.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return model.eval().requires_grad_(False)


@torch.no_grad()
# ---------------------------------------------------------------- the video VAE and the text model

def vae_config(**overrides) -> autoencoder.AutoencoderConfig:
    """Fine-tuning: starts from the shapes world's VAE, which already knows edges and motion (a few hundred
    steps teach it pen strokes; from scratch took thousands)."""
    return autoencoder.make_config("video", **({"steps": pick(400, 20), "lr": 5e-4} | overrides))


def clips(n: int, seed: int, split: str = "train") -> digits.DigitsBatch:
    return digits.DigitsWorld().sample(n, seed=seed, split=split)


def train_vae(config, out_dir=None, progress=True, command=None):
    model = autoencoder.make_model(config)
    model.load_state_dict(zoo.load(autoencoder.NAMES["video"]).state_dict())      # shapes_video_vae's weights
    data = lambda k: clips(config.batch_size, seed=config.seed * 1_000_003 + k).video   # noqa: E731
    return autoencoder.train_model(config, out_dir, progress, command, model=model, data=data)


def clip_config(**overrides) -> contrastive.ContrastiveTrainConfig:
    model = ContrastiveConfig(text=TextEncoderConfig(vocab_size=len(tokenizer())), visual="video",
                              channels=(16, 32, 64))
    return contrastive.ContrastiveTrainConfig(model=model, **({"batch_size": 64, "steps": pick(600, 20)} | overrides))


def train_clip(config, out_dir=None, progress=True, command=None):
    tok = tokenizer()

    def data(k):
        b = clips(config.batch_size, seed=config.seed * 1_000_003 + k)
        tokens = tok(b.captions)
        return {"x": b.video, "ids": tokens.ids, "mask": tokens.mask}
    return contrastive.train_model(config, out_dir, progress, command, data=data)


@torch.no_grad()
def retrieval_accuracy(model: ContrastiveModel, split: str = "heldout", seed: int = 54321) -> float:
    """Each caption of the split's (digit, motion) pairs (every wording) must find, among one eval-sprite clip per
    pair of all 60, the clip with its digit and motion."""
    pairs = digits.combinations("all")
    world = digits.DigitsWorld()
    gallery = torch.cat([world.sample(1, seed=seed + i, split="all", sprites_from="eval", digit=d, motion=m).video
                         for i, (d, m) in enumerate(pairs)])
    queries = [(d, m, t.format(digit=d, motion=m)) for d, m in digits.combinations(split) for t in digits.TEMPLATES]
    tokens = tokenizer()([q for *_, q in queries])
    best = (model.encode_text(tokens.ids, tokens.mask) @ model.encode_visual(gallery).T).argmax(dim=1)
    return sum(pairs[int(b)] == (d, m) for b, (d, m, _) in zip(best, queries)) / len(queries)


# ---------------------------------------------------------------- the video transformer

def dit_config(**overrides) -> text_to_video.TextToVideoConfig:
    return text_to_video.TextToVideoConfig(text=NAMES["text"], **({"steps": pick(6000, 20), "clips": pick(8192, 64)} | overrides))


def dit_batches(config, text: TextConditioner, vae, progress=True):
    """Notebook 08's batches: latents of config.clips training clips encoded once (posterior mean and std),
    sampled afresh each step, with a fresh caption of each clip's digit and motion."""
    parts, scale = [], float(vae.scaling_factor)
    with torch.no_grad():
        for k in tqdm(range(0, config.clips, 64), desc="encode clips", disable=not progress):
            b = clips(min(64, config.clips - k), seed=config.seed * 1_000_003 + k)
            posterior = vae.encode(b.video)
            parts.append((posterior.mean, posterior.std, b.digit[:, 0], b.motion[:, 0]))
    mean, std, digit, motion = (torch.cat(p) for p in zip(*parts))

    def batch(k):
        g = torch.Generator().manual_seed(config.seed * 1_000_003 + k)
        i = torch.randint(config.clips, (config.batch_size,), generator=g)
        z = scale * (mean[i] + std[i] * torch.randn(mean[i].shape, generator=g))
        captions = [digits.caption([(str(int(digit[j])), digits.MOTION_NAMES[motion[j]])], g) for j in i.tolist()]
        return {"x": z, **text(captions)}
    return batch


def train_dit(config, out_dir=None, progress=True, command=None, folder=None):
    """Notebook 08's training on the digit clips; the text tower and the VAE are the earlier stages', from folder."""
    text = TextConditioner.from_pretrained(NAMES["text"], folder)
    return text_to_video.train_model(config, text, out_dir, progress, command,
                                     data=dit_batches(config, text, zoo.load(NAMES["vae"], folder), progress))


# ---------------------------------------------------------------- the command line

def run_stage(stage: str, out, runs: str, steps: int | None, command: str) -> str:
    start, overrides = time.perf_counter(), ({"steps": steps} if steps else {})
    if stage == "classifier":
        config = replace(ClassifierConfig(), **overrides)
        model = train_classifier(config)
        metrics = {"accuracy_eval_sprites": classifier_accuracy(model, "eval"),
                   "accuracy_train_sprites": classifier_accuracy(model, "train"),
                   "train_seconds_this_session": round(time.perf_counter() - start)}
        path = checkpoints.save(out, NAMES[stage], model.state_dict(), asdict(config), command, metrics, half=True)
    elif stage == "vae":
        from ..eval.digits import vae_metrics
        config = vae_config(**overrides)
        model = train_vae(config, out_dir=f"{runs}/{NAMES[stage]}", command=command).ema_model
        x = clips(pick(128, 8), seed=autoencoder.SCALE_SEED).video
        factor = autoencoder.estimate_scaling_factor(model.eval(), x, torch.Generator().manual_seed(0))
        model.scaling_factor.fill_(factor)
        metrics = {"scaling_factor": factor, "train_seconds_this_session": round(time.perf_counter() - start),
                   **vae_metrics(model, zoo.load(NAMES["classifier"], out), n=pick(200, 8))}
        extra = {"latent_shape": list(model.latent_shape((1, 3, 16, 32, 32))[1:]),
                 "fine_tuned_from": autoencoder.NAMES["video"]}
        path = checkpoints.save(out, NAMES[stage], model.state_dict(), asdict(config), command, metrics, extra,
                                half=True)
    elif stage == "text":
        config = clip_config(**overrides)
        model = train_clip(config, out_dir=f"{runs}/{NAMES[stage]}", command=command).ema_model
        metrics = {"top1_heldout_combination": retrieval_accuracy(model, "heldout"),
                   "top1_train_combination": retrieval_accuracy(model, "train"),
                   "train_seconds_this_session": round(time.perf_counter() - start)}
        path = checkpoints.save(out, NAMES[stage], model.state_dict(), asdict(config), command, metrics, half=True)
    else:
        config = dit_config(**overrides)
        result = train_dit(config, out_dir=f"{runs}/{NAMES[stage]}", command=command, folder=out)
        path = ship(result, out, NAMES[stage], config, command, time.perf_counter() - start)
    return str(path)


def train_and_ship(args, command: str) -> list:
    return [run_stage(stage, args.out, args.runs, args.steps, command) for stage in STAGES if stage in args.stage]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.digits_video", __doc__, train_and_ship, argv=argv, options=[
        (("--stage",), {"choices": STAGES, "nargs": "+", "default": list(STAGES),
                        "help": "which to train (later stages load the earlier ones from --out)"})])


if __name__ == "__main__":
    sys.exit(main())
