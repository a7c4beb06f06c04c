#!/usr/bin/env python3
"""Writes a `git fast-import` stream: a deterministic history of N commits on
one branch, each touching a few files in nested directories, so the result
has a few thousand objects (commits, many trees, blobs) and real deltas.

usage: make-history.py [--commits N] [--branch NAME] [--start K]
  --start K numbers the commits from K and builds on the branch's current tip
  (`from <branch>^0`), so a second run extends an existing history.
"""
import argparse
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--commits", type=int, default=300)
parser.add_argument("--branch", default="main")
parser.add_argument("--start", type=int, default=0)
parser.add_argument("--tag", help="annotated tag on the last commit")
args = parser.parse_args()

out = sys.stdout.buffer
when = 1_700_000_000


def data(payload: bytes) -> None:
    out.write(b"data %d\n" % len(payload))
    out.write(payload)
    out.write(b"\n")


for n in range(args.start, args.start + args.commits):
    out.write(b"commit refs/heads/%s\n" % args.branch.encode())
    out.write(b"mark :%d\n" % (n + 1))
    stamp = b"%d +0000" % (when + 60 * n)
    out.write(b"author clive test <test@clive.invalid> " + stamp + b"\n")
    out.write(b"committer clive test <test@clive.invalid> " + stamp + b"\n")
    data(b"commit %d: touch module %d\n" % (n, n % 17))
    if n == args.start and n > 0:
        out.write(b"from refs/heads/%s^0\n" % args.branch.encode())
    # Four files per commit in a tree 3 levels deep: every commit rewrites
    # the path of trees above each file.
    for k in range(4):
        slot = (n * 7 + k * 13) % 97
        path = b"src/pkg%d/mod%d/file%d.txt" % (slot % 5, slot % 11, slot)
        body = b"".join(b"line %d of file %d, revision %d\n" % (i, slot, n) for i in range(20))
        out.write(b"M 100644 inline " + path + b"\n")
        data(body)
    if n % 50 == 0:
        out.write(b"M 100755 inline bin/tool%d.sh\n" % (n // 50))
        data(b"#!/bin/sh\necho tool %d\n" % n)
    out.write(b"\n")

if args.tag:
    out.write(b"tag %s\n" % args.tag.encode())
    out.write(b"from :%d\n" % (args.start + args.commits))
    out.write(b"tagger clive test <test@clive.invalid> %d +0000\n" % when)
    data(b"release %s\n" % args.tag.encode())
out.write(b"done\n")
