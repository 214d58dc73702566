"""Notebook 05: train the shapes-world VAEs that latent diffusion works in, and measure what they lose.

    python -m toolkit.recipes.autoencoder train --kind image --out assets/checkpoints     # shapes_vae: 32 x 32 -> 4 x 8 x 8
    python -m toolkit.recipes.autoencoder train --kind video --out assets/checkpoints     # shapes_video_vae: 16 frames -> 4

    vae = zoo.load("shapes_vae")                 # the shipped one (toolkit.zoo)
    z = vae.to_latent(images)            # (B, 4, 8, 8), scaled to about unit variance
    images_hat = vae.from_latent(z)      # (B, 3, 32, 32)

The loss, per picture (Kingma & Welling 2014; the KL weighting of Rombach et al. 2022, LDM, app. G):

    loss = mean (x̂ − x)²  +  β · KL(q(z | x) ‖ N(0, I)) / D        D = values in x (3·H·W, or 3·T·H·W)

* Reconstruction: MSE, the error PSNR measures. LDM's autoencoders use L1 plus a perceptual and an adversarial
  term, which exist to keep natural textures sharp; the shapes world's flat colours need neither. Measured
  here (100 steps of the cpu presets): MSE draws the small objects sooner (21.3 dB against 18.4 dB for L1,
  which at first prefers the majority colour, the background, at every uncertain pixel). MSE's gradient shrinks
  with the error, but Adam divides by the gradient's running scale, so late training does not stall.
  `reconstruction="l1"` trains LDM's way.
* KL weight β = 1e-5 in LDM's units (per-picture sums; LDM's KL-f4 and f8 use 1e-6; dividing both terms
  by D, as above, leaves the ratio unchanged). Ten times LDM's, because our latent diffusion models are tiny and
  a smoother latent is easier for them; still so small that q stays far from N(0, I) (see the manifest's
  kl_per_latent_value) and the latents need rescaling (scaling_factor) before diffusion.

The metrics in the manifest are measured on clips of the held-out attribute combinations (split="heldout"),
which training never shows: PSNR of the reconstruction (mean over pictures, in dB, signal range [-1, 1]), and
the attribute reader's accuracy on reconstructions, beside its accuracy on the originals: decoding must not
change what a picture shows.
"""
import sys
import time
from dataclasses import asdict, dataclass

import torch

from .. import checkpoints
from ..data import ShapesWorld, WorldConfig
from ..eval import attribute_accuracy, read_clips, read_images
from ..eval.reconstruction import HELDOUT_SEED, psnr, reconstruct
from ..models.vae import VAE, estimate_scaling_factor
from ..models.video_vae import VideoVAE
from ..runtime import pick
from . import cli
from .train import TrainConfig, train

KINDS = ("image", "video")
NAMES = {"image": "shapes_vae", "video": "shapes_video_vae"}
EVAL_SEED = HELDOUT_SEED        # held-out pictures for the metrics
SCALE_SEED = 2 * 10**6          # training pictures for the scaling factor (not a training batch's seed)
RECONSTRUCTION = {"mse": lambda x_hat, x: (x_hat - x).pow(2).mean(),
                  "l1": lambda x_hat, x: (x_hat - x).abs().mean()}


@dataclass(frozen=True)
class AutoencoderConfig:
    kind: str = "image"             # "image": VAE on single frames; "video": VideoVAE on clips
    model: str = "cpu"              # a preset of vae.PRESETS (image) or video_vae.PRESETS (video)
    train: str = "cpu"              # a training preset (toolkit.recipes.train.PRESETS)
    steps: int = 4000
    batch_size: int = 32            # pictures (image) or clips (video) per step
    lr: float = 1e-3
    reconstruction: str = "mse"     # "mse" or "l1" (LDM's): see the module docstring
    kl_weight: float = 1e-5         # β in LDM's units: see the module docstring
    frames: int = 1                 # 1 for images; for clips a multiple of the video VAE's time factor
    image_size: int = 32
    seed: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; choose one of {KINDS}")
        if self.reconstruction not in RECONSTRUCTION:
            raise ValueError(f"unknown reconstruction loss {self.reconstruction!r}; "
                             f"choose one of {sorted(RECONSTRUCTION)}")
        if (self.kind == "image") != (self.frames == 1):
            raise ValueError(f"kind={self.kind!r} with frames={self.frames}: images have 1 frame, clips more")

    @property
    def name(self) -> str:
        return NAMES[self.kind]


# Per kind: under 20 minutes on a 2-core laptop (one thread, beside other work: image 0.27 s a step, video 0.8 s).
DEFAULTS = {"image": {"frames": 1, "batch_size": 32, "steps": 4000},
            "video": {"frames": 16, "batch_size": 8, "steps": 5000}}


def make_config(kind: str = "image", **overrides) -> AutoencoderConfig:
    """The shipped setting for a kind; in fast mode (TOOLKIT_FAST=1) 20 steps unless `steps` is given."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {KINDS}")
    defaults = DEFAULTS[kind] | {"steps": pick(DEFAULTS[kind]["steps"], 20)}
    return AutoencoderConfig(kind=kind, **(defaults | overrides))


def picture_shape(config: AutoencoderConfig, n: int) -> tuple:
    """(n, 3, H, W) for images, (n, 3, T, H, W) for clips."""
    side = (config.image_size, config.image_size)
    return (n, 3, *side) if config.kind == "image" else (n, 3, config.frames, *side)


def make_model(config: AutoencoderConfig) -> VAE:
    """A fresh VAE or VideoVAE; raises ValueError if it cannot encode the config's pictures."""
    torch.manual_seed(config.seed)
    model = (VAE if config.kind == "image" else VideoVAE).from_preset(config.model)
    model.latent_shape(picture_shape(config, 1))
    return model


def pictures(config: AutoencoderConfig, n: int, seed: int, split: str = "train"):
    """n pictures of the shapes world in [-1, 1], shaped as picture_shape(config, n), and the batch they
    come from (its attributes)."""
    world = ShapesWorld(WorldConfig(frames=config.frames, height=config.image_size, width=config.image_size))
    batch = world.sample(n, seed=seed, split=split)
    return (batch.images if config.kind == "image" else batch.video), batch


def batches(config: AutoencoderConfig):
    """batches(k): training batch number k, fresh pictures from the training split."""
    return lambda k: pictures(config, config.batch_size, seed=config.seed * 1_000_003 + k)[0]


def loss_function(config: AutoencoderConfig):
    """loss(model, x, generator) = reconstruction error + β·KL/D, with z sampled from q(z | x) by `generator`."""
    error = RECONSTRUCTION[config.reconstruction]

    def loss(model, x, generator):
        x_hat, posterior = model(x, generator)
        values_per_picture = x[0].numel()                                   # D
        return error(x_hat, x) + config.kl_weight * posterior.kl().mean() / values_per_picture
    return loss


def train_model(config: AutoencoderConfig, out_dir=None, progress: bool = True, command: str | None = None,
                model=None, data=None):
    """Train (or resume) and return toolkit.recipes.train's TrainResult; use result.ema_model. model (default a fresh one)
    and data (batches(k); default the shapes world's) let other worlds reuse the recipe."""
    warmup = min(TrainConfig.from_preset(config.train).warmup, max(1, config.steps // 10))   # short runs warm up too
    train_config = TrainConfig.from_preset(config.train, steps=config.steps, batch_size=config.batch_size,
                                           lr=config.lr, warmup=warmup, seed=config.seed,
                                           checkpoint_every=max(1, min(250, config.steps)))
    return train(model or make_model(config), loss_function(config), data or batches(config), train_config,
                 out_dir=out_dir, command=command, progress=progress)


# ---------------------------------------------------------------- measuring

@torch.no_grad()
def evaluate(model: VAE, config: AutoencoderConfig, n: int, seed: int = EVAL_SEED) -> dict:
    """PSNR and the attribute reader's accuracy on n reconstructed held-out pictures (and on the originals)."""
    x, batch = pictures(config, n, seed, split="heldout")
    x_hat = reconstruct(model.eval(), x)
    posterior = model.encode(x[:64])
    keys = ("shape", "colour", "size") + (("motion",) if config.kind == "video" else ())
    truth = [{k: batch.objects(i)[0][k] for k in keys} for i in range(n)]
    read = read_images if config.kind == "image" else read_clips
    return {"psnr_heldout_db": float(psnr(x, x_hat).mean()),
            "psnr_heldout_db_worst": float(psnr(x, x_hat).min()),
            "reader_accuracy_heldout": attribute_accuracy(read(x_hat), truth),
            "reader_accuracy_heldout_originals": attribute_accuracy(read(x), truth),
            "kl_per_latent_value": float(posterior.kl().mean() / posterior.mean[0].numel()),
            "pictures": n}


def calibrate(model: VAE, config: AutoencoderConfig, n: int) -> float:
    """Measure the scaling factor on n training pictures and store it in the model; return it."""
    x, _ = pictures(config, n, seed=SCALE_SEED)
    factor = estimate_scaling_factor(model.eval(), x, torch.Generator().manual_seed(0))
    model.scaling_factor.fill_(factor)
    return factor


def train_and_ship(args, command: str) -> list:
    config = make_config(args.kind, **({"steps": args.steps} if args.steps else {}))
    start = time.perf_counter()
    result = train_model(config, out_dir=f"{args.runs}/{config.name}", command=command)
    seconds = time.perf_counter() - start
    model = result.ema_model
    factor = calibrate(model, config, n=pick(512, 32) if args.kind == "image" else pick(128, 8))
    metrics = {"scaling_factor": factor, "train_seconds_this_session": round(seconds),
               "final_loss_mean_last_100": sum(result.losses[-100:]) / len(result.losses[-100:]),
               **evaluate(model, config, n=pick(500, 16) if args.kind == "image" else pick(200, 8))}
    print(metrics)
    extra = {"latent_shape": list(model.latent_shape(picture_shape(config, 1))[1:])}
    return [checkpoints.save(args.out, config.name, model.state_dict(), asdict(config), command, metrics, extra,
                             half=True)]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.autoencoder", __doc__, train_and_ship, argv=argv, options=[
        (("--kind",), {"choices": KINDS, "default": "image"})])


if __name__ == "__main__":
    sys.exit(main())
