"""The Examples sections of the library's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import matdiff
import pytest

# Every module, including those of the subpackages (grading, psets).
MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(matdiff.__path__, "matdiff."))


def test_every_module_is_found():
    mine = {"matdiff.adjoint", "matdiff.check", "matdiff.cookbook", "matdiff.kron",
            "matdiff.newton", "matdiff.grading.compare", "matdiff.psets.pset2"}
    assert mine <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
