"""The joint audio-video diffusion transformer: video tokens and audio tokens in one sequence, one time axis.

    net = SoundVideoDiT.from_preset("cpu")            # 0.42 M parameters
    x = net.join(video_latent, audio_latent)          # (B, 8, 4, 8, 8) and (B, 16, 16) -> (B, 2304): one latent
    out = net(x, t, context=tokens, context_mask=mask, pooled=vec)     # (B, 2304): the velocity of both
    video, audio = net.split(out)

The joint latent of a clip is its video latent and its audio latent side by side in one vector, so everything
notebook 08 built (the flow-matching loss, classifier-free guidance, the samplers) runs on it unchanged. Inside,
the network cuts it into tokens:
  * video tokens, as in toolkit.models.video_dit: spacetime patches of the video latent (64 for a clip);
  * audio tokens: one per audio latent frame (16 for a clip), each frame's channels mapped to the width.
Every token gets a position on one time axis in seconds: the middle of the stretch of the clip it covers
(a video latent frame covers 4 frames, half a second; an audio latent frame one frame, 1/8 s). So the audio
token of frame 6 (at 0.81 s) falls within the half second of video latent frame 1 (at 0.75 s), and nothing
else tells the network which sound goes with which picture. Video tokens also get their (h, w) position, and
each stream a learned embedding that says which stream a token belongs to. All 80 tokens attend to all
others: sound and picture are denoised together, each seeing the other. That is the single-stream design;
open joint models such as Ovi and LTX-2 instead pair a video transformer with an audio one that cross-attend
block by block, and MM-Diffusion (2023) coupled two U-Nets.

Each stream may carry its own noise level, t of shape (B, 2): every token's adaLN reads its own stream's time
(a per-token condition), so that training can noise the sound apart from the picture (toolkit.recipes.sound_video).

With video=None the same class is an audio-only model: the baseline of notebook 09, which writes a soundtrack
for a prompt without seeing any picture.
"""
from dataclasses import dataclass, field
from math import prod

import torch
import torch.nn as nn
from einops import rearrange

from ..runtime import from_preset
from .unet import timestep_embedding
from .video_dit import DiTBlock, FinalLayer, PatchEmbed, VideoDiTConfig, check_text

POSITIONS_PER_SECOND = 16          # the sin-cos time features count sixteenths of a second


@dataclass(frozen=True)
class SoundVideoDiTConfig:
    video: tuple | None = (8, 4, 8, 8)     # the video latent (C, T', H', W'); None: an audio-only model
    audio: tuple = (16, 16)                # the audio latent (channels, frames)
    seconds: float = 2.0                   # the clip's length: 16 frames at 8 frames a second
    blocks: VideoDiTConfig = field(default_factory=VideoDiTConfig)   # patches, width, depth, heads of the blocks

    def __post_init__(self):
        for name in ("video", "audio"):                                  # a JSON manifest gives lists and dicts
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else tuple(value))
        if isinstance(self.blocks, dict):
            object.__setattr__(self, "blocks", VideoDiTConfig(**self.blocks))
        if len(self.audio) != 2:
            raise ValueError(f"audio must be the audio latent's (channels, frames), got {self.audio}")
        if self.video is not None:
            if len(self.video) != 4 or self.video[0] != self.blocks.in_channels:
                raise ValueError(f"video must be the video latent's (C, T', H', W') with C = {self.blocks.in_channels}, "
                                 f"got {self.video}")
            if any(n % p for n, p in zip(self.video[1:], self.blocks.patch_size)):
                raise ValueError(f"the patches {self.blocks.patch_size} must tile the video latent {self.video[1:]}")

    @property
    def sizes(self) -> tuple:
        """How many numbers of the joint latent are video and how many audio."""
        return (0 if self.video is None else prod(self.video)), prod(self.audio)


SMALL = VideoDiTConfig(width=72, depth=4, heads=4, mlp_ratio=2.0)        # 0.4 M parameters: 0.8 MB shipped
TINY = VideoDiTConfig(width=48, depth=2, heads=2)
PRESETS = {
    # For unit tests.
    "cpu-tiny": SoundVideoDiTConfig(audio=(4, 16), blocks=TINY),
    "cpu-tiny-audio-only": SoundVideoDiTConfig(video=None, audio=(4, 16), blocks=TINY),
    # The shipped models: a sixth of notebook 08's VideoDiT in parameters, so that they fit beside every other
    # shipped model in assets/'s 40 MB; 0.08 s a training step on 2 cores (the VideoDiT takes 0.3 s).
    "cpu": SoundVideoDiTConfig(blocks=SMALL),
    "cpu-audio-only": SoundVideoDiTConfig(video=None, blocks=VideoDiTConfig(width=48, depth=3, heads=4, mlp_ratio=2.0)),
}


def time_features(seconds: torch.Tensor, width: int) -> torch.Tensor:
    """(N,) times in seconds -> (N, width) sin-cos features."""
    return timestep_embedding(seconds * POSITIONS_PER_SECOND, width)


class SoundVideoDiT(nn.Module):
    def __init__(self, config: SoundVideoDiTConfig = SoundVideoDiTConfig()):
        super().__init__()
        self.config = c = config
        b, D = c.blocks, c.blocks.width
        if c.video is not None:
            self.patch = PatchEmbed(b)
            self.video_final = FinalLayer(b)
        self.audio_in = nn.Linear(c.audio[0], D)
        self.audio_final = FinalLayer(b, out_dim=c.audio[0])
        self.stream = nn.Parameter(torch.randn(2, D) * 0.02)           # "I am video" and "I am audio"
        self.time_mlp = nn.Sequential(nn.Linear(D, D), nn.SiLU(), nn.Linear(D, D))
        self.pooled_proj = nn.Linear(b.context_dim, D)
        self.blocks = nn.ModuleList(DiTBlock(b) for _ in range(b.depth))
        self.initialize_weights()

    def initialize_weights(self):
        """VideoDiT's: Xavier-uniform linear maps, and adaLN-Zero, so that a fresh network outputs exactly 0."""
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        if self.config.video is not None:
            nn.init.xavier_uniform_(self.patch.proj.weight.view(self.config.blocks.width, -1))
            nn.init.zeros_(self.patch.proj.bias)
        for layer in (self.time_mlp[0], self.time_mlp[2]):
            nn.init.normal_(layer.weight, std=0.02)
        zeroed = [self.audio_final.ada[-1], self.audio_final.linear]
        zeroed += [] if self.config.video is None else [self.video_final.ada[-1], self.video_final.linear]
        for block in self.blocks:
            zeroed += [block.ada[-1], block.cross.out]
        for layer in zeroed:
            nn.init.zeros_(layer.weight), nn.init.zeros_(layer.bias)

    @classmethod
    def from_preset(cls, name: str, **overrides) -> "SoundVideoDiT":
        return cls(from_preset(PRESETS, name, "sound-video DiT", **overrides))

    # ------------------------------------------------------------ one latent from two

    def join(self, video: torch.Tensor | None, audio: torch.Tensor) -> torch.Tensor:
        """(B, *video latent) and (B, *audio latent) -> the joint latent (B, L), video first."""
        parts = [] if self.config.video is None else [self._check("video", video).flatten(1)]
        return torch.cat(parts + [self._check("audio", audio).flatten(1)], dim=1)

    def split(self, x: torch.Tensor) -> tuple:
        """The joint latent (B, L) -> (video (B, C, T', H', W') or None, audio (B, channels, frames))."""
        n_video, n_audio = self.config.sizes
        if x.ndim != 2 or x.shape[1] != n_video + n_audio:
            raise ValueError(f"x must be joint latents (B, {n_video + n_audio}) (build them with join), "
                             f"got shape {tuple(x.shape)}")
        video = None if self.config.video is None else x[:, :n_video].reshape(-1, *self.config.video)
        return video, x[:, n_video:].reshape(-1, *self.config.audio)

    def _check(self, name, latent):
        want = getattr(self.config, name)
        if not isinstance(latent, torch.Tensor) or tuple(latent.shape[1:]) != want:
            got = tuple(latent.shape) if isinstance(latent, torch.Tensor) else type(latent).__name__
            raise ValueError(f"{name} must be latents (B, {', '.join(map(str, want))}), got {got}")
        return latent

    # ------------------------------------------------------------ positions on one time axis

    @property
    def grid(self) -> tuple:
        """The video tokens' (T', H', W')."""
        return tuple(n // p for n, p in zip(self.config.video[1:], self.config.blocks.patch_size))

    def positions(self, device=None) -> torch.Tensor:
        """(N_video + N_audio, D): the sin-cos positions of every token, video tokens first. A third of the
        width is time in seconds, shared by both streams; two thirds are (h, w) for video, zero for audio."""
        c, third = self.config, self.config.blocks.width // 3
        audio_frames = c.audio[1]
        audio_time = (torch.arange(audio_frames, device=device) + 0.5) * c.seconds / audio_frames
        audio = torch.cat([time_features(audio_time, third), torch.zeros(audio_frames, 2 * third, device=device)], 1)
        if c.video is None:
            return audio
        T, H, W = self.grid
        t, h, w = torch.meshgrid(*(torch.arange(n, device=device, dtype=torch.float32) for n in (T, H, W)), indexing="ij")
        video_time = (t.reshape(-1) + 0.5) * c.seconds / T
        video = torch.cat([time_features(video_time, third), timestep_embedding(h.reshape(-1), third),
                           timestep_embedding(w.reshape(-1), third)], dim=1)
        return torch.cat([video, audio])

    # ------------------------------------------------------------ the network

    def forward(self, x: torch.Tensor, t: torch.Tensor, context: torch.Tensor, context_mask: torch.Tensor | None = None,
                pooled: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, L) joint latents; t the flow time in [0, 1]: a scalar or (B,) for both streams, or (B, 2), the
        video's and the audio's noise levels apart (training draws them apart; sampling keeps them equal);
        the text as in VideoDiT. -> (B, L)."""
        video, audio = self.split(x)
        t = self._check_inputs(x, t, context, context_mask, pooled)                        # (B, streams)
        B, S, D = *t.shape, self.config.blocks.width
        cond = self.time_mlp(timestep_embedding(1000 * t.reshape(-1), D)).view(B, S, D)   # each stream's time
        cond = cond if pooled is None else cond + self.pooled_proj(pooled)[:, None]       # ... and the prompt
        streams = [self.audio_in(rearrange(audio, "b c f -> b f c")) + self.stream[1]]     # (B, frames, D)
        if video is not None:
            streams.insert(0, self.patch(video) + self.stream[0])                          # (B, N_video, D)
        tokens = torch.cat(streams, dim=1) + self.positions(x.device).to(x.dtype)
        # every token's condition is its own stream's (adaLN per token): (B, N_video + N_audio, D)
        per_token = torch.cat([cond[:, s:s + 1].expand(-1, part.shape[1], -1) for s, part in enumerate(streams)], 1)
        for block in self.blocks:
            tokens = block(tokens, per_token, context, context_mask)
        n_audio = self.config.audio[1]
        audio_out = rearrange(self.audio_final(tokens[:, -n_audio:], per_token[:, -n_audio:]), "b f c -> b c f")
        if video is None:
            return self.join(None, audio_out)
        (T, H, W), (pt, ph, pw) = self.grid, self.config.blocks.patch_size
        video_out = rearrange(self.video_final(tokens[:, :-n_audio], per_token[:, :-n_audio]),
                              "b (t h w) (c pt ph pw) -> b c (t pt) (h ph) (w pw)", t=T, h=H, w=W, pt=pt, ph=ph, pw=pw)
        return self.join(video_out, audio_out)

    def _check_inputs(self, x, t, context, context_mask, pooled) -> torch.Tensor:
        """Raise a ValueError that says what is wrong; return t as (B, streams)."""
        B, S = x.shape[0], (1 if self.config.video is None else 2)
        t = torch.as_tensor(t, device=x.device, dtype=x.dtype)
        t = t.expand(B) if t.ndim == 0 else t
        t = t[:, None].expand(B, S) if t.shape == (B,) else t
        if t.shape != (B, S):
            raise ValueError(f"t must be a scalar, ({B},) or ({B}, {S}) (one noise level per stream), "
                             f"got {tuple(t.shape)}")
        check_text(B, self.config.blocks.context_dim, context, context_mask, pooled)
        return t
