"""Notebook 09's exercises, answered."""
import torch

from toolkit.data import ShapesWorld, sound
from toolkit.eval import sync
from toolkit.eval.video_adherence import prompt_set
from toolkit.exercise_answers import check_exercise

# 1. The loudest frequency of the hum names the shape (the window only sharpens the peak).
a = sound.soundtrack(ShapesWorld().sample(1, seed=21, split="train"))[0]
spectrum = torch.fft.rfft(a).abs()
freqs = torch.fft.rfftfreq(len(a), 1 / 8000)
band = (freqs >= 100) & (freqs <= 1000)
peak = float(freqs[band][spectrum[band].argmax()])
shape = min(sound.PITCH, key=lambda s: abs(sound.PITCH[s] - peak))
assert check_exercise("09.1", shape, a=a)

# 2. A soundtrack one frame late: the cross-correlation peaks at a lag of 1, and every click is still within
#    the one-frame tolerance of its bounce, so precision and recall stay 1.
_, truths = prompt_set("wording")
real_videos, real_audio = sync.real(truths[:24])
late = sync.synchrony(real_videos, torch.roll(real_audio, 1000, dims=1))
offset = late["offset_frames"]
assert late["precision"] == 1.0
assert check_exercise("09.2", offset, real_videos=real_videos, real_audio=real_audio)
