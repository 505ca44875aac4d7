"""The sandbox worker: ``python -I -m matdiff.grading.worker``, started by the grader.

It reads a plan (JSON) on stdin, isolates itself (see
:mod:`matdiff.grading.sandbox`), then runs the submission's code cells with
nbclient, one at a time, and after each question's cells has the kernel
evaluate that question's answers.  It reports on its stdout, one JSON object
per line:

``{"event": "kernel", "pid": ...}``            the kernel started
``{"event": "region", "region": q}``           the cells of q start
``{"event": "cell_error", "region": q, ...}``  a cell of q raised (it goes on)
``{"event": "captured", "region": q, "answers": {...}}``  q's answers (.npy, base64)
``{"event": "ran", "region": q}``              q's cells ran (nothing to capture)
``{"event": "timeout" | "died", "region": q}`` a cell of q timed out / the kernel died: stop
``{"event": "done"}``                          every cell ran
``{"event": "setup_failed", "message": ...}``  the sandbox could not be set up

The kernel inherits the worker's user, limits and namespace, but not this
stdout: it writes to /dev/null, so nothing it does can forge a report.
"""

from __future__ import annotations

import base64
import json
import os
import sys


def _emit(stream, **event) -> None:
    stream.write(json.dumps(event) + "\n")
    stream.flush()


def _read_file(path: str, limit: int) -> bytes | None:
    """A regular file's bytes (never through a symlink), or None if absent or too large."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not (info.st_mode & 0o170000 == 0o100000) or info.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None
    finally:
        os.close(fd)


def _isolate(plan: dict) -> list[str]:
    from .sandbox import (
        PR_SET_DUMPABLE,
        PR_SET_NO_NEW_PRIVS,
        Limits,
        _prctl,
        drop_privileges,
        private_view,
        set_limits,
        user_processes,
    )

    limits = Limits(**plan["limits"])
    notes = []
    if os.geteuid() == 0 and plan["uid"] is not None:
        try:
            with open("/proc/self/oom_score_adj", "w") as f:
                f.write("1000")   # under memory pressure, the sandbox goes first
        except OSError:
            pass
        try:
            notes += private_view(sorted({plan["box"], plan["run"], plan["sockets"]}),
                                  plan["hide"])
        except OSError as err:
            notes.append(f"no private mount namespace ({err}); relying on permissions")
        try:
            from .sandbox import CLONE_NEWNET, _check, _libc
            _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
            notes.append("no network")
        except OSError as err:
            notes.append(f"network left as is ({err})")
        set_limits(limits, limits.processes)
        drop_privileges(plan["uid"], plan["gid"])
    else:
        # Without root the process limit counts all of this user's processes.
        set_limits(limits, limits.processes + len(user_processes(os.getuid())))
    _prctl(PR_SET_DUMPABLE, 0)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    executable = os.path.realpath(sys.executable)
    if not os.access(executable, os.X_OK) or not os.access(os.__file__, os.R_OK):
        raise RuntimeError(
            f"the sandbox user (uid {os.getuid()}) cannot run {executable}: make the Python "
            "environment readable by all users (chmod -R o+rX), or let the grader use mount "
            "namespaces (run it as root outside an unprivileged container).")
    return notes


def _run(plan: dict, out) -> None:
    import nbformat
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    from .capture import capture_source

    class Client(NotebookClient):
        """nbclient that keeps no outputs: a flood of output costs the student time only."""

        def output(self, outs, msg, display_id, cell_index):
            return None

        def clear_output(self, outs, msg, cell_index):
            return None

        def handle_comm_msg(self, outs, msg, cell_index):
            return None

    box, run_dir = plan["box"], plan["run"]
    limits = plan["limits"]
    skip, capture = set(plan["skip"]), plan["capture"]
    nb = nbformat.v4.new_notebook()
    client = Client(nb, timeout=int(limits["cell_timeout"]), kernel_name="python3",
                    allow_errors=True, record_timing=False, iopub_timeout=10,
                    shutdown_kernel="immediate")
    errors: list = []
    client.on_cell_error = lambda cell, cell_index, execute_reply: errors.append(
        execute_reply["content"])
    client.km = AsyncKernelManager(kernel_name="python3", transport="ipc",
                                   ip=os.path.join(plan["sockets"], "k"))
    try:
        client.start_new_kernel(cwd=box, env=dict(os.environ), stdin=open(os.devnull),
                                stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
        client.start_new_kernel_client()
    except Exception as err:
        _emit(out, event="setup_failed", message=f"the kernel did not start: "
                                                 f"{type(err).__name__}: {err}")
        return
    provisioner = getattr(client.km, "provisioner", None)
    pid = getattr(getattr(provisioner, "process", None), "pid", None)
    if isinstance(pid, int):
        _emit(out, event="kernel", pid=pid)

    def execute(source: str, region: str, store_history: bool = True) -> bool:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
        errors.clear()
        try:
            client.execute_cell(cell, len(nb.cells) - 1, store_history=store_history)
        except CellTimeoutError:
            _emit(out, event="timeout", region=region)
            return False
        except DeadKernelError:
            _emit(out, event="died", region=region)
            return False
        for content in errors:
            message = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
            _emit(out, event="cell_error", region=region,
                  message=message.strip().splitlines()[0][:300] if message.strip() else "")
        return True

    def finish(region: str) -> bool:
        if region not in capture:
            _emit(out, event="ran", region=region)
            return True
        folder = os.path.join(run_dir, "q", region)
        os.makedirs(folder)
        specs = []
        for i, call in enumerate(capture[region]):
            args = []
            for j, arg in enumerate(call["args"]):
                name = f"a{i}_{j}.npy"
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(base64.b64decode(arg["npy"]))
                args.append({"kind": arg["kind"], "file": name})
            specs.append({"id": call["id"], "name": call["name"], "args": args})
        with open(os.path.join(folder, "calls.json"), "w") as f:
            json.dump(specs, f)
        if not execute(capture_source(folder), region, store_history=False):
            return False
        answers = {}
        for call in capture[region]:
            base = os.path.join(folder, "out", call["id"])
            data = _read_file(base + ".npy", 64 * 2**20)
            if data is not None:
                answers[call["id"]] = {"npy": base64.b64encode(data).decode("ascii")}
                continue
            text = _read_file(base + ".txt", 4000)
            answers[call["id"]] = {"error": text.decode("utf-8", "replace") if text is not None
                                   else f"no answer was recorded for {call['name']}."}
        _emit(out, event="captured", region=region, answers=answers)
        return True

    current = None
    for region, source in plan["cells"]:
        if region != current:
            if current is not None and current not in skip and not finish(current):
                return
            current = region
            if region not in skip:
                _emit(out, event="region", region=region)
        if region in skip or not source.strip():
            continue
        if not execute(source, region):
            return
    if current is not None and current not in skip and not finish(current):
        return
    _emit(out, event="done")   # the grader kills the kernel with everything else


def main() -> int:
    plan = json.loads(sys.stdin.buffer.read())
    # The report goes to the original stdout; anything a library prints goes to the log.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        notes = _isolate(plan)
    except Exception as err:
        _emit(out, event="setup_failed", message=f"{type(err).__name__}: {err}")
        return 1
    for note in notes:
        print(f"sandbox: {note}", file=sys.stderr)
    os.chdir(plan["box"])
    os.umask(0o077)
    try:
        _run(plan, out)
    except Exception as err:
        # Whatever broke (the kernel could not start, a lost connection), the
        # question in progress is lost; the grader decides what comes next.
        print(f"worker: {type(err).__name__}: {err}", file=sys.stderr)
        _emit(out, event="died", region=None)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
