#!/usr/bin/env python3
"""End to end in a real editor: headless Neovim, its built-in LSP client and
editors/nvim, against `clivec lsp` on a copy of examples/server.

    nvim_e2e.py CLIVEC SOURCE_DIR

nvim_e2e.lua drives the editor and writes what it received to a report; this
script asserts on the report: diagnostics, completion, definition, hover,
document symbols, references, signature help, inlay hints, semantic tokens,
workspace symbols, rename, formatting and code actions.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

NVIM_TIMEOUT_S = 120


def expect(condition, what, detail):
    if not condition:
        raise AssertionError("%s\n  got: %s" % (what, json.dumps(detail, indent=2)))


def check_core(steps, workspace):
    main_file = os.path.join(workspace, "clive.cl")
    third_party = os.path.join(workspace, "thirdParty", "clive.cl")

    opened = steps["open"]
    expect(opened["filetype"] == "clive", "ftdetect sets filetype clive for clive.cl", opened)
    expect(opened["diagnostics"] in ([], {}), "examples/server opens without diagnostics", opened)
    expect(opened["syntax"] == {"//": "cliveComment", "import": "cliveKeyword", "val": "cliveKeyword",
                                "JVM": "cliveTypeName", "16.GB": "cliveQuantity", '"eclipse': "cliveString"},
           "syntax/clive.vim highlights comments, keywords, types, quantities and strings", opened["syntax"])

    diagnostics = steps["diagnostics"]
    introduced = diagnostics["introduced"]
    expect(any(d["code"] == "E0103" and d["line"] == 10 and "versoin" in d["message"] for d in introduced),
           "an unknown field in the JVM block is E0103 on line 11", introduced)
    expect(diagnostics["after_fix"] in ([], {}), "fixing the field clears the diagnostic", diagnostics)

    items = {item["label"]: item for item in steps["completion"]["items"]}
    expect({"version", "provider", "args"} <= set(items), "completion in `JVM { ve` offers JVM's fields", items)
    expect(items["version"]["detail"] == "Int = 17" and items["version"]["insertText"] == "version = ",
           "the field completion carries type, default and its insert text", items["version"])

    definition = steps["definition"]
    expect(definition["file"] == third_party and definition["line"] == 3
           and definition["text"].startswith("val ratpack"),
           "go-to-definition on `ratpack` jumps to thirdParty/clive.cl line 4", definition)
    expect(definition["filetype"] == "clive" and definition["client_roots"] == [workspace],
           "the opened module is a clive buffer served by the same server", definition)

    hover = steps["hover"]["contents"] or ""
    expect("fn library(" in hover and "Library" in hover, "hover on `library` shows its signature", hover)

    names = steps["document_symbols"]["names"]
    expect(names == ["ratpack", "hadoop"], "document symbols of thirdParty are its two cells", names)
    return main_file, third_party


def check_pending(steps, main_file, third_party):
    if "referencesProvider" in steps:
        found = steps["referencesProvider"]["locations"]
        expect(found == [{"file": main_file, "line": 4}, {"file": main_file, "line": 8},
                         {"file": third_party, "line": 3}],
               "references of `ratpack`: its declaration, the import and the use in the importing module", found)
    if "signatureHelpProvider" in steps:
        help = steps["signatureHelpProvider"]
        expect(help == {"label": "library(group: String, name: String, version: String): Library", "activeParameter": 0},
               "signature help inside library(...) shows its parameters, the first one active", help)
    if "inlayHintProvider" in steps:
        hints = steps["inlayHintProvider"]["hints"]
        expect(hints == [{"line": 3, "label": ": Library"}, {"line": 4, "label": ": Library"}],
               "inlay hints give both cells their inferred type", hints)
    if "semanticTokensProvider" in steps:
        tokens = [(t["line"], t["text"], t["type"]) for t in steps["semanticTokensProvider"]["tokens"]]
        expect({(1, "import", "keyword"), (3, "ratpack", "variable"), (3, "library", "function"),
                (3, '"io.ratpack"', "string"), (0, "// Third-party libraries this workspace uses.", "comment")}
               <= set(tokens), "semantic tokens classify keywords, cells, calls, strings and comments", tokens)
    if "workspaceSymbolProvider" in steps:
        symbols = steps["workspaceSymbolProvider"]["symbols"]
        expect({"name": "hadoop", "file": third_party} in symbols, "workspace symbols find `hadoop`", symbols)
    if "renameProvider" in steps:
        renamed = steps["renameProvider"]
        expect("val ratpackCore = " in renamed["here"] and "val ratpack " not in renamed["here"],
               "rename changes the declaration", renamed)
        expect("ratpackCore.transitive" in renamed["importer"] and "{ratpackCore, hadoop}" in renamed["importer"]
               and "ratpack." not in renamed["importer"], "rename changes the importing module", renamed)
    if "documentFormattingProvider" in steps:
        line = steps["documentFormattingProvider"]["line"]
        expect(line == 'val hadoop = library("org.apache.hadoop", "hadoop-common", "3.3.6")',
               "formatting gives the line clivec fmt's layout", line)
    if "codeActionProvider" in steps:
        action = steps["codeActionProvider"]
        expect(action == {"titles": ["Replace with `version`"],
                          "applied": "  jvm = JVM { version = 21; args = JVMArgs { memory = 16.GB } }"},
               "the did-you-mean code action is offered and fixes the field", action)


def main():
    clivec, source_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    nvim = shutil.which("nvim")
    if nvim is None:
        sys.exit("nvim_e2e: nvim not found; scripts/install-deps.sh installs Debian's neovim")
    with tempfile.TemporaryDirectory(prefix="clive-nvim-") as tmp:
        workspace = os.path.join(tmp, "server")
        shutil.copytree(os.path.join(source_dir, "examples", "server"), workspace)
        report_path = os.path.join(tmp, "report.json")
        env = dict(os.environ, CLIVE_NVIM_PLUGIN=os.path.join(source_dir, "editors", "nvim"),
                   CLIVEC=clivec, CLIVE_E2E_WORKSPACE=workspace, CLIVE_E2E_REPORT=report_path,
                   CLIVE_CEILING_DIRECTORIES=tmp, XDG_STATE_HOME=tmp, XDG_CACHE_HOME=tmp, XDG_DATA_HOME=tmp)
        init = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nvim_e2e.lua")
        try:
            proc = subprocess.run([nvim, "--headless", "--clean", "-u", init], env=env, cwd=workspace,
                                  stdin=subprocess.DEVNULL, capture_output=True, timeout=NVIM_TIMEOUT_S)
        except subprocess.TimeoutExpired as e:
            sys.exit("nvim_e2e: nvim did not finish within %d s\n%s" % (NVIM_TIMEOUT_S, e.stderr or b""))
        if not os.path.exists(report_path):
            sys.exit("nvim_e2e: nvim wrote no report (exit %d)\n%s" % (proc.returncode, proc.stderr.decode()))
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        if "error" in report:
            sys.exit("nvim_e2e: the editor session failed:\n%s\nreport: %s"
                     % (report["error"], json.dumps(report["steps"], indent=2)))
        steps = report["steps"]
        if report["skipped"]:
            sys.exit("nvim_e2e: FAILED: the server does not advertise %s" % ", ".join(report["skipped"]))
        main_file, third_party = check_core(steps, workspace)
        check_pending(steps, main_file, third_party)
    print("nvim_e2e: passed: %s" % ", ".join(sorted(steps)))


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        sys.exit("nvim_e2e: FAILED: %s" % e)
