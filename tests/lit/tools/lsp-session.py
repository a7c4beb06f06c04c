#!/usr/bin/env python3
"""Runs `clivec lsp` on a scripted session and prints what it answers.

The script holds JSON-RPC messages separated by lines of `---`; lines that
start with `#` are comments. `${ROOT}` in a message stands for --root (a path;
`${ROOT_URI}` for its file:// URI), and `${TEXT:a/b.cl}` for the contents of
the file --root/a/b.cl as a JSON string (for didOpen). A block that starts with `RAW ` is sent as
written (after `\\r` and `\\n` escapes), without framing: damaged input.

Messages are written in bursts: everything up to the next `AWAIT text` block
in one write. `AWAIT text` then waits (up to 60 s) until the server has sent
a message, after the one the previous AWAIT matched, whose printed form
contains `text`; so a script can let debounced diagnostics arrive before it
edits again. Without AWAIT blocks the whole session is one write.

Every message the server writes is printed on one line as compact JSON with
sorted keys, with the root URI replaced by `ROOT`, then `exit=<code>`.
"""
import argparse
import json
import re
import subprocess
import sys
import threading
import urllib.parse


def file_text(root, relative):
    with open(relative if relative.startswith("/") else root + "/" + relative, encoding="utf-8") as f:
        return json.dumps(f.read())


class Output:
    """Reads the server's frames on a thread; lets the script wait for one."""

    def __init__(self, stream, root_uri):
        self.stream, self.root_uri = stream, root_uri
        self.lines, self.seen = [], 0
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        while True:
            length = None
            while True:
                header = self.stream.readline()
                if not header:
                    return self.add(None)
                header = header.strip()
                if not header:
                    break
                name, _, value = header.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:
                self.add("unframed output")
                continue
            body = self.stream.read(length)
            text = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if self.root_uri:
                text = text.replace(self.root_uri, "ROOT")
            self.add(text)

    def add(self, line):
        with self.changed:
            if line is not None:
                self.lines.append(line)
            else:
                self.closed = True
            self.changed.notify_all()

    def await_text(self, text, timeout=60):
        with self.changed:
            def found():
                for i in range(self.seen, len(self.lines)):
                    if text in self.lines[i]:
                        self.seen = i + 1
                        return True
                return getattr(self, "closed", False)
            if not self.changed.wait_for(found, timeout):
                self.lines.append("AWAIT timed out: " + text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clivec", required=True)
    parser.add_argument("--root", default="")
    parser.add_argument("script")
    args = parser.parse_args()

    root_uri = "file://" + urllib.parse.quote(args.root) if args.root else ""
    with open(args.script, encoding="utf-8") as f:
        lines = [l for l in f.read().split("\n") if not l.startswith("#")]
    blocks, current = [], []
    for line in lines:
        if line.strip() == "---":
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))

    proc = subprocess.Popen([args.clivec, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    output = Output(proc.stdout, root_uri)
    pending = b""

    def flush():
        nonlocal pending
        if pending:
            try:
                proc.stdin.write(pending)
                proc.stdin.flush()
            except BrokenPipeError:
                pass
            pending = b""

    for block in blocks:
        block = block.strip()
        if not block:
            continue
        block = re.sub(r"\$\{TEXT:([^}]*)\}", lambda m: file_text(args.root, m.group(1)), block)
        block = block.replace("${ROOT_URI}", root_uri).replace("${ROOT}", args.root)
        if block.startswith("AWAIT "):
            flush()
            output.await_text(block[len("AWAIT "):])
            continue
        if block.startswith("RAW "):
            pending += block[4:].replace("\\r", "\r").replace("\\n", "\n").encode("utf-8")
            continue
        body = block.encode("utf-8")
        pending += b"Content-Length: %d\r\n\r\n" % len(body) + body
    flush()
    try:
        proc.stdin.close()
    except BrokenPipeError:
        pass
    try:
        code = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = "timeout"
    output.thread.join(timeout=10)
    for line in output.lines:
        print(line)
    print("exit=%s" % code)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
