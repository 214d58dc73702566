"""Notebook 09: sound and picture generated together, from one joint latent.

    python -m toolkit.recipes.sound_video train --out assets/checkpoints          # all three stages, in order
    python -m toolkit.recipes.sound_video train --stage joint --out assets/checkpoints
    python -m toolkit.experiments.sound_video --out assets/metrics/sound_video.json     # synchrony and pitch, against the baseline
    python -m toolkit sound "a big red circle moving left then right" --seed 0 --out outputs/   # one clip, heard

    pipe = SoundVideoPipeline.from_pretrained()               # toolkit.pipelines.sound_video
    out = pipe("a big red circle moving left then right", seed=0)
    out.videos, out.audio            # (1, 3, 16, 32, 32) in [-1, 1] and (1, 16000) at 8 kHz: 2 s of both

Three stages, each shipped with a manifest:
    audio       shapes_audio_ae: the audio autoencoder (toolkit.models.audio_autoencoder), trained to reconstruct
                the shapes world's soundtracks (toolkit.data.sound): 16000 samples -> 16 latent frames x 16
    joint       shapes_sound_video_dit: the joint transformer (toolkit.models.sound_video_dit) on the joint latent
                of training clips: the shipped video VAE's latent and the audio latent of the same clip side by
                side, learning flow matching as notebook 08's VideoDiT (with the sound noised apart from the
                picture for half of the clips: loss_function), prompts read by the same frozen text tower
                (shapes_clip_video), with 10% caption dropout for classifier-free guidance
    audio_only  shapes_sound_dit: the baseline, the same transformer with audio tokens only, on the same audio
                latents and captions. Paired with notebook 08's shapes_video_dit it makes "two separate models":
                each obeys the prompt, neither sees what the other generates
The captions never mention sound: the prompt's shape sets the hum's pitch, and the bounce sets when it clicks.
"""
import sys
import time
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .. import checkpoints, zoo
from . import autoencoder, text_to_video
from ..data import ShapesWorld, WorldConfig, caption
from ..data.sound import SAMPLES_PER_FRAME, soundtrack
from ..diffusion import FlowSchedule
from ..diffusion.utils import randn_like
from ..models.audio_autoencoder import AudioAutoencoder
from ..models.sound_video_dit import SoundVideoDiT
from ..pipelines.sound_video import FRAMES, IMAGE_SIZE
from ..runtime import pick
from ..text import TextConditioner
from . import cli
from .train import TrainConfig, ship, train

STAGES = ("audio", "joint", "audio_only")
NAMES = {"audio": "shapes_audio_ae", "joint": "shapes_sound_video_dit", "audio_only": "shapes_sound_dit"}


# ---------------------------------------------------------------- the audio autoencoder

@dataclass(frozen=True)
class AudioTrainConfig:
    model: str = "cpu"                # an AudioAutoencoder preset
    steps: int = 3000
    batch_size: int = 32              # clips a step: 32 x 16 waveform patches
    lr: float = 1e-3
    seed: int = 0


def world() -> ShapesWorld:
    """Notebook 08's world: 16 frames of 32 x 32, one object."""
    return ShapesWorld(WorldConfig(frames=FRAMES, height=IMAGE_SIZE, width=IMAGE_SIZE))


def sounds(n: int, seed: int, split: str = "train") -> torch.Tensor:
    """(n, 16000) soundtracks of n clips of the shapes world."""
    return soundtrack(world().sample(n, seed, split))


def train_audio(config: AudioTrainConfig, out_dir=None, progress=True, command=None):
    """Train (or resume) the audio autoencoder on fresh soundtracks every step: toolkit.recipes.train's TrainResult."""
    torch.manual_seed(config.seed)
    model = AudioAutoencoder.from_preset(config.model)
    train_config = TrainConfig.from_preset("cpu", steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                                           seed=config.seed, checkpoint_every=max(1, min(250, config.steps)))
    data = lambda k: sounds(config.batch_size, seed=config.seed * 1_000_003 + k)          # noqa: E731
    loss = lambda model, audio, generator: F.mse_loss(model(audio), audio)              # noqa: E731
    return train(model, loss, data, train_config, out_dir=out_dir, command=command, progress=progress)


@torch.no_grad()
def audio_metrics(model: AudioAutoencoder, n: int, seed: int = 999) -> dict:
    """How well held-out soundtracks survive the autoencoder: SNR in dB, and whether the clicks and the
    pitch that the judge (toolkit.eval.sync) reads are still there."""
    from ..data.sound import click_frames, hum_pitch
    audio = sounds(n, seed, split="heldout")
    out = model(audio).clamp(-1, 1)
    snr = 10 * torch.log10(audio.pow(2).mean() / (out - audio).pow(2).mean())
    return {"snr_db": float(snr), "pitch_kept": float((hum_pitch(out) == hum_pitch(audio)).float().mean()),
            "clicks_kept": sum(click_frames(a) == click_frames(b) for a, b in zip(out, audio)) / n}


# ---------------------------------------------------------------- the joint latent of training clips

@dataclass(frozen=True)
class SoundVideoConfig:
    model: str = "cpu"                # a SoundVideoDiT preset: "cpu" (joint) or "cpu-audio-only" (the baseline)
    train: str = "cpu"                # a training preset (toolkit.recipes.train.PRESETS)
    steps: int = 30_000               # the joint model: 48.5 minutes on 2 cores (the baseline: 14)
    batch_size: int = 32
    lr: float = 1e-3                  # notebook 08's
    clips: int = 8192                 # training clips (notebook 08's latent cache, and their soundtracks)
    caption_dropout: float = 0.1
    independent_noise: float = 0.5    # the fraction of clips whose audio is noised to a level of its own
    text: str = "shapes_clip_video"
    seed: int = 0

    def video_config(self) -> text_to_video.TextToVideoConfig:
        """Notebook 08's recipe for the same clips: its latent cache is shared."""
        return text_to_video.TextToVideoConfig(clips=self.clips, seed=self.seed, frames=FRAMES, image_size=IMAGE_SIZE)


def make_model(config: SoundVideoConfig) -> SoundVideoDiT:
    torch.manual_seed(config.seed)
    return SoundVideoDiT.from_preset(config.model)


@torch.no_grad()
def encode_sounds(config: SoundVideoConfig, audio_ae: AudioAutoencoder, progress=True) -> dict:
    """{"audio": (clips, channels, frames) latents (unscaled)} and the attributes (clips,) shape, colour, size,
    motion of the training clips of notebook 08's latent cache, in its order: the same world, seeds and chunks,
    so clip i's sound is the sound of its cached video."""
    parts = []
    for k in tqdm(range(0, config.clips, text_to_video.ENCODE_CHUNK), desc="encode sounds", disable=not progress):
        batch = world().sample(min(text_to_video.ENCODE_CHUNK, config.clips - k), seed=config.seed * 1_000_003 + k,
                             split="train")
        parts.append({"audio": audio_ae.encode(soundtrack(batch)), "shape": batch.shape[:, 0],
                      "colour": batch.colour[:, 0], "size": batch.size[:, 0], "motion": batch.motion[:, 0]})
    return {key: torch.cat([p[key] for p in parts]) for key in parts[0]}


def batches(config: SoundVideoConfig, text: TextConditioner, model: SoundVideoDiT, vae=None, audio_ae=None,
            progress=True):
    """batches(k): batch_size joint latents of training clips, (B, L): a video latent sampled from the VAE's
    posterior (scaled) beside the clip's audio latent (scaled), and fresh captions of the clips, text-encoded.
    The audio-only baseline gets the audio latents alone, with the same captions."""
    audio_ae = audio_ae or zoo.load(NAMES["audio"])
    clips = encode_sounds(config, audio_ae, progress)
    audio = clips["audio"] * audio_ae.scaling_factor
    if model.config.video is not None:
        vae = vae or zoo.load(autoencoder.NAMES["video"])
        video, scale = text_to_video.encode_clips(config.video_config(), vae, progress), float(vae.scaling_factor)
        if not torch.equal(video["motion"], clips["motion"]) or not torch.equal(video["shape"], clips["shape"]):
            raise RuntimeError("the latent cache's clips are not the clips whose sound was rendered: delete "
                               f"{text_to_video.cache_path(config.video_config(), vae)} and run again")
    names = world().names

    def batch(k):
        g = torch.Generator().manual_seed(config.seed * 1_000_003 + k)
        i = torch.randint(config.clips, (config.batch_size,), generator=g)
        z = None
        if model.config.video is not None:
            mean, std = video["mean"][i], video["std"][i]
            z = scale * (mean + std * torch.randn(mean.shape, generator=g))
        objects = [names(*(clips[a][j:j + 1] for a in ("shape", "colour", "size", "motion"))) for j in i.tolist()]
        captions = [caption(o, g, wording="train") for o in objects]
        return {"x": model.join(z, audio[i]), **text(captions)}
    return batch


def loss_function(config: SoundVideoConfig, text: TextConditioner, model: SoundVideoDiT):
    """Flow matching on the joint latent (notebook 08's loss), with two changes:
      * for a fraction `independent_noise` of the clips, the audio gets a noise level of its own (UniDiffuser's
        trick, Bao et al. 2023): when the sound is drowned in noise and the picture is not, the only way to
        predict the sound is to look at the picture, which is exactly what synchrony needs;
      * the squared errors of the two streams are averaged separately and added: the audio's 256 numbers weigh
        as much as the video's 2048."""
    null, schedule = text.null(1), FlowSchedule()
    n_video = model.config.sizes[0]

    def loss(model, batch, generator):
        x0 = batch.pop("x")
        B = len(x0)
        drop = torch.rand(B, generator=generator).to(x0.device) < config.caption_dropout              # (B,)
        cond = {k: torch.where(drop.view(-1, *[1] * (v.ndim - 1)), null[k].to(v.device), v) for k, v in batch.items()}
        t = schedule.sample_t(B, generator).to(x0)[:, None]                   # (B, 1) flow time
        t_of = t.expand_as(x0)                                                # (B, L): each number's noise level
        if n_video:
            own = schedule.sample_t(B, generator).to(x0)
            apart = torch.rand(B, generator=generator).to(x0.device) < config.independent_noise
            t = torch.cat([t, torch.where(apart, own, t[:, 0])[:, None]], dim=1)              # (B, 2) video, audio
            t_of = torch.cat([t[:, :1].expand(-1, n_video), t[:, 1:].expand(-1, x0.shape[1] - n_video)], dim=1)
        noise = randn_like(x0, generator)
        x_t = (1 - t_of) * x0 + t_of * noise
        error = (model(x_t, t if n_video else t[:, 0], **cond) - (noise - x0)).pow(2)     # the velocity's, (B, L)
        return sum(part.mean() for part in (error[:, :n_video], error[:, n_video:]) if part.numel())
    return loss


def train_model(config: SoundVideoConfig, out_dir=None, progress=True, command=None, audio_folder=None):
    """Train (or resume) the joint model or the audio-only baseline: toolkit.recipes.train's TrainResult. The audio
    autoencoder comes from audio_folder; the text tower and the video VAE are the shipped ones."""
    text = TextConditioner.from_pretrained(config.text)
    model = make_model(config)
    train_config = TrainConfig.from_preset(config.train, steps=config.steps, batch_size=config.batch_size,
                                           lr=config.lr, seed=config.seed,
                                           checkpoint_every=max(1, min(250, config.steps)))
    data = batches(config, text, model, zoo.load(autoencoder.NAMES["video"]), zoo.load(NAMES["audio"], audio_folder),
                   progress)
    return train(model, loss_function(config, text, model), data, train_config, out_dir=out_dir, command=command,
                 progress=progress)


def stage_config(stage: str, **overrides):
    """A stage's recipe: its defaults (20 steps on 64 clips in fast mode), with the overrides that are not None."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if stage == "audio":
        return replace(AudioTrainConfig(), **({"steps": pick(AudioTrainConfig.steps, 20)} | overrides))
    model = {"joint": "cpu", "audio_only": "cpu-audio-only"}[stage]
    fast = {"steps": pick(SoundVideoConfig.steps, 20), "clips": pick(SoundVideoConfig.clips, 64)}
    return replace(SoundVideoConfig(model=model), **(fast | overrides))


# ---------------------------------------------------------------- the command line

def run_stage(stage: str, out, runs: str, steps: int | None, command: str) -> str:
    start, config = time.perf_counter(), stage_config(stage, steps=steps)
    if stage == "audio":
        model = train_audio(config, out_dir=f"{runs}/{NAMES[stage]}", command=command).ema_model.eval()
        with torch.no_grad():
            z = model.encode(sounds(pick(1024, 16), seed=123))
        model.scaling_factor.fill_(float(1 / z.std()))
        metrics = {"scaling_factor": float(model.scaling_factor), **audio_metrics(model, pick(512, 16)),
                   "train_seconds_this_session": round(time.perf_counter() - start)}
        extra = {"sample_rate": 8000, "samples_per_latent_frame": SAMPLES_PER_FRAME}
        path = checkpoints.save(out, NAMES[stage], model.state_dict(), asdict(config), command, metrics, extra,
                                half=True)
    else:
        result = train_model(config, out_dir=f"{runs}/{NAMES[stage]}", command=command, audio_folder=out)
        path = ship(result, out, NAMES[stage], config, command, time.perf_counter() - start)
    return str(path)


def train_and_ship(args, command: str) -> list:
    return [run_stage(stage, args.out, args.runs, args.steps, command) for stage in STAGES if stage in args.stage]


def main(argv=None) -> int:
    return cli.main("toolkit.recipes.sound_video", __doc__, train_and_ship, argv=argv, options=[
        (("--stage",), {"choices": STAGES, "nargs": "+", "default": list(STAGES),
                        "help": "which to train (later stages load the audio autoencoder from --out)"})])


if __name__ == "__main__":
    sys.exit(main())
