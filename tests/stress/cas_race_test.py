#!/usr/bin/env python3
"""Concurrency: several processes compare-and-swap the same ref.

Each of W workers increments a counter kept in refs/race/counter R times,
retrying when its compare-and-swap loses. At the end the counter must be
exactly W*R (no lost update), and every loss must have surfaced as a clear
"ref ... changed" error. Prints `N passed, M failed`."""
import os
import subprocess
import sys
import tempfile


def main():
    worker = sys.argv[1]
    workers, rounds = 4, 150
    failures = []
    with tempfile.TemporaryDirectory(prefix="clive-race-") as tmp:
        store = os.path.join(tmp, "store")
        # Create the store first so that the workers race on the ref only.
        subprocess.run([worker, "check", store], check=True, stdout=subprocess.DEVNULL)
        procs = [subprocess.Popen([worker, "cas", store, str(i), str(rounds)],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for i in range(workers)]
        lost_total = 0
        for p in procs:
            text = p.communicate()[0].decode().strip()
            if p.returncode != 0 or not text.startswith("lost "):
                failures.append("worker failed: " + text)
                continue
            _, lost, message = (text.split(" ", 2) + [""])[:3]
            lost_total += int(lost)
            if int(lost) and "refs/race/counter changed" not in message:
                failures.append("unclear loser message: " + message)
        value = subprocess.run([worker, "value", store, "refs/race/counter"],
                               stdout=subprocess.PIPE).stdout.decode().strip()
        if value != str(workers * rounds):
            failures.append("counter is %r, expected %d: an update was lost" %
                            (value, workers * rounds))
        print("%d workers x %d increments, %d compare-and-swap losses retried" %
              (workers, rounds, lost_total))
    for f in failures:
        print(f)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
