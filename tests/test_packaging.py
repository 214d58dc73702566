"""A normal (non-editable) install works: the wheel holds every package and the shipped weights, and the main
job runs from an empty folder with nothing of the repository on its path, writing nothing inside the package."""
import os
import subprocess
import sys
import tomllib
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
    """The wheel, built from this checkout and unpacked where pip would put it (its dependencies come from the
    running environment, so nothing is downloaded)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel, = (tmp / "dist").glob("toolkit-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                    str(tmp / "site"), str(wheel)], check=True, capture_output=True)
    for leftover in ("build", "toolkit.egg-info"):                  # setuptools' scratch in the checkout
        subprocess.run(["rm", "-rf", str(ROOT / leftover)], check=False)
    return wheel, tmp / "site"


def test_the_wheel_holds_the_shipped_weights_and_tables(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("checkpoints", "metrics"):
        for path in (ROOT / "assets" / folder).iterdir():
            assert f"toolkit/assets/{folder}/{path.name}" in names, path.name


def test_the_installed_package_generates_from_an_empty_folder(installed, tmp_path):
    _, site = installed
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "TOOLKIT_CACHE": str(tmp_path / "cache")}
    env.pop(ASSETS := "TOOLKIT_ASSETS", None)
    probe = ("import toolkit, toolkit.checkpoints as c; print(toolkit.__file__); print(c.resolve())")
    where = subprocess.run([sys.executable, "-c", probe], cwd=empty, env=env, capture_output=True, text=True,
                           check=True).stdout.split()
    assert where[0].startswith(str(site)) and where[1] == str(site / "toolkit" / "assets" / "checkpoints"), where
    before = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    run = subprocess.run([sys.executable, "-m", "toolkit", "demo", "--out", "out", "--steps", "2"], cwd=empty,
                         env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "verdict:" in run.stdout and len(list((empty / "out").glob("*.mp4"))) == 1
    assert sorted(p.name for p in empty.iterdir()) == ["out"]                   # nothing else in the folder
    after = sorted(p.relative_to(site) for p in site.rglob("*") if "__pycache__" not in p.parts)
    assert after == before, f"{ASSETS} unset, the demo wrote into the package: {set(after) - set(before)}"
