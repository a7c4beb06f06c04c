"""A small LSP client over a `clivec lsp` subprocess, for the random-edit
fuzz test (lsp_fuzz.py) and the latency benchmark (bench/lsp-latency).

A reader thread parses the server's `Content-Length` frames as they arrive and
stamps each message with time.monotonic(), so latencies are measured at the
moment the answer is read, not when the caller gets round to it.
"""
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.parse


class ServerError(Exception):
    """The server broke the protocol, died, or did not answer in time."""


def file_uri(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def utf16_length(text):
    return len(text.encode("utf-16-le")) // 2


def position_of(text, offset):
    """The LSP position (line, UTF-16 column) of code point `offset` in `text`."""
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": utf16_length(text[line_start:offset])}


class LspClient:
    def __init__(self, clivec, env=None, cwd=None):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([clivec, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, cwd=cwd)
        self.next_id = 1
        self.lock = threading.Condition()
        self.responses = {}       # id -> (monotonic time, message)
        self.notifications = []   # (monotonic time, message), when kept
        self.keep_notifications = True
        self.notification_count = 0
        self.protocol_error = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # -- reading --------------------------------------------------------------

    def _read(self):
        stream = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    raise ServerError("a frame without Content-Length")
                body = stream.read(length)
                now = time.monotonic()
                message = json.loads(body)
                with self.lock:
                    if "id" in message and "method" not in message:
                        self.responses[message["id"]] = (now, message)
                    else:
                        self.notification_count += 1
                        if self.keep_notifications:
                            self.notifications.append((now, message))
                    self.lock.notify_all()
        except (ValueError, ServerError) as e:
            with self.lock:
                self.protocol_error = "unreadable output from the server: %s" % e
                self.lock.notify_all()
        finally:
            with self.lock:
                self.lock.notify_all()

    def _wait(self, ready, timeout, what):
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = ready()
                if found is not None:
                    return found
                if self.protocol_error:
                    raise ServerError(self.protocol_error)
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise ServerError("the server exited (code %s) while waiting for %s"
                                      % (self.proc.returncode, what))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ServerError("no %s within %.1f s" % (what, timeout))
                self.lock.wait(min(left, 0.5))

    def response(self, request_id, timeout, what="response"):
        """(time read, message) of the response to `request_id`."""
        return self._wait(lambda: self.responses.pop(request_id, None), timeout,
                          "%s to request %s" % (what, request_id))

    def wait_notification(self, predicate, timeout, what="notification", since=0):
        """(time read, message) of the first kept notification at index >=
        `since` for which `predicate(message)` holds."""
        def find():
            for stamped in self.notifications[since:]:
                if predicate(stamped[1]):
                    return stamped
            return None
        return self._wait(find, timeout, what)

    # -- writing --------------------------------------------------------------

    def send_body(self, body):
        """Frames and sends raw bytes (which need not be valid JSON or UTF-8)."""
        try:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise ServerError("the server stopped reading: %s" % e)

    def send(self, message):
        self.send_body(json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass"))

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def start_request(self, method, params):
        """Sends a request; returns (id, monotonic time sent)."""
        request_id = self.next_id
        self.next_id += 1
        sent = time.monotonic()
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return request_id, sent

    def request(self, method, params, timeout):
        request_id, _ = self.start_request(method, params)
        return self.response(request_id, timeout, method)[1]

    # -- lifecycle ------------------------------------------------------------

    def initialize(self, root, timeout=30):
        answer = self.request("initialize", {"processId": os.getpid(), "rootUri": file_uri(root),
                                             "capabilities": {}}, timeout)
        if "result" not in answer:
            raise ServerError("initialize failed: %s" % answer)
        self.notify("initialized", {})
        return answer["result"]["capabilities"]

    def shutdown(self, timeout=30):
        """shutdown, then exit; returns the server's exit code."""
        answer = self.request("shutdown", None, timeout)
        if answer.get("result", "missing") is not None:
            raise ServerError("shutdown answered %s" % answer)
        self.notify("exit", None)
        self.proc.stdin.close()
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise ServerError("the server did not exit within %d s of `exit`" % timeout)

    def stderr_tail(self, limit=4000):
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-limit:]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
