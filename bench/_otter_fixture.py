"""The benchmark's fixture for otter-grader: judges one group of matdiff's hidden tests.

Not part of the project's grader.  bench/_otter.py copies this file into the
otter autograder zip as a support file (``matdiff_otter.py``), next to a copy
of ``tests/hidden/pset<N>.py`` and a pickle of the references that
:class:`matdiff.grading.problemset.ProblemSet` computes from the master
solution.  Each generated otter test file calls :func:`judge` for one group,
so otter awards the same points for the same cases, compared by the same
``Check.verdict`` as ``matdiff grade-all``; only the execution differs.  Under
``otter run`` this module runs inside the submission's own kernel, after the
submission's cells, on the functions the notebook left in its namespace.
"""

import importlib.util
import pickle
from pathlib import Path

from matdiff.grading.compare import live_answer

HIDDEN = "otter_hidden.py"
REFERENCES = "otter_references.pkl"

_here = Path(__file__).resolve().parent
_loaded = {}


def _tests():
    if not _loaded:
        spec = importlib.util.spec_from_file_location("_otter_hidden_tests", _here / HIDDEN)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _loaded.update(groups=module.GROUPS, checks=module.CHECKS,
                       references=pickle.loads((_here / REFERENCES).read_bytes()))
    return _loaded


def judge(env, qid, group_index):
    """Raise AssertionError unless every case of group `group_index` of `qid` passes."""
    tests = _tests()
    group = tests["groups"][qid][group_index]
    for ci, (name, case) in enumerate(group.cases):
        reference = tests["references"][qid, group_index, ci]
        verdict = tests["checks"][name].verdict(case, live_answer(env.get(name), name), name,
                                                reference)
        if not verdict.ok:
            raise AssertionError(f"{group.name}: on {case.label}: {verdict.message}")
