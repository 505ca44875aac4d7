"""A problem set as the grader sees it: questions, hidden tests, calls and references.

The course repository holds, for problem set N,

- ``solutions/psetN.ipynb``: the master notebook (questions, solutions);
- ``tests/hidden/psetN.py``: the hidden tests, a module defining

  ``CHECKS``
      answer name -> :class:`~matdiff.grading.compare.Check`;
  ``GROUPS``
      question id -> list of :class:`Group`, whose points add up to the
      question's points.

:meth:`ProblemSet.calls` lists every evaluation the sandbox must perform (the
answer's name and the arguments the grader chose); :meth:`ProblemSet.references`
computes, in the grader's own process, what each answer is compared with,
from the master solution.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat
import numpy as np

from .compare import AnswerError, Case, Check
from .notebook import CHECK_TAG, Question, questions_of

__all__ = ["Call", "Group", "ProblemSet", "Replay", "args_key"]


@dataclass(frozen=True)
class Group:
    """Cases judged together and worth `points` when all of them pass.

    Attributes
    ----------
    name : str
        What students read, e.g. "hidden cases: other sizes, x = 0".
    points : float
        Awarded when every case passes.
    cases : list of (answer name, Case)
    hint : str
        Shown when the group fails (never the hidden inputs).
    """

    name: str
    points: float
    cases: list
    hint: str = ""


@dataclass(frozen=True)
class Call:
    """One evaluation done in the sandbox: ``name(*args)``."""

    id: str
    name: str
    args: tuple


def _arg_kind(a) -> str:
    if isinstance(a, np.ndarray):
        return "array"
    if isinstance(a, (list, tuple)):
        return "list"
    return "scalar"


def args_key(args) -> tuple:
    """A hashable key that identifies a tuple of arguments by value, shape and kind."""
    key = []
    for a in args:
        arr = np.ascontiguousarray(np.asarray(a))
        key.append((_arg_kind(a), arr.dtype.str, arr.shape, arr.tobytes()))
    return tuple(key)


class Replay:
    """An answer made of numbers recorded in the sandbox, callable like the student's function.

    Parameters
    ----------
    name : str
        The answer's name.
    index : dict
        ``args_key(args) -> call id`` for every call planned for this name.
    recorded : dict
        ``call id -> ndarray`` (the answer) or ``str`` (why there is none,
        possibly as ``"kind\nmessage"`` from the capture).
    missing : str
        Message for a planned call that has no recording.
    """

    def __init__(self, name: str, index: dict, recorded: dict, missing: str):
        self.name, self.index, self.recorded, self.missing = name, index, recorded, missing

    def __call__(self, *args):
        call_id = self.index.get(args_key(args))
        if call_id is None:
            raise AnswerError(f"{self.name}: the grader has no recorded answer for this input "
                              "(a bug in the grader, not in your code).")
        value = self.recorded.get(call_id)
        if value is None:
            raise AnswerError(self.missing)
        if isinstance(value, str):
            kind, _, message = value.partition("\n")
            if kind in ("not-written", "undefined", "error") and message:
                raise AnswerError(message, kind)
            raise AnswerError(value)
        return value.copy()


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"cannot import the hidden tests {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class ProblemSet:
    """Everything the grader knows about problem set `number`.

    Build it with :meth:`load`.
    """

    number: int
    master_path: Path
    hidden_path: Path
    master: nbformat.NotebookNode
    questions: list
    checks: dict
    groups: dict
    _calls: dict = field(default=None, repr=False)

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, course, number: int) -> ProblemSet:
        """Load problem set `number` from the course repository at `course`.

        Raises ValueError (naming the file) when the master and the hidden
        tests do not agree: missing groups, points that do not add up, answer
        names without a check.
        """
        course = Path(course)
        master_path = course / "solutions" / f"pset{number}.ipynb"
        hidden_path = course / "tests" / "hidden" / f"pset{number}.py"
        for path, what in ((master_path, "master notebook"), (hidden_path, "hidden tests")):
            if not path.is_file():
                raise FileNotFoundError(f"no {what} for problem set {number} at {path}: pass "
                                        "--course with the course repository's folder.")
        master = nbformat.read(master_path, as_version=4)
        declared = master.metadata.get("matdiff", {}).get("pset")
        if declared != number:
            raise ValueError(f"{master_path}: metadata matdiff.pset is {declared!r}, expected "
                             f"{number}.")
        questions = questions_of(master)
        module = _load_module(hidden_path, f"_matdiff_hidden_pset{number}")
        checks, groups = getattr(module, "CHECKS", None), getattr(module, "GROUPS", None)
        if not isinstance(checks, dict) or not isinstance(groups, dict):
            raise ValueError(f"{hidden_path} must define CHECKS and GROUPS dictionaries.")
        pset = cls(number, master_path, hidden_path, master, questions, checks, groups)
        pset._validate()
        return pset

    def _validate(self):
        where = self.hidden_path
        ids = {q.id for q in self.questions}
        for qid in self.groups:
            if qid not in ids:
                raise ValueError(f"{where}: GROUPS names {qid!r}, which the master lacks.")
        for q in self.questions:
            groups = self.groups.get(q.id, [])
            if not q.autograded:
                if groups:
                    raise ValueError(f"{where}: {q.id} is graded by hand but has groups.")
                continue
            if not groups:
                raise ValueError(f"{where}: autograded question {q.id} has no GROUPS.")
            total = sum(g.points for g in groups)
            if abs(total - q.points) > 1e-9:
                raise ValueError(f"{where}: the groups of {q.id} are worth {total} points, but "
                                 f"the master gives {q.id} {q.points}.")
            used = {name for g in groups for name, _ in g.cases}
            if used != set(q.names):
                raise ValueError(f"{where}: {q.id} answers {sorted(q.names)} but its groups "
                                 f"test {sorted(used)}.")
            for g in groups:
                if not g.cases:
                    raise ValueError(f"{where}: group {g.name!r} of {q.id} has no cases.")
                for name, case in g.cases:
                    if not isinstance(self.checks.get(name), Check):
                        raise ValueError(f"{where}: no check for answer {name!r}.")
                    if not isinstance(case, Case):
                        raise ValueError(f"{where}: group {g.name!r} holds a non-Case.")

    # ------------------------------------------------------------------ facts

    @property
    def autograded(self) -> list[Question]:
        return [q for q in self.questions if q.autograded]

    @property
    def max_score(self) -> float:
        return sum(q.points for q in self.autograded)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever the master, the hidden tests or the grader's version change."""
        from .. import __version__

        digest = hashlib.sha256(__version__.encode())
        for path in (self.master_path, self.hidden_path):
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    # ------------------------------------------------------------------ calls

    def calls(self) -> dict[str, list[Call]]:
        """Question id -> the evaluations the sandbox performs after its cells.

        Each distinct ``(name, args)`` appears once, even if several cases
        need it.
        """
        if self._calls is None:
            planned = {}
            for q in self.autograded:
                seen, calls = set(), []
                for group in self.groups[q.id]:
                    for name, case in group.cases:
                        for args in self.checks[name].calls(case):
                            key = (name, args_key(args))
                            if key not in seen:
                                seen.add(key)
                                calls.append(Call(f"{q.id}-{len(calls)}", name, tuple(args)))
                planned[q.id] = calls
            self._calls = planned   # whole, so that threads never see it half built
        return self._calls

    def replays(self, qid: str, recorded: dict, missing: str) -> dict[str, Replay]:
        """One :class:`Replay` per answer name of question `qid`."""
        index: dict[str, dict] = {}
        for call in self.calls()[qid]:
            index.setdefault(call.name, {})[args_key(call.args)] = call.id
        return {name: Replay(name, index.get(name, {}), recorded, missing)
                for name in next(q.names for q in self.questions if q.id == qid)}

    # ------------------------------------------------------------------ references

    @cached_property
    def solution(self) -> dict:
        """The master's namespace, executed in this (the grader's) process.

        Visible-check cells are skipped; IPython syntax (the install cell's
        ``%pip``) is translated first.  NumPy's print and floating-point error
        settings (a master's ``np.set_printoptions``) are restored afterwards,
        so the grader's own process is left as it was.
        """
        from IPython.core.inputtransformer2 import TransformerManager

        transform = TransformerManager().transform_cell
        namespace: dict = {"__name__": f"_matdiff_master_pset{self.number}"}
        with contextlib.redirect_stdout(io.StringIO()), np.printoptions(), np.errstate():
            for i, cell in enumerate(self.master.cells):
                if cell.cell_type != "code" or CHECK_TAG in cell.metadata.get("tags", []):
                    continue
                code = compile(transform(cell.source), f"<{self.master_path.name} cell {i + 1}>",
                               "exec")
                exec(code, namespace)
        return namespace

    @cached_property
    def references(self) -> dict:
        """(question id, group index, case index) -> what the answer is compared with."""
        refs = {}
        for q in self.autograded:
            for gi, group in enumerate(self.groups[q.id]):
                for ci, (name, case) in enumerate(group.cases):
                    refs[q.id, gi, ci] = self.checks[name].reference(case,
                                                                     self.solution.get(name))
        return refs
