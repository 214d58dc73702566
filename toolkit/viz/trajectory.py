"""Seeing a sampler work: the noise-to-image progression as figures, clips and a slider.

A sampler's `Trajectory` holds, at every step i, the state x_i (in σ-space, x = x₀ + σ·ε, where
noise dwarfs the image) and the prediction x̂₀. For display the state is brought back to the
network's own scale, x_t = x/√(1 + σ²) (the variance-preserving view: what DDPM calls x_t), and
the predicted noise is ε̂ = (x − x̂₀)/σ. A flow sampler's trajectory (`trajectory.flow`) is already on
the network's scale, x_t = (1 − t)·x₀ + t·ε, and its noise is ε̂ = (x_t − (1 − t)·x̂₀)/t.
"""
import matplotlib.pyplot as plt
import torch

from .figures import to_numpy_image


def views(trajectory, step: int, index: int = 0) -> dict[str, torch.Tensor]:
    """The three images of one step for sample `index`: x_t, predicted x0 and predicted noise."""
    steps = len(trajectory.denoised)
    if not 0 <= step < steps:
        raise ValueError(f"step must be in 0..{steps - 1}, got {step}")
    sigma = float(trajectory.sigmas[step])
    x, x0 = trajectory.x[step, index], trajectory.denoised[step, index]
    if trajectory.flow:                                      # x = (1 − t)·x₀ + t·ε, sigma holds t
        return {"x_t": x, "predicted x0": x0, "predicted noise": ((x - (1 - sigma) * x0) / sigma).clamp(-3, 3) / 3}
    return {"x_t": x / (1 + sigma**2) ** 0.5, "predicted x0": x0,
            "predicted noise": ((x - x0) / sigma).clamp(-3, 3) / 3}


def progression_figure(trajectory, index: int = 0, columns: int = 8, title: str | None = None):
    """Rows x_t, predicted x0, predicted noise at `columns` evenly spaced steps."""
    steps = len(trajectory.denoised)
    picks = torch.linspace(0, steps - 1, min(columns, steps)).round().long().tolist()
    fig, axes = plt.subplots(3, len(picks), figsize=(1.3 * len(picks), 4.3), squeeze=False)
    for j, step in enumerate(picks):
        for i, (name, image) in enumerate(views(trajectory, step, index).items()):
            ax = axes[i, j]
            ax.imshow(to_numpy_image(image), interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(name, fontsize=8)
        level = "t" if trajectory.flow else "σ"
        axes[0, j].set_title(f"step {step}\n{level}={float(trajectory.sigmas[step]):.2g}", fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def progression_clip(trajectory, indices=(0,), frames: int | None = None) -> torch.Tensor:
    """(len(indices), 3, F + 1, H, 2W + 1): x_t beside predicted x0 at F evenly spaced steps (all if None)."""
    steps = len(trajectory.denoised)
    picks = range(steps) if frames is None else torch.linspace(0, steps - 1, min(frames, steps)).round().long().tolist()
    frames = []
    for step in picks:
        row = []
        for index in indices:
            v = views(trajectory, step, index)
            gap = torch.ones(3, v["x_t"].shape[1], 1)
            row.append(torch.cat([v["x_t"], gap, v["predicted x0"]], -1))
        frames.append(torch.stack(row))
    last = [torch.cat([trajectory.x[-1, i], torch.ones(3, trajectory.x.shape[-2], 1), trajectory.x[-1, i]], -1)
            for i in indices]
    frames.append(torch.stack(last))                                   # hold the final sample
    return torch.stack(frames, 2).clamp(-1, 1)                         # (B, 3, T, H, 2W + 1)


def timestep_scrubber(trajectory, index: int = 0):
    """An ipywidgets slider over the steps, redrawing x_t, predicted x0 and predicted noise.

    Without a live kernel (a notebook read on a repository page) the widget is not drawn; pair it
    with `progression_figure` so that a static view stays in the committed output.
    """
    import ipywidgets as widgets
    from IPython.display import display

    steps = len(trajectory.denoised)
    slider = widgets.IntSlider(value=0, min=0, max=steps - 1, description="step", continuous_update=True)
    out = widgets.Output()

    def draw(_=None):
        with out:
            out.clear_output(wait=True)
            sigma = float(trajectory.sigmas[slider.value])
            fig, axes = plt.subplots(1, 3, figsize=(7, 2.6))
            for ax, (name, image) in zip(axes, views(trajectory, slider.value, index).items()):
                ax.imshow(to_numpy_image(image), interpolation="nearest")
                ax.set_title(name, fontsize=9), ax.axis("off")
            fig.suptitle(f"step {slider.value} of {steps}, {'t' if trajectory.flow else 'σ'} = {sigma:.3g}", fontsize=10)
            display(fig)
            plt.close(fig)

    slider.observe(draw, "value")
    draw()
    return widgets.VBox([slider, out])
