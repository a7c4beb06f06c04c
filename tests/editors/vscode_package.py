#!/usr/bin/env python3
"""Builds the VS Code extension as a user would: `npm ci`, `npm test` (the
grammar's tokenization tests), `npm run package`, in a copy of editors/vscode
under WORK_DIR, and checks what the .vsix holds.

    vscode_package.py SOURCE_DIR WORK_DIR

Exits 77 (CTest: skipped, with the reason printed) only when the npm registry
cannot be reached; every other failure fails.
"""
import os
import re
import shutil
import subprocess
import sys
import zipfile

NPM_TIMEOUT_S = 400
UNREACHABLE = re.compile(r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH")
EXPECTED_IN_VSIX = [
    "extension/package.json",
    "extension/out/extension.js",
    "extension/syntaxes/clive.tmLanguage.json",
    "extension/language-configuration.json",
    "extension/node_modules/vscode-languageclient/package.json",
]


def npm(args, cwd):
    print("+ npm " + " ".join(args), flush=True)
    proc = subprocess.run(["npm"] + args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=NPM_TIMEOUT_S)
    print(proc.stdout[-4000:])
    return proc


def main():
    source, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    # The same layout as the repository: the grammar test reads ../../examples.
    extension = os.path.join(work, "editors", "vscode")
    shutil.rmtree(extension, ignore_errors=True)
    shutil.copytree(os.path.join(source, "editors", "vscode"), extension,
                    ignore=shutil.ignore_patterns("node_modules", "out", "*.vsix"))
    shutil.rmtree(os.path.join(work, "examples"), ignore_errors=True)
    shutil.copytree(os.path.join(source, "examples"), os.path.join(work, "examples"))

    install = npm(["ci", "--no-audit", "--no-fund"], extension)
    if install.returncode != 0:
        if UNREACHABLE.search(install.stdout):
            print("vscode_package: SKIPPED: the npm registry is unreachable")
            sys.exit(77)
        sys.exit("vscode_package: npm ci failed")
    for script in ("test", "run package"):
        if npm(script.split(), extension).returncode != 0:
            sys.exit("vscode_package: npm %s failed" % script)

    packages = [f for f in os.listdir(extension) if re.fullmatch(r"clive-.*\.vsix", f)]
    if len(packages) != 1:
        sys.exit("vscode_package: expected one clive-*.vsix, found %s" % packages)
    with zipfile.ZipFile(os.path.join(extension, packages[0])) as vsix:
        names = set(vsix.namelist())
    missing = [name for name in EXPECTED_IN_VSIX if name not in names]
    if missing:
        sys.exit("vscode_package: %s lacks %s" % (packages[0], ", ".join(missing)))
    print("vscode_package: built %s (%d files)" % (packages[0], len(names)))


if __name__ == "__main__":
    main()
