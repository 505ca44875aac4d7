"""The public side of the problem sets: their functions, checks and public cases.

Each problem set ``psetN`` has a module here with the functions its problems
are about, the check that judges each answer (:mod:`matdiff.grading.compare`)
and a few public cases.  A student's notebook calls ``psetN.check(...)`` under
each answer; the grader runs the same checks on the same public cases and on
hidden ones (``tests/hidden/psetN.py`` in the course repository), so a visible
check that passes means those cases pass in grading too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..grading.compare import NO_ANSWER, Case, Check, Verdict, live_answer

__all__ = ["PublicProblemSet"]


@dataclass(frozen=True)
class PublicProblemSet:
    """What a problem set's visible checks need.

    Attributes
    ----------
    number : int
        The problem set's number.
    questions : dict
        Question id -> (title, tuple of answer names), for autograded questions.
    checks : dict
        Answer name -> :class:`~matdiff.grading.compare.Check`.
    cases : dict
        Question id -> list of (answer name, :class:`~matdiff.grading.compare.Case`):
        the public cases.
    """

    number: int
    questions: dict
    checks: dict
    cases: dict

    def verdicts(self, question: str, *functions: Callable) -> list[tuple[str, Case, Verdict]]:
        """Judge `functions` (the question's answers, in order) on its public cases."""
        if question not in self.questions:
            raise ValueError(f"question must be one of {', '.join(self.questions)}; "
                             f"got {question!r}.")
        title, names = self.questions[question]
        if len(functions) != len(names):
            raise TypeError(f"{title} has {len(names)} answer(s), {', '.join(names)}: pass "
                            f"them in that order (got {len(functions)}).")
        answers = {name: live_answer(fn, name) for name, fn in zip(names, functions)}
        results = []
        for name, case in self.cases[question]:
            check: Check = self.checks[name]
            results.append((name, case, check.verdict(case, answers[name], name,
                                                      check.public_reference(case))))
        return results

    def check(self, question: str, *functions: Callable) -> None:
        """Run the visible checks of one question and print what they find.

        Parameters
        ----------
        question : str
            The question id, e.g. ``'q1'``.
        *functions : callable
            The question's answers, in the order of its names.
        """
        results = self.verdicts(question, *functions)
        title = self.questions[question][0]
        passed = sum(v.ok for _, _, v in results)
        print(f"{title}: {passed} of {len(results)} public cases pass.")
        shown = set()
        for name, case, verdict in results:
            if verdict.ok:
                continue
            # One line for an answer that fails the same way everywhere (e.g. a stub).
            if verdict.mistake in NO_ANSWER and (name, verdict.message) in shown:
                continue
            shown.add((name, verdict.message))
            where = "" if verdict.mistake in NO_ANSWER else f"on {case.label}: "
            print(f"  - {where}{verdict.message}")
        if passed == len(results):
            print("  The grader also tries hidden cases: other sizes, non-symmetric and "
                  "rectangular inputs, edge cases.")

