"""The codec comparison: JPEG and H.264 round trips get better with more bits, the bit counts (bits per pixel,
latent storage, shared JPEG tables) on known cases, clear errors, and no temporary files left behind."""
import io
import json
import sys
import tempfile

import numpy as np
import pytest
import torch
from PIL import Image

from toolkit.data import ShapesWorld, WorldConfig
from toolkit.eval import codecs
from toolkit.eval.reconstruction import psnr
from toolkit.experiments import rate_distortion
from toolkit.models.vae import VAE
from toolkit.models.video_vae import VideoVAE


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def clips():
    return ShapesWorld(WorldConfig(frames=16, height=32, width=32)).sample(2, seed=0, split="heldout").video


def test_jpeg_more_quality_costs_more_bits_and_gives_more_psnr(clips):
    low, low_bits = codecs.jpeg(clips, 10)
    high, high_bits = codecs.jpeg(clips, 95)
    assert high.shape == low.shape == clips.shape
    assert psnr(clips, high).mean() > 30 and psnr(clips, high).mean() > psnr(clips, low).mean()
    assert high_bits > low_bits


def test_jpeg_header_is_the_same_for_every_frame_and_precedes_the_data(clips):
    header = codecs.jpeg_header_bytes(50, 32, 32)
    files = []
    for frame in codecs.to_uint8(clips)[:, 0]:                       # the first frame of each clip
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="JPEG", quality=50, subsampling=0)
        files.append(buffer.getvalue())
    assert files[0] != files[1] and files[0][:header] == files[1][:header]
    assert files[0][header - 14:header - 12] == b"\xff\xda"            # SOS, 12 bytes for 3 components
    assert all(len(f) > header for f in files)


def test_h264_round_trip_keeps_every_frame_and_lower_crf_costs_more_and_looks_better(clips):
    fine, fine_bits = codecs.h264(clips, 10)
    coarse, coarse_bits = codecs.h264(clips, 40)
    assert fine.shape == coarse.shape == clips.shape                 # 16 frames back for 16 in
    assert fine_bits > coarse_bits
    assert psnr(clips, fine).mean() > psnr(clips, coarse).mean()
    assert psnr(clips, fine).mean() > 35                             # 4:4:4 keeps the small coloured objects


def test_bits_per_pixel_counts_positions_not_channels():
    assert codecs.bits_per_pixel(24 * 2 * 16 * 32 * 32, torch.zeros(2, 3, 16, 32, 32)) == 24.0   # raw RGB
    assert codecs.bits_per_pixel(256, torch.zeros(4, 3, 8, 8)) == 1.0
    with pytest.raises(ValueError, match="images .* or clips"):
        codecs.bits_per_pixel(1, torch.zeros(3, 8, 8))


def test_latent_storage_bits_on_known_shapes(clips):
    torch.manual_seed(0)
    image_vae = VAE.from_preset("cpu-tiny").eval()                   # 32 x 32 -> 4 x 8 x 8 per frame
    decoded, bits = codecs.vae_point(image_vae, clips, bits_per_value=16)
    assert decoded.shape == clips.shape
    assert bits == 2 * 16 * (4 * 8 * 8) * 16                         # clips · frames · values · bits
    assert codecs.bits_per_pixel(bits, clips) == 4.0
    _, bits = codecs.vae_point(image_vae, clips, bits_per_value=8)
    assert bits == 2 * 16 * (4 * 8 * 8 * 8 + 2 * 16)                 # + each frame's min and max in float16
    video_vae = VideoVAE.from_preset("cpu-tiny").eval()              # (16, 32, 32) -> 4 x (4, 8, 8) per clip
    decoded, bits = codecs.vae_point(video_vae, clips, bits_per_value=16)
    assert decoded.shape == clips.shape and codecs.bits_per_pixel(bits, clips) == 1.0


def test_quantise_rounds_to_the_stated_precision():
    z = torch.randn(3, 4, 8, 8)
    assert torch.equal(codecs.quantise(z, 32), z)
    assert torch.equal(codecs.quantise(z, 16), z.half().float())
    q = codecs.quantise(z, 8)
    step = (z.flatten(1).amax(1) - z.flatten(1).amin(1)) / 255                         # per picture
    assert ((q - z).abs().flatten(1).amax(1) <= 0.51 * step + 1e-3).all()
    assert all(len(torch.unique(q[i])) <= 256 for i in range(3))
    with pytest.raises(ValueError, match="bits_per_value"):
        codecs.quantise(z, 20)


def test_bad_arguments_raise_clear_errors(clips):
    for quality in (0, 101):
        with pytest.raises(ValueError, match="quality must be 1 to 100"):
            codecs.jpeg(clips, quality)
    for crf in (-1, 52):
        with pytest.raises(ValueError, match="crf must be 0 to 51"):
            codecs.h264(clips, crf)
    for bad in (clips[:, :, 0], clips[:, :1]):                      # images; one channel
        for codec, setting in ((codecs.jpeg, 50), (codecs.h264, 23)):
            with pytest.raises(ValueError, match=r"expected clips \(B, 3, T, H, W\)"):
                codec(bad, setting)


def test_missing_ffmpeg_says_to_install_imageio_ffmpeg(clips, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)         # `import imageio_ffmpeg` now fails
    with pytest.raises(RuntimeError, match="pip install imageio-ffmpeg"):
        codecs.h264(clips[:1], 23)


def test_no_temporary_files_are_left_behind(clips, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    codecs.jpeg(clips[:1], 50)
    codecs.h264(clips[:1], 23)
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_the_rows_atomically(tmp_path, monkeypatch):
    monkeypatch.setattr(rate_distortion, "shipped_vaes", lambda *_: {"image_vae": VAE.from_preset("cpu-tiny").eval()})
    out = tmp_path / "metrics" / "rate_distortion.json"
    assert rate_distortion.main(["--out", str(out), "--clips", "1"]) == 0
    assert [p.name for p in out.parent.iterdir()] == ["rate_distortion.json"]                # no .tmp left
    report = json.loads(out.read_text())
    assert report["command"] == f"python -m toolkit.experiments.rate_distortion --out {out} --clips 1"
    rows = {(r["codec"], r["setting"]): r for r in report["rows"]}
    assert {codec for codec, _ in rows} == {"jpeg", "jpeg_shared_tables", "h264", "image_vae"}
    assert rows["jpeg_shared_tables", 50]["bpp"] < rows["jpeg", 50]["bpp"]
    assert rows["jpeg_shared_tables", 50]["psnr_db"] == rows["jpeg", 50]["psnr_db"]
    assert np.isclose(rows["image_vae", 16]["bpp"], 4.0)
