#!/usr/bin/env python3
"""Runs `clivec lsp` on a scripted session and prints what it answers.

The script holds JSON-RPC messages separated by lines of `---`; lines that
start with `#` are comments. `${ROOT}` in a message stands for --root (a path;
`${ROOT_URI}` for its file:// URI), and `${TEXT:a/b.cl}` for the contents of
the file --root/a/b.cl as a JSON string (for didOpen). A block that starts with `RAW ` is sent as
written (after `\\r` and `\\n` escapes), without framing: damaged input.

Every message the server writes is printed on one line as compact JSON with
sorted keys, with the root URI replaced by `ROOT`, then `exit=<code>`.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import urllib.parse


def file_text(root, relative):
    with open(os.path.join(root, relative), encoding="utf-8") as f:
        return json.dumps(f.read())


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

    stream = b""
    for block in blocks:
        block = block.strip()
        if not block:
            continue
        block = re.sub(r"\$\{TEXT:([^}]*)\}", lambda m: file_text(args.root, m.group(1)), block)
        block = block.replace("${ROOT_URI}", root_uri).replace("${ROOT}", args.root)
        if block.startswith("RAW "):
            raw = block[4:].replace("\\r", "\r").replace("\\n", "\n")
            stream += raw.encode("utf-8")
            continue
        body = block.encode("utf-8")
        stream += b"Content-Length: %d\r\n\r\n" % len(body) + body

    proc = subprocess.run([args.clivec, "lsp"], input=stream, stdout=subprocess.PIPE, timeout=120)
    out = proc.stdout
    while out:
        header_end = out.find(b"\r\n\r\n")
        if header_end < 0:
            print("unframed output: %r" % out)
            break
        length = None
        for header in out[:header_end].split(b"\r\n"):
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        body = out[header_end + 4 : header_end + 4 + length]
        out = out[header_end + 4 + length :]
        text = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if root_uri:
            text = text.replace(root_uri, "ROOT")
        print(text)
    print("exit=%d" % proc.returncode)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
