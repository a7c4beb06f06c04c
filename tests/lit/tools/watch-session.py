#!/usr/bin/env python3
"""Drives a real `clivec watch` through a series of file edits.

usage: watch-session.py --clivec CLIVEC --workspace WS [--base DIR]
                        [--watch-arg ARG]... STEP_DIR...

Starts `clivec watch WS`, waits until it says it is watching, then for each
STEP_DIR runs the shell command in its file `.run` (in the workspace) if it
has one, and copies its other files over BASE (by default the workspace; a file
whose content is
exactly "DELETE\\n" deletes its counterpart), and waits for the watch's
answer to that edit (an `update N:` or `ignored` line). Everything the watch
printed goes to stdout, each step introduced by `=== step <name>`, so that
FileCheck can assert exactly what each edit recompiled and re-evaluated
(diagnostics, which the watch prints on stderr, are included).
Ends the watch with SIGTERM and prints its exit status.
"""
import argparse
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

TIMEOUT = 60


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clivec", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--base")
    parser.add_argument("--watch-arg", action="append", default=[])
    parser.add_argument("steps", nargs="*")
    args = parser.parse_args()

    proc = subprocess.Popen([args.clivec, "watch", args.workspace] + args.watch_arg,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()

    def read_until(predicate, what):
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                print(f"watch-session: timed out waiting for {what}", flush=True)
                proc.kill()
                sys.exit(1)
            if line is None:
                print(f"watch-session: watch exited while waiting for {what}", flush=True)
                sys.exit(1)
            sys.stdout.write(line)
            if predicate(line):
                return

    read_until(lambda l: l.startswith("watching "), "the watch to start")
    for step in args.steps:
        print(f"=== step {os.path.basename(step.rstrip('/'))}", flush=True)
        command = os.path.join(step, ".run")
        if os.path.exists(command):
            with open(command) as f:
                done = subprocess.run(f.read(), shell=True, cwd=args.workspace, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
            print(f"$ {open(command).read().strip()} -> exit {done.returncode}", flush=True)
        for dirpath, _, files in os.walk(step):
            for name in sorted(files):
                if name == ".run":
                    continue
                source = os.path.join(dirpath, name)
                target = os.path.join(args.base or args.workspace, os.path.relpath(source, step))
                with open(source) as f:
                    content = f.read()
                if content == "DELETE\n":
                    os.remove(target)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(source, target)
        sys.stdout.flush()
        read_until(lambda l: l.startswith("update ") or l.startswith("ignored "), "the update")

    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        print("watch-session: the watch did not stop on SIGTERM")
        sys.exit(1)
    while True:
        line = lines.get(timeout=TIMEOUT)
        if line is None:
            break
        sys.stdout.write(line)
    print(f"exit={proc.returncode}")


if __name__ == "__main__":
    main()
