"""Shared settings and helpers for the tests."""

import json
import os
from pathlib import Path

import yaml
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent

# Property tests draw the same examples on every run, so CI is repeatable;
# HYPOTHESIS_PROFILE=explore searches afresh (and wider) when hunting for bugs.
settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def book_config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc():
    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def toc_files():
    """Every file named in _toc.yml, as paths relative to the root (without suffix)."""
    data = toc()
    files = [data["root"]]
    for part in data.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def source_of(entry):
    """The .md or .ipynb file behind a table-of-contents entry."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{entry}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"_toc.yml names {entry!r}, but neither {entry}.ipynb nor "
                            f"{entry}.md exists")


def lecture_notebooks():
    return sorted((ROOT / "lectures").glob("*.ipynb"))


def book_notebooks():
    """Every notebook that belongs to the book and is executed with stored outputs."""
    return sorted([*ROOT.glob("lectures/*.ipynb"), *ROOT.glob("appendix/*.ipynb"),
                   *ROOT.glob("solutions/*.ipynb")])


def read_notebook(path):
    return json.loads(Path(path).read_text())
