"""From Static to Video: the library the notebooks import.

It is built in floors. A module imports only from its own floor or the floors below it, never from above, and
nothing imports the two top floors, which are entry points (tests/test_layers.py checks every import):

    runtime, exercises     fast mode, seeds, the cache folder; the notebooks' exercise checks
    data                   the shapes world, its captions and sound, bouncing digits, photos
    diffusion              schedules, losses, samplers, guidance: functions of a denoiser
    models                 the networks, each in one file
    checkpoints            safetensors weights with a manifest, found at call time
    zoo                    every shipped model by name
    text                   the tokenizer and the frozen text tower
    pipelines              prompt in, pictures, clips, clips with sound out
    eval                   the measures: the attribute reader, the judges, adherence, synchrony, FLOPs
    viz, generate, ...     figures and explorers; the main jobs (`python -m toolkit generate`, `animate`, ...);
                           the exercises' answer key (exercise_answers: its references use the floors below)
    recipes                training: `python -m toolkit.recipes.NAME train`
    experiments            the metric tables: `python -m toolkit.experiments.NAME`
"""
# The floors above, bottom first (tests/test_layers.py reads this).
FLOORS = (("runtime", "exercises"), ("data",), ("diffusion",), ("models",), ("checkpoints",), ("zoo",), ("text",),
          ("pipelines",), ("eval",), ("viz", "generate", "interop", "beyond", "__main__", "exercise_answers"),
          ("recipes",), ("experiments",))
