"""Problem-set notebooks: questions in the master, submissions read safely, student editions.

A problem set has one *master* notebook (``solutions/psetN.ipynb``).  Each
question starts at a Markdown cell whose metadata carries the question::

    {"matdiff": {"question": {"id": "q1", "title": "Problem 1", "points": 2,
                              "autograded": true, "names": ["d_quartic"]}}}

and runs until the next such cell.  Solutions sit between markers: in code,
lines ``# BEGIN SOLUTION`` and ``# END SOLUTION``; in Markdown,
``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` (an answer the
student writes there).  Rubrics for hand-graded questions sit between
``<!-- BEGIN RUBRIC -->`` and ``<!-- END RUBRIC -->``, worked explanations
between ``<!-- BEGIN EXPLANATION -->`` and ``<!-- END EXPLANATION -->``.
Visible checks are code cells tagged ``visible-check``.

:func:`student_edition` turns a master into the notebook students get: each
code solution becomes a stub that raises NotImplementedError with a friendly
message, each Markdown solution a placeholder for the student's answer;
rubrics and explanations disappear (with cells left empty), and outputs are
cleared.  :func:`read_submission`
reads what a student hands in, without trusting it: a damaged or foreign
notebook is refused with a message a student can act on
(:class:`SubmissionError`), and code cells are assigned to questions.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

import nbformat

__all__ = [
    "MAX_NOTEBOOK_BYTES",
    "PREAMBLE",
    "Question",
    "Submission",
    "SubmissionError",
    "questions_of",
    "read_submission",
    "student_edition",
]

MAX_NOTEBOOK_BYTES = 50 * 2**20
PREAMBLE = "preamble"   # the region of the cells before the first question
CHECK_TAG = "visible-check"

_CODE_BEGIN = re.compile(r"^([ \t]*)# BEGIN SOLUTION[ \t]*$")
_CODE_END = re.compile(r"^[ \t]*# END SOLUTION[ \t]*$")
_MD_SOLUTION = re.compile(r"<!-- BEGIN SOLUTION -->.*?<!-- END SOLUTION -->", re.S)
_MD_REMOVED = re.compile(r"<!-- BEGIN (RUBRIC|EXPLANATION) -->.*?<!-- END \1 -->", re.S)
_DEF = re.compile(r"^[ \t]*def (\w+)\((.*)\)\s*(?:->.*)?:\s*$")
MARKDOWN_PLACEHOLDER = ("**Your answer.** *Replace this line with your answer "
                        "(Markdown, with math between dollar signs).*")


class SubmissionError(ValueError):
    """The submission cannot be graded at all; the message says why and what to do."""


@dataclass(frozen=True)
class Question:
    """One question of a problem set, as declared in its master notebook."""

    id: str
    title: str
    points: float
    autograded: bool
    names: tuple = ()
    heading: str = ""   # first line of the question's Markdown cell

    def as_dict(self) -> dict:
        points = int(self.points) if float(self.points).is_integer() else self.points
        return {"id": self.id, "title": self.title, "points": points,
                "autograded": self.autograded, "names": list(self.names)}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _marker(cell):
    """The question declared by a cell's metadata, or None (never trusting its types)."""
    meta = cell.get("metadata")
    meta = meta.get("matdiff") if isinstance(meta, dict) else None
    question = meta.get("question") if isinstance(meta, dict) else None
    return question if isinstance(question, dict) else None


# ----------------------------------------------------------------------------- the master


def questions_of(nb) -> list[Question]:
    """The questions a master (or student edition) declares, in order.

    Raises ValueError naming the cell when a declaration is incomplete: that
    is an authoring mistake, caught when the problem set is loaded.
    """
    questions, seen = [], set()
    for i, cell in enumerate(nb["cells"]):
        q = _marker(cell)
        if q is None:
            continue
        where = f"cell {i + 1}"
        if cell.get("cell_type") != "markdown":
            raise ValueError(f"{where}: a question marker belongs on a Markdown cell.")
        missing = {"id", "title", "points", "autograded"} - set(q)
        if missing:
            raise ValueError(f"{where}: the question marker lacks {sorted(missing)}.")
        if q["id"] in seen or q["id"] == PREAMBLE:
            raise ValueError(f"{where}: question id {q['id']!r} is used twice or reserved.")
        names = tuple(q.get("names", ()))
        if q["autograded"] and not names:
            raise ValueError(f"{where}: autograded question {q['id']!r} names no answers.")
        seen.add(q["id"])
        questions.append(Question(str(q["id"]), str(q["title"]), float(q["points"]),
                                  bool(q["autograded"]), names, _first_line(_source(cell))))
    if not questions:
        raise ValueError("the notebook declares no questions (no cell has metadata "
                         "matdiff.question).")
    return questions


def _stub_code(source: str, title: str) -> str:
    """Replace each solution block of a code cell by a stub that raises."""
    lines, out, inside, last_def = source.split("\n"), [], False, None
    for line in lines:
        if inside:
            if _CODE_END.match(line):
                inside = False
            continue
        begin = _CODE_BEGIN.match(line)
        if begin:
            indent = begin.group(1)
            what = (f"write the body of {last_def[0]}({last_def[1]})" if last_def
                    else "write your code here")
            out.append(f'{indent}raise NotImplementedError("{title}: {what}, then run the '
                       f'check below.")')
            inside = True
            continue
        found = _DEF.match(line)
        if found:
            last_def = found.groups()
        out.append(line)
    if inside:
        raise ValueError(f"{title}: a '# BEGIN SOLUTION' has no matching '# END SOLUTION'.")
    return "\n".join(out)


def student_edition(master) -> nbformat.NotebookNode:
    """The student edition of a master notebook.

    Solutions become stubs (code) or a placeholder (Markdown), rubrics are
    removed, outputs and execution counts cleared, and only the metadata the
    grader needs is kept.  The result is deterministic, so the committed
    edition can be compared with a fresh one.
    """
    nb = copy.deepcopy(master)
    title = "this problem"
    for cell in nb.cells:
        marker = _marker(cell)
        if marker is not None:
            title = str(marker.get("title", title))
            cell.metadata["matdiff"] = {"question": {
                k: marker[k] for k in ("id", "title", "points", "autograded", "names")
                if k in marker}}
        if cell.cell_type == "code":
            cell.source = _stub_code(cell.source, title)
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        elif cell.cell_type == "markdown":
            if "BEGIN SOLUTION" in cell.source and not _MD_SOLUTION.search(cell.source):
                raise ValueError(f"{title}: a Markdown solution marker is not closed.")
            cell.source = _MD_SOLUTION.sub(MARKDOWN_PLACEHOLDER, cell.source)
            cell.source = re.sub(r"\n{3,}", "\n\n", _MD_REMOVED.sub("", cell.source)).strip()
    nb.cells = [c for c in nb.cells if c.cell_type != "markdown" or c.source.strip()]
    nb.metadata = nbformat.NotebookNode({k: copy.deepcopy(master.metadata[k])
                                         for k in ("kernelspec", "language_info", "matdiff")
                                         if k in master.metadata})
    for cell in nb.cells:
        text = _source(cell)
        if re.search(r"(BEGIN|END) (SOLUTION|RUBRIC|EXPLANATION)", text):
            raise ValueError(f"a solution or rubric marker survived in: {text[:80]!r}")
    return nb


# ----------------------------------------------------------------------------- submissions


@dataclass
class Submission:
    """A submission's code, assigned to questions.

    Attributes
    ----------
    cells : list of (region, source)
        Code cells in notebook order; region is a question id or
        :data:`PREAMBLE`.  Each question's first entry has an empty source:
        it marks where the question starts even if it has no code.
    missing : list of str
        Questions whose starting cell was not found.
    notes : list of str
        Harmless oddities worth telling the student about.
    """

    cells: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)


_FRESH = "Download a fresh copy of the problem set, paste your answers into it, and submit that."


def _parse(data: bytes) -> dict:
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"The notebook is {len(data) / 2**20:.0f} MB, more than the "
                              f"{MAX_NOTEBOOK_BYTES // 2**20} MB the grader accepts; clear "
                              "large outputs (Edit > Clear All Outputs) and submit again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError("The file is not a notebook: it is not UTF-8 text. Submit the "
                              ".ipynb file saved by Jupyter or Colab.") from None
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(f"The notebook is not valid JSON (line {err.lineno}, column "
                              f"{err.colno}: {err.msg}), so it was damaged or edited outside "
                              f"Jupyter. {_FRESH}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", None), list):
        version = nb.get("nbformat") if isinstance(nb, dict) else None
        if isinstance(version, int) and version < 4:
            raise SubmissionError(f"The notebook is in the old format nbformat {version}; the "
                                  f"grader reads nbformat 4 (Jupyter since 2015). {_FRESH}")
        raise SubmissionError(f"The file is JSON but not a Jupyter notebook (it has no list "
                              f"of cells). {_FRESH}")
    version = nb.get("nbformat")
    if version != 4:
        raise SubmissionError(f"The notebook declares nbformat {version!r}; the grader reads "
                              f"nbformat 4. {_FRESH}")
    return nb


def _check_cells(nb: dict) -> None:
    ids = {}
    for i, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown",
                                                                       "raw"):
            raise SubmissionError(f"Cell {i} of the notebook is not a valid cell. {_FRESH}")
        src = cell.get("source", "")
        if not (isinstance(src, str) or (isinstance(src, list)
                                         and all(isinstance(s, str) for s in src))):
            raise SubmissionError(f"Cell {i} has a source that is not text. {_FRESH}")
        if "metadata" in cell and not isinstance(cell["metadata"], dict):
            raise SubmissionError(f"Cell {i} has invalid metadata. {_FRESH}")
        cell_id = cell.get("id")
        if cell_id is not None:
            if not isinstance(cell_id, str):
                raise SubmissionError(f"Cell {i} has an id that is not text. {_FRESH}")
            if cell_id in ids:
                raise SubmissionError(
                    f"Cells {ids[cell_id]} and {i} have the same id {cell_id!r}; cell ids must "
                    "be unique (nbformat 4.5), and duplicates come from editing or merging the "
                    f"notebook's JSON by hand. {_FRESH}")
            ids[cell_id] = i


def read_submission(data: bytes, number: int, questions: list[Question]) -> Submission:
    """Read a submitted notebook for problem set `number`, without trusting it.

    Raises
    ------
    SubmissionError
        If the file is not a readable nbformat-4 notebook of this problem set.
    """
    nb = _parse(data)
    _check_cells(nb)
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    declared = meta.get("matdiff", {}).get("pset") if isinstance(meta.get("matdiff"),
                                                                 dict) else None
    if declared is not None and declared != number:
        raise SubmissionError(f"This is the notebook of problem set {declared}, but this "
                              f"assignment is problem set {number}: submit pset{number}.ipynb.")
    known = {q.id: q for q in questions}
    by_heading = {q.heading: q.id for q in questions if q.heading}
    marked = {m.get("id") for c in nb["cells"] if (m := _marker(c)) is not None}

    sub, region, started = Submission(), PREAMBLE, set()
    for cell in nb["cells"]:
        q = _marker(cell)
        qid = q.get("id") if q is not None else None
        if qid is None and cell["cell_type"] == "markdown":
            # Metadata lost (some editors drop it): recognise the heading itself.
            guess = by_heading.get(_first_line(_source(cell)))
            if guess is not None and guess not in marked:
                qid = guess
        if isinstance(qid, str) and qid in known:
            if qid in started:
                sub.notes.append(f"{known[qid].title} starts twice; its second heading was "
                                 "ignored.")
            else:
                started.add(qid)
                region = qid
                sub.cells.append((region, ""))   # the question starts here, code or not
        if cell["cell_type"] == "code":
            sub.cells.append((region, _source(cell)))
    if not started:
        raise SubmissionError(f"This notebook is not problem set {number}: none of its cells "
                              f"starts one of the problem set's questions. {_FRESH}")
    sub.missing = [q.id for q in questions if q.id not in started]
    return sub
