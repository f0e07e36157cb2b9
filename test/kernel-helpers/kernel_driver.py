"""Drives a real tslab kernel through jupyter_client, as a notebook frontend would: execute requests
carrying the frontend's cell ids (as JupyterLab sends them), interrupts, and a shutdown whose
duration is measured. Reads a JSON list of steps on stdin, prints one JSON result list on stdout.

Step: {"code": str, "cellId"?: str, "interruptAfter"?: seconds} or {"shutdown": true}.
Usage: kernel_driver.py NOTEBOOK_DIR RESULT_FILE (the kernel shares our stdout, so results go to a file).
"""
import json
import sys
import time

from jupyter_client.manager import KernelManager


def run(kc, step, timeout=120):
    content = {"code": step["code"], "silent": False, "store_history": True,
               "user_expressions": {}, "allow_stdin": False, "stop_on_error": False}
    msg = kc.session.msg("execute_request", content)
    if "cellId" in step:
        msg["metadata"]["cellId"] = step["cellId"]
    kc.shell_channel.send(msg)
    began = time.monotonic()
    interrupted = False
    outputs = []
    while True:
        if "interruptAfter" in step and not interrupted and time.monotonic() - began > step["interruptAfter"]:
            km.interrupt_kernel()
            interrupted = True
        try:
            reply = kc.get_iopub_msg(timeout=0.2)
        except Exception:
            if time.monotonic() - began > timeout:
                raise RuntimeError("timed out: " + step["code"][:80])
            continue
        if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        kind = reply["msg_type"]
        if kind == "status" and reply["content"]["execution_state"] == "idle":
            break
        if kind in ("stream", "display_data", "update_display_data", "error", "execute_result"):
            outputs.append({"type": kind, "content": reply["content"]})
    while True:
        shell = kc.get_shell_msg(timeout=30)
        if shell["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
            break
    return {"status": shell["content"]["status"], "outputs": outputs, "seconds": time.monotonic() - began}


steps = json.load(sys.stdin)
km = KernelManager(kernel_name="tslab")
km.start_kernel(cwd=sys.argv[1])
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=60)
results = []
try:
    for step in steps:
        if step.get("shutdown"):
            began = time.monotonic()
            km.shutdown_kernel(now=False)
            results.append({"shutdownSeconds": time.monotonic() - began})
            break
        result = run(kc, step)
        results.append(result)
        if result["status"] != "ok":
            time.sleep(0.3)  # tslab aborts requests that arrive within 200 ms of a failed one
finally:
    # Never leave a kernel behind, whatever happened above.
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)
with open(sys.argv[2], "w") as out:
    json.dump(results, out)
