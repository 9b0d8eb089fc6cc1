"""Write pip constraints that pin every dependency to the lowest version pyproject.toml allows.

    python .ci/lowest_constraints.py [EXTRA ...] > constraints.txt
    pip install -c constraints.txt -e '.[test]'
    python .ci/lowest_constraints.py --verify [EXTRA ...]   # exit 1 unless installed

The runtime dependencies and those of the extras named (default: `test`) are read
from pyproject.toml; each must have a `>=` lower bound and a `<` upper bound, and is
pinned to its lower bound. Dependencies of dependencies are left to pip, so this is
"lowest direct" resolution: what a user who already has older packages may get.
Run it with an interpreter that has `packaging` (pip and pytest bring it).
"""

from __future__ import annotations

import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "sarschema"


def requirements(extras: list[str]) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = [Requirement(line) for line in project["dependencies"]]
    for extra in extras:
        found += [Requirement(line) for line in project["optional-dependencies"][extra]]
    return [req for req in found if req.name != PROJECT]


def lowest(req: Requirement) -> str:
    """The version a `>=` bound names; a requirement without both bounds is an error."""
    lower = [spec.version for spec in req.specifier if spec.operator == ">="]
    upper = [spec.version for spec in req.specifier if spec.operator == "<"]
    if len(lower) != 1 or len(upper) != 1:
        raise SystemExit(f"{req}: every dependency needs one `>=` and one `<` bound")
    return lower[0]


def main(argv: list[str]) -> int:
    verify = "--verify" in argv
    extras = [arg for arg in argv if arg != "--verify"] or ["test"]
    if not verify:
        print(f"# lowest direct versions allowed by pyproject.toml (extras: {', '.join(extras)})")
    wrong = 0
    for req in requirements(extras):
        low = lowest(req)
        if not verify:
            print(f"{req.name}=={low}")  # pip refuses extras in a constraints file
            continue
        try:
            installed = version(req.name)
        except PackageNotFoundError:
            installed = "nothing"
        if installed == "nothing" or Version(installed) != Version(low):
            print(f"{req.name}: {installed} is installed, not the lowest allowed {low}")
            wrong += 1
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
