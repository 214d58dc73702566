"""The command line every recipe shares:

    python -m toolkit.recipes.NAME train [--steps N] [--out FOLDER] [--runs FOLDER] [the recipe's own options]

    --steps   training steps (default: the recipe's own, or its stages' own)
    --out     where the shipped weights are written (default: the shipped checkpoints, toolkit.checkpoints)
    --runs    where the resumable training checkpoints go: run the same command again to resume

A recipe gives `main` its module's name, its docstring, its own options, and `run(args, command)`, which trains,
measures and ships, and returns the manifests it wrote. `command` is the exact command line, recorded in every
manifest so that anyone can retrain the weights it describes.
"""
import argparse
import sys


def main(module: str, doc: str, run, options=(), argv=None) -> int:
    """Parse `argv` (default sys.argv[1:]) for the recipe `module`, call run(args, command), print what it wrote.
    options: (flags, settings) pairs for argparse, e.g. (("--latent",), {"action": "store_true", "help": ...})."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.strip().splitlines()[0])
    parser.add_argument("command", choices=["train"])
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the recipe's own)")
    parser.add_argument("--out", default=None, help="where the weights go (default: the shipped checkpoints)")
    parser.add_argument("--runs", default="outputs/runs", help="where resumable training checkpoints go")
    for flags, settings in options:
        parser.add_argument(*flags, **settings)
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    for path in run(args, " ".join([f"python -m {module}", *argv])):
        print(f"wrote {path}")
    return 0
