"""The command line.

    python -m toolkit generate "a small green triangle moving up then down" --seed 0 --out outputs/
    python -m toolkit demo --out outputs/          # the same, with that prompt (what `make demo` runs)
    python -m toolkit sound "a big red circle moving left then right"   # a clip with its sound (notebook 09)

See toolkit/generate.py for what is written and how bad requests are refused.
"""
import argparse
import sys

DEMO_PROMPT = "a small green triangle moving up then down"


def main(argv=None) -> int:
    from .diffusion import FLOW_SAMPLERS, SAMPLERS
    from .pipelines.text_to_video import DEFAULT_GUIDANCE
    parser = argparse.ArgumentParser(prog="python -m toolkit", description="From Static to Video")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="a prompt in, a video (mp4, GIF, progression PNG) out")
    generate.add_argument("prompt", help=f'what to draw, in the shapes world\'s words, e.g. "{DEMO_PROMPT}"')
    demo = commands.add_parser("demo", help=f'generate "{DEMO_PROMPT}" with the shipped weights')
    sound = commands.add_parser("sound", help="a prompt in, a clip with its sound (mp4) and its sound figure out")
    sound.add_argument("prompt", help='what to show, and so what to hear, e.g. "a big red circle moving left then right"')
    for command in (generate, demo, sound):
        command.add_argument("--out", default="outputs/", help="folder for the files (created if missing)")
        command.add_argument("--seed", type=int, default=0, help="the same seed gives the same video")
        command.add_argument("--steps", type=int, default=20, help="sampler steps (1 to 1000)")
        command.add_argument("--guidance-scale", type=float, default=DEFAULT_GUIDANCE,
                             help="classifier-free guidance scale (1 = none)")
    for command in (generate, demo):
        command.add_argument("--sampler", default="flow_heun", choices=sorted(FLOW_SAMPLERS) + sorted(SAMPLERS))
        command.add_argument("--frames", type=int, default=16, help="a multiple of 4 (the video VAE's time factor)")
        command.add_argument("--size", type=int, default=32, help="height and width in pixels, a multiple of 8")
    args = parser.parse_args(argv)
    if args.command == "demo":
        args.prompt = DEMO_PROMPT
    from . import generate as job
    return job.main(args)


if __name__ == "__main__":
    sys.exit(main())
