"""Text to video: tokenizer -> frozen text encoder -> guided video transformer on latents -> video VAE decoder.

    pipe = TextToVideoPipeline.from_pretrained()
    out = pipe("a small green triangle moving up then down", seed=0, steps=20, guidance_scale=4.0)
    out.videos          # (1, 3, 16, 32, 32) in [-1, 1]
    out.trajectory      # with return_trajectory=True: every latent x_t and predicted x̂₀ (decode with pipe.decode)

    pipe = TextToVideoPipeline.from_pretrained("digits_video_dit")      # bouncing digits (notebook 08b)
    pipe = TextToVideoPipeline.from_pretrained("shapes_spacetime_unet") # notebook 07's pixel-space U-Net

    from diffusers import UniPCMultistepScheduler
    out = pipe("a red square sliding left", sampler=UniPCMultistepScheduler())   # any diffusers scheduler

The text-to-image pipeline with two changes: the sampler starts from a latent clip (B, C, T/4, H/4, W/4) of
the shipped causal video VAE, and the network is the spacetime-patch transformer (toolkit.models.video_dit).
Everything else, classifier-free guidance, the samplers, the trajectory, is the same code: it is rank-generic.
"""
from dataclasses import dataclass

import torch

from .. import zoo
from ..diffusion import Trajectory
from ..text import TextConditioner
from .text_to_image import TextToImagePipeline

DEFAULT_GUIDANCE = 4.0                # measured best of 2 and 4 (assets/metrics/text_to_video.json)
MAX_VIDEOS = 64                       # per call: more would only exhaust memory on a laptop
FRAMES = range(4, 65)                 # the video VAE compresses time by 4: frames must be a multiple of 4
SIZES = range(16, 129)                # the VAE (÷4) and the patches (÷2) tile multiples of 8
VIDEO_MODELS = ("shapes_video_dit", "digits_video_dit", "shapes_spacetime_unet")


@dataclass
class VideoOutput:
    videos: torch.Tensor                 # (B, 3, T, H, W) in [-1, 1]
    prompts: list                        # the prompt of every video
    unknown: list                        # the words of each prompt that the model ignored
    trajectory: Trajectory | None        # latents x (steps+1, B, C, T', H', W') and x̂₀; decode with pipe.decode


class TextToVideoPipeline(TextToImagePipeline):
    def __init__(self, transformer, vae, text: TextConditioner, frames: int = 16, image_size: int = 32):
        """transformer: a video denoiser on latents (or, with vae=None, on pixels: the space-time U-Net)."""
        super().__init__(transformer, text, guide=None, image_size=image_size, vae=vae)
        self.frames = frames

    @classmethod
    def from_pretrained(cls, name: str = "shapes_video_dit", folder=None) -> "TextToVideoPipeline":
        """A shipped text-to-video model with the text tower and the video VAE it was trained with, each loaded by
        toolkit.zoo and checked against its manifest: shapes_video_dit (notebook 08), digits_video_dit (08b), or
        shapes_spacetime_unet, notebook 07's pixel-space model (no VAE)."""
        if name not in VIDEO_MODELS:
            raise ValueError(f"{name!r} is not a text-to-video model; choose one of {VIDEO_MODELS}")
        parts, config = zoo.parts(name, folder), zoo.manifest(name, folder)["config"]
        return cls(zoo.load(name, folder), zoo.load(parts["vae"], folder) if parts["vae"] else None,
                   TextConditioner.from_pretrained(parts["text"], folder), config["frames"], config["image_size"])

    def video_shape(self, batch: int, frames: int, size: int) -> tuple:
        """The latent clip the sampler starts from, (B, C, T/4, H/4, W/4) (pixels (B, 3, T, H, W) without a VAE);
        a clear error for sizes it cannot make."""
        if not isinstance(frames, int) or frames not in FRAMES or frames % 4:
            raise ValueError(f"frames must be a multiple of 4 from {FRAMES.start} to {FRAMES.stop - 1} (the video "
                             f"VAE compresses time by 4), got {frames!r}; the model was trained on {self.frames}")
        if not isinstance(size, int) or size not in SIZES or size % 8:
            raise ValueError(f"size must be a multiple of 8 from {SIZES.start} to {SIZES.stop - 1} (the VAE divides "
                             f"it by 4 and the patches by 2), got {size!r}; the model was trained on {self.image_size}")
        shape = (batch, 3, frames, size, size)
        if self.vae is not None:
            shape = self.vae.latent_shape(shape)
            self.unet.grid(shape)                         # the transformer's patches must tile the latent
        return shape

    @torch.no_grad()
    def __call__(self, prompt, seed: int = 0, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, sampler="flow_heun",
                 num_videos: int = 1, frames: int | None = None, size: int | None = None, strict: bool = False,
                 return_trajectory: bool = False, progress: bool = False) -> VideoOutput:
        """prompt: a string or a list; each prompt gives num_videos clips from noise drawn with `seed`.
        frames and size default to what the model was trained on (16 frames of 32 x 32)."""
        prompts = self._prompts(prompt, num_videos, MAX_VIDEOS, "videos")
        shape = self.video_shape(len(prompts), self.frames if frames is None else frames,
                                 self.image_size if size is None else size)
        videos, tokens, trajectory = self._generate(prompts, shape, seed, steps, guidance_scale, sampler, "cfg",
                                                    strict, return_trajectory, progress)
        return VideoOutput(videos=videos, prompts=prompts, unknown=tokens.unknown, trajectory=trajectory)
