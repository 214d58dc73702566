"""The answer key of the notebooks' exercises: each exercise's expected value, computed out of the learner's sight.

    check_exercise("02.1", alpha_bar_500, schedule=schedule)      # in a notebook: "Right: ..." or what is off

A check cell that computes its own expected value shows the learner how to get it. Here each exercise has a
reference function that computes the expected value from the inputs the notebook passes (its seeded images and
noise, its tables, its model), and `toolkit.exercises.check` compares the answer with it, so the cell shows only
the exercise's id and its inputs. The ids are "notebook.number" ("02.1", "08b.2"), with a letter for each answer
of an exercise that asks for several ("06.1a", "06.1b"). Each reference imports what it needs when it is called.
"""
import inspect
from dataclasses import dataclass
from typing import Callable

import torch

from .exercises import check


@dataclass(frozen=True)
class Reference:
    compute: Callable          # the notebook's inputs -> the expected value
    what: str                  # the answer's name, as the verdict prints it
    atol: float = 1e-5


ANSWERS: dict[str, Reference] = {}


def reference(exercise_id: str, what: str, atol: float = 1e-5):
    """Register the decorated function as the reference of exercise `exercise_id`."""
    def register(compute):
        ANSWERS[exercise_id] = Reference(compute, what, atol)
        return compute
    return register


def check_exercise(exercise_id: str, answer, **inputs) -> bool:
    """Compute the reference of `exercise_id` from `inputs`, compare `answer` with it (printing "Right: ..." or
    what is off, without the expected value) and return True if right. An unknown id, or inputs that are not
    the reference's, raise an error that names what is expected."""
    if exercise_id not in ANSWERS:
        raise ValueError(f"no exercise {exercise_id!r} in the answer key (toolkit/exercise_answers.py); "
                         f"its ids are {', '.join(sorted(ANSWERS))}")
    ref = ANSWERS[exercise_id]
    needed = list(inspect.signature(ref.compute).parameters)
    if sorted(inputs) != sorted(needed):
        raise TypeError(f"exercise {exercise_id}'s check needs the inputs {needed or 'none'}, "
                        f"and was given {sorted(inputs) or 'none'}")
    if answer is None:                                  # not answered yet: no need to compute the reference
        return check(None, 0.0, what=ref.what)
    with torch.no_grad():
        expected = ref.compute(**inputs)
    return check(answer, expected, atol=ref.atol, what=ref.what)


def _psnr(clean, estimate):
    """10·log10(1 / MSE) in dB, of the estimate clipped to [0, 1] (as notebook 01's D.psnr)."""
    return float(10 * torch.log10(1 / (estimate.clamp(0, 1) - clean).double().square().mean()))


# ---------------------------------------------------------------- 00 · the tour

@reference("00.1", "compression")
def _():
    return (3 * 16 * 32 * 32) / (8 * 4 * 8 * 8)         # pixel values over latent values


@reference("00.2", "clips_processed")
def _():
    return 2 * (2 * 20 - 1)                               # two clips a call, two calls a Heun step but the last


# ---------------------------------------------------------------- 01 · denoising a photo

@reference("01.1", "psnr_formula", atol=0.05)
def _(photo, noisy_photo):
    return 10 * torch.log10(1 / (noisy_photo - photo).square().mean())    # measured on the unclipped noise


@reference("01.2", "box")
def _(noisy_photo):
    from scipy.ndimage import uniform_filter
    return uniform_filter(noisy_photo.numpy(), size=(1, 3, 3), mode="mirror")   # scipy's "mirror" is torch's "reflect"


@reference("01.3", "largest_gain_at")
def _(table):
    gain = {s: table["learned (shipped)"][s]["psnr"] - table["non-local means"][s]["psnr"]
            for s in table["non-local means"]}
    return max(gain, key=gain.get)


@reference("01.4", "best_told")
def _(photo, noisy_50, learned, told):
    scores = {s: _psnr(photo, learned.denoise(noisy_50, s / 255)) for s in told}
    return max(scores, key=scores.get)


# ---------------------------------------------------------------- 02 · diffusion from scratch

@reference("02.1", "alpha_bar_500")
def _(schedule):
    return schedule.alphas_cumprod[500]


@reference("02.2", "x_250")
def _(images, noise, schedule):
    from .diffusion import q_sample
    return q_sample(images, 250, schedule, noise=noise)


@reference("02.3", "rate_50")
def _(D, schedule, n):
    from .diffusion import ddpm_sigmas, sample_ddpm
    from .eval import read_images
    g = torch.Generator().manual_seed(2)                 # as section 4, with 50 steps
    sigmas = ddpm_sigmas(schedule, 50)
    batch = sample_ddpm(D, torch.randn(n, 3, 32, 32, generator=g) * sigmas[0], sigmas, generator=g)
    return sum(r.shape is not None and r.match >= 0.8 for r in read_images(batch)) / n


# ---------------------------------------------------------------- 03 · samplers and flow matching

@reference("03.1", "x_next")
def _(gauss, x):
    from .diffusion import sample_ddim
    return sample_ddim(gauss.denoise, x, [2.0, 0.5])


@reference("03.2", "x_flow_next", atol=1e-4)
def _(toy, x):
    from .diffusion import sample_flow_euler
    return sample_flow_euler(toy.denoise_flow, x, [0.8, 0.6])


@reference("03.3", "ddim_end", atol=1e-4)
def _(toy, z, few):
    from .diffusion import sample_flow_euler
    return sample_flow_euler(toy.denoise_flow, z[:8] * few[0] / (1 + few[0]), few / (1 + few))


# ---------------------------------------------------------------- 04 · text guidance

@reference("04.1", "guided")
def _(d_cond, d_uncond):
    from .diffusion.guidance import classifier_free_guidance
    predictions = {1: d_cond, 0: d_uncond}                # a denoiser that returns them: y = 1 or 0
    fake = lambda x, t, y: torch.stack([predictions[int(v)][i % 2] for i, v in enumerate(y)])   # noqa: E731
    return classifier_free_guidance(fake, 4.0, {"y": torch.zeros(2)})(torch.zeros(2, 3, 8, 8), 0.5, y=torch.ones(2))


@reference("04.2", "my_loss")
def _(logits):
    from .models.clip import contrastive_loss
    return contrastive_loss(logits)


def _best_at_500(rows):
    at_500 = [x for x in rows if x["train_step"] == 500]
    return max(at_500, key=lambda x: x["joint"]), next(x for x in at_500 if x["scale"] == 1.0)


@reference("04.3a", "best_scale")
def _(rows):
    return _best_at_500(rows)[0]["scale"]


@reference("04.3b", "frechet_growth", atol=1e-3)
def _(rows):
    best, plain = _best_at_500(rows)
    return best["frechet"] / plain["frechet"]


# ---------------------------------------------------------------- 05 · latent compression

@reference("05.1", "compression_ratio", atol=1e-3)
def _():
    return (3 * 81 * 480 * 832) / (16 * 21 * 60 * 104)


@reference("05.2", "my_psnr", atol=1e-3)
def _(x_clip, x_hat):
    from .eval.reconstruction import psnr
    return psnr(x_clip[None], x_hat[None])[0]


@reference("05.3", "bpp_8bit")
def _(video_vae, clips):
    from .eval import codecs
    _, bits = codecs.vae_point(video_vae, clips[:1], bits_per_value=8)
    return codecs.bits_per_pixel(bits, clips[:1])


# ---------------------------------------------------------------- 06 · latent diffusion

@reference("06.1a", "flops_32")
def _(conv):
    from .eval.cost import count_flops
    return count_flops(lambda: conv(torch.zeros(1, 64, 32, 32)))["total"]


@reference("06.1b", "flops_8")
def _(conv):
    from .eval.cost import count_flops
    return count_flops(lambda: conv(torch.zeros(1, 64, 8, 8)))["total"]


@reference("06.2a", "z_t")
def _(vae, x, t, eps):
    from .diffusion import FlowSchedule, q_sample
    return q_sample(vae.to_latent(x), t, FlowSchedule(), eps)


@reference("06.2b", "target")
def _(vae, x, t, eps):
    from .diffusion import prediction_target
    return prediction_target(vae.to_latent(x), eps, "velocity", 1 - t, t)


@reference("06.3", "break_even_steps", atol=1e-6)
def _(measured, cost):
    latent = measured["latent"]["flops_by_module"]
    once = latent["total"] - latent["FlowTime"]           # text encoder and decoder
    return (measured["pixel"]["flops_per_picture"] - once) / (latent["FlowTime"] / cost["steps"])


# ---------------------------------------------------------------- 07 · video diffusion

@reference("07.1", "zero_layers")
def _(fresh):
    return len(fresh.temporal)


@reference("07.2", "change_rate")
def _(readings):
    return sum(a != b for a, b in zip(readings, readings[1:])) / (len(readings) - 1)


# ---------------------------------------------------------------- 08 · latent video transformer

@reference("08.1", "wan_tokens")
def _():
    return 21 * (480 // 8 // 2) * (832 // 8 // 2)


@reference("08.2", "modulated")
def _(x, shift, scale):
    from .models.video_dit import modulate
    return modulate(x, shift, scale)


@reference("08.3", "latent_back")
def _(tokens, model):
    return model.unpatchify(tokens, (4, 4, 4))


# ---------------------------------------------------------------- 08b · bouncing digits

@reference("08b.1", "fraction")
def _():
    from .data import digits
    return len(digits.combinations("heldout")) / len(digits.combinations("all"))


def _path():
    t = torch.arange(16.0)
    return torch.stack([torch.full((16,), 16.0), 20 - 1.5 * (t - 6).abs()], dim=1)     # (16, 2) of (x, y)


@reference("08b.2a", "path")
def _():
    return _path()


@reference("08b.2b", "the motion you named")
def _():
    from .eval import digits as judge
    return judge.read_motion(_path())


# ---------------------------------------------------------------- 09 · sound and vision

@reference("09.1", "shape")
def _(a):
    from .data import sound
    pitch = float(sound.hum_pitch(a))
    return min(sound.PITCH, key=lambda s: abs(sound.PITCH[s] - pitch))


@reference("09.2", "offset")
def _(real_videos, real_audio):
    from .eval import sync
    return sync.synchrony(real_videos, torch.roll(real_audio, 1000, dims=1))["offset_frames"]


# ---------------------------------------------------------------- 10 · cost, energy and scale

@reference("10.1", "tokens_cogvideox")
def _():
    return (1 + 48 // 4) * (480 // 8 // 2) * (720 // 8 // 2)


@reference("10.2", "ratio_doubled", atol=1e-3)
def _():
    from .eval import energy
    p = energy.PRODUCTION
    return (energy.transformer_flops(p["layers"], p["width"], 151_200, p["mlp"])
            / energy.transformer_flops(p["layers"], p["width"], 75_600, p["mlp"]))


@reference("10.3", "remaining", atol=1e-3)
def _(clip):
    return 1 - clip["transformer"] / 2 / clip["total"]


# ---------------------------------------------------------------- 11 · beyond a prompt

@reference("11.1", "x_s")
def _(z, eps, s):
    return torch.lerp(z, eps, s)


def _frames(windows, overlap, latent_frames=4, time_factor=4):
    return latent_frames * time_factor + (windows - 1) * (latent_frames - overlap) * time_factor


@reference("11.2a", "frames_5_windows_overlap_2")
def _():
    return _frames(5, overlap=2)


@reference("11.2b", "frames_3_windows_overlap_1")
def _():
    return _frames(3, overlap=1)


@reference("11.3", "shown_frame_0")
def _(known, noise):
    from .diffusion import keep_known
    seen = {}

    def spy(x, t):                                         # records what the model is shown
        seen["x"] = x
        return torch.zeros_like(x)

    mask = (torch.arange(4) < 1).view(1, 1, -1, 1, 1)    # latent frame 0 is known
    keep_known(spy, known, mask, noise, known_noise=0.5)(torch.randn(1, 8, 4, 8, 8), torch.tensor([0.8]))
    return seen["x"][:, :, :1]
