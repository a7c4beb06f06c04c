#!/usr/bin/env python3
"""Runs a command and prints, in order: its stdout, its stderr, `exit=N`.

lit's internal shell cannot check an exact exit status (only `not`), and
several clivec contracts are about the exact code (1 vs 2) and about how many
lines reach stderr. This makes both checkable with FileCheck."""
import subprocess
import sys

proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
sys.stdout.write(proc.stderr.decode("utf-8", "replace"))
sys.stdout.write("exit=%d\n" % proc.returncode)
