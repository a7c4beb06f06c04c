#!/usr/bin/env python3
"""Crash safety of multi-ref transactions.

Many times: start a process that commits 8-ref transactions as fast as it can
(`ref_worker crash`), SIGKILL it at a random moment, then reopen the store in a
new process and check that
  * the 8 refs agree (no transaction is half applied),
  * the last transaction acknowledged before the kill is there (durability:
    the refs hold that transaction or a later one that was committed but not
    yet acknowledged),
  * `clivec store fsck` is clean.
Prints `N passed, M failed` and exits non-zero on any failure."""
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time


def main():
    worker, clivec = sys.argv[1], sys.argv[2]
    trials = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    rng = random.Random(int(os.environ.get("CLIVE_CRASH_SEED", "1234")))
    passed = failed = 0
    acknowledged = 0
    with tempfile.TemporaryDirectory(prefix="clive-crash-") as tmp:
        store = os.path.join(tmp, "store")
        for trial in range(trials):
            proc = subprocess.Popen([worker, "crash", store], stdout=subprocess.PIPE)
            # Kill at a random moment, including during the very first
            # transactions and while the store is being created.
            time.sleep(rng.uniform(0.0, 0.25))
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate()
            acks = [int(m) for m in re.findall(rb"^ack txn (\d+)", out, re.M)]
            acknowledged += len(acks)
            check = subprocess.run([worker, "check", store], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
            state = check.stdout.decode().strip()
            problem = None
            if check.returncode != 0:
                problem = "reopen/check failed: " + state
            elif acks:
                m = re.match(r"txn (\d+)", state)
                # Each trial restarts numbering at 1 but continues from the
                # refs' current values, so compare the blob the refs hold
                # against the last acknowledged one of this trial.
                if not m or int(m.group(1)) < acks[-1]:
                    problem = "acknowledged txn %d lost; store holds %r" % (acks[-1], state)
            if problem is None:
                fsck = subprocess.run([clivec, "store", "fsck", "--store", store],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                if fsck.returncode != 0:
                    problem = "fsck: " + fsck.stdout.decode().strip()
            if problem:
                failed += 1
                print("trial %d: %s" % (trial, problem))
            else:
                passed += 1
    print("crash trials: %d, transactions acknowledged before the kills: %d, torn or lost: %d"
          % (trials, acknowledged, failed))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
