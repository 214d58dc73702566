"""Write a notebook from a list of ("md" | "code", source) cells; the builders in this folder use it.

Notebooks are committed with the outputs of a full run: build, then execute, e.g.
    python notebooks/build/build_02.py
    cd notebooks && ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace 02_diffusion_from_scratch.ipynb
"""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def build(path, cells):
    """cells: ("md" | "code", source) or, for a cell with tags, ("code", source, ["measured-prose"]).

    A "measured-prose" cell writes, as Markdown, prose whose numbers it formats from a metrics table in assets/;
    it loads what it reads itself, so that tests/test_notebook_prose.py can rerun it alone and compare its text
    with the committed output."""
    def cell(kind, src, tags=()):
        made = new_markdown_cell(src.strip()) if kind == "md" else new_code_cell(src.strip())
        if tags:
            made.metadata["tags"] = list(tags)
        return made

    notebook = new_notebook(
        cells=[cell(*c) for c in cells],
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                  "language_info": {"name": "python"}})
    nbformat.write(notebook, path)
    print("wrote", path)
