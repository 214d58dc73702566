"""The latent explorer: encode a picture or a clip, push each latent channel up or down, decode, compare.

    latent_explorer(zoo.load("shapes_vae"), image)      # image (3, H, W) in [-1, 1]: a slider per channel
    latent_explorer(zoo.load("shapes_video_vae"), clip)       # clip (3, T, H, W): and a choice of latent frame

The offsets are added to the *scaled* latent (vae.to_latent), whose values have about unit variance, so an
offset of 1 is about one standard deviation of the latents. The math is two plain functions, testable without
a kernel: `perturb(z, offsets, latent_frame)` and `perturb_and_decode(vae, z, offsets, latent_frame)`;
`explorer_figure` draws what the widget shows. Each change decodes once: about 0.05 s for the image VAE and
0.2 s for the video VAE on 2 CPU cores. Without a live kernel (a notebook read on a repository page) the
widget is not drawn; show `explorer_figure` beside it.
"""
import time

import matplotlib.pyplot as plt
import torch

from ..diffusion.utils import append_dims
from .figures import to_numpy_image


def perturb(z: torch.Tensor, offsets, latent_frame: int | None = None) -> torch.Tensor:
    """z + offsets[c] on every value of channel c: z (B, C, h, w) or (B, C, t, h, w), offsets C numbers.

    latent_frame (clips only): add the offsets to that latent frame alone; None adds them to all.
    Returns a new tensor; z is not changed."""
    offsets = torch.as_tensor(offsets, dtype=z.dtype, device=z.device)
    if offsets.shape != (z.shape[1],):
        raise ValueError(f"need one offset per latent channel ({z.shape[1]}), got shape {tuple(offsets.shape)}")
    shift = append_dims(offsets, z.ndim - 1).expand(z.shape[1:])          # (C, 1, 1) or (C, 1, 1, 1) -> (C, ...)
    if latent_frame is not None:
        if z.ndim != 5:
            raise ValueError("latent_frame is for clips' latents (B, C, t, h, w); an image's latent has no frames")
        if not 0 <= latent_frame < z.shape[2]:
            raise ValueError(f"latent_frame must be in 0..{z.shape[2] - 1}, got {latent_frame}")
        keep = torch.zeros(z.shape[2], dtype=z.dtype, device=z.device)
        keep[latent_frame] = 1
        shift = shift * append_dims(keep, 3)                              # (C, t, h, w) · (t, 1, 1)
    return z + shift


@torch.no_grad()
def perturb_and_decode(vae, z: torch.Tensor, offsets, latent_frame: int | None = None) -> torch.Tensor:
    """Decode the perturbed scaled latent: vae.from_latent(perturb(z, ...)), clamped to [-1, 1]."""
    return vae.from_latent(perturb(z, offsets, latent_frame)).clamp(-1, 1)


@torch.no_grad()
def encode_one(vae, x: torch.Tensor) -> torch.Tensor:
    """The scaled latent (posterior mode) of one picture (3, H, W) or clip (3, T, H, W): (1, C, ...)."""
    if x.ndim not in (3, 4) or x.shape[0] != 3:
        raise ValueError(f"expected one image (3, H, W) or one clip (3, T, H, W) in [-1, 1], got {tuple(x.shape)}")
    return vae.to_latent(x[None])


def explorer_figure(vae, x: torch.Tensor, offsets, latent_frame: int | None = None, frames: int = 8,
                    z: torch.Tensor | None = None):
    """Original, reconstruction, perturbed decoding and |perturbed − reconstruction|.

    An image: the four side by side, and under them the latent channels after the offsets (0 is white).
    A clip: the four as rows of `frames` evenly spaced frames. z: the latent of x if already encoded."""
    z = encode_one(vae, x) if z is None else z
    with torch.no_grad():
        reconstruction = vae.from_latent(z).clamp(-1, 1)[0]
    perturbed = perturb_and_decode(vae, z, offsets, latent_frame)[0]
    change = (perturbed - reconstruction).abs().mean(0).numpy()          # (H, W) or (T, H, W), range 0..2
    titles = ("original", "reconstruction", "perturbed", "|perturbed − reconstruction|")

    if x.ndim == 3:                                                       # an image
        moved = perturb(z, offsets)[0].numpy()                            # (C, h, w)
        columns = max(4, moved.shape[0])
        fig, axes = plt.subplots(2, columns, figsize=(1.7 * columns + 0.6, 3.9), squeeze=False, layout="constrained")
        for ax, image, title in zip(axes[0], (x, reconstruction, perturbed), titles):
            ax.imshow(to_numpy_image(image), interpolation="nearest"), ax.set_title(title, fontsize=8)
        changed = axes[0, 3].imshow(change, cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
        axes[0, 3].set_title(titles[3], fontsize=8)
        for c, ax in enumerate(axes[1]):
            if c < moved.shape[0]:
                latent = ax.imshow(moved[c], cmap="PuOr", vmin=-3, vmax=3, interpolation="nearest")
                ax.set_title(f"latent channel {c}\noffset {float(offsets[c]):+.2f}", fontsize=8)
        for ax in axes.flat:
            ax.axis("off")
        fig.colorbar(changed, ax=axes[0, 3], fraction=0.05).set_label("|change|", fontsize=7)
        fig.colorbar(latent, ax=axes[1, :], fraction=0.02).set_label("scaled latent value", fontsize=7)
    else:                                                                 # a clip: rows of frames
        T = x.shape[1]
        picks = list(range(0, T, max(1, T // frames)))[:frames]           # every other frame of 16, for 8
        rows = (x, reconstruction, perturbed, change)
        fig, axes = plt.subplots(4, len(picks), figsize=(1.05 * len(picks) + 1.6, 4.9), squeeze=False,
                                 layout="constrained")
        for i, row in enumerate(rows):
            for j, t in enumerate(picks):
                ax = axes[i, j]
                if i < 3:
                    ax.imshow(to_numpy_image(row[:, t]), interpolation="nearest")
                else:
                    changed = ax.imshow(row[t], cmap="magma", vmin=0, vmax=0.5, interpolation="nearest")
                ax.set_xticks([]), ax.set_yticks([])
                if i == 3:
                    ax.set_xlabel(f"frame {t}", fontsize=7)
            axes[i, 0].set_ylabel(titles[i].replace(" − ", "−\n"), fontsize=7)
        fig.colorbar(changed, ax=axes[3, :], fraction=0.02).set_label("|change|", fontsize=7)
    where = "" if latent_frame is None else f", latent frame {latent_frame} only"
    fig.suptitle(f"offsets {', '.join(f'{float(o):+.1f}' for o in offsets)}{where}", fontsize=9)
    return fig


def latent_explorer(vae, x: torch.Tensor, max_offset: float = 3.0):
    """An ipywidgets explorer: a slider per latent channel, a reset button and, for a clip, which latent frame
    to change; every change decodes and redraws `explorer_figure`."""
    import ipywidgets as widgets
    from IPython.display import display

    z = encode_one(vae, x)                                                # encoded once; only decoding repeats
    channels = z.shape[1]
    sliders = [widgets.FloatSlider(value=0.0, min=-max_offset, max=max_offset, step=0.25, description=f"channel {c}",
                                   continuous_update=False) for c in range(channels)]
    where = None
    if z.ndim == 5:
        f = x.shape[1] // z.shape[2]                                      # frames per latent frame
        choices = [(f"latent frame {j} (frames {f * j}-{f * j + f - 1})", j) for j in range(z.shape[2])]
        where = widgets.Dropdown(options=[("all latent frames", None)] + choices, value=None, description="change")
    reset = widgets.Button(description="reset", tooltip="set every offset back to 0")
    status = widgets.Label()
    out = widgets.Output()

    def draw(_=None):
        status.value = "decoding..."
        start = time.perf_counter()
        with out:
            out.clear_output(wait=True)
            fig = explorer_figure(vae, x, [s.value for s in sliders], where.value if where else None, z=z)
            display(fig)
            plt.close(fig)
        status.value = f"decoded in {time.perf_counter() - start:.2f} s"

    def zero(_=None):
        for s in sliders:
            s.unobserve(draw, "value")
            s.value = 0.0
            s.observe(draw, "value")
        draw()

    for widget in sliders + ([where] if where else []):
        widget.observe(draw, "value")
    reset.on_click(zero)
    draw()
    half = (channels + 1) // 2                                            # two columns of sliders
    grid = widgets.HBox([widgets.VBox(sliders[:half]), widgets.VBox(sliders[half:])])
    return widgets.VBox([grid, widgets.HBox([reset] + ([where] if where else []) + [status]), out])
