"""Honest grading of problem sets: trust nothing that ran beside the student's code.

Modules
-------
compare
    The checks that judge an answer on one case, shared by the visible checks
    in a student's notebook and by the grader.
notebook
    Master notebooks, student editions (``matdiff release``), and reading a
    submission without trusting it.
problemset
    A problem set as the grader sees it: questions, hidden tests, the calls
    made in the sandbox, references computed from the master solution.
sandbox
    Running a submission in another process, user and empty folder, under
    time, memory and process limits; answers leave it as plain arrays.
worker, capture
    The two pieces that run inside the sandbox (the nbclient driver, and the
    code that evaluates answers in the student's kernel).
grader
    Grading one submission, or a folder of them in parallel.
gradescope
    Gradescope's results.json, a readable summary, the autograder bundle.
cli
    The ``matdiff`` command.

This package imports nothing heavy at import time: the student's kernel
imports :mod:`matdiff.grading.compare` and :mod:`matdiff.grading.capture`
only.
"""
