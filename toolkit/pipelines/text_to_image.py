"""Text to image: tokenizer -> frozen text encoder -> guided flow-matching U-Net -> sampler (-> VAE decoder).

    pipe = TextToImagePipeline.from_pretrained()                           # shapes_text_unet, on pixels
    pipe = TextToImagePipeline.from_pretrained("shapes_latent_text_unet")  # latent diffusion: on VAE latents, decoded
    out = pipe("a small red circle", seed=0, steps=20, guidance_scale=3.0, sampler="flow_heun")
    out = pipe(["a big box", "a lime dot"], guidance_kind="classifier", guidance_scale=2.0)

guidance_kind="cfg" (classifier-free, the default): the U-Net's own conditional and unconditional predictions,
batched together. guidance_kind="classifier": the unconditional U-Net steered by the gradient of the noise-aware
contrastive model's similarity to the prompt (toolkit.diffusion.guidance).

sampler: a flow sampler ("flow_heun", "flow_euler"), run in flow time from t = 1 to 0, or a σ-space
sampler ("dpmpp_2m", "heun", "euler", "ddim", "ddpm") run through `flow_to_sigma` from t = 0.999, or a
diffusers scheduler object (e.g. DPMSolverMultistepScheduler(), FlowMatchEulerDiscreteScheduler()).

With a VAE (latent diffusion), sampling runs on latents (B, 4, H/4, W/4) and only the final latent is
decoded; the trajectory stays in latent space (`pipe.decode(z)` turns any of its steps into pictures).
"""
import math
import warnings
from dataclasses import dataclass

import torch

from .. import zoo
from ..diffusion import (FLOW_SAMPLERS, SAMPLERS, FlowDenoiser, Trajectory, flow_times, flow_to_sigma,
                         sigmas_from_flow_times)
from ..diffusion.diffusers_adapter import sample_with_diffusers_scheduler
from ..diffusion.guidance import classifier_free_guidance, classifier_guidance
from ..text import TextConditioner

GUIDANCE = ("cfg", "classifier")     # guidance_kind: classifier-free, or a classifier's gradient
DEFAULT_GUIDANCE = 2.0               # guidance_scale when none is given
MAX_IMAGES = 256                     # per call: more would only exhaust memory on a laptop


@dataclass
class PipelineOutput:
    images: torch.Tensor                 # (B, 3, H, W) in [-1, 1]
    prompts: list                        # the prompt of every image
    unknown: list                        # the words of each prompt that the model ignored
    trajectory: Trajectory | None        # with return_trajectory=True: x (steps+1, B, ...) and x̂₀ (steps, B, ...)
                                         # (latents for a latent pipeline: decode with pipe.decode)


class TextToImagePipeline:
    def __init__(self, unet, text: TextConditioner, guide=None, image_size: int = 32, vae=None):
        """vae: None to sample pixels; a toolkit VAE to sample its scaled latents and decode them."""
        self.unet, self.text, self.guide, self.image_size, self.vae = unet, text, guide, image_size, vae

    @classmethod
    def from_pretrained(cls, name: str = "shapes_text_unet", folder=None, classifier: bool = True) -> "TextToImagePipeline":
        """A shipped text-to-image U-Net (shapes_text_unet, or shapes_latent_text_unet on shapes_vae's latents) with
        the text encoder it was trained with, each loaded by toolkit.zoo; classifier: also the noise-aware
        shapes_clip_noisy, for guidance_kind="classifier" (on pixels only)."""
        if name not in ("shapes_text_unet", "shapes_latent_text_unet"):
            raise ValueError(f"{name!r} is not a text-to-image model; choose shapes_text_unet or shapes_latent_text_unet")
        parts, config = zoo.parts(name, folder), zoo.manifest(name, folder)["config"]
        guide = zoo.load("shapes_clip_noisy", folder) if classifier and parts["vae"] is None else None
        vae = zoo.load(parts["vae"], folder) if parts["vae"] else None
        return cls(zoo.load(name, folder), TextConditioner.from_pretrained(parts["text"], folder), guide,
                   config["image_size"], vae)

    def sample_shape(self, batch: int) -> tuple:
        """What the sampler starts from: pixels (B, 3, H, W) or latents (B, C, H/f, W/f)."""
        shape = (batch, 3, self.image_size, self.image_size)
        return shape if self.vae is None else self.vae.latent_shape(shape)

    @torch.no_grad()
    def decode(self, x: torch.Tensor) -> torch.Tensor:
        """Pictures in [-1, 1] from what the sampler produced (scaled latents are decoded by the VAE)."""
        return (x if self.vae is None else self.vae.from_latent(x)).clamp(-1, 1)

    @torch.no_grad()
    def __call__(self, prompt, seed: int = 0, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE, sampler="flow_heun",
                 guidance_kind: str = "cfg", num_images: int = 1, strict: bool = False, return_trajectory: bool = False,
                 progress: bool = False) -> PipelineOutput:
        """prompt: a string or a list; each prompt gives num_images images from noise drawn with `seed`.
        sampler: a toolkit sampler's name, or a diffusers scheduler object (any of them can drive the model)."""
        prompts = self._prompts(prompt, num_images, MAX_IMAGES, "images")
        images, tokens, trajectory = self._generate(prompts, self.sample_shape(len(prompts)), seed, steps,
                                                    guidance_scale, sampler, guidance_kind, strict,
                                                    return_trajectory, progress)
        return PipelineOutput(images=images, prompts=prompts, unknown=tokens.unknown, trajectory=trajectory)

    @staticmethod
    def _prompts(prompt, copies: int, most: int, what: str) -> list:
        """Every prompt repeated `copies` times, checked."""
        if not isinstance(prompt, (str, list, tuple)):
            raise TypeError(f"prompt must be a string or a list of strings, got {prompt!r}")
        if not isinstance(copies, int) or copies < 1:
            raise ValueError(f"num_{what} must be a positive integer, got {copies!r}")
        prompts = [p for p in ([prompt] if isinstance(prompt, str) else prompt) for _ in range(copies)]
        if len(prompts) > most:
            raise ValueError(f"{len(prompts)} {what} in one call; at most {most}: split the prompts into batches")
        return prompts

    def _generate(self, prompts, shape, seed, steps, guidance_scale, sampler, guidance_kind, strict,
                  return_trajectory, progress):
        """Encode the prompts, sample from noise of `shape` drawn with `seed`, decode: (pictures, tokens, trajectory)."""
        self._check(steps, sampler, guidance_kind)
        denoiser, cond, tokens = self._guided_denoiser(prompts, guidance_scale, guidance_kind, strict, stacklevel=5)
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
        samples, trajectory = self._sample(denoiser, cond, noise, flow_times(steps), sampler, seed, return_trajectory,
                                           progress)
        return self.decode(samples), tokens, trajectory

    def _guided_denoiser(self, prompts, guidance_scale, guidance_kind, strict, stacklevel):
        """The prompts' tokens and the guided flow-space denoiser D(x, t, **cond) with its cond; warns (at
        `stacklevel`, the caller of the public method) of the words the model ignores."""
        tokens = self.text.tokenizer(prompts, strict=strict, warn=False)
        if unknown := sorted({w for words in tokens.unknown for w in words}):
            warnings.warn(f"ignored words the model does not know: {', '.join(unknown)}", stacklevel=stacklevel)
        cond = self.text.encode(tokens)
        B = len(prompts)
        denoiser = FlowDenoiser(self.unet, "velocity")
        if guidance_kind == "cfg":
            return classifier_free_guidance(denoiser, guidance_scale, self.text.null(B)), cond, tokens
        return classifier_guidance(self._unconditional(denoiser, B), self._log_prob(tokens), guidance_scale), {}, tokens

    def _sample(self, denoiser, cond, x, times, sampler, seed, return_trajectory, progress):
        """Run `sampler` over the flow times `times` from x, the state at times[0] (pure noise when it is 1):
        (samples, trajectory or None). Fresh noise, for the samplers that draw it, comes from seed + 1."""
        kwargs = dict(cond=cond, generator=torch.Generator().manual_seed(seed + 1),
                      return_trajectory=return_trajectory, progress=progress)
        if not isinstance(sampler, str):                     # a diffusers scheduler
            if times[0] < 1:
                raise ValueError("a diffusers scheduler starts from pure noise; to start part-way (an edit), "
                                 f"pass a toolkit sampler's name: {sorted(FLOW_SAMPLERS) + sorted(SAMPLERS)}")
            flow = "FlowMatch" in type(sampler).__name__
            result = sample_with_diffusers_scheduler(denoiser if flow else flow_to_sigma(denoiser), sampler, x,
                                                     len(times) - 1, **kwargs)
        elif sampler in FLOW_SAMPLERS:
            result = FLOW_SAMPLERS[sampler](denoiser, x, times, **kwargs)
        else:                          # σ-space: start just below t = 1 (σ = 999); x_σ = x_t / (1 − t) = (1 + σ)·x_t
            sigmas = sigmas_from_flow_times(times.clamp(max=0.999))
            result = SAMPLERS[sampler](flow_to_sigma(denoiser), x * (1 + sigmas[0]), sigmas, **kwargs)
        return result if return_trajectory else (result, None)

    def _unconditional(self, denoiser, B: int):
        null = self.text.null(B)
        return lambda x, t: denoiser(x, t, **null)

    def _log_prob(self, tokens):
        """log p(c | x_t) up to a constant: the noise-aware model's logit_scale·cos(x_t, prompt)."""
        if self.vae is not None:
            raise ValueError("classifier guidance reads noisy pixels, but this pipeline samples latents; "
                             "use guidance_kind='cfg', or the pixel pipeline (from_pretrained('shapes_text_unet'))")
        if self.guide is None:
            raise ValueError("classifier guidance needs the noise-aware contrastive model: "
                             "TextToImagePipeline.from_pretrained(classifier=True)")
        text = self.guide.encode_text(tokens.ids, tokens.mask)                 # (B, E)
        scale = self.guide.logit_scale.clamp(max=math.log(100)).exp()          # as in training
        return lambda x, t: scale * (self.guide.encode_visual(x, t) * text).sum(dim=1)

    def _check(self, steps, sampler, guidance_kind):
        if not isinstance(steps, int) or not 1 <= steps <= 1000:
            raise ValueError(f"steps must be an integer from 1 to 1000, got {steps!r}")
        known = sorted(FLOW_SAMPLERS) + sorted(SAMPLERS)
        if isinstance(sampler, str) and sampler not in known:
            raise ValueError(f"unknown sampler {sampler!r}; choose one of {known}, or pass a diffusers scheduler")
        if not isinstance(sampler, str) and not hasattr(sampler, "set_timesteps"):
            raise TypeError(f"sampler must be a name from {known} or a diffusers scheduler, got {sampler!r}")
        if guidance_kind not in GUIDANCE:
            raise ValueError(f"unknown guidance_kind {guidance_kind!r}; choose one of {GUIDANCE}")
