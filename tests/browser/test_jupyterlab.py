"""The notebooks in a real browser: JupyterLab in Debian's chromium, driven by Playwright.

What a learner does first, checked end to end: JupyterLab opens a notebook, Run All Cells runs every cell
with no error, and moving the slider of an explorer redraws its figure (the ipywidgets front end and the
kernel talk to each other). Screenshots go to outputs/browser/.

The notebook is 08, not the tour: 00 has no slider explorer. Of those that have one (02, 04, 05, 07, 08),
02 and 08 are the quickest in fast mode (0.3 min each, docs/teaching.md), and 08's frames viewer draws
into one ipywidgets Image, a single picture to compare before and after the slider moves.

Run with `make test-browser`, which installs chromium with apt-get when it is missing. Playwright drives
that chromium (`executable_path`); it downloads no browser. Without chromium or Playwright the tests skip
and say why. The server runs on a temporary copy of the notebook, so the committed one stays as it is.
"""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: make setup")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")                 # Debian's package; Playwright downloads none
NOTEBOOK = ROOT / "notebooks" / "08_latent_video_transformer.ipynb"
SCREENSHOTS = ROOT / "outputs" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",    # root, no GPU, offline
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_ALL_TIMEOUT_S = 300             # notebook 08 in fast mode: 20 s on a quiet 2-core CPU, 2-3 min beside other jobs
SETTINGS = {                        # JupyterLab user settings, in a temporary folder: none of the user's own
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},         # every cell in the page
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},   # no popups
}


# ---------------------------------------------------------------------------------------------------------
# The server: JupyterLab on 127.0.0.1 with a random token, on a temporary folder; stopped with its kernels
# ---------------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, timeout_s: float = 90):
    """Poll the REST API until the server answers (HTTP, not a sleep); fail early if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"JupyterLab did not answer within {timeout_s} s")


def stop(server: subprocess.Popen):
    """SIGTERM makes Jupyter shut its kernels down before it exits (kernels run in sessions of their own,
    so they are not in the server's process group); SIGKILL to the group if it hangs."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """Yields (base url, token, folder served). Jupyter's config, runtime files and settings live in a
    temporary folder too, and the kernels run in fast mode (TOOLKIT_FAST=1)."""
    folder, home = tmp_path_factory.mktemp("notebooks"), tmp_path_factory.mktemp("jupyter")
    for name, values in SETTINGS.items():
        path = home / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "TOOLKIT_FAST": "1",
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
               "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={folder}", f"--LabApp.user_settings_dir={home / 'settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    with open(home / "server.log", "w") as log:
        server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(f"{url}/api/status?token={token}", server)
            yield url, token, folder
        finally:
            stop(server)


@pytest.fixture(scope="module")
def browser():
    """Headless chromium with a fresh profile (Playwright makes one), closed at the end."""
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: `make test-browser` installs it with apt-get when run as root; "
                    "elsewhere install your system's chromium package")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# ---------------------------------------------------------------------------------------------------------
# What a learner does: open, clear, Run All Cells, save
# ---------------------------------------------------------------------------------------------------------

def menu(page, top: str, item: str):
    """Click a command in JupyterLab's menu bar, e.g. menu(page, "Run", "Run All Cells")."""
    page.get_by_role("menuitem", name=top, exact=True).click()
    page.locator(".lm-Menu-item", has_text=item).first.click()


# Done: the first cell has started (its prompt left "[ ]:"), none is running or queued, the kernel idles.
RUN_ALL_DONE = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
    const status = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
    return prompts[0] !== '[ ]:' && !prompts.includes('[*]:') && status.dataset.status === 'idle';
}"""


def run_all(page, url: str, token: str, name: str) -> list[str]:
    """Open notebook `name`, clear its outputs, run all cells, wait for the kernel, save. Returns the input
    prompts: "[3]:" for a cell that ran, "[ ]:" for one that did not (Run All stops at an error)."""
    page.goto(f"{url}/lab/tree/{name}?reset&token={token}")      # reset: no other notebook left open
    # The status bar reads "Python 3 (ipykernel) | Idle" once the kernel is connected. (The toolbar's
    # indicator says idle earlier, under "No Kernel | Initializing", and Run All then runs nothing.)
    kernel_idle = page.get_by_text(re.compile(r"^(?!No Kernel).+ \| Idle$"))
    sync_api.expect(kernel_idle).to_be_visible(timeout=90_000)
    menu(page, "Edit", "Clear Outputs of All Cells")
    menu(page, "Run", "Run All Cells")
    try:
        page.wait_for_function(RUN_ALL_DONE, timeout=RUN_ALL_TIMEOUT_S * 1000, polling=500)
    except sync_api.TimeoutError:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{Path(name).stem}_timed_out.png")
        raise
    menu(page, "File", "Save Notebook")
    sync_api.expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=30_000)  # saved
    return page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()


def errors(notebook: Path) -> list[str]:
    """The errors that the browser saved into the notebook. In the page an error is drawn as stderr text
    (data-mime-type application/vnd.jupyter.stderr), like a warning, so the saved file tells them apart."""
    cells = json.loads(notebook.read_text())["cells"]
    return [f"cell {i}: {out['ename']}: {out['evalue']}" for i, cell in enumerate(cells)
            for out in cell.get("outputs", []) if out["output_type"] == "error"]


# ---------------------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------------------

def test_error_check_catches_a_failing_cell(browser, lab):
    """The checks below can fail: a notebook whose second cell raises is caught by both."""
    url, token, folder = lab
    cells = ["print('fine')", "1 / 0", "print('never runs')"]
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3",
                "display_name": "Python 3", "language": "python"}},
                "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
                           "outputs": [], "source": source} for i, source in enumerate(cells)]}
    (folder / "failing.ipynb").write_text(json.dumps(notebook))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    prompts = run_all(page, url, token, "failing.ipynb")
    assert prompts == ["[1]:", "[2]:", "[ ]:"]                          # Run All stopped at the error
    assert errors(folder / "failing.ipynb") == ["cell 1: ZeroDivisionError: division by zero"]
    page.close()


def move_slider(viewer, label: str, steps: int, timeout_s: float = 30) -> tuple[bytes, bytes]:
    """Press ArrowRight `steps` times on the slider named `label` in an explorer (noUiSlider, ipywidgets 8,
    steps by keyboard); return screenshots of the explorer's picture before and after the kernel redraws."""
    slider, picture = viewer.locator(".widget-slider", has_text=label), viewer.locator("img")
    readout = slider.locator(".widget-readout")
    start = int(readout.inner_text())
    before = picture.screenshot()
    for _ in range(steps):
        slider.locator(".noUi-handle").press("ArrowRight")
    sync_api.expect(readout).to_have_text(str(start + steps))        # the slider moved in the page ...
    deadline = time.monotonic() + timeout_s                         # ... and the kernel sends a new picture
    while (after := picture.screenshot()) == before and time.monotonic() < deadline:
        time.sleep(0.5)
    return before, after


def test_notebook_runs_and_its_explorer_redraws(browser, lab):
    url, token, folder = lab
    shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})

    prompts = run_all(page, url, token, NOTEBOOK.name)
    page.screenshot(path=SCREENSHOTS / "08_after_run_all.png")
    assert errors(folder / NOTEBOOK.name) == []
    assert "[ ]:" not in prompts, f"cells that did not run: {prompts}"

    # The frames viewer (toolkit/viz/frames_viewer.py): a "frame" slider above an ipywidgets Image.
    viewer = page.locator(".jp-OutputArea-output", has=page.locator(".widget-slider", has_text="frame"))
    sync_api.expect(viewer).to_have_count(1)                        # ipywidgets drew it (jupyterlab_widgets)
    before, after = move_slider(viewer, "frame", steps=6)
    (SCREENSHOTS / "08_slider_before.png").write_bytes(before)
    (SCREENSHOTS / "08_slider_after.png").write_bytes(after)
    page.screenshot(path=SCREENSHOTS / "08_after_slider.png")
    assert after != before, "the frames viewer's picture did not change when its slider moved"
    page.close()
