#!/usr/bin/env python3
"""Random-edit fuzz of `clivec lsp`: thousands of random incremental edits to
the modules of a copy of examples/server, interleaved with every request the
server advertises, at random positions.

    lsp_fuzz.py CLIVEC SOURCE_DIR [--edits N] [--seed S] [--timeout SECONDS]

Edits insert and delete clive tokens, random characters (multi-byte UTF-8,
characters outside the BMP, whose UTF-16 halves a position can split) and
newlines; some use positions LSP leaves to the server to clamp (inside a
surrogate pair, past the end of a line or of the document), some carry bytes
that are not UTF-8 or JSON at all. Requests are sometimes cancelled, invalid,
or of unknown methods, and other client notifications (didSave, watched files,
settings) and pauses that let debounced checks run come in between. Asserts that the server never crashes,
answers every request (a result or a JSON-RPC error) within the timeout, and
exits with 0 after shutdown and exit. The seed is fixed by default and printed
on failure; rerun with --seed to reproduce.
"""
import argparse
import os
import random
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import LspClient, ServerError, file_uri, position_of  # noqa: E402

TOKENS = [
    "import", "type", "enum", "val", "fn", "if", "else", "when", "for", "in", "true", "false", "null",
    "as", "this", "JVM", "JVMArgs", "Dependencies", "Artifacts", "backendModule", "ratpack", "hadoop",
    "library", "jvm", "version", "provider", "args", "memory", "compile", "copy", "x", "List<Int>",
    "{", "}", "(", ")", "[", "]", "<", ">", ".", ",", ";", ":", "=", "==", "->", "?.", "?:", "+", "-",
    "*", "/", "%", "!", "&&", "||", "@collect", '"', '"${', "${", "\\", "//", "///", "/*", "*/",
    "16.GB", "512.MiB", "30.s", "1.5.GB", "42", "1_000", "2.0e-3", "99999999999999999999",
    "JVM.Provider.", "JVM {", "jvm = JVM { ", "val y = ", "import clive.model.jvm.{", " ", "  ", "\n",
    "\t", "\r\n", "é", "中", "😀", "𝔘", "\u200b", "\x00", "\x7f",
]
# Requests at a position, and the params each takes besides it.
POSITION_REQUESTS = {
    "textDocument/completion": "completionProvider",
    "textDocument/hover": "hoverProvider",
    "textDocument/definition": "definitionProvider",
    "textDocument/references": "referencesProvider",
    "textDocument/signatureHelp": "signatureHelpProvider",
    "textDocument/documentHighlight": "documentHighlightProvider",
    "textDocument/prepareRename": "renameProvider",
    "textDocument/rename": "renameProvider",
}
DOCUMENT_REQUESTS = {
    "textDocument/documentSymbol": "documentSymbolProvider",
    "textDocument/semanticTokens/full": "semanticTokensProvider",
    "textDocument/formatting": "documentFormattingProvider",
    "textDocument/inlayHint": "inlayHintProvider",
    "textDocument/codeAction": "codeActionProvider",
    "textDocument/foldingRange": "foldingRangeProvider",
}


class Document:
    def __init__(self, path):
        self.uri = file_uri(path)
        with open(path, encoding="utf-8") as f:
            self.original = self.text = f.read()
        self.version = 1
        self.open = False


class Fuzzer:
    def __init__(self, client, documents, rng, timeout, capabilities):
        self.client, self.documents, self.rng, self.timeout = client, documents, rng, timeout
        self.history = []  # the last operations, for the failure report
        self.pending = []  # ids of requests sent and not yet answered
        self.position_requests = [m for m, c in POSITION_REQUESTS.items() if capabilities.get(c)]
        self.document_requests = [m for m, c in DOCUMENT_REQUESTS.items() if capabilities.get(c)]
        if capabilities.get("workspaceSymbolProvider"):
            self.document_requests.append("workspace/symbol")
        self.answered = 0
        self.with_results = 0  # answers with a non-empty result

    def log(self, text):
        self.history.append(text)
        del self.history[:-12]

    def random_offset(self, doc):
        return self.rng.randint(0, len(doc.text))

    def random_position(self, doc):
        roll = self.rng.random()
        if roll < 0.9:
            return position_of(doc.text, self.random_offset(doc))
        lines = doc.text.split("\n")
        line = self.rng.randint(0, len(lines) + 2)
        # Past the end of a line or the document, or anywhere in between:
        # possibly the second half of a surrogate pair.
        return {"line": line, "character": self.rng.choice([0, 1, 7, 80, 10**6])}

    def random_text(self):
        if self.rng.random() < 0.8:
            return "".join(self.rng.choice(TOKENS) for _ in range(self.rng.randint(1, 3)))
        return "".join(chr(self.rng.choice([self.rng.randint(0x20, 0x7e), self.rng.randint(0xa0, 0x2fff),
                                             self.rng.randint(0x1f300, 0x1f6ff)]))
                       for _ in range(self.rng.randint(1, 6)))

    def change(self, doc, changes):
        doc.version += 1
        self.client.notify("textDocument/didChange", {
            "textDocument": {"uri": doc.uri, "version": doc.version}, "contentChanges": changes})

    def edit(self, doc):
        roll = self.rng.random()
        if roll < 0.02:
            # Back to the valid module now and then, so that edits also land
            # in code that (nearly) checks, not only in ever deeper garbage.
            self.log("reset %s" % doc.uri)
            doc.text = doc.original
            self.change(doc, [{"text": doc.text}])
            return
        if roll < 0.05:
            # A position the server must clamp; resynchronize with the full
            # text afterwards, as we cannot know exactly what it did.
            start = self.random_position(doc)
            end = start if self.rng.random() < 0.5 else self.random_position(doc)
            text = self.random_text()
            self.log("clamped edit %s-%s %r" % (start, end, text))
            self.change(doc, [{"range": {"start": start, "end": end}, "text": text}])
            self.change(doc, [{"text": doc.text}])
            return
        if roll < 0.07:
            # Bytes that are not UTF-8 inside the JSON of a change.
            garbage = bytes(self.rng.choice([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0]) for _ in range(3))
            self.log("invalid UTF-8 in a didChange")
            doc.version += 1
            pos = b'{"line":0,"character":0}'
            self.client.send_body(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":'
                                  b'{"uri":"%s","version":%d},"contentChanges":[{"range":{"start":%s,"end":%s},'
                                  b'"text":"%s"}]}}' % (doc.uri.encode(), doc.version, pos, pos, garbage))
            self.change(doc, [{"text": doc.text}])
            return
        if roll < 0.08:
            self.log("lone surrogate in a didChange")
            doc.version += 1
            self.client.send_body(b'{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":'
                                  b'{"uri":"%s","version":%d},"contentChanges":[{"text":"\\ud800x"}]}}'
                                  % (doc.uri.encode(), doc.version))
            self.change(doc, [{"text": doc.text}])
            return
        start = self.random_offset(doc)
        end = min(len(doc.text), start + self.rng.choice([0, 0, 1, 1, 2, 5, 20]))
        text = self.random_text() if self.rng.random() < 0.6 or start == end else ""
        change = {"range": {"start": position_of(doc.text, start), "end": position_of(doc.text, end)},
                  "text": text}
        doc.text = doc.text[:start] + text + doc.text[end:]
        self.log("edit %s %r" % (change["range"], text))
        self.change(doc, [change])

    def request(self, doc):
        roll = self.rng.random()
        text_document = {"uri": doc.uri}
        if roll < 0.6 and self.position_requests:
            method = self.rng.choice(self.position_requests)
            params = {"textDocument": text_document, "position": self.random_position(doc)}
            if method == "textDocument/references":
                params["context"] = {"includeDeclaration": True}
            if method == "textDocument/rename":
                params["newName"] = self.rng.choice(["renamed", "x", "1bad", ""])
        elif roll < 0.95 and self.document_requests:
            method = self.rng.choice(self.document_requests)
            params = {"textDocument": text_document}
            if method == "workspace/symbol":
                params = {"query": self.rng.choice(["", "ser", "JVM", "zz"])}
            if method == "textDocument/formatting":
                params["options"] = {"tabSize": 2, "insertSpaces": True}
            if method in ("textDocument/inlayHint", "textDocument/codeAction"):
                params["range"] = {"start": self.random_position(doc), "end": self.random_position(doc)}
            if method == "textDocument/codeAction":
                params["context"] = {"diagnostics": []}
        else:
            # Unknown methods and malformed params must get JSON-RPC errors.
            method = self.rng.choice(["textDocument/hover", "clive/unknown", "textDocument/completion"])
            params = self.rng.choice([{}, {"textDocument": {"uri": 5}}, {"position": "x"}, None])
        request_id, _ = self.client.start_request(method, params)
        self.log("request %d %s %s" % (request_id, method, params.get("position", "") if params else ""))
        self.pending.append((request_id, method))
        if self.rng.random() < 0.1:
            # A cancelled request is still answered (a result, or -32800).
            self.log("cancel %d" % request_id)
            self.client.notify("$/cancelRequest", {"id": request_id})

    def other_notification(self, doc):
        """What editors send besides edits: saves, watched files, settings."""
        method, params = self.rng.choice([
            ("textDocument/didSave", {"textDocument": {"uri": doc.uri}}),
            ("workspace/didChangeWatchedFiles", {"changes": [{"uri": doc.uri, "type": 2}]}),
            ("workspace/didChangeConfiguration", {"settings": {}}),
            ("$/setTrace", {"value": "verbose"}),
            ("clive/unknownNotification", {}),
        ])
        self.log("notify %s" % method)
        self.client.notify(method, params)

    def collect(self, keep=0):
        """Waits for the answers to all but the last `keep` pending requests."""
        while len(self.pending) > keep:
            request_id, method = self.pending.pop(0)
            _, answer = self.client.response(request_id, self.timeout, method)
            if ("result" in answer) == ("error" in answer):
                raise ServerError("answer to %s has neither or both of result and error: %s" % (method, answer))
            self.answered += 1
            if answer.get("result") not in (None, [], {}):
                self.with_results += 1

    def open_or_close(self, doc):
        if doc.open:
            self.log("close %s" % doc.uri)
            self.client.notify("textDocument/didClose", {"textDocument": {"uri": doc.uri}})
            doc.open = False
        else:
            self.log("open %s" % doc.uri)
            self.client.notify("textDocument/didOpen", {"textDocument": {
                "uri": doc.uri, "languageId": "clive", "version": doc.version, "text": doc.text}})
            doc.open = True

    def run(self, edits):
        for doc in self.documents:
            self.open_or_close(doc)
        done = 0
        while done < edits:
            doc = self.rng.choice(self.documents)
            roll = self.rng.random()
            if roll < 0.01:
                self.open_or_close(doc)
            elif roll < 0.02:
                self.other_notification(doc)
            elif roll < 0.05:
                # A pause, so that debounced checks of the document (and now
                # and then of the workspace) run between edits and requests.
                pause = self.rng.choice([0.005, 0.02, 0.02, 0.05, 0.3])
                self.log("pause %.3f s" % pause)
                time.sleep(pause)
            elif not doc.open:
                self.open_or_close(doc)
            elif roll < 0.7:
                self.edit(doc)
                done += 1
            else:
                self.request(doc)
            # Keep a few requests in flight behind the edits.
            self.collect(keep=self.rng.randint(0, 3))
        self.collect()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("clivec")
    parser.add_argument("source_dir")
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="clive-lsp-fuzz-") as tmp:
        workspace = os.path.join(tmp, "server")
        shutil.copytree(os.path.join(args.source_dir, "examples", "server"), workspace)
        env = dict(os.environ, CLIVE_CEILING_DIRECTORIES=tmp)
        client = LspClient(os.path.abspath(args.clivec), env=env, cwd=workspace)
        client.keep_notifications = False
        rng = random.Random(args.seed)
        started = time.monotonic()
        fuzzer = None
        try:
            capabilities = client.initialize(workspace)
            documents = [Document(os.path.join(workspace, "clive.cl")),
                         Document(os.path.join(workspace, "thirdParty", "clive.cl"))]
            fuzzer = Fuzzer(client, documents, rng, args.timeout, capabilities)
            fuzzer.run(args.edits)
            code = client.shutdown()
            if code != 0:
                raise ServerError("exit code %d after shutdown and exit" % code)
        except ServerError as e:
            client.kill()
            history = "\n  ".join(fuzzer.history if fuzzer else [])
            sys.exit("lsp_fuzz: FAILED with --seed %d --edits %d: %s\nlast operations:\n  %s\nserver stderr:\n%s"
                     % (args.seed, args.edits, e, history, client.stderr_tail()))
    print("lsp_fuzz: %d edits, %d requests answered (%d with a non-empty result), %d notifications, seed %d, "
          "%.1f s: no crash, no hang, clean exit" % (args.edits, fuzzer.answered, fuzzer.with_results,
                                                   client.notification_count, args.seed, time.monotonic() - started))


if __name__ == "__main__":
    main()
