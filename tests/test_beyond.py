"""Beyond a prompt (issue 26): keep_known's replacement, the causal VAE's latent frame 0, and the shipped latent
video transformer animating a picture, editing a clip (SDEdit) and extending a clip; clear errors; the CLI forms.
Few prompts and few steps: the measured figures are assets/metrics/beyond.json's."""
import imageio.v3 as iio
import pytest
import torch
from diffusers import FlowMatchEulerDiscreteScheduler

from toolkit.__main__ import main
from toolkit.data import ShapesWorld, WorldConfig, vocab
from toolkit.diffusion import flow_times, flow_to_sigma, keep_known, sample_dpmpp_2m, sample_flow_euler, \
    sample_flow_heun, sigmas_from_flow_times
from toolkit.eval import read_clips
from toolkit.eval.beyond import edit_targets, path_distance, seam_measures
from toolkit.eval.temporal import frame_readings
from toolkit.pipelines import BeyondPromptPipeline, TextToVideoPipeline
from toolkit.text import UnknownWordsError
from toolkit.viz import animation

pytestmark = pytest.mark.usefixtures("one_thread")
PIPE = BeyondPromptPipeline.from_pretrained()
WORLD = ShapesWorld(WorldConfig())
REAL = WORLD.sample(4, seed=0, split="train")              # 4 clips, their captions, their first frames
PICTURES = REAL.video[:, :, 0]                             # (4, 3, 32, 32)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per picture, for values in [-1, 1] (peak-to-peak 2)."""
    return 10 * torch.log10(4 / ((a - b) ** 2).flatten(1).mean(1))


# ---------------------------------------------------------------- keep_known: inpainting by replacement

@pytest.mark.parametrize("sampler", ["flow_euler", "flow_heun", "dpmpp_2m"])
def test_the_known_part_rides_its_path_and_ends_exactly_known(sampler):
    g = torch.Generator().manual_seed(0)
    known, noise = torch.randn(2, 3, 4, 2, 2, generator=g), torch.randn(2, 3, 4, 2, 2, generator=g)
    mask = (torch.arange(4) < 1).view(1, 1, -1, 1, 1)
    seen = []

    def model(x, t):                                         # a stand-in network: x̂₀ = x / 2, and a spy
        seen.append((x.clone(), float(t[0])))
        return x / 2

    kept = keep_known(model, known, mask, noise, known_noise=1.0)
    times = flow_times(5)
    if sampler == "dpmpp_2m":
        sigmas = sigmas_from_flow_times(times.clamp(max=0.999))
        x = sample_dpmpp_2m(flow_to_sigma(kept), noise * (1 + sigmas[0]), sigmas)
    else:
        x = {"flow_euler": sample_flow_euler, "flow_heun": sample_flow_heun}[sampler](kept, noise, times)
    assert torch.allclose(x[:, :, :1], known[:, :, :1], atol=1e-5)           # ends at the given part
    assert not torch.allclose(x[:, :, 1:], known[:, :, 1:])                  # the rest is sampled
    for x_in, t in seen:                                                     # the model saw it noised to t
        assert torch.allclose(x_in[:, :, :1], ((1 - t) * known + t * noise)[:, :, :1], atol=1e-5)


def test_known_noise_shows_the_known_part_less_noisy():
    known, noise = torch.ones(1, 1, 2, 1, 1), torch.zeros(1, 1, 2, 1, 1)
    seen = []
    kept = keep_known(lambda x, t: seen.append(x) or x, known, torch.tensor([True, False]).view(1, 1, 2, 1, 1),
                      noise, known_noise=0.0)
    kept(torch.full((1, 1, 2, 1, 1), 5.0), torch.tensor([0.9]))
    assert seen[0].flatten().tolist() == [1.0, 5.0]                          # clean where known, untouched elsewhere
    with pytest.raises(ValueError, match="known_noise"):
        keep_known(lambda x, t: x, known, known > 0, noise, known_noise=1.5)


# ---------------------------------------------------------------- the video VAE's latent frame 0

def test_latent_frame_0_summarises_frames_0_to_3_not_frame_0_alone():
    other = WORLD.sample(4, seed=1, split="train").video
    z = PIPE.vae.to_latent(REAL.video)
    for first_changed, changes in ((1, True), (4, False)):
        mixed = REAL.video.clone()
        mixed[:, :, first_changed:] = other[:, :, first_changed:]
        difference = (PIPE.vae.to_latent(mixed)[:, :, 0] - z[:, :, 0]).abs().mean()
        assert (difference > 0.3 * z[:, :, 0].abs().mean()) if changes else difference == 0


# ---------------------------------------------------------------- animate

def test_animate_starts_from_the_picture():
    out = PIPE.animate(PICTURES, REAL.captions, steps=2)
    assert out.videos.shape == (4, 3, 16, 32, 32) and out.prompts == REAL.captions
    assert (psnr(out.videos[:, :, 0], PICTURES) > 30).all()                  # measured 32.6 to 39.0 dB on these
    again = PIPE.animate(PICTURES, REAL.captions, steps=6).videos            # frame 0 hangs on latent frame 0 only
    assert torch.equal(again[:, :, :4], out.videos[:, :, :4])


def test_animate_keeps_the_object_and_moves_it():
    out = PIPE.animate(PICTURES, REAL.captions, steps=10, seed=1)
    readings = read_clips(out.videos)
    kept = [r.colour == REAL.objects(i)[0]["colour"] and r.shape == REAL.objects(i)[0]["shape"]
            for i, r in enumerate(readings)]
    moved = [r.motion == REAL.objects(i)[0]["motion"] for i, r in enumerate(readings)]
    assert sum(kept) >= 3 and sum(moved) >= 3


def test_one_picture_many_prompts_and_the_trajectory():
    out = PIPE.animate(PICTURES[0], ["a small red circle moving left", "a small red circle moving up"], steps=2,
                       return_trajectory=True)
    assert out.videos.shape[0] == 2 and out.trajectory.x.shape == (3, 2, 8, 4, 8, 8)
    assert torch.equal(out.videos[0, :, 0], out.videos[1, :, 0])


# ---------------------------------------------------------------- edit (SDEdit)

def test_edit_near_zero_gives_the_clip_back():
    out = PIPE.edit(REAL.video, "a large blue square moving right", strength=0.02, steps=20)
    roundtrip = PIPE.decode(PIPE.vae.to_latent(REAL.video))
    assert (out.videos - roundtrip).abs().mean() < 0.02                      # measured 0.004
    assert (psnr(out.videos, REAL.video) > 25).all()


def test_edit_at_one_is_text_to_video_and_follows_the_new_colour():
    prompt = "a large blue square moving right"
    out = PIPE.edit(REAL.video, prompt, strength=1.0, steps=8)
    assert torch.equal(out.videos, TextToVideoPipeline.__call__(PIPE, [prompt] * 4, steps=8).videos)
    colours = [PIPE.edit(REAL.video[:1], prompt, strength=1.0, steps=8, seed=s).videos for s in range(3)]
    assert [r.colour for r in read_clips(torch.cat(colours))] == ["blue"] * 3


def test_edit_runs_fewer_steps_from_part_way():
    out = PIPE.edit(REAL.video[:1], "a red circle moving left", strength=0.5, steps=10, return_trajectory=True)
    assert out.trajectory.x.shape[0] == 6 and abs(float(out.trajectory.sigmas[0]) - 0.5) < 1e-9


# ---------------------------------------------------------------- extend

def test_extend_is_long_reproducible_and_begins_with_the_short_clip():
    prompts = ["a large red circle moving right", "a small blue cross falling"]
    a, b = (PIPE.extend(prompts, frames=32, steps=3, seed=4).videos for _ in range(2))
    assert a.shape == (2, 3, 32, 32, 32) and torch.equal(a, b)
    assert (a - PIPE.extend(prompts, frames=32, steps=3, seed=5).videos).abs().mean() > 1e-3
    assert torch.equal(PIPE.extend(prompts, frames=24, steps=3, seed=4).videos, a[:, :, :24])
    assert torch.equal(PIPE(prompts, steps=3, seed=4).videos, a[:, :, :16])
    assert PIPE.seams(48) == [16, 24, 32, 40] and PIPE.new_frames(1) == 12


def test_extend_48_frames_and_trajectories_per_window():
    out = PIPE.extend("a small green triangle moving down", frames=48, steps=1, return_trajectory=True)
    assert out.videos.shape == (1, 3, 48, 32, 32) and len(out.trajectory) == 5
    assert PIPE.extend("a red dot", frames=40, overlap=1, steps=1).videos.shape[2] == 40


# ---------------------------------------------------------------- clear errors

@pytest.mark.parametrize("picture, message", [
    (torch.zeros(3, 30, 30), "multiple of 8"),
    (torch.zeros(3, 32, 48), "square"),
    (torch.zeros(32, 32), "must be"),
    (torch.zeros(1, 2, 3, 32, 32), "must be"),
    (torch.zeros(32, 32, 3), "channels-last"),
    (torch.zeros(3, 32, 32, dtype=torch.uint8), "127.5"),
    (torch.full((3, 32, 32), 2.0), r"\[-1, 1\]"),
    (torch.full((3, 32, 32), float("nan")), r"\[-1, 1\]"),
    (torch.zeros(0, 3, 32, 32), "empty"),
])
def test_bad_pictures(picture, message):
    with pytest.raises(ValueError, match=message):
        PIPE.animate(picture, "a red circle moving left", steps=1)


def test_a_picture_must_be_a_tensor():
    with pytest.raises(TypeError, match="from_numpy"):
        PIPE.animate(PICTURES[0].numpy(), "a red circle moving left", steps=1)


@pytest.mark.parametrize("clip, kwargs, message", [
    (torch.zeros(3, 0, 32, 32), {}, "empty"),
    (torch.zeros(0, 3, 16, 32, 32), {}, "empty"),
    (torch.zeros(3, 10, 32, 32), {}, "multiple of 4"),
    (torch.zeros(3, 32, 32), {}, "must be"),
    (torch.zeros(3, 16, 32, 32), {"strength": 0.0}, r"\(0, 1\]"),
    (torch.zeros(3, 16, 32, 32), {"strength": 1.5}, r"\(0, 1\]"),
    (torch.zeros(3, 16, 32, 32), {"strength": True}, r"\(0, 1\]"),
    (torch.zeros(3, 16, 32, 32), {"sampler": FlowMatchEulerDiscreteScheduler()}, "toolkit sampler"),
])
def test_bad_clips_and_strengths(clip, kwargs, message):
    with pytest.raises(ValueError, match=message):
        PIPE.edit(clip, "a red circle moving left", **{"steps": 1, **kwargs})


@pytest.mark.parametrize("kwargs, message", [
    ({"frames": 20}, "16, 24, 32"), ({"frames": 8}, "16, 24, 32"), ({"frames": 1000}, "up to 256"),
    ({"frames": 48.0}, "16, 24, 32"), ({"overlap": 0}, "overlap"), ({"overlap": 4}, "overlap"),
    ({"frames": 32, "overlap": 1}, "16, 28, 40"), ({"steps": 0}, "steps"), ({"known_noise": -1.0}, "known_noise"),
])
def test_bad_lengths(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PIPE.extend("a red circle moving left", **{"steps": 1, **kwargs})


def test_prompts_as_the_text_to_video_pipeline_takes_them():
    for call in (lambda p: PIPE.animate(PICTURES[0], p, steps=1), lambda p: PIPE.edit(REAL.video[0], p, steps=1),
                 lambda p: PIPE.extend(p, frames=24, steps=1)):
        with pytest.raises(ValueError):
            call("  ")
        with pytest.raises(TypeError):
            call(None)
        with pytest.warns(UserWarning, match="spaceship"):
            assert call("a red spaceship moving left").unknown == [["spaceship"]]
        with pytest.raises(UnknownWordsError):
            PIPE.animate(PICTURES[0], "a red spaceship", steps=1, strict=True)
    with pytest.raises(ValueError, match="3 prompts for 2 pictures"):
        PIPE.animate(PICTURES[:2], ["a", "b", "c"], steps=1)
    with pytest.raises(ValueError, match="not a latent video model"):
        BeyondPromptPipeline.from_pretrained("shapes_spacetime_unet")


# ---------------------------------------------------------------- the command line

def test_cli_animate_edit_extend(tmp_path, capsys):
    iio.imwrite(tmp_path / "picture.png", animation.to_uint8(REAL.video[0, :, :1])[0])     # enlarged 4x: 128 x 128
    animation.save(REAL.video[1], tmp_path / "clip.gif")
    out = tmp_path / "out"
    assert main(["animate", str(tmp_path / "picture.png"), "bouncing down then up", "--steps", "2",
                 "--out", str(out)]) == 0
    assert "from the picture: 'a large magenta triangle bouncing down then up'" in capsys.readouterr().out
    assert main(["edit", str(tmp_path / "clip.gif"), "a large blue triangle moving left then right",
                 "--strength", "0.5", "--steps", "2", "--out", str(out)]) == 0
    assert main(["extend", "a large blue triangle moving left", "--frames", "24", "--steps", "1",
                 "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{stem}{suffix}" for suffix in (".gif", ".mp4") for stem in (
        "a-large-magenta-triangle-bouncing-down-then-up-seed0-animated",
        "a-large-blue-triangle-moving-left-then-right-seed0-edited-s0.5",
        "a-large-blue-triangle-moving-left-seed0-24frames"))
    assert len(iio.imread(out / "a-large-blue-triangle-moving-left-seed0-24frames.mp4", index=None)) == 24
    animated = out / "a-large-magenta-triangle-bouncing-down-then-up-seed0-animated.mp4"   # an output edited again
    assert main(["edit", str(animated), "a large blue triangle", "--steps", "1", "--out", str(out)]) == 0


@pytest.mark.parametrize("argv, message", [
    (["animate", "missing.png", "moving left"], "no such file"),
    (["animate", "{bad}", "moving left"], "cannot read"),
    (["edit", "{clip}", "a red circle moving left", "--strength", "2"], "strength"),
    (["extend", "a red circle moving left", "--frames", "20"], "16, 24, 32"),
    (["extend", "a red spaceship moving left"], "spaceship"),
])
def test_cli_refuses_and_writes_nothing(tmp_path, capsys, argv, message):
    (tmp_path / "bad.png").write_text("not a picture")
    animation.save(REAL.video[1], tmp_path / "clip.gif")
    argv = [a.format(bad=tmp_path / "bad.png", clip=tmp_path / "clip.gif") for a in argv]
    assert main(argv + ["--steps", "1", "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err and not any((tmp_path / "out").iterdir())


# ---------------------------------------------------------------- the measures of assets/metrics/beyond.json

def test_seam_measures_see_a_jump_at_the_seam_only():
    clip = ShapesWorld(WorldConfig(frames=32)).sample(1, seed=3, split="train", motion="right").video
    jumped = clip.clone()
    jumped[:, :, 16:] = torch.roll(clip[:, :, 16:], shifts=5, dims=-2)         # 5 px down from frame 16 on
    smooth, jump = (seam_measures(frame_readings(c), c, [16]) for c in (clip, jumped))
    assert smooth["identity_changes_seams"] == 0 and smooth["path_jerk_px_seams_mean"] < 0.5
    assert jump["path_jerk_px_seams_mean"] > 4 and jump["path_jerk_px_inside_mean"] < 0.5
    assert jump["frame_change_seams"] > 3 * jump["frame_change_inside"]


def test_edit_targets_change_one_attribute_within_the_training_split():
    truths = [REAL.objects(i)[0] for i in range(4)]
    kinds, targets = edit_targets([{k: t[k] for k in ("shape", "colour", "size", "motion")} for t in truths])
    assert kinds == ["colour", "shape", "colour", "shape"]
    for kind, target, truth in zip(kinds, targets, truths):
        assert [k for k in target if target[k] != truth[k]] == [kind]
        assert not vocab.is_held_out(target["shape"], target["colour"], target["motion"])
    path = torch.tensor([[1.0, 2.0], [float("nan"), 0.0], [3.0, 4.0]])
    assert path_distance(path, path) == 0 and path_distance(path, path + 3) == pytest.approx(18 ** 0.5)
