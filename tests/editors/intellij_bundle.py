#!/usr/bin/env python3
"""The IntelliJ files: make-textmate-bundle writes a bundle whose grammar and
language configuration are the VS Code extension's, byte for byte, and the
LSP4IJ template maps clive.cl and *.cl to the language id the bundle declares.

    intellij_bundle.py SOURCE_DIR WORK_DIR
"""
import filecmp
import json
import os
import subprocess
import sys


def main():
    source, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    intellij = os.path.join(source, "editors", "intellij")
    vscode = os.path.join(source, "editors", "vscode")
    subprocess.run([sys.executable, os.path.join(intellij, "make-textmate-bundle"), work], check=True)
    bundle = os.path.join(work, "clive")
    with open(os.path.join(bundle, "package.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    grammar, = manifest["contributes"]["grammars"]
    language, = manifest["contributes"]["languages"]
    for relative in (grammar["path"], language["configuration"]):
        if not filecmp.cmp(os.path.join(bundle, relative), os.path.join(vscode, relative), shallow=False):
            sys.exit("intellij_bundle: %s differs from the VS Code extension's" % relative)
    with open(os.path.join(bundle, grammar["path"]), encoding="utf-8") as f:
        if json.load(f)["scopeName"] != grammar["scopeName"]:
            sys.exit("intellij_bundle: the grammar's scopeName is not %s" % grammar["scopeName"])
    with open(os.path.join(intellij, "lsp4ij-template", "template.json"), encoding="utf-8") as f:
        template = json.load(f)
    if template["programArgs"]["default"] != "clivec lsp":
        sys.exit("intellij_bundle: the LSP4IJ template does not run `clivec lsp`")
    mapping, = template["fileTypeMappings"]
    if mapping["languageId"] != language["id"] or set(mapping["fileType"]["patterns"]) != {"clive.cl", "*.cl"}:
        sys.exit("intellij_bundle: the LSP4IJ template's mapping is not clive.cl/*.cl -> %s: %s"
                 % (language["id"], mapping))
    print("intellij_bundle: %s holds the VS Code grammar and configuration; the LSP4IJ template maps "
          "clive.cl, *.cl -> %s" % (bundle, language["id"]))


if __name__ == "__main__":
    main()
