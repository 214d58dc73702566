"""The per-frame baseline: a text-to-image pipeline run once per frame, to show why video is not a pile of images.

    videos = per_frame_video(image_pipe, ["a red circle moving left"], frames=16, seed=0)   # (1, 3, 16, 32, 32)

Each frame is drawn from its own noise: every frame obeys the prompt's shape and colour, but nothing ties a
frame to the one before, so the object jumps about and is redrawn every frame (flicker), and the prompt's
motion cannot be drawn at all. With same_noise=True every frame starts from the same noise and the clip is
one still picture repeated: consistent, but nothing moves. A video model has to do both at once.
"""
import torch
from einops import rearrange

from .text_to_image import MAX_IMAGES


def per_frame_video(image_pipe, prompts, frames: int = 16, seed: int = 0, same_noise: bool = False,
                    **kwargs) -> torch.Tensor:
    """(B, 3, T, H, W) clips, frame by frame from `image_pipe` (a TextToImagePipeline); kwargs go to it.
    Prompts go in calls of at most MAX_IMAGES pictures, call k drawing its noise from seed + k."""
    if not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an integer of at least 2, got {frames!r}")
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    if same_noise:
        images = image_pipe(prompts, seed=seed, **kwargs).images                        # (B, 3, H, W)
        return images[:, :, None].expand(-1, -1, frames, -1, -1).contiguous()
    chunk = max(1, MAX_IMAGES // frames)                    # prompts per call: at most MAX_IMAGES pictures
    images = torch.cat([image_pipe(prompts[i:i + chunk], seed=seed + k, num_images=frames, **kwargs).images
                        for k, i in enumerate(range(0, len(prompts), chunk))])              # (B·T, 3, H, W)
    return rearrange(images, "(b t) c h w -> b c t h w", t=frames)
