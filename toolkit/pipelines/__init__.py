"""Pipelines: a prompt in, pictures (and how they came out of the noise) out.

    from toolkit.pipelines import TextToImagePipeline
    pipe = TextToImagePipeline.from_pretrained()
    out = pipe("a large blue square", seed=0, steps=20, guidance_scale=3.0)
    out.images        # (1, 3, 32, 32) in [-1, 1]
    out.trajectory    # every x_t and predicted x̂₀ of the sampler, for plots and animations

    pipe = TextToVideoPipeline.from_pretrained()
    out = pipe("a small green triangle moving up then down", seed=0)
    out.videos        # (1, 3, 16, 32, 32) in [-1, 1]
"""
from .text_to_image import PipelineOutput, TextToImagePipeline
from .per_frame import per_frame_video
from .text_to_video import TextToVideoPipeline, VideoOutput

__all__ = ["TextToImagePipeline", "PipelineOutput", "TextToVideoPipeline", "VideoOutput", "per_frame_video"]
