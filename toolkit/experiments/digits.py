"""Writes assets/metrics/digits.json, the table of notebook 08b.

The digits judge's verdict on generated bouncing digits, held-out and seen pairs.

    python -m toolkit.experiments.digits --out assets/metrics/digits.json
"""
import argparse
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.digits import classifier_accuracy, evaluate
from ..pipelines import TextToVideoPipeline


def main(argv=None) -> int:
    from .. import zoo
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.digits", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/digits.json", help="where the table goes (JSON)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--scale", type=float, default=4.0, help="classifier-free guidance scale")
    args = parser.parse_args(argv)
    pipe, classifier = TextToVideoPipeline.from_pretrained("digits_video_dit"), zoo.load("digits_classifier")
    generate = lambda p, seed: pipe(p, seed=seed, steps=args.steps, guidance_scale=args.scale).videos  # noqa: E731
    rows = evaluate(generate, classifier)
    for r in rows:
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    write_json(Path(args.out), {"command": "python -m toolkit.experiments.digits", "steps": args.steps,
                                "guidance_scale": args.scale, "sampler": "flow_heun",
                                "classifier_accuracy_eval_sprites":
                                    classifier_accuracy(classifier, "eval"), "rows": rows})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
