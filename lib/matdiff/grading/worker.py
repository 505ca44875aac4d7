"""The sandbox worker: runs a submission's cells in a kernel that is already isolated.

:mod:`matdiff.grading.boot` isolates the process and launches the kernel, then
calls :func:`run`, which drives that kernel with nbclient, one cell at a time,
and after each question's cells has the kernel evaluate that question's
answers.  It reports on its stdout, one JSON object per line:

``{"event": "kernel", "pid": ...}``            the kernel started (sent by boot)
``{"event": "region", "region": q}``           the cells of q start
``{"event": "cell_error", "region": q, ...}``  a cell of q raised (it goes on)
``{"event": "captured", "region": q, "answers": {...}}``  q's answers (.npy, base64)
``{"event": "ran", "region": q}``              q's cells ran (nothing to capture)
``{"event": "timeout" | "died", "region": q}`` a cell of q timed out / the kernel died: stop
``{"event": "done"}``                          every cell ran
``{"event": "setup_failed", "message": ...}``  the sandbox could not be set up

The kernel shares the worker's user, limits and namespace, but not this
stdout: it writes to /dev/null, so nothing it does can forge a report.
"""

from __future__ import annotations

import base64
import json
import os

__all__ = ["run"]


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


def run(plan: dict, out, kernel, connection_file: str) -> None:
    """Run the plan's cells in `kernel` (a Popen) and report on `out`."""
    import nbformat
    from jupyter_client.asynchronous import AsyncKernelClient
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbclient.util import run_sync

    from .capture import capture_source

    class Client(NotebookClient):
        """nbclient that keeps no outputs: a flood of output costs the student time only."""

        def output(self, outs, msg, display_id, cell_index):
            return None

        def clear_output(self, outs, msg, cell_index):
            return None

        def handle_comm_msg(self, outs, msg, cell_index):
            return None

    class KernelClient(AsyncKernelClient):
        """A client of the kernel boot started: alive while its process is."""

        async def is_alive(self):
            return kernel.poll() is None

        _async_is_alive = is_alive

    run_dir = plan["run"]
    limits = plan["limits"]
    skip, capture = set(plan["skip"]), plan["capture"]
    nb = nbformat.v4.new_notebook()
    client = Client(nb, timeout=int(limits["cell_timeout"]), kernel_name="python3",
                    allow_errors=True, record_timing=False, iopub_timeout=10)
    errors: list = []
    client.on_cell_error = lambda cell, cell_index, execute_reply: errors.append(
        execute_reply["content"])
    kc = KernelClient(connection_file=connection_file)
    kc.load_connection_file()
    kc.start_channels(hb=False)
    try:
        run_sync(kc.wait_for_ready)(timeout=60)
    except Exception as err:
        _emit(out, event="setup_failed", message=f"the kernel did not start: "
                                                 f"{type(err).__name__}: {err}")
        return
    kc.allow_stdin = False
    client.kc = kc

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

