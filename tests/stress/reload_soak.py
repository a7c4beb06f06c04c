#!/usr/bin/env python3
"""Soak test of hot reload: one module edited and reloaded N times under a
real `clivec watch`, whose resident memory must stay within a fixed bound.

usage: reload_soak.py CLIVEC [CYCLES=1000] [BOUND_MB=24]

Each cycle rewrites the leaf module with a new function body and a new
value, so every cycle compiles and loads new code, drops the old code and
evaluates and commits the changed cells. The resident set size (VmRSS) is
sampled after a warm-up and at the end; the growth between them must stay
under BOUND_MB. Figures are printed either way.
"""
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no " + field)


def main():
    clivec = sys.argv[1]
    cycles = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    bound_mb = float(sys.argv[3]) if len(sys.argv) > 3 else 24
    warmup = min(100, cycles // 4)
    work = tempfile.mkdtemp(prefix="clive-soak-")
    try:
        os.makedirs(os.path.join(work, "ws", "lib"))
        leaf = os.path.join(work, "ws", "lib", "clive.cl")

        def write_leaf(i):
            with open(leaf, "w") as f:
                f.write(f"type Box {{ n: Int = {i}\n  label: String = \"box {i}\" }}\n"
                        f"fn grow(x: Int): Int = x * {i % 7 + 2} + {i}\n"
                        f"val box = Box {{ n = grow({i}) }}\n"
                        f"val items = [box.n, {i}, grow(1)]\n")

        write_leaf(0)
        with open(os.path.join(work, "ws", "clive.cl"), "w") as f:
            f.write("import lib.{box, grow}\nval total = box.n + grow(2)\nval text = \"${box.label}!\"\n")

        proc = subprocess.Popen([clivec, "watch", os.path.join(work, "ws"), "--debounce-ms", "0"],
                                stdout=subprocess.PIPE, text=True, bufsize=1)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout] + [lines.put(None)],
                         daemon=True).start()

        seen = []  # the watch's last lines, for the message on a timeout

        def wait_for(prefix):
            deadline = time.monotonic() + 60
            while True:
                try:
                    line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
                except queue.Empty:
                    sys.exit(f"reload_soak: no answer from clivec watch in 60 s; its last lines:\n{''.join(seen[-8:])}")
                if line is not None:
                    seen.append(line)
                if line is None:
                    sys.exit(f"reload_soak: clivec watch exited early (status {proc.wait()})")
                if line.startswith(prefix):
                    return line
                if line.startswith("update") or "error" in line:
                    return line

        wait_for("watching")
        start = time.monotonic()
        baseline = None
        for i in range(1, cycles + 1):
            write_leaf(i)
            line = wait_for("update")
            if "recompiled lib" not in line or "lib.box" not in line:
                sys.exit(f"reload_soak: cycle {i} did not reload the leaf: {line.strip()}")
            if i == warmup:
                baseline = rss_kb(proc.pid)
                baseline_anon = rss_kb(proc.pid, "RssAnon")
        final = rss_kb(proc.pid)
        final_anon = rss_kb(proc.pid, "RssAnon")
        elapsed = time.monotonic() - start
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        growth_mb = (final - baseline) / 1024
        print(f"reload_soak: {cycles} reloads in {elapsed:.1f} s ({1000 * elapsed / cycles:.1f} ms each); "
              f"RSS after {warmup}: {baseline / 1024:.1f} MB, after {cycles}: {final / 1024:.1f} MB, "
              f"growth {growth_mb:.1f} MB (bound {bound_mb} MB); of which heap (RssAnon) "
              f"{(final_anon - baseline_anon) / 1024:.1f} MB, the rest the store's mapped file")
        if growth_mb > bound_mb:
            sys.exit("reload_soak: FAILED: resident memory grew past the bound")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
