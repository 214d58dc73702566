"""Pipelines: a prompt in, pictures (and how they came out of the noise) out.

    from toolkit.pipelines import TextToImagePipeline
    pipe = TextToImagePipeline.from_pretrained()
    out = pipe("a large blue square", seed=0, steps=20, guidance_scale=3.0)
    out.images        # (1, 3, 32, 32) in [-1, 1]
    out.trajectory    # every x_t and predicted x̂₀ of the sampler, for plots and animations

    pipe = TextToVideoPipeline.from_pretrained()
    out = pipe("a small green triangle moving up then down", seed=0)
    out.videos        # (1, 3, 16, 32, 32) in [-1, 1]

    pipe = SoundVideoPipeline.from_pretrained()
    out = pipe("a big red circle moving left then right", seed=0)
    out.videos, out.audio    # and (1, 16000): the clip's sound at 8 kHz

    pipe = BeyondPromptPipeline.from_pretrained()
    pipe.animate(picture, "a big red circle moving right")    # a clip that starts from a picture (3, 32, 32)
    pipe.edit(clip, "a big blue circle moving right", strength=0.6)   # SDEdit: the clip redrawn
    pipe.extend("a big red circle moving right", frames=48)   # past the 16-frame window

Every pipeline takes its shipped parts from toolkit.zoo: from_pretrained(name, folder=None).
"""
from .text_to_image import PipelineOutput, TextToImagePipeline
from .per_frame import per_frame_video
from .text_to_video import TextToVideoPipeline, VideoOutput
from .sound_video import SoundVideoOutput, SoundVideoPipeline, separate
from .beyond import BeyondPromptPipeline

__all__ = ["TextToImagePipeline", "PipelineOutput", "TextToVideoPipeline", "VideoOutput", "per_frame_video",
           "SoundVideoPipeline", "SoundVideoOutput", "separate",
           "BeyondPromptPipeline"]
