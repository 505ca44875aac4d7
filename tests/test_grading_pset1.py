"""Problem Set 1 end to end: submissions graded in the sandbox, as `matdiff grade-all` does.

One module fixture grades a folder of submissions in parallel (two at a time),
each a realistic edit of the master or of the student edition; the tests then
read the Gradescope results and the CSV.  What must hold: the master scores
full marks, the untouched student edition scores 0 with one clear message per
question, a wrong answer costs exactly its question, the usual wrong
derivatives lose points with feedback that names the mistake, a crash or a
timeout costs only its question, and malformed notebooks get a clear message
and a zero.
"""

import csv
import json

import pytest
from matdiff.grading import sandbox
from matdiff.grading.grader import grade_folder
from matdiff.grading.problemset import ProblemSet

from tests.conftest import ROOT
from tests.grading_course import idle_sandbox_uids, marker, with_cells

MASTER = ROOT / "solutions" / "pset1.ipynb"
EDITION = ROOT / "psets" / "pset1.ipynb"
LIMITS = sandbox.Limits(cell_timeout=10, total_timeout=300)


def index_of(nb, qid):
    return next(i for i, c in enumerate(nb.cells) if marker(c) == qid)


def delete_q3_code_and_q5_heading(nb):
    start = index_of(nb, "q3")
    code = next(i for i in range(start, len(nb.cells)) if nb.cells[i].cell_type == "code")
    del nb.cells[code]
    del nb.cells[index_of(nb, "q5")]


def move_q1_answer_into_q2(nb):
    start = index_of(nb, "q1")
    code = next(i for i in range(start, len(nb.cells)) if "def d_quartic" in nb.cells[i].source)
    cell = nb.cells.pop(code)
    nb.cells.insert(index_of(nb, "q2") + 1, cell)


def duplicate_an_id(text):
    nb = json.loads(text)   # (nbformat itself would quietly repair the duplicate)
    nb["cells"][3]["id"] = nb["cells"][2]["id"]
    return json.dumps(nb)


MISTAKES_A = {
    "q1": ["def d_quartic(x, dx):\n    return 4 * (x @ x) ** 3 * (x @ dx)"],
    "q2": ["def d_cos_quadratic(x, dx, A):\n    return -np.sin(x @ A @ x) * 2 * (x @ A @ dx)"],
    "q3": ["def grad_trace_fourth_power(A):\n    return 4 * A @ A @ A"],
    "q4": ["def d_fourth_power(A, dA):\n    return 4 * A @ A @ A @ dA"],
    "q5": ["def jacobian_axb(A, B):\n    return np.kron(A, B.T)"],
    "q6": ["_right = d_solve_rank_one\n\ndef d_solve_rank_one(u, du, A_inv, v, b):\n"
           "    return -_right(u, du, A_inv, v, b)"],
}
MISTAKES_B = {
    "q1": ["def d_quartic(x, dx):\n    return 8 * (x @ x) ** 3 * x"],
    "q2": ["def d_cos_quadratic(x, dx, A):\n    return np.sin(x @ A @ x) * (x @ (A + A.T) @ dx)"],
    "q3": ["def d_trace_fourth_power(A, dA):\n    return 4 * np.trace(A @ A @ A @ dA.T)"],
    "q4": ["_right = d_fourth_power\n\ndef d_fourth_power(A, dA):\n    return _right(A, dA).T"],
}

SUBMISSIONS = {
    "master": lambda: MASTER.read_text(),
    "student": lambda: EDITION.read_text(),
    "one_wrong": lambda: with_cells(MASTER, {"q5": [MISTAKES_A["q5"][0]]}),
    "mistakes_a": lambda: with_cells(MASTER, MISTAKES_A),
    "mistakes_b": lambda: with_cells(MASTER, MISTAKES_B),
    "crash_and_timeout": lambda: with_cells(MASTER, {"q2": ["import os\nos._exit(3)"],
                                                     "q4": ["while True:\n    pass"]}),
    "deleted_cells": lambda: with_cells(MASTER, edit=delete_q3_code_and_q5_heading),
    "reordered": lambda: with_cells(MASTER, edit=move_q1_answer_into_q2),
    "wrong_types": lambda: with_cells(MASTER, {
        "q7": ["def chain_costs(sizes):\n    return 'many'"],
        "q5": ["def jacobian_axb(A, B):\n    return np.eye(2)"]}),
    "invalid_json": lambda: MASTER.read_text()[:-40],
    "nbformat3": lambda: json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                                     "worksheets": [{"cells": []}]}),
    "duplicate_ids": lambda: duplicate_an_id(MASTER.read_text()),
    "other_pset": lambda: with_cells(MASTER, edit=lambda nb: nb.metadata["matdiff"].update(
        pset=2)),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for name, make in SUBMISSIONS.items():
        (folder / f"{name}.ipynb").write_text(make())
    out = tmp_path_factory.mktemp("grades")
    pset = ProblemSet.load(ROOT, 1)
    counts = grade_folder(folder, pset, out / "grades.csv", jobs=2, limits=LIMITS)
    results = {name: json.loads((out / "grades-results" / f"{name}.json").read_text())
               for name in SUBMISSIONS}
    return {"results": results, "counts": counts, "folder": folder, "out": out, "pset": pset}


def scores(result):
    return {t["name"].split("(")[-1].rstrip(")"): t["score"] for t in result["tests"]}


def output(result, qid):
    return next(t["output"] for t in result["tests"] if t["name"].endswith(f"({qid})"))


FULL = {"q1": 2, "q2": 2, "q3": 3, "q4": 3, "q5": 3, "q6": 4, "q7": 3}


def test_the_master_solution_scores_full_marks(graded):
    result = graded["results"]["master"]
    assert result["score"] == 20 and scores(result) == FULL
    assert all(t["status"] == "passed" for t in result["tests"])


def test_results_follow_gradescope_format(graded):
    result = graded["results"]["master"]
    assert {"score", "execution_time", "output", "tests"} <= set(result)
    for test in result["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"
    assert "Graded by hand, not included above: Problem 6(c) (3), Problem 7(b) (2)." in (
        result["output"])


def test_the_untouched_student_edition_scores_zero_with_one_message_per_question(graded):
    result = graded["results"]["student"]
    assert result["score"] == 0 and len(result["tests"]) == 7
    for test in result["tests"]:
        assert test["output"].count("\n") == 0, test["output"]
        assert test["output"].startswith("Not answered yet: ")
        assert "NotImplementedError" in test["output"]
    assert output(result, "q3") == ("Not answered yet: d_trace_fourth_power and "
                                    "grad_trace_fourth_power still raise NotImplementedError; "
                                    "replace the stubs with your code.")


def test_one_wrong_answer_loses_exactly_its_question(graded):
    result = graded["results"]["one_wrong"]
    assert scores(result) == {**FULL, "q5": 0} and result["score"] == 17
    assert "stacks rows" in output(result, "q5")


def test_wrong_derivatives_lose_points_and_the_mistake_is_named(graded):
    a, b = graded["results"]["mistakes_a"], graded["results"]["mistakes_b"]
    # q3 and q6 keep the points of the groups their right answer passes alone.
    assert scores(a) == {"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 0, "q6": 1, "q7": 3}
    assert "1/2 times the derivative" in output(a, "q1")
    assert "right only when A is symmetric" in output(a, "q2")
    assert "transpose of the gradient" in output(a, "q3")
    assert "only when dA commutes with A" in output(a, "q4")
    assert "wrong sign" in output(a, "q6")
    assert scores(b) == {"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 3, "q6": 4, "q7": 3}
    assert "returned shape (" in output(b, "q1") and "must have the shape of f" in output(
        b, "q1")
    assert "wrong sign" in output(b, "q2")
    assert "along dx^T instead of dx" in output(b, "q3")
    assert "returns the transpose of the change of f" in output(b, "q4")


def test_feedback_never_shows_hidden_inputs(graded):
    for result in graded["results"].values():
        text = json.dumps(result)
        assert "array(" not in text and "e-0" not in text.replace("1e-0", "")


def test_a_crash_or_a_timeout_costs_only_its_question(graded):
    result = graded["results"]["crash_and_timeout"]
    assert scores(result) == {**FULL, "q2": 0, "q4": 0}
    assert "The kernel died while running Problem 2" in output(result, "q2")
    assert "ran for more than 10 s" in output(result, "q4")


def test_deleted_cells_cost_their_questions_with_a_clear_message(graded):
    result = graded["results"]["deleted_cells"]
    assert scores(result) == {**FULL, "q3": 0, "q5": 0}
    assert "d_trace_fourth_power is not defined when this problem's cells finish" in output(
        result, "q3")
    assert "The Markdown cell that starts Problem 5 is missing" in output(result, "q5")


def test_an_answer_moved_below_the_next_question_does_not_count(graded):
    result = graded["results"]["reordered"]
    assert scores(result) == {**FULL, "q1": 0}
    assert "d_quartic is not defined when this problem's cells finish" in output(result, "q1")


def test_answers_of_the_wrong_type_or_shape_get_a_clear_message(graded):
    result = graded["results"]["wrong_types"]
    assert scores(result) == {**FULL, "q5": 0, "q7": 0}
    assert "chain_costs returned a str, not a number or an array of numbers." == output(
        result, "q7")
    assert "jacobian_axb returned shape (2, 2), but the answer has shape" in output(
        result, "q5")


@pytest.mark.parametrize("name, words", [
    ("invalid_json", "not valid JSON"),
    ("nbformat3", "old format nbformat 3"),
    ("duplicate_ids", "have the same id"),
    ("other_pset", "This is the notebook of problem set 2, but this assignment is problem "
                   "set 1"),
])
def test_malformed_notebooks_get_a_clear_message_and_a_zero(graded, name, words):
    result = graded["results"][name]
    assert result["score"] == 0
    assert words in result["output"]
    assert all(words in t["output"] and t["score"] == 0 for t in result["tests"])


def test_the_csv_has_every_submission_and_question(graded):
    with open(graded["out"] / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(SUBMISSIONS)
    by_name = {row["submission"]: row for row in rows}
    assert by_name["master.ipynb"]["score"] == "20" and by_name["master.ipynb"]["q6"] == "4"
    assert by_name["one_wrong.ipynb"]["score"] == "17" and by_name["one_wrong.ipynb"][
        "q5"] == "0"
    assert graded["counts"] == {"graded": len(SUBMISSIONS), "skipped": 0,
                                "total": len(SUBMISSIONS)}


def test_a_rerun_regrades_only_what_changed(graded):
    folder, out = graded["folder"], graded["out"]
    before = (out / "grades-results" / "master.json").stat().st_mtime_ns
    (folder / "one_wrong.ipynb").write_text(MASTER.read_text())
    counts = grade_folder(folder, graded["pset"], out / "grades.csv", jobs=2, limits=LIMITS)
    assert counts == {"graded": 1, "skipped": len(SUBMISSIONS) - 1, "total": len(SUBMISSIONS)}
    assert (out / "grades-results" / "master.json").stat().st_mtime_ns == before
    assert json.loads((out / "grades-results" / "one_wrong.json").read_text())["score"] == 20


def test_no_sandbox_process_or_folder_is_left_behind(graded):
    with idle_sandbox_uids() as uids:
        for uid in uids:
            assert [p for p in sandbox.user_processes(uid) if p[2] != "Z"] == []
