"""Problem-set notebooks: the master, the released student edition, reading submissions.

Fast tests, no sandbox.  Malformed submissions must be refused with a message
a student can act on, never crash the grader; the committed student edition
must be exactly what `matdiff release` makes from the master.
"""

import copy
import json
import re

import nbformat
import pytest
from matdiff.grading.cli import main as matdiff_main
from matdiff.grading.cli import release
from matdiff.grading.notebook import (
    PREAMBLE,
    SubmissionError,
    questions_of,
    read_submission,
    student_edition,
)
from matdiff.grading.problemset import ProblemSet
from matdiff.psets import pset1

from tests.conftest import ROOT
from tests.grading_course import HIDDEN, make_course, master_notebook

MASTER = ROOT / "solutions" / "pset1.ipynb"
EDITION = ROOT / "psets" / "pset1.ipynb"


@pytest.fixture(scope="module")
def master():
    return nbformat.read(MASTER, as_version=4)


@pytest.fixture(scope="module")
def questions(master):
    return questions_of(master)


def student_bytes():
    return EDITION.read_bytes()


# ---------------------------------------------------------------------------- release


def test_committed_student_edition_is_up_to_date():
    stale = release(ROOT, check=True)
    assert not stale, (f"{[str(p) for p in stale]} differ from what `matdiff release` makes "
                       "from solutions/: run `.venv/bin/matdiff release` and commit")


def test_a_changed_master_makes_the_edition_stale(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "psets").mkdir()
    nb = nbformat.read(MASTER, as_version=4)
    nbformat.write(nb, tmp_path / "solutions" / "pset1.ipynb")
    (tmp_path / "psets" / "pset1.ipynb").write_text(EDITION.read_text())
    assert release(tmp_path, check=True) == []
    nb.cells[0].source += "\n\nOne more sentence."
    nbformat.write(nb, tmp_path / "solutions" / "pset1.ipynb")
    assert release(tmp_path, check=True) == [tmp_path / "psets" / "pset1.ipynb"]
    assert matdiff_main(["release", "--check", "--course", str(tmp_path)]) == 1
    assert matdiff_main(["release", "--course", str(tmp_path)]) == 0
    assert release(tmp_path, check=True) == []


def test_student_edition_hides_solutions_rubrics_and_outputs(master):
    edition = json.loads(student_bytes())
    text = json.dumps(edition)
    for cell in master.cells:
        for block in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", cell.source, re.S):
            for line in block.strip().splitlines():
                assert line.strip() not in text, f"solution line leaked: {line.strip()!r}"
        for kind in ("SOLUTION", "RUBRIC", "EXPLANATION"):
            for block in re.findall(rf"<!-- BEGIN {kind} -->(.*?)<!-- END {kind} -->",
                                    cell.source, re.S):
                assert block.strip()[:60] not in text
    assert not re.search(r"BEGIN|Rubric|visible_check\b", text.replace("visible-check", ""))
    for cell in edition["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    assert set(edition["metadata"]) <= {"kernelspec", "language_info", "matdiff"}


def test_every_answer_is_a_friendly_stub(questions):
    edition = nbformat.reads(student_bytes().decode(), as_version=4)
    namespace = {"np": __import__("numpy")}
    for cell in edition.cells:
        if cell.cell_type == "code" and "NotImplementedError" in cell.source:
            exec(cell.source, namespace)
    for q in questions:
        for name in q.names:
            with pytest.raises(NotImplementedError) as err:
                namespace[name](*[None] * namespace[name].__code__.co_argcount)
            assert str(err.value).startswith(f"{q.title}: write the body of {name}(")
            assert str(err.value).endswith("then run the check below.")


def test_hand_graded_answers_get_a_placeholder_cell(master):
    edition = nbformat.reads(student_bytes().decode(), as_version=4)
    hand = [q for q in questions_of(edition) if not q.autograded]
    assert [q.id for q in hand] == ["q6-derivation", "q7-written"]
    assert sum("**Your answer.**" in c.source for c in edition.cells) == 2


def test_master_declares_what_the_visible_checks_and_grader_use(questions):
    autograded = {q.id: (q.title, q.names) for q in questions if q.autograded}
    assert autograded == pset1.QUESTIONS
    assert 5 <= len({q.title.split("(")[0] for q in questions}) <= 7
    assert any(not q.autograded for q in questions), "a hand-graded derivation with a rubric"
    master_text = MASTER.read_text()
    assert master_text.count("BEGIN RUBRIC") == sum(not q.autograded for q in questions)


def test_matdiff_questions_prints_json(capsys):
    assert matdiff_main(["questions", "1", "--course", str(ROOT)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed[0] == {"id": "q1", "title": "Problem 1", "points": 2, "autograded": True,
                          "names": ["d_quartic"]}
    assert sum(q["points"] for q in printed if q["autograded"]) == 20
    assert {q["id"] for q in printed if not q["autograded"]} == {"q6-derivation",
                                                                 "q7-written"}


def test_unclosed_solution_markers_are_authoring_errors():
    nb = master_notebook()
    nb.cells[3].source = nb.cells[3].source.replace("    # END SOLUTION", "")
    with pytest.raises(ValueError, match="has no matching '# END SOLUTION'"):
        student_edition(nb)


# ---------------------------------------------------------------------------- submissions


def test_the_student_edition_and_master_are_read_into_regions(questions):
    sub = read_submission(student_bytes(), 1, questions)
    regions = [region for region, _ in sub.cells]
    assert regions[0] == PREAMBLE
    assert list(dict.fromkeys(regions))[1:] == [q.id for q in questions]
    assert sub.missing == [] and sub.notes == []
    master_sub = read_submission(MASTER.read_bytes(), 1, questions)
    assert any("# BEGIN SOLUTION" in src for _, src in master_sub.cells)


@pytest.mark.parametrize("data, words", [
    (b"{\"cells\": [", "not valid JSON (line 1, column 12"),
    (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    (b"[1, 2, 3]", "JSON but not a Jupyter notebook"),
    (json.dumps({"nbformat": 3, "worksheets": []}).encode(), "old format nbformat 3"),
    (json.dumps({"nbformat": 5, "cells": []}).encode(), "declares nbformat 5"),
    (json.dumps({"nbformat": 4, "cells": [{"cell_type": "weird"}]}).encode(),
     "Cell 1 of the notebook is not a valid cell"),
    (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": 3}]}).encode(),
     "Cell 1 has a source that is not text"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "", "id": "same", "metadata": {}},
        {"cell_type": "code", "source": "", "id": "same", "metadata": {}}]}).encode(),
     "Cells 1 and 2 have the same id 'same'"),
    (nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))
     .encode(), "not problem set 1: none of its cells starts"),
])
def test_malformed_submissions_are_refused_with_a_clear_message(questions, data, words):
    with pytest.raises(SubmissionError) as err:
        read_submission(data, 1, questions)
    assert words in str(err.value)


def test_a_notebook_of_another_problem_set_is_refused(questions):
    nb = json.loads(student_bytes())
    nb["metadata"]["matdiff"]["pset"] = 2
    with pytest.raises(SubmissionError, match="This is the notebook of problem set 2, but"):
        read_submission(json.dumps(nb).encode(), 1, questions)


def test_an_oversized_submission_is_refused(questions, monkeypatch):
    monkeypatch.setattr("matdiff.grading.notebook.MAX_NOTEBOOK_BYTES", 1000)
    with pytest.raises(SubmissionError, match="more than the 0 MB the grader accepts"):
        read_submission(student_bytes(), 1, questions)


def edited(change):
    nb = json.loads(student_bytes())
    change(nb["cells"])
    return json.dumps(nb).encode()


def marker_index(cells, qid):
    return next(i for i, c in enumerate(cells)
                if c.get("metadata", {}).get("matdiff", {}).get("question", {}).get("id") == qid)


def test_a_deleted_question_heading_is_missing_and_its_code_joins_the_previous(questions):
    data = edited(lambda cells: cells.pop(marker_index(cells, "q5")))
    sub = read_submission(data, 1, questions)
    assert sub.missing == ["q5"]
    assert any(region == "q4" and "def jacobian_axb" in src for region, src in sub.cells)


def test_headings_whose_metadata_was_lost_are_recognised_by_their_text(questions):
    def strip(cells):
        for cell in cells:
            cell["metadata"] = {}
    sub = read_submission(edited(strip), 1, questions)
    assert sub.missing == []
    assert {r for r, _ in sub.cells} == {PREAMBLE} | {q.id for q in questions}


def test_reordered_questions_keep_their_own_cells(questions):
    def swap(cells):
        i, j = marker_index(cells, "q1"), marker_index(cells, "q2")
        k = marker_index(cells, "q3")
        cells[i:k] = cells[j:k] + cells[i:j]
    sub = read_submission(edited(swap), 1, questions)
    order = list(dict.fromkeys(r for r, _ in sub.cells))
    assert order[:3] == [PREAMBLE, "q2", "q1"]
    assert any(r == "q1" and "def d_quartic" in s for r, s in sub.cells)


def test_a_duplicated_heading_is_noted_and_ignored(questions):
    def duplicate(cells):
        cells.append(copy.deepcopy(cells[marker_index(cells, "q1")]))
        cells[-1]["id"] = "a-copy"
    sub = read_submission(edited(duplicate), 1, questions)
    assert sub.notes == ["Problem 1 starts twice; its second heading was ignored."]


# ---------------------------------------------------------------------------- problem sets


def test_problem_set_1_loads_and_its_groups_add_up():
    pset = ProblemSet.load(ROOT, 1)
    assert pset.max_score == 20
    calls = pset.calls()
    assert set(calls) == {q.id for q in pset.autograded}
    assert all(len({(c.name, id(c)) for c in qcalls}) == len(qcalls) for qcalls in
               calls.values())
    assert len(pset.fingerprint) == 16


@pytest.mark.parametrize("edit, words", [
    (lambda s: s.replace('Group("vectors", 2,', 'Group("vectors", 3,'),
     "the groups of q2 are worth 3 points, but the master gives q2 2.0"),
    (lambda s: s.replace('"outer_vec": ArrayCheck(rtol=1e-12),', ''), "no check for answer"),
    (lambda s: s + '\nGROUPS["q3"] = GROUPS["q2"]\n', "q3 is graded by hand but has groups"),
    (lambda s: s + '\nGROUPS["q7"] = []\n', "GROUPS names 'q7', which the master lacks"),
    (lambda s: s + '\ndel GROUPS["q2"]\n', "autograded question q2 has no GROUPS"),
    (lambda s: s.replace("CHECKS = {", "CHECKZ = {"), "must define CHECKS and GROUPS"),
])
def test_inconsistent_hidden_tests_are_authoring_errors(tmp_path, edit, words):
    make_course(tmp_path)
    (tmp_path / "tests" / "hidden" / "pset9.py").write_text(edit(HIDDEN))
    with pytest.raises(ValueError) as err:
        ProblemSet.load(tmp_path, 9)
    assert words in str(err.value)


def test_a_missing_problem_set_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no master notebook for problem set 4"):
        ProblemSet.load(tmp_path, 4)
