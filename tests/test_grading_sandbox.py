"""The sandbox's clean-up: its folders go, whatever the submission left in them."""

import os

import pytest
from matdiff.grading import sandbox


def test_a_folder_with_closed_subfolders_is_removed(tmp_path):
    top = tmp_path / "matdiff-grade-x"
    deep = top / "box" / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "file").write_text("left by a submission")
    os.symlink("/etc/passwd", top / "box" / "link")
    for folder in (deep, deep.parent, top / "box"):
        folder.chmod(0o500)   # closed for writing, as a submission may leave them
    if os.geteuid() != 0:
        for folder in (top / "box", deep.parent, deep):
            folder.chmod(0o700)   # only root may remove what its owner closed
    assert sandbox.remove_folder(top) is None
    assert not top.exists()
    assert os.path.exists("/etc/passwd")   # a link is removed, never followed


def test_a_missing_folder_is_already_removed(tmp_path):
    assert sandbox.remove_folder(tmp_path / "never-made") is None


def test_a_folder_that_cannot_be_removed_is_reported_not_hidden(tmp_path, monkeypatch):
    top = tmp_path / "stuck"
    (top / "box").mkdir(parents=True)
    killed = []

    def refusing_rmtree(path, **handlers):
        # As if a file in box could not be unlinked, each time.
        error = PermissionError(13, "Permission denied")
        if "onexc" in handlers:
            handlers["onexc"](os.unlink, str(top / "box" / "f"), error)
        else:
            handlers["onerror"](os.unlink, str(top / "box" / "f"), (type(error), error, None))

    monkeypatch.setattr(sandbox.shutil, "rmtree", refusing_rmtree)
    monkeypatch.setattr(sandbox, "kill_user", lambda uid, gid=None: killed.append(uid))
    why = sandbox.remove_folder(top, 65432, tries=3)
    assert why == (f"{top} is still there ({top}/box/f: Permission denied); "
                   "remove it by hand")
    assert killed == [65432] * 3   # the sandbox user's processes killed before each retry


def test_a_folder_that_comes_back_is_reported(tmp_path, monkeypatch):
    top = tmp_path / "back"
    top.mkdir()
    monkeypatch.setattr(sandbox.shutil, "rmtree", lambda path, **handlers: None)
    why = sandbox.remove_folder(top, tries=2)
    assert why == f"{top} is still there (it came back after each removal); remove it by hand"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs sandboxes under other uids")
def test_removal_does_not_depend_on_the_sandbox_user_letting_it(tmp_path):
    uid = sandbox.SANDBOX_UID + sandbox.SANDBOX_UIDS - 1
    top = tmp_path / "owned"
    (top / "box").mkdir(parents=True)
    (top / "box" / "f").write_text("x")
    for path in (top / "box" / "f", top / "box", top):
        os.chown(path, uid, uid)
    (top / "box").chmod(0)
    assert sandbox.remove_folder(top, uid) is None
    assert not top.exists()
