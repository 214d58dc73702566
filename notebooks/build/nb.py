"""Write a notebook from a list of ("md" | "code", source) cells; the builders in this folder use it.

Notebooks are committed with the outputs of a default-mode run: build, then execute, e.g.
    python notebooks/build/build_02.py
    cd notebooks && ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace 02_diffusion_from_scratch.ipynb
"""
from pathlib import Path

import nbformat
from headers import with_header
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def build(path, cells):
    """cells: ("md" | "code", source) or, for a cell with tags, ("code", source, ["measured-prose"]).

    A "measured-prose" cell writes, as Markdown, prose whose numbers it formats from a metrics table in assets/;
    it loads what it reads itself, so that tests/test_notebook_prose.py can rerun it alone and compare its text
    with the committed output.

    When only Markdown changed (every code cell's source is as in the notebook already written), the code cells
    keep their outputs and timings: fixing prose needs no rerun.

    The first cell gets the notebook's header under its title (headers.py: what it builds on, its times, what
    the learner can do at the end)."""
    def cell(kind, src, tags=()):
        made = new_markdown_cell(src.strip()) if kind == "md" else new_code_cell(src.strip())
        if tags:
            made.metadata["tags"] = list(tags)
        return made

    (kind, first, *tags), *rest = cells
    notebook = new_notebook(
        cells=[cell(kind, with_header(Path(path).stem, first), *tags)] + [cell(*c) for c in rest],
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                  "language_info": {"name": "python"}})
    kept = _keep_outputs(path, notebook)
    nbformat.write(notebook, path)
    print("wrote", path, "(outputs kept: only Markdown changed)" if kept else "")


def _keep_outputs(path, notebook) -> bool:
    try:
        old = nbformat.read(path, as_version=4)
    except (FileNotFoundError, ValueError):
        return False
    code = lambda nb: [c for c in nb.cells if c.cell_type == "code"]              # noqa: E731
    if [c.source for c in code(old)] != [c.source for c in code(notebook)]:
        return False
    notebook.metadata = old.metadata                       # the kernel's language_info, the widgets' state
    if [c.cell_type for c in old.cells] == [c.cell_type for c in notebook.cells]:
        for new, before in zip(notebook.cells, old.cells):
            new.id = before.id
    for new, before in zip(code(notebook), code(old)):
        new.outputs, new.execution_count = before.outputs, before.execution_count
        if "execution" in before.metadata:                                       # the timings bench reads
            new.metadata["execution"] = before.metadata["execution"]
    return True
