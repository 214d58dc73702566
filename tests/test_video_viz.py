"""The video notebooks' figures and explorers: the frames viewer (path overlaid), the spacetime-patch figure and
the video playground. Figures are checked by what they draw (line data, grid positions, the stated token
count), widgets by moving their controls."""
import matplotlib
import pytest
import torch

from toolkit import zoo
from toolkit.data import ShapesWorld
from toolkit.eval import read_clips
from toolkit.pipelines.text_to_video import VideoOutput
from toolkit.viz.frames_viewer import frames_figure, frames_viewer
from toolkit.viz.patches import patches_figure, token_grid
from toolkit.viz.video_playground import asked_by, verdict_html, video_playground

matplotlib.use("Agg")
pytestmark = pytest.mark.usefixtures("one_thread")
CLIPS = ShapesWorld().sample(2, seed=0)          # a magenta triangle bouncing down then up, a yellow arrowhead


def lines(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def grid_positions(ax):
    """(x of every vertical grid line, y of every horizontal one), sorted, in pixels."""
    grid = lines(ax, "token grid")
    vertical = sorted(float(line.get_xdata()[0]) for line in grid if line.get_xdata()[0] == line.get_xdata()[1])
    horizontal = sorted(float(line.get_ydata()[0]) for line in grid if line.get_ydata()[0] == line.get_ydata()[1])
    return vertical, horizontal


def test_frames_figure_draws_the_readers_path_on_every_frame():
    clip = CLIPS.video[0]
    path = read_clips(clip[None])[0].path.numpy()                   # (16, 2) x, y in pixels
    fig = frames_figure(clip, frames=4)
    frames, graph = fig.axes[:4], fig.axes[4]
    assert len(fig.axes) == 5
    for ax, t in zip(frames, (0, 5, 10, 15)):                       # evenly spaced frames of 16
        assert ax.get_xlabel() == f"frame {t}"
        whole, = lines(ax, "path")
        assert whole.get_xydata() == pytest.approx(path)             # the same pixel units as the reader's
        so_far, = lines(ax, "path so far")
        assert so_far.get_xydata() == pytest.approx(path[:t + 1])
        now, = lines(ax, "now")
        assert now.get_xydata() == pytest.approx(path[t:t + 1])
        assert ax.get_images()[0].get_extent() == [0, 32, 32, 0]    # pixel (i, j) covers [j, j+1] x [i, i+1]
    x, height = graph.lines[:2]
    assert x.get_ydata() == pytest.approx(path[:, 0])
    assert height.get_ydata() == pytest.approx(32 - path[:, 1])     # up is up: "down then up" is a valley
    assert graph.get_xlabel() == "frame" and "pixels" in graph.get_ylabel()
    assert "magenta triangle, down then up" in fig._suptitle.get_text()


def test_frames_figure_takes_readings_and_an_empty_clip():
    clip = CLIPS.video[1]
    readings = read_clips(clip[None])
    fig = frames_figure(clip, readings, frames=3, title="given")
    assert fig._suptitle.get_text() == "given" and len(fig.axes) == 4
    empty = frames_figure(torch.zeros(3, 8, 32, 32), frames=2)      # grey: nothing to read, paths all NaN
    assert "nothing the reader can see" in empty._suptitle.get_text()
    with pytest.raises(ValueError, match=r"\(3, T, H, W\)"):
        frames_figure(CLIPS.video)


def test_frames_viewer_scrubs_plays_and_switches_clips():
    from ipywidgets import Dropdown, Image, IntSlider, Play

    widget = frames_viewer(CLIPS.video, CLIPS.captions)
    (play, slider, chooser), picture, label = widget.children[0].children, widget.children[1], widget.children[2]
    assert isinstance(play, Play) and isinstance(slider, IntSlider) and isinstance(chooser, Dropdown)
    assert isinstance(picture, Image) and play.max == slider.max == 15
    first = picture.value
    assert first[:4] == b"\x89PNG"
    slider.value = 9                                                 # scrubbing redraws the frame
    assert picture.value != first and label.value.startswith("frame 9: centre at x = ")
    x, y = read_clips(CLIPS.video[:1])[0].path[9].tolist()
    assert f"x = {x:.1f}, y = {y:.1f}" in label.value
    slider.value = 0                                                 # a frame drawn before comes back the same
    assert picture.value == first
    shown = picture.value
    chooser.value = 1                                                # another clip
    assert picture.value != shown and "yellow" in label.value
    assert len(frames_viewer(CLIPS.video[0]).children[0].children) == 2    # one clip: no chooser
    with pytest.raises(ValueError, match="one caption per clip"):
        frames_viewer(CLIPS.video, ["only one"])


def test_patch_figure_grid_brackets_and_token_count():
    fig = patches_figure(CLIPS.video[0])                            # 16 x 32 x 32 -> 4 x 8 x 8 latent -> 64 tokens
    frames = fig.axes
    assert len(frames) == 16
    for ax in frames:
        assert grid_positions(ax) == ([8, 16, 24], [8, 16, 24])    # every spatial_factor·ph = 4·2 pixels
    outlined = [ax for ax in frames if any(p.get_gid() == "one token" for p in ax.patches)]
    assert outlined == frames[:4]                                   # one token spans time_factor·pt = 4 frames
    token = outlined[0].patches[0]
    assert (token.get_width(), token.get_height()) == (8, 8)
    x, y = read_clips(CLIPS.video[:1])[0].path[0].tolist()          # ... and holds the object in frame 0
    assert token.get_x() <= x < token.get_x() + 8 and token.get_y() <= y < token.get_y() + 8
    texts = [t.get_text() for t in fig.texts]
    caption = next(t for t in texts if t.startswith("tokens:"))
    assert "= 4/1 · 8/2 · 8/2 = 4 · 4 · 4 = 64" in caption
    assert sum("→ latent frame" in t for t in texts) == 4
    assert "frames 12-15 → latent frame 3" in texts


def test_patch_figure_other_patch_sizes():
    clip = CLIPS.video[0, :, :8]                                     # 8 frames
    fig = patches_figure(clip, latent_shape=(8, 2, 8, 8), patch_size=(2, 4, 4))
    assert grid_positions(fig.axes[0]) == ([16], [16])               # 4·4 pixels: 2 x 2 tokens a frame
    assert len(fig.axes) == 8 and sum(bool(ax.patches) for ax in fig.axes) == 8    # one token: all 4·2 frames
    assert any("= 2/2 · 8/4 · 8/4 = 1 · 2 · 2 = 4" in t.get_text() for t in fig.texts)
    assert token_grid((3, 8, 32, 32), (8, 2, 8, 8), patch_size=(2, 4, 4)) == {
        "tokens": (1, 2, 2), "count": 4, "frames": 8, "pixels": (16, 16)}


@pytest.mark.parametrize("video_shape, kwargs, message", [
    ((3, 12, 32, 32), {}, "frames 12 is not the latent's 4 x 4"),
    ((3, 16, 32, 24), {}, "width 24 is not the latent's 8 x 4"),
    ((3, 16, 32, 32), {"latent_shape": (8, 4, 8, 8), "patch_size": (3, 2, 2)}, "patches of 3 do not tile"),
    ((3, 16, 32, 32), {"patch_size": (1, 2)}, r"patch_size \(pt, ph, pw\) must be 3 positive"),
    ((3, 16, 32, 32), {"time_factor": 0}, "positive integers"),
    ((1, 16, 32, 32), {}, "3 colour channels"),
    ((3, 16, 32), {}, r"\(3, T, H, W\) must be 4"),
])
def test_shapes_that_do_not_tile_raise(video_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        token_grid(video_shape, **kwargs)
    with pytest.raises(ValueError, match=message):
        patches_figure(torch.zeros(video_shape), **kwargs)


class FakePipe:
    """Stands in for TextToVideoPipeline: a green triangle from the shapes world, drawn with the seed."""

    def __init__(self):
        self.calls = []

    def __call__(self, prompt, seed=0, steps=20, guidance_scale=2.0, sampler="flow_heun"):
        self.calls.append({"prompt": prompt, "seed": seed, "steps": steps, "guidance_scale": guidance_scale,
                           "sampler": sampler})
        if not prompt.strip():
            raise ValueError("the prompt is empty; describe a shape")
        video = ShapesWorld().sample(1, seed=seed, shape="triangle", colour="green").video
        unknown = [w for w in prompt.split() if w == "spaceship"]
        return VideoOutput(videos=video, prompts=[prompt], unknown=[unknown], trajectory=None)


def test_verdict_table():
    asked = asked_by("a small green triangle moving up then down")
    assert asked == {"shape": "triangle", "colour": "green", "size": "small", "motion": "up then down"}
    table = verdict_html(asked, {"shape": "triangle", "colour": "red", "size": None, "motion": "up then down"})
    assert "2 of 4 named attributes as asked" in table
    assert table.count("✓ as asked") == 2 and table.count("✗ not as asked") == 2 and "unreadable" in table
    assert "· not asked" in verdict_html({"colour": "red"}, {"colour": "red"})


def test_video_playground_redraws_on_every_control_and_reports_problems():
    from ipywidgets import HTML, Label, Output

    pipe = FakePipe()
    widget = video_playground(pipe, prompt="a green triangle")
    prompt = widget.children[0]
    scale, seed = widget.children[1].children
    steps, sampler = widget.children[2].children
    out, verdict, status = widget.children[3:]
    assert isinstance(out, Output) and isinstance(verdict, HTML) and isinstance(status, Label)
    assert pipe.calls == [{"prompt": "a green triangle", "seed": 0, "steps": 12, "guidance_scale": 2.0,
                           "sampler": "flow_heun"}]
    assert status.value.startswith("drawn in") and "2 of 2 named attributes as asked" in verdict.value

    seed.value = 7                                                   # every control redraws with its value
    steps.value, scale.value, sampler.value = 3, 4.5, "ddim"
    assert [c["seed"] for c in pipe.calls] == [0, 7, 7, 7, 7]
    assert pipe.calls[-1] == {"prompt": "a green triangle", "seed": 7, "steps": 3, "guidance_scale": 4.5,
                              "sampler": "ddim"}

    prompt.value = "a green spaceship"                               # unknown words: listed, not warned
    assert "ignored words the model does not know: spaceship" in status.value

    prompt.value = ""                                                # a message, not a traceback
    assert status.value == "cannot draw: the prompt is empty; describe a shape" and verdict.value == ""


def test_video_playground_on_a_tiny_real_pipeline():
    from toolkit.models.text_encoder import TextEncoder, TextEncoderConfig
    from toolkit.models.video_dit import VideoDiT
    from toolkit.pipelines import TextToVideoPipeline
    from toolkit.text import TextConditioner, Tokenizer

    torch.manual_seed(0)
    text = TextConditioner(TextEncoder(TextEncoderConfig(vocab_size=len(Tokenizer()))))
    pipe = TextToVideoPipeline(VideoDiT.from_preset("cpu-tiny").eval(), zoo.load("shapes_video_vae"), text)
    widget = video_playground(pipe, steps=1)
    status = widget.children[-1]
    assert status.value.startswith("drawn in") and "the reader's verdict" in widget.children[4].value
    widget.children[0].value = "   "                                 # the real tokenizer's error, as a message
    assert status.value.startswith("cannot draw: the prompt is empty")
