"""Write a notebook from a list of ("md" | "code", source) cells; the builders in this folder use it.

Notebooks are committed with the outputs of a full run: build, then execute, e.g.
    python notebooks/build/build_02.py
    cd notebooks && ../.venv/bin/jupyter nbconvert --to notebook --execute --inplace 02_diffusion_from_scratch.ipynb
"""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def build(path, cells):
    notebook = new_notebook(
        cells=[new_markdown_cell(src.strip()) if kind == "md" else new_code_cell(src.strip()) for kind, src in cells],
        metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                  "language_info": {"name": "python"}})
    nbformat.write(notebook, path)
    print("wrote", path)
