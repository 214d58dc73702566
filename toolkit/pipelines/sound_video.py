"""Text to sound and video: notebook 08's pipeline on the joint latent of picture and sound (notebook 09).

    pipe = SoundVideoPipeline.from_pretrained()              # shapes_sound_video_dit, the joint model
    out = pipe("a big red circle moving left then right", seed=0)
    out.videos, out.audio            # (1, 3, 16, 32, 32) in [-1, 1] and (1, 16000) at 8 kHz: 2 s of both
    audio = pipe.sound_for(videos, "a big red circle moving left then right")   # sound for clips that exist

    out = separate(prompts)          # the baseline: shapes_video_dit's picture, shapes_sound_dit's sound

The joint model's latent is the video VAE's latent and the audio autoencoder's side by side, flattened
(toolkit.models.sound_video_dit); `decode` splits it and decodes each stream with its own decoder.
"""
from dataclasses import dataclass, replace

import torch

from .. import zoo
from ..diffusion import flow_times
from ..models.audio_autoencoder import AudioAutoencoder
from ..models.sound_video_dit import SoundVideoDiT
from ..text import TextConditioner
from .text_to_video import DEFAULT_GUIDANCE, TextToVideoPipeline

SOUND_MODELS = ("shapes_sound_video_dit", "shapes_sound_dit")
FRAMES, IMAGE_SIZE = 16, 32           # the clips both models were trained on (notebook 08's)


@dataclass
class SoundVideoOutput:
    videos: torch.Tensor | None          # (B, 3, T, H, W) in [-1, 1] (None from the audio-only model)
    audio: torch.Tensor                  # (B, T · 1000) waveforms in [-1, 1] at 8 kHz
    prompts: list
    unknown: list
    trajectory: object = None            # joint latents x (steps+1, B, L) and x̂₀; decode with pipe.decode


class SoundVideoPipeline(TextToVideoPipeline):
    """Text to sound and video: notebook 08's pipeline on the joint latent, decoded by both decoders.

        pipe = SoundVideoPipeline.from_pretrained()                      # the joint model
        pipe = SoundVideoPipeline.from_pretrained("shapes_sound_dit")    # the baseline: sound only
        out = pipe(["a small blue square moving up then down"], seed=0, steps=20)
    """

    def __init__(self, transformer: SoundVideoDiT, vae, audio_ae: AudioAutoencoder, text: TextConditioner):
        super().__init__(transformer, vae, text, FRAMES, IMAGE_SIZE)
        self.audio_ae = audio_ae

    @classmethod
    def from_pretrained(cls, name: str = "shapes_sound_video_dit", folder=None) -> "SoundVideoPipeline":
        """The shipped joint model (or the audio-only baseline, shapes_sound_dit) with the video VAE, the audio
        autoencoder and the text tower it was trained with, each loaded by toolkit.zoo."""
        if name not in SOUND_MODELS:
            raise ValueError(f"{name!r} is not a sound model; choose one of {SOUND_MODELS}")
        parts = zoo.parts(name, folder)
        return cls(zoo.load(name, folder), zoo.load(parts["vae"], folder), zoo.load(parts["audio"], folder),
                   TextConditioner.from_pretrained(parts["text"], folder))

    def sample_shape(self, batch: int) -> tuple:
        return batch, sum(self.unet.config.sizes)

    @torch.no_grad()
    def decode(self, x: torch.Tensor) -> tuple:
        """Joint latents (B, L) -> (videos (B, 3, T, H, W) or None, waveforms (B, samples))."""
        video, audio = self.unet.split(x)
        return (None if video is None else self.vae.from_latent(video).clamp(-1, 1)), self.audio_ae.from_latent(audio)

    @torch.no_grad()
    def __call__(self, prompt, seed: int = 0, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, sampler="flow_heun",
                 num_videos: int = 1, strict: bool = False, return_trajectory: bool = False,
                 progress: bool = False) -> SoundVideoOutput:
        """prompt: a string or a list; each prompt gives num_videos clips with sound from noise drawn with `seed`."""
        prompts = self._prompts(prompt, num_videos, 64, "videos")
        (videos, audio), tokens, trajectory = self._generate(prompts, self.sample_shape(len(prompts)), seed, steps,
                                                             guidance_scale, sampler, "cfg", strict,
                                                             return_trajectory, progress)
        return SoundVideoOutput(videos, audio, prompts, tokens.unknown, trajectory)

    @torch.no_grad()
    def sound_for(self, videos: torch.Tensor, prompt, seed: int = 0, steps: int = 20,
                  guidance_scale: float = DEFAULT_GUIDANCE) -> torch.Tensor:
        """Sound for clips that already exist (video-to-audio, the job of Movie Gen's second stage), from the
        joint model: the picture's latent stays clean, told noise level 0, while the sound is sampled from noise
        with flow Euler and classifier-free guidance. videos (B, 3, T, H, W) in [-1, 1]; one prompt or one per
        clip. Returns (B, samples) waveforms."""
        if self.unet.config.video is None:
            raise ValueError("sound_for needs the joint model, which sees the picture: "
                             "SoundVideoPipeline.from_pretrained('shapes_sound_video_dit')")
        if not isinstance(videos, torch.Tensor) or videos.ndim != 5 or videos.shape[1:3] != (3, self.frames):
            got = tuple(videos.shape) if isinstance(videos, torch.Tensor) else type(videos).__name__
            raise ValueError(f"videos must be clips (B, 3, {self.frames}, H, W) in [-1, 1], got {got}")
        B = len(videos)
        prompts = [prompt] * B if isinstance(prompt, str) else self._prompts(prompt, 1, 64, "videos")
        if len(prompts) != B:
            raise ValueError(f"{len(prompts)} prompts for {B} clips: pass one prompt, or one per clip")
        self._check(steps, "flow_euler", "cfg")
        g = torch.Generator().manual_seed(seed)
        video = self.vae.to_latent(videos, g).flatten(1)                       # (B, N_video), clean
        audio = torch.randn(B, self.unet.config.sizes[1], generator=g)          # (B, N_audio), noise
        cond, null = self.text(prompts, warn=False), self.text.null(B)
        times = flow_times(steps)
        for t, t_next in zip(times[:-1].tolist(), times[1:].tolist()):
            x, levels = torch.cat([video, audio], dim=1), torch.tensor([[0.0, t]]).expand(B, 2)
            u_cond, u_null = self.unet(x, levels, **cond), self.unet(x, levels, **null)
            u = u_null + guidance_scale * (u_cond - u_null)                    # classifier-free guidance
            audio = audio + (t_next - t) * u[:, video.shape[1]:]                # Euler, on the sound alone
        return self.audio_ae.from_latent(audio.view(B, *self.unet.config.audio))


def separate(prompts, seed: int = 0, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, folder=None,
             pipes: tuple | None = None) -> SoundVideoOutput:
    """The baseline: the video from notebook 08's shapes_video_dit and the sound from shapes_sound_dit, each
    generated from the prompt alone. pipes: (video pipeline, audio pipeline), to load them once."""
    video_pipe, audio_pipe = pipes or (TextToVideoPipeline.from_pretrained(folder=folder),
                                       SoundVideoPipeline.from_pretrained("shapes_sound_dit", folder))
    videos = video_pipe(prompts, seed=seed, steps=steps, guidance_scale=guidance_scale).videos
    sound = audio_pipe(prompts, seed=seed, steps=steps, guidance_scale=guidance_scale)
    return replace(sound, videos=videos)
