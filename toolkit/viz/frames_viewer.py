"""Watching a clip move: its frames with the object's path drawn on them, as a figure and as a player.

    frames_figure(clip)                        # clip (3, T, H, W) in [-1, 1]: 8 frames and the path, static
    frames_viewer(clips, captions)             # (B, 3, T, H, W): play, scrub, and choose a clip

The path is what the attribute reader (toolkit.eval.reader) measures: the object's centroid in every frame,
x and y in pixels (y downwards, as in the picture), NaN where nothing is visible. A clip that obeys "moving up
then down" draws a smooth hill; a per-frame generator that forgets the object between frames draws a zigzag
(notebook 07). Frames are drawn in pixel coordinates, pixel (i, j) covering [j, j + 1] x [i, i + 1] as the
reader counts, so the path's numbers sit on the picture without a half-pixel shift.

The path is drawn in white with a black edge, which reads on every colour of the world and for every kind of
colour vision; x and height against time use two colours of Okabe & Ito's colour-blind-safe palette and two
dash styles. The viewer reads the clips once when it is built, redraws only what a frame changes (about 0.1 s
on 2 busy CPU cores) and keeps every frame it drew, so a second pass plays at once. Without a live kernel (a
notebook read on a repository page) the widget is not drawn; show `frames_figure` beside it.
"""
import io

import matplotlib.pyplot as plt
import torch
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..eval import read_clips
from .figures import to_numpy_image

X_COLOUR, Y_COLOUR = "#0072B2", "#D55E00"          # Okabe-Ito blue and vermillion
OUTLINE = [patheffects.withStroke(linewidth=2.5, foreground="black")]  # white lines with a black edge


def check_clip(video: torch.Tensor) -> torch.Tensor:
    if not isinstance(video, torch.Tensor) or video.ndim != 4 or video.shape[0] != 3:
        shape = tuple(video.shape) if isinstance(video, torch.Tensor) else type(video).__name__
        raise ValueError(f"expected one clip of shape (3, T, H, W) in [-1, 1], got {shape}")
    return video.detach().float().cpu()


def draw_frame(ax, video: torch.Tensor, path: torch.Tensor, t: int):
    """Frame t of `video` (3, T, H, W) with the whole `path` (T, 2) faint, the part up to t solid, t ringed.
    Returns the artists that change from frame to frame: (picture, path so far, ring)."""
    _, _, H, W = video.shape
    picture = ax.imshow(to_numpy_image(video[:, t]), extent=(0, W, H, 0), interpolation="nearest")
    ax.plot(path[:, 0], path[:, 1], color="white", lw=1, alpha=0.4, gid="path")
    so_far, = ax.plot(path[:t + 1, 0], path[:t + 1, 1], color="white", lw=1.2, path_effects=OUTLINE,
                      gid="path so far")
    ring, = ax.plot(path[t:t + 1, 0], path[t:t + 1, 1], marker="o", ms=13, mfc="none", mec="white", mew=1.2,
                    path_effects=OUTLINE, gid="now")
    ax.set_xlim(0, W), ax.set_ylim(H, 0)
    ax.set_xticks([]), ax.set_yticks([])
    return picture, so_far, ring


def draw_path(ax, path: torch.Tensor, size: int, marks=()):
    """The path against the frame number: x (rightwards) and the height above the bottom, size − y (upwards),
    so that "moving up then down" draws a hill. Dotted verticals at the frames in `marks` (returned)."""
    frames = torch.arange(len(path))
    ax.plot(frames, path[:, 0], color=X_COLOUR, marker=".", label="x: from the left edge")
    ax.plot(frames, size - path[:, 1], color=Y_COLOUR, marker=".", ls="--", label="height: from the bottom")
    verticals = [ax.axvline(t, color="grey", lw=0.8, ls=":") for t in marks]
    ax.set_xlim(-0.5, len(path) - 0.5), ax.set_ylim(0, size)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("frame", fontsize=8), ax.set_ylabel("object's centre (pixels)", fontsize=8)
    ax.set_title("the object's path", fontsize=9)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="best", frameon=False)
    return verticals


def describe(reading) -> str:
    """'a small magenta triangle, down then up': what the reader sees, in the captions' words."""
    words = [w for w in (reading.size, reading.colour, reading.shape) if w]
    if not words:
        return "nothing the reader can see"
    return f"a {' '.join(words)}" + (f", {reading.motion}" if reading.motion else ", no motion it can name")


def _one_reading(video: torch.Tensor, readings):
    if readings is None:
        return read_clips(video[None])[0]
    return readings[0] if isinstance(readings, (list, tuple)) else readings


def frames_figure(video: torch.Tensor, readings=None, frames: int = 8, title: str | None = None):
    """`frames` evenly spaced frames of a clip (3, T, H, W), each with the object's path drawn on it and its
    position at that frame ringed, then x and height of the path against time.

    readings: the reader's Reading of this clip (or the one-element list read_clips returns), to skip reading
    it again. title: defaults to what the reader sees."""
    video = check_clip(video)
    reading = _one_reading(video, readings)
    _, T, H, W = video.shape
    picks = torch.linspace(0, T - 1, min(frames, T)).round().long().tolist()
    n = len(picks)
    fig = plt.figure(figsize=(1.05 * n + 2.9, 2.1))
    grid = fig.add_gridspec(1, n + 2, width_ratios=[1] * n + [0.5, 2.4], wspace=0.08)
    for j, t in enumerate(picks):
        ax = fig.add_subplot(grid[0, j])
        draw_frame(ax, video, reading.path, t)
        ax.set_xlabel(f"frame {t}", fontsize=7)
    draw_path(fig.add_subplot(grid[0, n + 1]), reading.path, max(H, W), marks=picks)
    fig.suptitle(title if title is not None else f"the reader sees {describe(reading)}", fontsize=9)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.22, top=0.8)
    return fig


def frames_viewer(videos: torch.Tensor, captions=None, fps: int = 8, dpi: int = 90):
    """An ipywidgets player: Play and a frame slider (linked), a clip chooser when there are several clips,
    and one frame drawn large with the path, beside x and height against time.

    videos: one clip (3, T, H, W) or several (B, 3, T, H, W) in [-1, 1]; captions: one string per clip.
    Returns a VBox: [HBox(play, frame slider[, clip chooser]), the picture (an ipywidgets Image), label]."""
    import ipywidgets as widgets

    videos = videos[None] if isinstance(videos, torch.Tensor) and videos.ndim == 4 else videos
    if not isinstance(videos, torch.Tensor) or videos.ndim != 5 or videos.shape[1] != 3:
        shape = tuple(videos.shape) if isinstance(videos, torch.Tensor) else type(videos).__name__
        raise ValueError(f"expected a clip (3, T, H, W) or clips (B, 3, T, H, W) in [-1, 1], got {shape}")
    videos = videos.detach().float().cpu()
    B, _, T, H, W = videos.shape
    if captions is not None and len(captions) != B:
        raise ValueError(f"{B} clips but {len(captions)} captions; pass one caption per clip")
    readings = read_clips(videos)                                # read once: a redraw only draws
    names = list(captions) if captions is not None else [f"clip {b}" for b in range(B)]

    play = widgets.Play(value=0, min=0, max=T - 1, interval=int(1000 / fps), description="play")
    slider = widgets.IntSlider(value=0, min=0, max=T - 1, description="frame", continuous_update=True)
    widgets.jslink((play, "value"), (slider, "value"))          # the browser moves the slider as it plays
    chooser = widgets.Dropdown(options=[(name, b) for b, name in enumerate(names)], value=0, description="clip",
                               layout=widgets.Layout(width="420px"))
    picture = widgets.Image(format="png")
    label = widgets.Label()

    fig = Figure(figsize=(5.6, 2.6), dpi=dpi)                    # not pyplot's: redrawn in place, never shown twice
    frame_ax, path_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    fig.subplots_adjust(left=0.03, right=0.97, bottom=0.17, top=0.82, wspace=0.3)   # fixed: no layout pass per frame
    drawn, changing = {}, {}                                     # PNGs by (clip, frame); the artists a frame moves

    def draw_clip(b: int):
        """Everything that stays while the frames of clip b play."""
        frame_ax.clear(), path_ax.clear()
        changing["picture"], changing["so_far"], changing["ring"] = draw_frame(frame_ax, videos[b], readings[b].path, 0)
        changing["now"], = draw_path(path_ax, readings[b].path, max(H, W), marks=[0])
        fig.suptitle(names[b], fontsize=9)

    def draw(change=None):
        b, t = chooser.value, slider.value
        if change is not None and change["owner"] is chooser:
            draw_clip(b)
        if (b, t) not in drawn:                                  # a frame seen before is shown at once
            path = readings[b].path
            changing["picture"].set_data(to_numpy_image(videos[b, :, t]))
            changing["so_far"].set_data(path[:t + 1, 0], path[:t + 1, 1])
            changing["ring"].set_data(path[t:t + 1, 0], path[t:t + 1, 1])
            changing["now"].set_xdata([t, t])
            frame_ax.set_title(f"frame {t} (of 0-{T - 1})", fontsize=9)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            drawn[b, t] = buffer.getvalue()
        picture.value = drawn[b, t]
        x, y = readings[b].path[t].tolist()
        where = "not visible" if x != x else f"centre at x = {x:.1f}, y = {y:.1f} pixels"    # NaN != NaN
        label.value = f"frame {t}: {where}; the reader sees {describe(readings[b])}"

    slider.observe(draw, "value")
    chooser.observe(draw, "value")
    draw_clip(0)
    draw()
    controls = [play, slider] + ([chooser] if B > 1 else [])
    return widgets.VBox([widgets.HBox(controls), picture, label])
