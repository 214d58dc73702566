"""Beyond a prompt: animate a still picture, edit a clip, extend a clip past the model's window (notebook 11).

    pipe = BeyondPromptPipeline.from_pretrained()            # shapes_video_dit with its text tower and video VAE
    out = pipe.animate(picture, "a large red circle moving right", seed=0)   # picture (3, 32, 32) in [-1, 1]
    out = pipe.edit(clip, "a large blue circle moving right", strength=0.6)  # clip (3, 16, 32, 32) in [-1, 1]
    out = pipe.extend("a small green triangle moving down", frames=48)
    out.videos          # (B, 3, T, H, W) in [-1, 1]: the VideoOutput of TextToVideoPipeline, whose conventions
                        # (seed, steps, guidance_scale, sampler, strict, return_trajectory) all three keep

All three run the text-to-video sampler of the shipped latent transformer, started or held differently;
nothing is retrained.

Image to video. The causal video VAE does not encode frame 0 alone: its latent frame 0 summarises frames 0-3
(CogVideoX and Wan encode the first frame alone, with 1 + 4k frames; this VAE takes 4k). Measured on four
clips of the world: changing frames 1-15 changes latent frame 0 by a mean |Δz| of 0.80, as much as its mean |z|
(0.80); changing frames 4-15 leaves it exactly as it was (the encoder is causal). So the picture goes in as a
still clip of four copies, whose latent frame 0 decodes back to the picture at 36.4 dB PSNR (frame 0 of a moving
clip comes back at 24 dB), and the sampler keeps that latent frame fixed while it draws the others
(toolkit.diffusion.keep_known: inpainting by replacement). Decoded frames 0-3 depend on latent frame 0 alone
(the decoder is causal too): they show the still picture, and the motion starts at frame 4. Shown at the current
noise level, as replacement has it, the given frame is noise when the model lays the clip out: 60% of 120 clips
come out as asked, against 94% when it is shown at half that level (KNOWN_NOISE).

Editing, SDEdit (Meng et al. 2021, sec. 3.1): the clip's latent z is taken to x_s = (1 − s)·z + s·ε and the
sampler runs from flow time s to 0 with the new prompt; s = strength. Near 0 the clip comes back, at 1 it is
text-to-video from noise. round(steps·s) steps: the step size of a whole run (diffusers' img2img does the same).

Extension. The model sees 16 frames, 4 latent frames. Each next window keeps the last `overlap` latent frames of
the one before as its first ones (keep_known again) and adds 4·(4 − overlap) new frames; each window is decoded
alone and only its new frames are appended, in pixel space. With overlap 2: 16, 24, 32, ... frames. The first
window is pipe(prompt, seed) itself and window k starts from the k-th draw of one generator, so a longer clip
begins with the shorter one of the same seed. Measured on 60 prompts (beyond.json): the motion read over the
whole clip is as asked in 97% of 16-frame clips, 78% at 32 frames, 43% at 48 and 64 (the world's clips travel
30-45% of the frame in 16 frames: a straight motion soon meets the wall, and a bounce is asked of every window);
the seams show: identity changes between frames 0.22-0.32 there against 0.09-0.16 inside a window, path jerk
1.2-1.7 px against 0.5-0.6 px, both growing with length.
"""
import torch
from einops import repeat

from ..diffusion import flow_times, keep_known
from .text_to_video import DEFAULT_GUIDANCE, MAX_VIDEOS, TextToVideoPipeline, VideoOutput

KNOWN_NOISE = 0.5           # the known latent frames are shown at half the current noise level. Measured on 120
                            # pictures (assets/metrics/beyond.json): joint adherence 0.94 (0.95 clean, known_noise
                            # 0), against 0.60 for plain replacement (1.0), which loses the motion (0.64)
DEFAULT_STRENGTH = 0.6      # SDEdit's t: 90% of colour edits and 94% of shape edits as asked with the rest and the
                            # path kept (0.6 px from the source's); 0.4: 86% and 66%; 1.0: 10% and 14% (beyond.json)
DEFAULT_OVERLAP = 2         # latent frames carried from window to window: 8 frames of 16
MAX_FRAMES = 256            # per extended clip
LATENT_MODELS = ("shapes_video_dit", "digits_video_dit")


class BeyondPromptPipeline(TextToVideoPipeline):
    """TextToVideoPipeline with three more ways in: animate (a picture), edit (a clip), extend (a longer clip)."""

    @classmethod
    def from_pretrained(cls, name: str = "shapes_video_dit", folder=None) -> "BeyondPromptPipeline":
        """A shipped latent video transformer (shapes_video_dit, or digits_video_dit), loaded by toolkit.zoo."""
        if name not in LATENT_MODELS:
            raise ValueError(f"{name!r} is not a latent video model; choose one of {LATENT_MODELS} "
                             "(animating, editing and extending work on the video VAE's latent frames)")
        return super().from_pretrained(name, folder)

    @torch.no_grad()
    def animate(self, picture, prompt, seed: int = 0, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE,
                sampler="flow_heun", frames: int | None = None, known_noise: float = KNOWN_NOISE, strict: bool = False,
                return_trajectory: bool = False, progress: bool = False) -> VideoOutput:
        """Clips that start from `picture` (3, H, W) or (B, 3, H, W) in [-1, 1], H = W, and move as the prompt says.
        One picture for all prompts, one prompt for all pictures, or one prompt per picture."""
        pictures = self._pixels(picture, "picture", "(3, H, W) or (B, 3, H, W)")
        prompts, pictures = self._pair(prompt, pictures, "picture")
        shape = self.video_shape(len(prompts), self.frames if frames is None else frames, pictures.shape[-1])
        self._check(steps, sampler, "cfg")
        denoiser, cond, tokens = self._guided_denoiser(prompts, guidance_scale, "cfg", strict, stacklevel=4)
        still = repeat(pictures, "b c h w -> b c t h w", t=self.vae.config.time_factor)
        known = torch.zeros(shape)
        known[:, :, :1] = self.vae.to_latent(still)                          # (B, C, 1, h, w): latent frame 0
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
        latents, trajectory = self._keeping(denoiser, cond, known, 1, noise, steps, sampler, seed, known_noise,
                                            return_trajectory, progress)
        return VideoOutput(self.decode(latents), prompts, tokens.unknown, trajectory)

    @torch.no_grad()
    def edit(self, clip, prompt, strength: float = DEFAULT_STRENGTH, seed: int = 0, steps: int = 20,
             guidance_scale: float = DEFAULT_GUIDANCE, sampler="flow_heun", strict: bool = False,
             return_trajectory: bool = False, progress: bool = False) -> VideoOutput:
        """SDEdit: `clip` (3, T, H, W) or (B, 3, T, H, W) in [-1, 1] redrawn after the new prompt from noise level
        strength in (0, 1]; the trajectory starts at x_s."""
        if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 < strength <= 1:
            raise ValueError(f"strength must be a number in (0, 1], the noise level the clip is taken to "
                             f"(near 0: the clip comes back; 1: a new clip from noise), got {strength!r}")
        clips = self._pixels(clip, "clip", "(3, T, H, W) or (B, 3, T, H, W)")
        prompts, clips = self._pair(prompt, clips, "clip")
        shape = self.video_shape(len(prompts), clips.shape[2], clips.shape[-1])
        self._check(steps, sampler, "cfg")
        denoiser, cond, tokens = self._guided_denoiser(prompts, guidance_scale, "cfg", strict, stacklevel=4)
        z = self.vae.to_latent(clips)                                        # (B, C, T/4, H/4, W/4)
        noise = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
        x = (1 - strength) * z + strength * noise                            # x_s, SDEdit's starting point
        times = strength * flow_times(max(1, round(steps * strength)))       # from s to 0
        latents, trajectory = self._sample(denoiser, cond, x, times, sampler, seed, return_trajectory, progress)
        return VideoOutput(self.decode(latents), prompts, tokens.unknown, trajectory)

    @torch.no_grad()
    def extend(self, prompt, frames: int = 48, seed: int = 0, steps: int = 20, guidance_scale: float = DEFAULT_GUIDANCE,
               sampler="flow_heun", overlap: int = DEFAULT_OVERLAP, known_noise: float = KNOWN_NOISE,
               num_videos: int = 1, strict: bool = False, return_trajectory: bool = False,
               progress: bool = False) -> VideoOutput:
        """Clips of `frames` frames, window after window (see the module docstring); the trajectory, if asked
        for, is a list: one per window."""
        prompts = self._prompts(prompt, num_videos, MAX_VIDEOS, "videos")
        window = self.video_shape(len(prompts), self.frames, self.image_size)     # (B, C, T', h, w)
        if isinstance(overlap, bool) or not isinstance(overlap, int) or not 1 <= overlap < window[2]:
            raise ValueError(f"overlap must be a whole number of latent frames from 1 to {window[2] - 1}, "
                             f"got {overlap!r}")
        new = self.new_frames(overlap)
        if isinstance(frames, bool) or not isinstance(frames, int) or frames not in range(self.frames, MAX_FRAMES + 1) \
                or (frames - self.frames) % new:
            allowed = ", ".join(map(str, range(self.frames, self.frames + 5 * new, new)))
            raise ValueError(f"frames must be the window of {self.frames} plus a whole number of windows' {new} new "
                             f"frames (overlap={overlap}): {allowed}, ... up to {MAX_FRAMES}; got {frames!r}")
        self._check(steps, sampler, "cfg")
        denoiser, cond, tokens = self._guided_denoiser(prompts, guidance_scale, "cfg", strict, stacklevel=4)
        generator, known = torch.Generator().manual_seed(seed), torch.zeros(window)
        pieces, trajectories = [], []
        for k in range(1 + (frames - self.frames) // new):
            noise = torch.randn(window, generator=generator)
            if k == 0:
                latents, trajectory = self._sample(denoiser, cond, noise, flow_times(steps), sampler, seed,
                                                   return_trajectory, progress)
            else:
                known[:, :, :overlap] = latents[:, :, -overlap:]                  # the last latent frames so far
                latents, trajectory = self._keeping(denoiser, cond, known, overlap, noise, steps, sampler, seed + k,
                                                    known_noise, return_trajectory, progress)
            video = self.decode(latents)                                     # (B, 3, 16, H, W)
            pieces.append(video if k == 0 else video[:, :, self.frames - new:])
            trajectories.append(trajectory)
        return VideoOutput(torch.cat(pieces, dim=2), prompts, tokens.unknown,
                           trajectories if return_trajectory else None)

    def new_frames(self, overlap: int = DEFAULT_OVERLAP) -> int:
        """How many frames each window after the first adds: 4·(4 − overlap)."""
        f = self.vae.config.time_factor
        return self.frames - overlap * f

    def seams(self, frames: int, overlap: int = DEFAULT_OVERLAP) -> list[int]:
        """The first frame of every window after the first in an extended clip: 16, 24, ... (overlap 2)."""
        return list(range(self.frames, frames, self.new_frames(overlap)))

    def _keeping(self, denoiser, cond, known, count, noise, steps, sampler, seed, known_noise, return_trajectory,
                 progress):
        """Sample from `noise` keeping the first `count` latent frames at those of `known`."""
        mask = (torch.arange(noise.shape[2]) < count).view(1, 1, -1, 1, 1)     # (1, 1, T', 1, 1)
        kept = keep_known(denoiser, known, mask, noise, known_noise)
        latents, trajectory = self._sample(kept, cond, noise, flow_times(steps), sampler, seed, return_trajectory,
                                           progress)
        return torch.where(mask, known, latents), trajectory

    @staticmethod
    def _pixels(x, what: str, layout: str) -> torch.Tensor:
        """A picture (4-D once batched) or a clip (5-D), checked: a float tensor, channels first, in [-1, 1]."""
        ndim = 4 if what == "picture" else 5
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{what} must be a torch tensor {layout} in [-1, 1], got {type(x).__name__}; "
                            "from NumPy: torch.from_numpy(array)")
        if x.ndim == ndim - 1:
            x = x[None]
        if x.ndim != ndim:
            raise ValueError(f"{what} must be {layout}, got shape {tuple(x.shape)}")
        if x.numel() == 0:
            raise ValueError(f"the {what} is empty (shape {tuple(x.shape)}); pass at least one {what} with pixels")
        if x.shape[1] != 3:
            hint = "; it looks channels-last: use x.permute(2, 0, 1) (or movedim(-1, 1))" if x.shape[-1] == 3 else ""
            raise ValueError(f"{what} must have 3 colour channels first, {layout}, got shape {tuple(x.shape)}{hint}")
        if not x.is_floating_point():
            raise ValueError(f"{what} is {x.dtype} (0-255 pixel values?); convert it to [-1, 1] first: "
                             "x.float() / 127.5 - 1")
        low, high = float(x.min()), float(x.max())
        if not (-1 - 1e-3 <= low and high <= 1 + 1e-3):                      # NaN fails too
            raise ValueError(f"{what} values must lie in [-1, 1], got {low:.3g} to {high:.3g}; "
                             "from [0, 1]: 2 * x - 1; from 0-255: x / 127.5 - 1")
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(f"{what} must be square (H = W), got {x.shape[-2]} x {x.shape[-1]}; crop or pad it")
        return x.float().clamp(-1, 1)

    def _pair(self, prompt, x: torch.Tensor, what: str) -> tuple[list, torch.Tensor]:
        """One prompt per picture or clip: a single prompt or a single picture is repeated to match."""
        prompts = self._prompts(prompt, 1, MAX_VIDEOS, "videos")
        if len(prompts) == 1:
            prompts = prompts * len(x)
        elif len(x) == 1:
            x = x.expand(len(prompts), *x.shape[1:])
        if len(prompts) != len(x):
            raise ValueError(f"{len(prompts)} prompts for {len(x)} {what}s: pass one prompt, or one per {what}")
        if len(prompts) > MAX_VIDEOS:
            raise ValueError(f"{len(prompts)} videos in one call; at most {MAX_VIDEOS}: split them into batches")
        return prompts, x
