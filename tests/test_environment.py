"""environment.yml and pyproject.toml declare the same packages at the same versions."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def requirement(spec: str) -> tuple[str, str]:
    """'scikit-image>=0.24' -> ('scikit-image', '>=0.24'); names normalised as pip does."""
    name, version = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", spec).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), version.replace(" ", "")


def pyproject_requirements() -> set:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"]}


def environment_requirements() -> set:
    listed = set()
    for item in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]:
        if isinstance(item, dict):
            listed |= {requirement(s) for s in item["pip"]}
        elif not re.match(r"(python|pip)\b", item):
            listed.add(requirement(item))
    return listed


def test_environment_yml_matches_pyproject():
    declared, listed = pyproject_requirements(), environment_requirements()
    assert listed == declared, (f"only in environment.yml: {sorted(listed - declared)}; "
                                f"only in pyproject.toml: {sorted(declared - listed)}")


def test_torch_is_pinned_and_torchvision_absent():
    for requirements in (pyproject_requirements(), environment_requirements()):
        assert ("torch", "==2.13.0") in requirements
        assert "torchvision" not in {name for name, _ in requirements}
