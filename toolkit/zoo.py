"""The model zoo: the one place where a shipped model's name becomes a loaded model.

    from toolkit import zoo
    zoo.names()                              # every model that ships with the course
    vae = zoo.load("shapes_video_vae")       # built from its manifest's config, weights sha256-checked, frozen
    zoo.manifest("shapes_video_vae")         # the config, the command that trained it, its measured metrics
    zoo.parts("shapes_video_dit")            # {"text": "shapes_clip_video", "vae": "shapes_video_vae"}

Each shipped model has a builder below: it reads the manifest's config (the recipe that trained the model) and
builds the network that recipe describes; `load` then fills it with the checked weights. The zoo knows networks
and files, not training: the recipes (toolkit.recipes) train and ship, the pipelines and evaluations load here.

Weights are looked up when `load` is called, not at import: in `folder` if given, else in $TOOLKIT_ASSETS's
checkpoints/, else in the copy that comes with the package (toolkit.checkpoints.resolve).
"""
import torch

from . import checkpoints
from .models.audio_autoencoder import AudioAutoencoder
from .models.classifiers import DigitClassifier, ShapeClassifier
from .models.clip import ContrastiveConfig, ContrastiveModel
from .models.photo_denoiser import PhotoDenoiser, PhotoDenoiserConfig
from .models.sound_video_dit import SoundVideoDiT
from .models.spacetime_unet import SpaceTimeUNet
from .models.text_encoder import TextEncoder, TextEncoderConfig
from .models.unet import FlowTime, UNet
from .models.vae import VAE
from .models.video_dit import VideoDiT
from .models.video_vae import VideoVAE

# ---------------------------------------------------------------- builders: a manifest's config -> a fresh network


def _diffusion_unet(config: dict, folder) -> torch.nn.Module:
    """Notebooks 02-03: an unconditional U-Net; the epsilon model reads DDPM's time, the velocity one flow time."""
    unet = UNet.from_preset(config["unet"])
    return unet if config["objective"] == "epsilon" else FlowTime(unet)


def _text_unet(config: dict, folder) -> FlowTime:
    """Notebooks 04 and 06: a text-conditioned flow-matching U-Net, on pixels or on shapes_vae's latents."""
    return FlowTime(UNet.from_preset(config["unet"], context_dim=config["context_dim"]))


def _vae(config: dict, folder) -> VAE:
    """Notebook 05: the image VAE or the causal video VAE."""
    return (VAE if config["kind"] == "image" else VideoVAE).from_preset(config["model"])


def _spacetime_unet(config: dict, folder) -> FlowTime:
    """Notebook 07: the shipped image U-Net inflated with temporal layers (its checkpoint holds only those)."""
    image = load(config["image_model"], folder).unet
    return FlowTime(SpaceTimeUNet(UNet(image.config)).load_image_weights(image.state_dict()))


BUILDERS = {
    "photo_denoiser": lambda config, folder: PhotoDenoiser(PhotoDenoiserConfig(**config)),
    "feature_classifier": lambda config, folder: ShapeClassifier(config["width"]),
    "digits_classifier": lambda config, folder: DigitClassifier(tuple(config["channels"])),
    "shapes_epsilon_unet": _diffusion_unet,
    "shapes_velocity_unet": _diffusion_unet,
    "text_encoder": lambda config, folder: TextEncoder(TextEncoderConfig(**config)),
    "shapes_clip": lambda config, folder: ContrastiveModel(ContrastiveConfig(**config["model"])),
    "shapes_clip_noisy": lambda config, folder: ContrastiveModel(ContrastiveConfig(**config["model"])),
    "shapes_clip_video": lambda config, folder: ContrastiveModel(ContrastiveConfig(**config["model"])),
    "digits_clip": lambda config, folder: ContrastiveModel(ContrastiveConfig(**config["model"])),
    "shapes_text_unet": _text_unet,
    "shapes_latent_text_unet": _text_unet,
    "shapes_vae": _vae,
    "shapes_video_vae": _vae,
    "digits_video_vae": _vae,
    "shapes_spacetime_unet": _spacetime_unet,
    "shapes_video_dit": lambda config, folder: VideoDiT.from_preset(config["model"]),
    "digits_video_dit": lambda config, folder: VideoDiT.from_preset(config["model"]),
    "shapes_audio_ae": lambda config, folder: AudioAutoencoder.from_preset(config["model"]),
    "shapes_sound_video_dit": lambda config, folder: SoundVideoDiT.from_preset(config["model"]),
    "shapes_sound_dit": lambda config, folder: SoundVideoDiT.from_preset(config["model"]),
}

# The frozen parts a generator was trained with, which its pipeline needs beside it: whose text tower reads the
# prompt (the manifest's "text", else the image models' text_encoder) and which decoder turns its latents back.
DECODERS = {"shapes_latent_text_unet": "shapes_vae", "shapes_video_dit": "shapes_video_vae",
            "digits_video_dit": "digits_video_vae", "shapes_sound_video_dit": "shapes_video_vae",
            "shapes_sound_dit": "shapes_video_vae"}
AUDIO_DECODERS = {"shapes_sound_video_dit": "shapes_audio_ae", "shapes_sound_dit": "shapes_audio_ae"}


def names() -> list[str]:
    """Every model the zoo can load."""
    return sorted(BUILDERS)


def _known(name: str) -> str:
    if name not in BUILDERS:
        raise ValueError(f"unknown shipped model {name!r}; the zoo has {names()}")
    return name


def manifest(name: str, folder=None) -> dict:
    """A shipped model's manifest: "config", "command" (what trained it), "metrics" (what it measured), ..."""
    return checkpoints.read_manifest(folder, _known(name))


def parts(name: str, folder=None) -> dict:
    """{"text": the text tower's model, "vae": the video or image decoder or None, "audio": the audio decoder or
    None}: what a pipeline around the generator `name` loads beside it."""
    return {"text": manifest(name, folder)["config"].get("text", "text_encoder"), "vae": DECODERS.get(name),
            "audio": AUDIO_DECODERS.get(name)}


def shipped_tensor(name: str, config: dict, key: str) -> bool:
    """Whether the checkpoint `name` holds the model's tensor `key`. All of them, except for a space-time U-Net
    whose spatial layers were frozen: they are its image model's, shipped already (twice would cost 3.7 of the
    40 MB of assets), so it holds only its temporal layers."""
    return name != "shapes_spacetime_unet" or not config["freeze_spatial"] or key.startswith("unet.temporal.")


def load(name: str, folder=None) -> torch.nn.Module:
    """The shipped model `name` in eval mode and frozen, its weights checked against their manifest's sha256.
    folder: where NAME.json and NAME.safetensors are (default: the shipped checkpoints, resolved now)."""
    tensors, recorded = checkpoints.load(folder, _known(name))
    config = recorded["config"]
    with torch.random.fork_rng(devices=[]):             # a fresh network draws random weights: leave the caller's
        try:                                            # random state as it was
            model = BUILDERS[name](config, folder)
        except (KeyError, TypeError, ValueError) as e:
            raise checkpoints.CheckpointError(
                f"{name}.json's config {config} does not describe a network the zoo can build ({e!r}); restore "
                f"it from git, or retrain it with its command: {recorded.get('command')}") from e
    expected = {k for k in model.state_dict() if shipped_tensor(name, config, k)}
    if set(tensors) != expected:
        raise checkpoints.CheckpointError(
            f"{name}: the weights file holds {len(tensors)} tensors, the network its config describes has "
            f"{len(expected)} (for example {sorted(set(tensors) ^ expected)[:3]}); retrain it with its command: "
            f"{recorded.get('command')}")
    try:
        model.load_state_dict(tensors, strict=len(expected) == len(model.state_dict()))
    except RuntimeError as e:
        raise checkpoints.CheckpointError(f"{name}: the weights do not fit the network its config describes "
                                          f"({e}); retrain it with: {recorded.get('command')}") from e
    _check_scaling_factor(name, model, recorded)
    return model.eval().requires_grad_(False)


def _check_scaling_factor(name: str, model: torch.nn.Module, recorded: dict) -> None:
    """A VAE's latent scale is a buffer in the weights and a number in the manifest: they must agree (to the
    float16 storage's 3 significant digits)."""
    if not hasattr(model, "scaling_factor"):
        return
    factor, written = float(model.scaling_factor), recorded["metrics"].get("scaling_factor")
    if written is None or abs(factor - written) > 1e-3 * abs(written):
        raise checkpoints.CheckpointError(
            f"{name}: the weights hold scaling_factor {factor} but the manifest records {written}; retrain it "
            f"with: {recorded.get('command')}")
