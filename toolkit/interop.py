"""Our components beside their production counterparts in diffusers, built offline from a config (random
weights, nothing downloaded), fed inputs of the same shape, and compared by output shape, parameters and FLOPs.

    from toolkit.interop import compare
    rows = compare()          # one dict per (our component, diffusers class); notebook 10 shows them as a table

The diffusers models are sized to match ours (same width, depth and latent), so the numbers show what the
designs cost, not what their production sizes cost. Samplers need no row: toolkit.diffusion.diffusers_adapter
lets any diffusers scheduler (Euler, DPM-Solver++, UniPC, ...) drive our models (notebooks 03 and 08).
"""
import warnings

import torch

from . import zoo
from .eval.cost import count_flops

TEXT_TOKENS = 40          # our tokenizer's max_length: every prompt is padded to 40 tokens of width 64


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def row(component: str, ours, our_call, theirs, their_call, same: str, differs: str) -> dict:
    """Run each call once under the FLOP counter; our_call and their_call return the output tensor."""
    with torch.no_grad():
        flops = [count_flops(call)["total"] for call in (our_call, their_call)]
        shapes = [tuple(call().shape) for call in (our_call, their_call)]
    return {"component": component, "ours": type(ours).__name__, "diffusers": type(theirs).__name__,
            "our_output": shapes[0], "their_output": shapes[1],
            "our_parameters": parameters(ours), "their_parameters": parameters(theirs),
            "our_flops": flops[0], "their_flops": flops[1], "same": same, "differs": differs}


def video_transformers(seed: int = 0) -> list[dict]:
    """Our VideoDiT (cpu preset) against CogVideoX's (joint attention) and Latte's (cross-attention)
    transformers of the same width (4 heads of 36), depth and patch size, on one latent clip (1, 8, 4, 8, 8)."""
    from diffusers import CogVideoXTransformer3DModel, LatteTransformer3DModel

    from .models.video_dit import VideoDiT
    g = torch.Generator().manual_seed(seed)
    z, text = torch.randn(1, 8, 4, 8, 8, generator=g), torch.randn(1, TEXT_TOKENS, 64, generator=g)
    torch.manual_seed(seed)
    ours = VideoDiT.from_preset("cpu").eval()
    c = ours.config
    heads, head_dim = c.heads, c.width // c.heads
    cog = CogVideoXTransformer3DModel(
        num_attention_heads=heads, attention_head_dim=head_dim, in_channels=8, out_channels=8, time_embed_dim=c.width,
        text_embed_dim=64, num_layers=c.depth, sample_width=8, sample_height=8, sample_frames=13,   # 13 frames -> 4 latent
        patch_size=2, max_text_seq_length=TEXT_TOKENS).eval()
    latte = LatteTransformer3DModel(
        num_attention_heads=heads, attention_head_dim=head_dim, in_channels=8, out_channels=8,
        num_layers=c.depth // 2, cross_attention_dim=c.width, caption_channels=64, sample_size=8, patch_size=2,
        video_length=4, norm_type="ada_norm_single", activation_fn="gelu-approximate", num_embeds_ada_norm=1000).eval()
    ours_call = lambda: ours(z, torch.tensor([0.5]), text, None, text.mean(1))                    # noqa: E731
    return [
        row("video transformer", ours, ours_call,
            cog, lambda: cog(z.transpose(1, 2), text, torch.tensor([500])).sample.transpose(1, 2),
            same="2 x 2 spacetime patches; full attention over all (t, h, w) tokens; the time conditions every "
                 "block through gated, zero-initialised LayerNorm modulation (adaLN-Zero)",
            differs="joint attention: the 40 text tokens join the sequence and are updated by every block (with "
                    "their own modulation); clips laid out (B, T, C, H, W); 3-D sin-cos or RoPE positions"),
        row("video transformer", ours, ours_call,
            latte, lambda: latte(z, timestep=torch.tensor([500]), encoder_hidden_states=text).sample,
            same="2 x 2 patches; cross-attention from video tokens to the text tokens after self-attention "
                 "(PixArt-alpha's block)",
            differs="attention alternates between within-a-frame and across-frames blocks (here 3 + 3), not "
                    "full spacetime; one modulation MLP shared by all blocks (adaLN-single); no pooled prompt"),
    ]


def video_autoencoders(seed: int = 0) -> list[dict]:
    """Our causal video VAE against CogVideoX's, three levels wide like ours (spatial factor 4, time factor 4).
    CogVideoX's clips have 1 + 4k frames (the first frame is encoded alone), so it gets 17 frames to our 16."""
    from diffusers import AutoencoderKLCogVideoX

    ours = zoo.load("shapes_video_vae")                     # the shipped one
    c = ours.config
    torch.manual_seed(seed)
    cog = AutoencoderKLCogVideoX(
        down_block_types=("CogVideoXDownBlock3D",) * len(c.channels), up_block_types=("CogVideoXUpBlock3D",) * len(c.channels),
        block_out_channels=c.channels, latent_channels=c.latent_channels, layers_per_block=c.num_res_blocks,
        norm_num_groups=c.norm_groups, temporal_compression_ratio=c.time_factor, sample_height=32, sample_width=32).eval()
    g = torch.Generator().manual_seed(seed)
    x, x17 = torch.randn(1, 3, 16, 32, 32, generator=g), torch.randn(1, 3, 17, 32, 32, generator=g)
    return [row("video VAE (encode)", ours, lambda: ours.encode(x).mean,
                cog, lambda: cog.encode(x17).latent_dist.mean,
                same="3-D convolutions that never look at later frames (causal in time); 4 x 4 x 4 compression "
                     "into 8 channels; a KL-regularised Gaussian posterior",
                differs="1 + 4k frames, the first kept alone so that a picture is a 1-frame clip; spatial "
                        "compression 8 in production; encodes long clips in chunks with a cache of past frames")]


def compare(seed: int = 0) -> list[dict]:
    """Every row: our video transformer against CogVideoX's and Latte's, our video VAE against CogVideoX's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # diffusers' notices about configs and deprecations
        return video_transformers(seed) + video_autoencoders(seed)
