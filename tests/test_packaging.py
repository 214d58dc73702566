"""A normal (non-editable) install works: the wheel holds every package and the shipped weights, and, installed
into a fresh virtual environment, the main job runs from an empty folder outside the repository, writing
nothing inside the package."""
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "toolkit").rglob("__init__.py")}
    assert listed == found | {"toolkit.assets"}, f"add {sorted(found - listed)} to pyproject.toml's packages"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, installed (not editable) into a fresh virtual environment. Its
    dependencies are the running environment's, reached through a .pth file that names their folder (so nothing
    is downloaded, and the checkout's own editable install, whose hook lives in that folder's .pth files, stays
    out)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp / "dist"), str(ROOT)], check=True, capture_output=True)
    for leftover in ("build", "toolkit.egg-info"):                  # setuptools' scratch in the checkout
        shutil.rmtree(ROOT / leftover, ignore_errors=True)
    wheel, = (tmp / "dist").glob("toolkit-*.whl")
    venv.create(tmp / "venv", with_pip=False)
    python = tmp / "venv" / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    return wheel, python, site


def test_the_wheel_holds_the_shipped_weights_and_tables(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("checkpoints", "metrics"):
        for path in (ROOT / "assets" / folder).iterdir():
            assert f"toolkit/assets/{folder}/{path.name}" in names, path.name
    assert any(name.endswith(".dist-info/licenses/LICENSE") or name.endswith(".dist-info/LICENSE") for name in names)


def test_the_installed_package_generates_from_an_empty_folder(installed, tmp_path):
    _, python, site = installed
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ASSETS := "TOOLKIT_ASSETS")}
    env["TOOLKIT_CACHE"] = str(tmp_path / "cache")
    probe = "import toolkit, toolkit.checkpoints as c; print(toolkit.__file__); print(c.resolve())"
    where = subprocess.run([python, "-c", probe], cwd=empty, env=env, capture_output=True, text=True,
                           check=True).stdout.split()
    assert where[0].startswith(str(site)) and where[1] == str(site / "toolkit" / "assets" / "checkpoints"), where
    before = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    run = subprocess.run([python, "-m", "toolkit", "demo", "--out", "out", "--steps", "2"], cwd=empty,
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "verdict:" in run.stdout and len(list((empty / "out").glob("*.mp4"))) == 1
    assert sorted(p.name for p in empty.iterdir()) == ["out"]                   # nothing else in the folder
    after = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    assert after == before, f"{ASSETS} unset, the demo wrote into the package: {set(after) - set(before)}"


def test_the_licence_is_mit_everywhere_it_is_stated():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in licence
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == {"text": "MIT"}
    readme = (ROOT / "README.md").read_text()
    assert "## Licence" in readme and "MIT licence ([LICENSE](LICENSE))" in readme
