"""Notebook 00's exercises, answered."""
from toolkit.exercise_answers import check_exercise

# 1. 3 x 16 x 32 x 32 pixel values against 8 x 4 x 8 x 8 latent values.
compression = (3 * 16 * 32 * 32) / (8 * 4 * 8 * 8)
assert check_exercise("00.1", compression)

# 2. Heun: 2 evaluations a step, 1 at the last (2·20 − 1 = 39), each on 2 clips under guidance.
clips_processed = (2 * 20 - 1) * 2
assert check_exercise("00.2", clips_processed)
