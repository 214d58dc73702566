"""How long does each notebook take? The numbers of the teacher's guide (docs/teaching.md).

    python bench/notebook_times.py                 # the default mode: read from the committed outputs
    python bench/notebook_times.py --fast          # and fast mode: run each notebook now, TOOLKIT_FAST=1
    python bench/notebook_times.py --fast --out bench/notebook_times.md    # the committed table

Default mode: every committed notebook was executed in the default mode by nbconvert, which stamps each code
cell with when it started and finished; the time is the first start to the last finish. Fast mode runs the
notebook here with nbclient (as nbval does in `make test`). The load average is printed: a busy machine is
slower. The budget of issue 24: at most 5 minutes a notebook by default, 10 for 01 and 02.
"""
import argparse
import json
import os
import time
from datetime import datetime
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def default_mode_seconds(path: Path) -> float | None:
    """First cell start to last cell end in the committed outputs, or None when they carry no timings."""
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    stamps = [c.get("metadata", {}).get("execution", {}) for c in cells]
    starts = [s["iopub.execute_input"] for s in stamps if "iopub.execute_input" in s]
    ends = [s["shell.execute_reply"] for s in stamps if "shell.execute_reply" in s]
    if not starts or not ends:
        return None
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))     # noqa: E731
    return (parse(ends[-1]) - parse(starts[0])).total_seconds()


def fast_mode_seconds(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient
    os.environ["TOOLKIT_FAST"] = "1"
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=1800, resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def budget_minutes(stem: str) -> int:
    return 10 if stem[:2] in ("01", "02") else 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="also run every notebook in fast mode now")
    parser.add_argument("--out", type=Path, help="also write the table here, as Markdown")
    args = parser.parse_args()
    load = f"load average {os.getloadavg()[0]:.2f} when measured, {os.cpu_count()} CPUs"
    print(load)
    print(f"{'notebook':40s} {'default (committed)':>20s} {'budget':>7s} {'fast mode (now)':>16s}")
    show = lambda s: "-" if s is None else f"{s / 60:.1f} min"                       # noqa: E731
    rows = ["| notebook | default mode (committed outputs) | budget | fast mode (now) |", "|---|---:|---:|---:|"]
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb")):                    # 00 ... 08, 08b, 09 ...
        default = default_mode_seconds(path)
        fast = fast_mode_seconds(path) if args.fast else None
        budget = f"{budget_minutes(path.stem)} min"
        print(f"{path.stem:40s} {show(default):>20s} {budget:>7s} {show(fast):>16s}", flush=True)
        rows.append(f"| {path.stem} | {show(default)} | {budget} | {show(fast)} |")
    if args.out:
        args.out.write_text("# Notebook times (python bench/notebook_times.py --fast --out bench/notebook_times.md)"
                            f"\n\n{load}.\n\n" + "\n".join(rows) + "\n")
        print("wrote", args.out)


if __name__ == "__main__":
    main()
