"""Rate-distortion: the same held-out clips through JPEG, H.264 and the VAEs' latents, in bits per pixel and PSNR.

    python -m toolkit.experiments.rate_distortion --out assets/metrics/rate_distortion.json

    decoded, bits = jpeg(video, quality=75)                 # video (B, 3, T, H, W) in [-1, 1]
    decoded, bits = h264(video, crf=23)
    decoded, bits = vae_point(load("image"), video, bits_per_value=16)
    bits_per_pixel(bits, video), psnr(video, decoded).mean()

The codecs see the clips as 8-bit RGB frames (the rounding alone gives 54.5 dB, far above every point here),
the VAEs as the floats they were trained on. All are scored with toolkit.eval.reconstruction.psnr: per clip, over all
its frames, then the mean over clips.
Bits per pixel = bits / (B·T·H·W): a pixel is one RGB position of one frame, not three values.
How the bits are counted:

* jpeg: every frame a file of its own (Pillow, 4:4:4, baseline, standard tables); bits = 8 · bytes of the files.
  At 32 x 32 a file is mostly header: 623 bytes of markers and quantisation and Huffman tables, 4.9 bpp
  before a single pixel is coded. jpeg_shared_tables counts that header once per clip, as a Motion-JPEG
  stream that sent its tables once would: the fairer picture of JPEG's transform coding at this size.
* h264: every clip one stream (libx264 through the ffmpeg of imageio-ffmpeg, 8 fps, -preset medium, one
  keyframe per clip); bits = 8 · bytes of the raw Annex-B bitstream (-f h264): parameter sets and slices,
  everything a decoder needs, but no container. An .mp4 would add ~1 kB of boxes, 0.5 bpp on a 16-frame
  32 x 32 clip, which says nothing about the codec. x264 also writes its version and settings into the
  stream as a ~670-byte text message (an SEI); decoders ignore it and we remove it (filter_units).
  Past crf ~35 the count stops falling, near 0.17 bpp: each frame still costs a start code, a slice header
  and a run of skipped macroblocks (~13 bytes), and each clip its parameter sets (37 bytes).
* image_vae / video_vae: the posterior mode's scaled latent, counted as stored: bits_per_value bits for each
  latent value (16: float16; 8 and fewer: uniform levels between the picture's min and max, the two ends
  stored as float16 beside it). No entropy coding, so this is an upper bound on what the latent needs.
  The decoder's weights are not counted, as the codecs' decoder programs are not.

4:4:4 (no chroma subsampling) for both codecs, although JPEG files and streamed video usually subsample
colour 4:2:0: on 32 x 32 frames with small saturated objects, 4:2:0 alone caps both near 30.7 dB (measured on
these clips), below the VAEs, and the comparison would be about chroma subsampling, not compression.
H.264's RGB -> YUV -> RGB conversion (BT.601, limited range) still caps it near 45 dB even at crf 0.
"""
import io
import subprocess

import numpy as np
import torch
from einops import rearrange
from PIL import Image
from tqdm.auto import tqdm

from .. import checkpoints, zoo
from ..models.vae import VAE
from ..models.video_vae import VideoVAE
from .reconstruction import psnr

VAES = {"image": "shapes_vae", "video": "shapes_video_vae"}    # the shipped VAEs, by kind
JPEG_QUALITIES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95)
H264_CRFS = (10, 15, 20, 25, 30, 35, 40, 45)
LATENT_BITS = (16, 8, 4)      # float16; 256 and 16 uniform levels
FPS = 8                 # as toolkit.viz.animation; x264's rate control takes the frame rate into account
GOP = 16                # frames per keyframe (-g): one keyframe per 16-frame clip


# ---------------------------------------------------------------- pixels in, pixels out

def check_clips(video: torch.Tensor) -> torch.Tensor:
    if video.ndim != 5 or video.shape[1] != 3:
        raise ValueError(f"expected clips (B, 3, T, H, W) in [-1, 1], got shape {tuple(video.shape)}")
    return video


def to_uint8(video: torch.Tensor) -> np.ndarray:
    """(B, 3, T, H, W) in [-1, 1] -> (B, T, H, W, 3) uint8, the frames a codec takes."""
    video = ((check_clips(video).detach().cpu().float().clamp(-1, 1) + 1) * 127.5).round().byte()
    return rearrange(video, "b c t h w -> b t h w c").numpy()


def from_uint8(frames: np.ndarray) -> torch.Tensor:
    """(B, T, H, W, 3) uint8 -> (B, 3, T, H, W) in [-1, 1]."""
    return rearrange(torch.from_numpy(frames).float() / 127.5 - 1, "b t h w c -> b c t h w")


def bits_per_pixel(bits: float, pictures: torch.Tensor) -> float:
    """bits / pixels, pixels = B·H·W for images (B, C, H, W) and B·T·H·W for clips (B, C, T, H, W): a pixel
    is one position of one frame, whatever its channels (so 24 bpp is raw 8-bit RGB)."""
    if pictures.ndim not in (4, 5):
        raise ValueError(f"expected images (B, C, H, W) or clips (B, C, T, H, W), got shape {tuple(pictures.shape)}")
    return bits / (pictures.numel() // pictures.shape[1])


# ---------------------------------------------------------------- JPEG

def jpeg(video: torch.Tensor, quality: int) -> tuple[torch.Tensor, int]:
    """Every frame through Pillow's JPEG at `quality` (1-100), 4:4:4, in memory: (decoded clips, bits)."""
    if not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be 1 to 100, got {quality}")
    frames = to_uint8(video)                                             # (B, T, H, W, 3)
    decoded, bits = np.empty_like(frames), 0
    for index in np.ndindex(frames.shape[:2]):
        buffer = io.BytesIO()
        Image.fromarray(frames[index]).save(buffer, format="JPEG", quality=quality, subsampling=0)
        bits += 8 * buffer.tell()
        decoded[index] = np.asarray(Image.open(buffer).convert("RGB"))
    return from_uint8(decoded), bits


def jpeg_header_bytes(quality: int, height: int, width: int) -> int:
    """Bytes of a Pillow JPEG before its entropy-coded data (markers, tables, frame and scan headers): the same
    for every frame of a size and quality, so a stream could send them once."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="JPEG", quality=quality, subsampling=0)
    data, i = buffer.getvalue(), 2                                       # skip SOI (FF D8)
    while data[i:i + 2] != b"\xff\xda":                                  # walk the segments up to SOS
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")               # marker + its length field's count
    return i + 2 + int.from_bytes(data[i + 2:i + 4], "big")


# ---------------------------------------------------------------- H.264

def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as e:
        raise RuntimeError("H.264 needs the ffmpeg bundled with imageio-ffmpeg, which was not found "
                           f"({e}); install it with `pip install imageio-ffmpeg`") from e


def _ffmpeg(args: list, data: bytes) -> bytes:
    """Run ffmpeg with `data` on its stdin and return its stdout: pipes only, no temporary files."""
    run = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *args], input=data,
                         capture_output=True)
    if run.returncode:
        raise RuntimeError(f"ffmpeg {' '.join(args)} failed: {run.stderr.decode(errors='replace')[-500:]}")
    return run.stdout


def h264(video: torch.Tensor, crf: int) -> tuple[torch.Tensor, int]:
    """Every clip through libx264 at `crf` (0 lossless in YUV .. 51 worst), 4:4:4: (decoded clips, bits)."""
    if not 0 <= crf <= 51:
        raise ValueError(f"H.264 crf must be 0 to 51, got {crf}")
    frames = to_uint8(video)                                             # (B, T, H, W, 3)
    T, H, W = frames.shape[1:4]
    encode = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-framerate", str(FPS), "-i", "pipe:0",
              "-c:v", "libx264", "-preset", "medium", "-crf", str(crf), "-g", str(GOP), "-pix_fmt", "yuv444p",
              "-threads", "1", "-bsf:v", "filter_units=remove_types=6",      # NAL type 6: SEI, x264's settings text
              "-f", "h264", "pipe:1"]                                        # raw Annex-B bitstream, no container
    decode = ["-threads", "1", "-f", "h264", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    decoded, bits = np.empty_like(frames), 0
    for b, clip in enumerate(frames):
        stream = _ffmpeg(encode, clip.tobytes())
        bits += 8 * len(stream)
        raw = _ffmpeg(decode, stream)
        if len(raw) != clip.nbytes:
            raise RuntimeError(f"ffmpeg decoded {len(raw) // (H * W * 3)} frames of a {T}-frame clip")
        decoded[b] = np.frombuffer(raw, np.uint8).reshape(clip.shape)
    return from_uint8(decoded), bits


# ---------------------------------------------------------------- the VAEs' latents

def quantise(z: torch.Tensor, bits: int) -> torch.Tensor:
    """z (B, ...) as `bits`-bit storage would give it back: 32 exact, 16 float16, 1-15 uniform levels from
    each picture's min to its max (the ends rounded to float16, as they would be stored)."""
    if bits in (32, 16):
        return z if bits == 32 else z.half().float()
    if not 1 <= bits <= 15:
        raise ValueError(f"bits_per_value must be 32, 16 (floats) or 1 to 15 (uniform levels), got {bits}")
    axes = tuple(range(1, z.ndim))
    lo = z.amin(axes, keepdim=True).half().float()                      # (B, 1, ...)
    hi = z.amax(axes, keepdim=True).half().float()
    step = ((hi - lo) / (2**bits - 1)).clamp(min=1e-12)
    return lo + ((z - lo) / step).round().clamp(0, 2**bits - 1) * step


@torch.no_grad()
def vae_point(vae: VAE, pictures: torch.Tensor, bits_per_value: int = 16,
              batch_size: int = 64) -> tuple[torch.Tensor, int]:
    """(decoded pictures, bits) through the posterior mode's scaled latent, stored in bits_per_value bits.

    An image VAE given clips (B, 3, T, H, W) codes every frame on its own; a VideoVAE codes whole clips."""
    frame_by_frame = pictures.ndim == 5 and not isinstance(vae, VideoVAE)
    x = rearrange(pictures, "b c t h w -> (b t) c h w") if frame_by_frame else pictures
    decoded, bits = [], 0
    for chunk in x.split(batch_size):
        z = quantise(vae.to_latent(chunk), bits_per_value)               # (n, C, h, w) or (n, C, t, h, w)
        bits += z.numel() * bits_per_value + (0 if bits_per_value >= 16 else len(z) * 2 * 16)   # + the ends
        decoded.append(vae.from_latent(z).clamp(-1, 1))
    decoded = torch.cat(decoded)
    if frame_by_frame:
        decoded = rearrange(decoded, "(b t) c h w -> b c t h w", b=len(pictures))
    return decoded, bits


def shipped_vaes(folder=None) -> dict:
    """{"image_vae": ..., "video_vae": ...} for the VAEs whose manifest is in `folder` (default the shipped ones);
    the others are skipped. One that is there but does not load raises, rather than leaving the figure unnoticed."""
    folder = checkpoints.resolve(folder)
    return {f"{kind}_vae": zoo.load(VAES[kind], folder) for kind in VAES if (folder / f"{VAES[kind]}.json").exists()}


# ---------------------------------------------------------------- the comparison

def rate_distortion(clips: torch.Tensor, qualities=JPEG_QUALITIES, crfs=H264_CRFS, vaes: dict | None = None,
                    latent_bits=LATENT_BITS, progress: bool = True) -> list[dict]:
    """Rows {codec, setting, bpp, psnr_db}: setting is the JPEG quality, the H.264 crf or the VAE's bits per
    latent value; psnr_db the mean over clips of each clip's PSNR. vaes: {name: model}, default the shipped."""
    check_clips(clips)
    vaes = shipped_vaes() if vaes is None else vaes
    B, _, T, H, W = clips.shape
    jobs = ([("jpeg", q, lambda q=q: jpeg(clips, q)) for q in qualities]
            + [("h264", crf, lambda crf=crf: h264(clips, crf)) for crf in crfs]
            + [(name, b, lambda v=vae, b=b: vae_point(v, clips, b)) for name, vae in vaes.items() for b in latent_bits])
    rows = []
    for codec, setting, run in tqdm(jobs, desc="rate-distortion", disable=not progress):
        decoded, bits = run()
        rows.append({"codec": codec, "setting": setting, "bpp": bits_per_pixel(bits, clips),
                     "psnr_db": float(psnr(clips, decoded).mean())})
        if codec == "jpeg":                                              # the same files, one header per clip
            shared = bits - 8 * jpeg_header_bytes(setting, H, W) * (B * T - B)
            rows.append(rows[-1] | {"codec": "jpeg_shared_tables", "bpp": bits_per_pixel(shared, clips)})
    return rows


def plot(rows: list[dict], ax=None):
    """PSNR against bits per pixel, log scale: a curve per codec; VAE points labelled with bits per latent value."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    for codec in dict.fromkeys(r["codec"] for r in rows):
        mine = sorted((r for r in rows if r["codec"] == codec), key=lambda r: r["bpp"])
        vae = codec.endswith("_vae")
        ax.plot([r["bpp"] for r in mine], [r["psnr_db"] for r in mine], "s-" if vae else ".-", label=codec)
        for r in mine if vae else ():
            ax.annotate(f"{r['setting']}-bit", (r["bpp"], r["psnr_db"]), textcoords="offset points", xytext=(4, 4))
    ax.set(xscale="log", xlabel="bits per pixel (log scale)", ylabel="PSNR (dB)")
    ax.set_xticks([0.1, 0.2, 0.5, 1, 2, 5, 10], labels=["0.1", "0.2", "0.5", "1", "2", "5", "10"])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    ax.grid(alpha=0.3)
    return ax
