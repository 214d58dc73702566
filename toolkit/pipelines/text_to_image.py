"""Text to image: tokenizer -> frozen text encoder -> guided flow-matching U-Net -> sampler.

    pipe = TextToImagePipeline.from_pretrained()
    out = pipe("a small red circle", seed=0, steps=20, guidance_scale=3.0, sampler="flow_heun")
    out = pipe(["a big box", "a lime dot"], guidance="classifier", guidance_scale=2.0)

guidance="cfg" (classifier-free, the default): the U-Net's own conditional and unconditional predictions,
batched together. guidance="classifier": the unconditional U-Net steered by the gradient of the noise-aware
contrastive model's similarity to the prompt (toolkit.diffusion.guidance).

sampler: a flow sampler ("flow_heun", "flow_euler"), run in flow time from t = 1 to 0, or a σ-space
sampler ("dpmpp_2m", "heun", "euler", "ddim", "ddpm") run through `flow_to_sigma` from t = 0.999.
"""
import math
import warnings
from dataclasses import dataclass

import torch

from .. import checkpoints
from ..diffusion import (FLOW_SAMPLERS, SAMPLERS, FlowDenoiser, Trajectory, flow_times, flow_to_sigma,
                         sigmas_from_flow_times)
from ..diffusion.guidance import classifier_free_guidance, classifier_guidance
from ..text import TextConditioner

GUIDANCE = ("cfg", "classifier")
MAX_IMAGES = 256                     # per call: more would only exhaust memory on a laptop


@dataclass
class PipelineOutput:
    images: torch.Tensor                 # (B, 3, H, W) in [-1, 1]
    prompts: list                        # the prompt of every image
    unknown: list                        # the words of each prompt that the model ignored
    trajectory: Trajectory | None        # with return_trajectory=True: x (steps+1, B, ...) and x̂₀ (steps, B, ...)


class TextToImagePipeline:
    def __init__(self, unet, text: TextConditioner, guide=None, image_size: int = 32):
        self.unet, self.text, self.guide, self.image_size = unet, text, guide, image_size

    @classmethod
    def from_pretrained(cls, folder=checkpoints.ASSETS, classifier: bool = True) -> "TextToImagePipeline":
        """The shipped text encoder, shapes_text_unet and (for classifier guidance) shapes_clip_noisy."""
        from .. import contrastive, text_to_image
        guide = contrastive.load("shapes_clip_noisy", folder) if classifier else None
        config = text_to_image.TextToImageConfig(**checkpoints.read_manifest(folder, text_to_image.NAME)["config"])
        return cls(text_to_image.load(folder), TextConditioner.from_pretrained(folder), guide, config.image_size)

    @torch.no_grad()
    def __call__(self, prompt, seed: int = 0, steps: int = 20, guidance_scale: float = 2.0, sampler: str = "flow_heun",
                 guidance: str = "cfg", num_images: int = 1, strict: bool = False, return_trajectory: bool = False,
                 progress: bool = False) -> PipelineOutput:
        """prompt: a string or a list; each prompt gives num_images images from noise drawn with `seed`."""
        self._check(steps, sampler, guidance, num_images)
        if not isinstance(prompt, (str, list, tuple)):
            raise TypeError(f"prompt must be a string or a list of strings, got {prompt!r}")
        prompts = [p for p in ([prompt] if isinstance(prompt, str) else prompt) for _ in range(num_images)]
        if len(prompts) > MAX_IMAGES:
            raise ValueError(f"{len(prompts)} images in one call; at most {MAX_IMAGES}: split the prompts into batches")
        tokens = self.text.tokenizer(prompts, strict=strict, warn=False)
        if unknown := sorted({w for words in tokens.unknown for w in words}):
            warnings.warn(f"ignored words the model does not know: {', '.join(unknown)}", stacklevel=2)
        cond = self.text.encode(tokens)
        B = len(prompts)
        noise = torch.randn(B, 3, self.image_size, self.image_size, generator=torch.Generator().manual_seed(seed))

        denoiser = FlowDenoiser(self.unet, "velocity")
        if guidance == "cfg":
            denoiser = classifier_free_guidance(denoiser, guidance_scale, self.text.null(B))
        else:
            denoiser = classifier_guidance(self._unconditional(denoiser, B), self._log_prob(tokens), guidance_scale)
            cond = {}
        times = flow_times(steps)
        kwargs = dict(cond=cond, generator=torch.Generator().manual_seed(seed + 1),
                      return_trajectory=return_trajectory, progress=progress)
        if sampler in FLOW_SAMPLERS:
            result = FLOW_SAMPLERS[sampler](denoiser, noise, times, **kwargs)
        else:                                                # σ-space: start just below t = 1 (σ = 999)
            sigmas = sigmas_from_flow_times(times.clamp(max=0.999))
            result = SAMPLERS[sampler](flow_to_sigma(denoiser), noise * (1 + sigmas[0]), sigmas, **kwargs)
        images, trajectory = result if return_trajectory else (result, None)
        return PipelineOutput(images=images.clamp(-1, 1), prompts=prompts, unknown=tokens.unknown, trajectory=trajectory)

    def _unconditional(self, denoiser, B: int):
        null = self.text.null(B)
        return lambda x, t: denoiser(x, t, **null)

    def _log_prob(self, tokens):
        """log p(c | x_t) up to a constant: the noise-aware model's logit_scale·cos(x_t, prompt)."""
        if self.guide is None:
            raise ValueError("classifier guidance needs the noise-aware contrastive model: "
                             "TextToImagePipeline.from_pretrained(classifier=True)")
        text = self.guide.encode_text(tokens.ids, tokens.mask)                 # (B, E)
        scale = self.guide.logit_scale.clamp(max=math.log(100)).exp()          # as in training
        return lambda x, t: scale * (self.guide.encode_visual(x, t) * text).sum(dim=1)

    def _check(self, steps, sampler, guidance, num_images):
        if not isinstance(steps, int) or not 1 <= steps <= 1000:
            raise ValueError(f"steps must be an integer from 1 to 1000, got {steps!r}")
        if sampler not in FLOW_SAMPLERS and sampler not in SAMPLERS:
            raise ValueError(f"unknown sampler {sampler!r}; choose one of {sorted(FLOW_SAMPLERS) + sorted(SAMPLERS)}")
        if guidance not in GUIDANCE:
            raise ValueError(f"unknown guidance {guidance!r}; choose one of {GUIDANCE}")
        if not isinstance(num_images, int) or num_images < 1:
            raise ValueError(f"num_images must be a positive integer, got {num_images!r}")
