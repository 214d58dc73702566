"""Notebook 10's exercises, answered."""
from toolkit.eval import energy
from toolkit.exercise_answers import check_exercise
from toolkit.pipelines import TextToVideoPipeline

# 1. 1 + 48/4 = 13 latent frames; 480/8/2 = 30 rows and 720/8/2 = 45 columns of patches.
tokens_cogvideox = (1 + 48 // 4) * (480 // 8 // 2) * (720 // 8 // 2)
assert check_exercise("10.1", tokens_cogvideox)

# 2. At 75,600 tokens attention is most of a call, so doubling the tokens comes close to quadrupling it.
p = energy.PRODUCTION
ratio_doubled = (energy.transformer_flops(p["layers"], p["width"], 151_200, p["mlp"])
                 / energy.transformer_flops(p["layers"], p["width"], 75_600, p["mlp"]))
assert check_exercise("10.2", ratio_doubled)

# 3. Half the transformer's work goes; the text encoder and the decoder stay.
clip = energy.clip_flops(TextToVideoPipeline.from_pretrained())
remaining = (clip["text encoder"] + clip["transformer"] / 2 + clip["decoder"]) / clip["total"]
assert check_exercise("10.3", remaining, clip=clip)
