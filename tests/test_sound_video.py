"""Notebook 09's parts: the audio autoencoder, the joint transformer, its training, and the synchrony judge."""
from dataclasses import replace

import pytest
import torch

from toolkit import zoo
from toolkit.recipes import sound_video
from toolkit.data import ShapesWorld, sound
from toolkit.eval import sync
from toolkit.eval.video_adherence import prompt_set
from toolkit.generate import GenerateError, generate_with_sound
from toolkit.models.audio_autoencoder import AudioAutoencoder
from toolkit.models.sound_video_dit import POSITIONS_PER_SECOND, SoundVideoDiT, time_features
from toolkit.pipelines.sound_video import SoundVideoPipeline
from toolkit.runtime import pick

pytestmark = pytest.mark.usefixtures("one_thread")


def text_inputs(B, L=5, width=64):
    return {"context": torch.randn(B, L, width), "context_mask": torch.ones(B, L, dtype=torch.bool),
            "pooled": torch.randn(B, width)}


def perturbed(model, seed=0):
    """A fresh model outputs exactly 0 (adaLN-Zero); nudge every weight so that signals flow."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    return model


# ---------------------------------------------------------------- the audio autoencoder

def test_audio_autoencoder_has_one_latent_frame_per_video_frame_and_clear_errors():
    ae = AudioAutoencoder.from_preset("cpu-tiny")
    audio = sound.soundtrack(ShapesWorld().sample(2, seed=0))
    z = ae.encode(audio)
    assert z.shape == (2, 4, 16) and ae.decode(z).shape == audio.shape
    # each latent frame reads only its own video frame's 1000 samples
    changed = audio.clone()
    changed[:, 5000:6000] += 0.1
    assert torch.nonzero((ae.encode(changed) - z).abs().sum(dim=(0, 1))).flatten().tolist() == [5]
    with pytest.raises(ValueError, match="whole number of video frames"):
        ae.encode(audio[:, :1500])
    with pytest.raises(ValueError, match=r"\(B, samples\)"):
        ae.encode(audio[0])
    with pytest.raises(ValueError, match="audio latents"):
        ae.decode(torch.zeros(2, 16, 16))


def test_shipped_audio_autoencoder_keeps_pitch_and_clicks_of_held_out_sound():
    ae = zoo.load("shapes_audio_ae")
    metrics = sound_video.audio_metrics(ae, n=32)
    assert metrics["snr_db"] > 20 and metrics["pitch_kept"] == 1.0 and metrics["clicks_kept"] == 1.0, metrics
    z = ae.to_latent(sound_video.sounds(64, seed=5))
    assert 0.7 < float(z.std()) < 1.4                 # scaled to about unit variance for the diffusion model


# ---------------------------------------------------------------- the joint transformer

def test_join_and_split_are_inverse_and_a_fresh_model_outputs_zero():
    net = SoundVideoDiT.from_preset("cpu-tiny")
    video, audio = torch.randn(3, 8, 4, 8, 8), torch.randn(3, 4, 16)
    x = net.join(video, audio)
    assert x.shape == (3, 8 * 4 * 8 * 8 + 4 * 16)
    v, a = net.split(x)
    assert torch.equal(v, video) and torch.equal(a, audio)
    assert torch.equal(net(x, torch.rand(3), **text_inputs(3)), torch.zeros_like(x))
    with pytest.raises(ValueError, match="joint latents"):
        net(video, torch.rand(3), **text_inputs(3))
    with pytest.raises(ValueError, match="audio must be latents"):
        net.join(video, torch.randn(3, 4, 8))
    with pytest.raises(ValueError, match="context must be text tokens"):
        net(x, torch.rand(3), context=torch.randn(3, 5, 32))


def test_positions_put_both_streams_on_one_time_axis_in_seconds():
    net = SoundVideoDiT.from_preset("cpu-tiny")
    third = net.config.blocks.width // 3
    pos = net.positions()
    n_video = 4 * 4 * 4
    assert pos.shape == (n_video + 16, net.config.blocks.width)
    # audio frame j covers [j/8, (j+1)/8) s; video latent frame k covers four frames, [k/2, (k+1)/2) s
    audio_seconds = (torch.arange(16) + 0.5) / 8
    video_seconds = (torch.arange(4).repeat_interleave(16) + 0.5) / 2
    assert torch.allclose(pos[n_video:, :third], time_features(audio_seconds, third))
    assert torch.allclose(pos[:n_video, :third], time_features(video_seconds, third))
    # the same instant gets the same time feature, whichever stream it comes from
    assert torch.allclose(time_features(torch.tensor([0.75]), third), time_features(torch.tensor([6 / 8]), third))
    assert POSITIONS_PER_SECOND * 0.0625 == 1.0        # the finest step between token centres is one unit


def test_each_stream_sees_the_other():
    net = perturbed(SoundVideoDiT.from_preset("cpu-tiny"))
    x = torch.randn(1, sum(net.config.sizes), requires_grad=True)
    out = net(x, torch.tensor([0.5]), **text_inputs(1))
    n_video = net.config.sizes[0]
    grad, = torch.autograd.grad(out[0, n_video:].sum(), x)          # the audio output ...
    assert grad[0, :n_video].abs().sum() > 0                        # ... depends on the video input
    audio_only = SoundVideoDiT.from_preset("cpu-tiny-audio-only")
    assert audio_only.config.sizes == (0, 64) and audio_only.split(torch.zeros(2, 64))[0] is None


def test_loss_weighs_the_two_streams_alike():
    torch.manual_seed(0)
    net = SoundVideoDiT.from_preset("cpu-tiny")
    text = type("Text", (), {"null": lambda self, n: {k: v[:n] for k, v in text_inputs(1).items()}})()
    config = sound_video.SoundVideoConfig(caption_dropout=0.0)
    loss = sound_video.loss_function(config, text, net)
    x0 = net.join(torch.zeros(4, 8, 4, 8, 8), torch.zeros(4, 4, 16))
    # a fresh model predicts 0, so each stream's mean squared error is E[ε²] = 1, and the loss is their sum
    value = loss(net, {"x": x0, **text_inputs(4)}, torch.Generator().manual_seed(0))
    assert 1.7 < float(value.detach()) < 2.3


def test_every_stage_trains_and_ships_in_fast_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_FAST", "1")
    paths = [sound_video.run_stage(stage, tmp_path / "out", str(tmp_path / "runs"), steps=None, command="python -m toolkit.recipes.sound_video train")
             for stage in sound_video.STAGES]
    assert [p.rsplit("/", 1)[1] for p in paths] == [f"{sound_video.NAMES[s]}.json" for s in sound_video.STAGES]
    joint = zoo.load("shapes_sound_video_dit", tmp_path / "out")
    assert joint.config.video is not None and zoo.load("shapes_sound_dit", tmp_path / "out").config.video is None


def test_stage_config_and_pipeline_refuse_what_they_cannot_do():
    with pytest.raises(ValueError, match="not a sound model"):
        SoundVideoPipeline.from_pretrained("shapes_video_dit")
    assert sound_video.stage_config("joint", steps=7).steps == 7


# ---------------------------------------------------------------- the synchrony judge

def test_judge_finds_real_clips_in_sync_and_a_shifted_soundtrack_two_frames_late():
    prompts, truths = prompt_set("wording")
    videos, audio = sync.real(truths[:48])
    result = sync.synchrony(videos, audio)
    assert result["bounces"] >= 8 and result["precision"] == result["recall"] == 1.0 and result["offset_frames"] == 0
    late = sync.synchrony(videos, torch.roll(audio, 2 * sound.SAMPLES_PER_FRAME, dims=1))
    assert late["precision"] == late["recall"] == 0.0 and late["offset_frames"] == 2
    one_late = sync.synchrony(videos, torch.roll(audio, sound.SAMPLES_PER_FRAME, dims=1))
    assert one_late["precision"] == 1.0 and one_late["offset_frames"] == 1      # within tolerance, but measured
    assert sync.pitch_adherence(audio, truths[:48]) == 1.0
    wrong = [{**t, "shape": "cross" if t["shape"] != "cross" else "circle"} for t in truths[:48]]
    assert sync.pitch_adherence(audio, wrong) == 0.0


def test_match_uses_each_event_once_and_errors_are_clear():
    assert sync.match([5], [5, 6]) == 1 and sync.match([5, 9], [6]) == 1 and sync.match([5], [7]) == 0
    assert sync.match([], [3]) == 0
    videos = torch.zeros(2, 3, 16, 32, 32)
    with pytest.raises(ValueError, match="one waveform per clip"):
        sync.synchrony(videos, torch.zeros(3, 16000))
    with pytest.raises(ValueError, match="clips"):
        sync.synchrony(torch.zeros(2, 16, 32, 32), torch.zeros(2, 16000))
    with pytest.raises(ValueError, match="truths"):
        sync.pitch_adherence(torch.zeros(2, 16000), [{"shape": "circle"}])


def test_swap_pairs_are_one_clip_with_its_bounce_three_frames_later():
    a, b, prompts = sync.swap_pairs(6)
    assert len(a) == len(b) == len(prompts) == 6 and a.captions == b.captions
    assert a.bounce_frame[:, 0].tolist() == [5, 6, 7, 5, 6, 7] and (b.bounce_frame - a.bounce_frame == 3).all()
    assert all(" then " in p for p in prompts) and len(set(prompts)) == 6
    assert torch.equal(a.video[:, :, :-3], b.video[:, :, 3:])       # the same picture, three frames later
    assert len(sync.swap_pairs()[2]) == 210
    with pytest.raises(ValueError, match="n must be an integer from 1 to 210"):
        sync.swap_pairs(0)


def test_timing_swap_tells_sound_that_follows_the_picture_from_sound_that_does_not():
    a, b, prompts = sync.swap_pairs(9)
    truth = {id(a.video): a, id(b.video): b}
    def clicks_at(frame):                  # a fake sound_for: the clips' own soundtrack, the clicks moved
        def sound_for(videos, prompts):
            clips = truth[id(videos)]
            return sound.soundtrack(replace(clips, bounce_frame=frame(clips)))
        return sound_for
    on_time = sync.timing_swap(clicks_at(lambda c: c.bounce_frame), a, b, prompts)
    assert on_time == {"pairs": 9, "click_shift_per_bounce_shift": 1.0, "follow_share": 1.0, "same_clicks_share": 0.0,
                       "silent_pairs": 0}
    late = sync.timing_swap(clicks_at(lambda c: c.bounce_frame + 1), a, b, prompts)   # late, but it follows
    assert late["click_shift_per_bounce_shift"] == 1.0 and late["follow_share"] == 1.0
    at_seven = sync.timing_swap(clicks_at(lambda c: torch.full_like(c.bounce_frame, 7)), a, b, prompts)
    assert at_seven["click_shift_per_bounce_shift"] == 0.0 and at_seven["follow_share"] == 0.0
    assert at_seven["same_clicks_share"] == 1.0
    silent = sync.timing_swap(lambda videos, prompts: torch.zeros(len(videos), 16000), a, b, prompts)
    assert silent == {"pairs": 9, "click_shift_per_bounce_shift": 0.0, "follow_share": 0.0, "same_clicks_share": 1.0,
                      "silent_pairs": 9}
    with pytest.raises(ValueError, match="one prompt per pair"):
        sync.timing_swap(clicks_at(lambda c: c.bounce_frame), a, b, prompts[:2])
    with pytest.raises(ValueError, match="one clip drawn twice"):
        sync.timing_swap(clicks_at(lambda c: c.bounce_frame), a, sync.swap_pairs(9, seed=1)[1], prompts)
    with pytest.raises(ValueError, match="two different frames"):
        sync.timing_swap(clicks_at(lambda c: c.bounce_frame), a, a, prompts)


# ---------------------------------------------------------------- the shipped models

def test_every_stage_is_shipped_with_its_command():
    for stage, name in sound_video.NAMES.items():
        manifest = zoo.manifest(name)
        assert manifest["command"].startswith("python -m toolkit.recipes.sound_video train"), manifest["command"]


def test_shipped_joint_model_hums_the_prompts_shape_and_clicks_only_when_the_prompt_bounces():
    prompts, truths = prompt_set("wording")
    bouncy = [(p, t) for p, t in zip(prompts, truths) if " then " in t["motion"]][:8]
    straight = [(p, t) for p, t in zip(prompts, truths) if " then " not in t["motion"]][:8]
    out = SoundVideoPipeline.from_pretrained()([p for p, _ in bouncy + straight], seed=0, steps=12)
    clicks = [sound.click_frames(a) for a in out.audio]
    assert all(clicks[:8]) and not any(clicks[8:]), clicks
    assert sync.pitch_adherence(out.audio, [t for _, t in bouncy + straight]) >= 0.9


@pytest.mark.xfail(strict=True, reason="issue 9's target (precision and recall >= 0.9) is not reached yet: the "
                   "joint model clicks two or three times per bounce, not on it (assets/metrics/sound_video.json)")
def test_shipped_joint_model_clicks_on_the_bounces_it_draws():
    prompts, truths = prompt_set("wording")
    bouncy = [p for p, t in zip(prompts, truths) if " then " in t["motion"]][:16]
    out = SoundVideoPipeline.from_pretrained()(bouncy, seed=0, steps=12)
    result = sync.synchrony(out.videos, out.audio)
    assert result["precision"] >= 0.9 and result["recall"] >= 0.9, result


@pytest.mark.xfail(strict=True, reason="issue 22's target (the click moves with the bounce) is not reached: on the "
                   "210 swap pairs the click moves 0.002 frames per frame the bounce moves, follow share 0, the same "
                   "clicks in 96-97% of pairs (assets/metrics/sound_video.json, timing_swap)")
def test_shipped_joint_model_moves_its_click_when_the_bounce_moves():
    pipe = SoundVideoPipeline.from_pretrained()
    steps = pick(20, 8)
    result = sync.timing_swap(lambda videos, prompts: pipe.sound_for(videos, prompts, seed=0, steps=steps),
                              *sync.swap_pairs(pick(24, 6)))
    assert result["follow_share"] >= 0.9, result


def test_swap_only_measures_the_swap_and_keeps_the_other_rows(tmp_path, capsys):
    import json

    from toolkit.experiments.sound_video import main
    out = tmp_path / "sound_video.json"
    out.write_text(json.dumps({"command": "python -m toolkit.experiments.sound_video", "rows": [{"model": "kept"}]}))
    assert main(["--swap-only", "--pairs", "2", "--scales", "4", "--out", str(out)]) == 0
    table = json.loads(out.read_text())
    assert table["rows"] == [{"model": "kept"}] and table["timing_swap"]["rows"][0]["pairs"] == 2
    assert "timing swap, 2 pairs" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="does not exist"):
        main(["--swap-only", "--out", str(tmp_path / "none.json")])


def test_generate_writes_an_mp4_with_sound_and_the_figure_and_the_same_seed_gives_the_same_clip(tmp_path):
    import subprocess

    import imageio_ffmpeg
    pipe = SoundVideoPipeline.from_pretrained()
    prompt = "a big red circle moving left then right"
    result = generate_with_sound(prompt, seed=1, out=tmp_path, steps=4, pipe=pipe)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in result["paths"])
    info = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(result["paths"][0])], capture_output=True,
                          text=True).stderr
    assert "Video: h264" in info and "Audio: aac" in info
    first, second = pipe(prompt, seed=1, steps=4), pipe(prompt, seed=1, steps=4)
    assert torch.equal(first.audio, second.audio) and torch.equal(first.videos, second.videos)
    with pytest.raises(ValueError, match="at most 64"):
        pipe([prompt] * 65)
    with pytest.raises(GenerateError, match="shapes world's captions"):
        generate_with_sound("a purple dragon", out=tmp_path / "none", pipe=pipe)
    assert not (tmp_path / "none").exists() or not list((tmp_path / "none").iterdir())


def test_sound_for_real_clips_keeps_the_picture_and_refuses_what_it_cannot_do():
    pipe = SoundVideoPipeline.from_pretrained()
    prompts, truths = prompt_set("wording")
    bouncy = [(p, t) for p, t in zip(prompts, truths) if " then " in t["motion"]][:4]
    videos, _ = sync.real([t for _, t in bouncy])
    audio = pipe.sound_for(videos, [p for p, _ in bouncy], seed=0, steps=8)
    assert audio.shape == (4, 16000) and all(sound.click_frames(a) for a in audio)
    assert torch.equal(audio, pipe.sound_for(videos, [p for p, _ in bouncy], seed=0, steps=8))
    assert sync.pitch_adherence(audio, [t for _, t in bouncy]) == 1.0
    with pytest.raises(ValueError, match="one per clip"):
        pipe.sound_for(videos[:2], ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"clips \(B, 3, 16"):
        pipe.sound_for(videos[:, :, :8], "a red circle")
    with pytest.raises(ValueError, match="needs the joint model"):
        SoundVideoPipeline.from_pretrained("shapes_sound_dit").sound_for(videos, "a red circle")


def test_the_sound_command_line_writes_the_clip_and_refuses_unknown_words(tmp_path, capsys):
    from toolkit.__main__ import main
    assert main(["sound", "a big red circle moving left then right", "--out", str(tmp_path), "--steps", "2"]) == 0
    assert "clicks heard at frames" in capsys.readouterr().out and len(list(tmp_path.glob("*.mp4"))) == 1
    assert main(["sound", "a purple dragon", "--out", str(tmp_path / "none")]) == 2
    assert "error:" in capsys.readouterr().err and list((tmp_path / "none").iterdir()) == []
