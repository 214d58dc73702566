"""Static figures: image grids and frame strips, from tensors in [-1, 1]."""
import matplotlib.pyplot as plt
import torch


def to_numpy_image(x: torch.Tensor):
    """(3, H, W) in [-1, 1] -> (H, W, 3) in [0, 1] as NumPy, for imshow."""
    if x.ndim != 3 or x.shape[0] != 3:
        raise ValueError(f"expected an image of shape (3, H, W), got {tuple(x.shape)}")
    return ((x.detach().float().cpu().clamp(-1, 1) + 1) / 2).permute(1, 2, 0).numpy()


def show_images(images: torch.Tensor, titles=None, columns: int = 8, size: float = 1.6, suptitle: str | None = None):
    """A grid of images (B, 3, H, W) in [-1, 1], with optional titles. Returns the figure."""
    if images.ndim != 4:
        raise ValueError(f"expected images of shape (B, 3, H, W), got {tuple(images.shape)}")
    n = images.shape[0]
    columns = min(columns, n)
    rows = -(-n // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(size * columns, size * rows + (0.4 if suptitle else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(to_numpy_image(images[i]), interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i], fontsize=7, wrap=True)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_clips(video: torch.Tensor, captions=None, frames: int | None = None, size: float = 1.0):
    """One row per clip (B, 3, T, H, W): every frame (or `frames` evenly spaced), caption at left."""
    if video.ndim != 5:
        raise ValueError(f"expected clips of shape (B, 3, T, H, W), got {tuple(video.shape)}")
    B, _, T = video.shape[:3]
    picks = range(T) if frames is None else torch.linspace(0, T - 1, frames).round().long().tolist()
    picks = list(picks)
    fig, axes = plt.subplots(B, len(picks), figsize=(size * len(picks), size * B * 1.3 + 0.2), squeeze=False)
    for b in range(B):
        for j, t in enumerate(picks):
            ax = axes[b, j]
            ax.imshow(to_numpy_image(video[b, :, t]), interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if b == B - 1:
                ax.set_xlabel(f"frame {t}", fontsize=7)
        if captions is not None:
            axes[b, 0].text(0, 1.08, captions[b], transform=axes[b, 0].transAxes, fontsize=8, va="bottom")
    fig.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.08, wspace=0.06, hspace=0.45)
    return fig


def show_similarity(similarity: torch.Tensor, images: torch.Tensor, prompts: list[str], size: float = 0.55):
    """A contrastive model's (images, prompts) similarity matrix, with each image beside its row and each
    prompt under its column. A model that matches text and pictures lights up the diagonal."""
    n, m = similarity.shape
    if images.shape[0] != n or len(prompts) != m:
        raise ValueError(f"a {n} x {m} matrix needs {n} images and {m} prompts, got {images.shape[0]} and {len(prompts)}")
    fig = plt.figure(figsize=(size * (m + 1) + 1.5, size * (n + 1) + 2.4))
    grid = fig.add_gridspec(n, m + 2, width_ratios=[1] + [1] * m + [0.4], wspace=0.05, hspace=0.05)
    matrix = fig.add_subplot(grid[:, 1:m + 1])
    shown = matrix.imshow(similarity.detach().cpu().numpy(), cmap="viridis", aspect="auto", vmin=-1, vmax=1)
    matrix.set_xticks(range(m), prompts, rotation=60, ha="right", fontsize=7)
    matrix.set_yticks([])
    matrix.set_xlabel("prompt")
    for i in range(n):
        ax = fig.add_subplot(grid[i, 0])
        ax.imshow(to_numpy_image(images[i]), interpolation="nearest")
        ax.axis("off")
    fig.colorbar(shown, cax=fig.add_subplot(grid[:, m + 1]), label="cosine similarity")
    matrix.set_title("image-text similarity")
    return fig
