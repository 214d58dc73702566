"""Writes assets/metrics/text_to_image.json, the table of notebook 04.

Prompt adherence and diversity of the text-to-image model across guidance scales, classifier-free and
classifier guidance.

    python -m toolkit.experiments.text_to_image --out assets/metrics/text_to_image.json
"""
import argparse
import json
import sys
from pathlib import Path

from ..checkpoints import write_json
from ..eval.adherence import CFG_SCALES, CLASSIFIER_SCALES, sweep
from ..pipelines import TextToImagePipeline
from ..runtime import pick


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit.experiments.text_to_image", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="assets/metrics/text_to_image.json", help="where the table goes (JSON)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--guidance-kind", choices=["cfg", "classifier", "both"], default="both",
                        help="measure one kind only and replace just its rows in --out (to run the two in parallel)")
    args = parser.parse_args(argv)
    pipe = TextToImagePipeline.from_pretrained()
    per = pick({"wording": 10, "combination": 25}, {"wording": 1, "combination": 2})
    kinds = {"cfg": CFG_SCALES, "classifier": CLASSIFIER_SCALES}
    rows = [row for guidance, scales in kinds.items() if args.guidance_kind in (guidance, "both")
            for row in sweep(pipe, guidance, scales, per_combination=per, steps=args.steps)]
    for r in rows:
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    out = Path(args.out)
    kept = [] if args.guidance_kind == "both" or not out.exists() else \
        [r for r in json.loads(out.read_text())["rows"] if r["guidance"] != args.guidance_kind]
    write_json(out, {"command": "python -m toolkit.experiments.text_to_image --out " + str(args.out),
                     "steps": args.steps, "sampler": "flow_heun", "rows": kept + rows})
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
