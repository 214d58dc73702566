"""The command line.

    python -m toolkit generate "a small green triangle moving up then down" --seed 0 --out outputs/
    python -m toolkit demo --out outputs/          # the same, with that prompt (what `make demo` runs)
    python -m toolkit sound "a big red circle moving left then right"   # a clip with its sound (notebook 09)
    python -m toolkit animate picture.png "moving right"                # a clip that starts from a picture (11)
    python -m toolkit edit clip.gif "a large blue circle moving right" --strength 0.6   # SDEdit
    python -m toolkit extend "a small green triangle moving down" --frames 48         # past the 16-frame window

See toolkit/generate.py (and toolkit/beyond.py) for what is written and how bad requests are refused.
"""
import argparse
import sys

DEMO_PROMPT = "a small green triangle moving up then down"


def main(argv=None) -> int:
    from .diffusion import FLOW_SAMPLERS, SAMPLERS
    from .pipelines.beyond import DEFAULT_OVERLAP, DEFAULT_STRENGTH
    from .pipelines.text_to_video import DEFAULT_GUIDANCE
    parser = argparse.ArgumentParser(prog="python -m toolkit", description="From Static to Video")
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="a prompt in, a video (mp4, GIF, progression PNG) out")
    generate.add_argument("prompt", help=f'what to draw, in the shapes world\'s words, e.g. "{DEMO_PROMPT}"')
    demo = commands.add_parser("demo", help=f'generate "{DEMO_PROMPT}" with the shipped weights')
    sound = commands.add_parser("sound", help="a prompt in, a clip with its sound (mp4) and its sound figure out")
    sound.add_argument("prompt", help='what to show, and so what to hear, e.g. "a big red circle moving left then right"')
    animate = commands.add_parser("animate", help="a picture and a prompt in, a clip that starts from it out")
    animate.add_argument("source", metavar="picture",
                         help="a PNG or JPEG of the shapes world (32 x 32, or enlarged)")
    animate.add_argument("prompt", help='how it moves, e.g. "moving right" (the object is read from the picture)')
    edit = commands.add_parser("edit", help="a clip and a new prompt in, the clip redrawn after it (SDEdit) out")
    edit.add_argument("source", metavar="clip", help="an mp4 or GIF of 16 frames (32 x 32, or enlarged); a GIF drops repeated frames")
    edit.add_argument("prompt", help='the new prompt, e.g. "a large blue circle moving right"')
    edit.add_argument("--strength", type=float, default=DEFAULT_STRENGTH,
                      help="the noise level the clip is taken to, in (0, 1]: low keeps it, 1 redraws it all")
    extend = commands.add_parser("extend", help="a prompt in, a clip longer than the model's 16 frames out")
    extend.add_argument("prompt", help=f'what to draw, e.g. "{DEMO_PROMPT}"')
    extend.add_argument("--overlap", type=int, default=DEFAULT_OVERLAP,
                        help="latent frames each window keeps from the one before (1 to 3)")
    beyond = (animate, edit, extend)
    for command in (generate, demo, sound) + beyond:
        command.add_argument("--out", default="outputs/", help="folder for the files (created if missing)")
        command.add_argument("--seed", type=int, default=0, help="the same seed gives the same video")
        command.add_argument("--steps", type=int, default=20, help="sampler steps (1 to 1000)")
        command.add_argument("--guidance-scale", type=float, default=DEFAULT_GUIDANCE,
                             help="classifier-free guidance scale (1 = none)")
    for command in (generate, demo) + beyond:
        command.add_argument("--sampler", default="flow_heun", choices=sorted(FLOW_SAMPLERS) + sorted(SAMPLERS))
    for command in (generate, demo, animate):
        command.add_argument("--frames", type=int, default=16, help="a multiple of 4 (the video VAE's time factor)")
    extend.add_argument("--frames", type=int, default=48, help="16 plus a multiple of 8 (with --overlap 2)")
    for command in (generate, demo):
        command.add_argument("--size", type=int, default=32, help="height and width in pixels, a multiple of 8")
    args = parser.parse_args(argv)
    if args.command == "demo":
        args.prompt = DEMO_PROMPT
    if args.command in ("animate", "edit", "extend"):
        from . import beyond
        return beyond.main(args)
    from . import generate as job
    return job.main(args)


if __name__ == "__main__":
    sys.exit(main())
