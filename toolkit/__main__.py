"""The command line: `python -m toolkit demo --out outputs/`.

Until the text-to-video model exists, the demo runs what exists end to end: notebook 01's
learned denoiser on a held-out photo, writing a figure to the output folder.
"""
import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolkit", description="From Static to Video")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the main job end to end on the CPU")
    demo.add_argument("--out", default="outputs/", help="folder for the figures (created if missing)")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from . import denoising
        print("From Static to Video demo. The video model is not built yet, so this runs what exists "
              "end to end: the learned photo denoiser of notebook 01.")
        return denoising.main(["demo", "--out", args.out])
    return 0


if __name__ == "__main__":
    sys.exit(main())
