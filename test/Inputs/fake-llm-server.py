#!/usr/bin/env python3
"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests.

Usage:
  fake-llm-server.py --script SCRIPT.json --port-file PORT [--log LOG.jsonl]
                     [--parent-pid PID]

It listens on 127.0.0.1 on a free port and, once it accepts connections,
writes the port number to PORT (atomically: the file appears complete). Point
a client at http://127.0.0.1:$(cat PORT)/v1. It answers POST requests to
/v1/chat/completions and /chat/completions; anything else gets 404. It
stops on SIGTERM or SIGINT, or by itself when its parent (or --parent-pid)
is gone. A script with an unknown key stops it at start with a message.

The script is JSON:
  {
    "steps":   [ACTION, ...],  one per request, in order of arrival
    "match":   [ACTION + {"contains": "TEXT", "times": N}, ...],
    "default": ACTION
  }
A request is answered by the first "match" entry whose TEXT occurs in its
prompt (all message contents joined by newlines; "times" limits how often
an entry is used, unlimited without it), else by the next step, else by
"default" (without one: HTTP 500 "the script is exhausted"). A step with
"repeat": N answers N requests.

ACTION is one object; every action may add "delay": SECONDS first.
  {"reply": "TEXT"}            200 with TEXT as choices[0].message.content;
                               optional "finish_reason" (default "stop"),
                               "model" (default: the one asked for), "usage":
                               [PROMPT, COMPLETION] or null to omit it
                               (default: len(prompt)//4, len(TEXT)//4).
  {"huge": BYTES}              a well-formed reply whose content is BYTES long.
  {"status": CODE}             CODE with an OpenAI-style JSON error body;
                               optional "error": MESSAGE, "retry_after":
                               "VALUE" (the header, verbatim) or
                               "retry_after_in": SECONDS (as an HTTP date).
  {"raw": "TEXT"}              TEXT as the body, as is (invalid JSON, an
                               empty body ...); optional "status" (200),
                               "content_type" (application/json).
  {"truncate": true}           announces the whole reply's length, sends half
                               of it and closes; optional "reply".
  {"close": true}              closes the connection without answering.
  {"hang": true}               never answers; returns when the client goes.
  {"echo": true}               replies with the prompt itself.

Every request is logged to LOG.jsonl, one JSON object a line:
  {"seq": N, "method": ..., "path": ..., "headers": {NAME: VALUE, ...},
   "body": PARSED_JSON_OR_TEXT, "action": KIND}
where KIND is "reply", "huge", "raw", "truncate", "close", "hang", "echo",
"status CODE", or "no_route" for a request outside the API (seq 0).
Headers are logged as received, Authorization included, so that a test can
check which key was sent.

POST /_control/script with a script as the body replaces the script and
empties the log, so that one server can serve many tests: 200 when done,
400 with {"error": ...} for a bad script.

Python's standard library only.
"""

import argparse
import email.utils
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


ACTION_KEYS = {"reply", "finish_reason", "model", "usage", "huge", "status",
               "error", "retry_after", "retry_after_in", "raw", "content_type",
               "truncate", "close", "hang", "echo", "delay"}


def check(spec):
    if not isinstance(spec, dict):
        raise ValueError("the script must be a JSON object")
    unknown = set(spec) - {"steps", "match", "default"}
    if unknown:
        raise ValueError("unknown script key(s) %s" % sorted(unknown))
    actions = [(a, ACTION_KEYS | {"repeat"}) for a in spec.get("steps", [])]
    actions += [(a, ACTION_KEYS | {"contains", "times"})
                for a in spec.get("match", [])]
    if "default" in spec:
        actions.append((spec["default"], ACTION_KEYS))
    for action, allowed in actions:
        if not isinstance(action, dict):
            raise ValueError("an action must be an object: %r" % (action,))
        unknown = set(action) - allowed
        if unknown:
            raise ValueError("unknown key(s) %s in %r"
                             % (sorted(unknown), action))


class Script:
    def __init__(self, spec):
        check(spec)
        self.lock = threading.Lock()
        self.steps = []
        for step in spec.get("steps", []):
            for _ in range(int(step.get("repeat", 1))):
                self.steps.append(step)
        self.match = [dict(m) for m in spec.get("match", [])]
        self.default = spec.get(
            "default", {"status": 500, "error": "the script is exhausted"})
        self.seq = 0

    def next(self, prompt):
        with self.lock:
            self.seq += 1
            seq = self.seq
            for m in self.match:
                if m.get("contains", "") not in prompt:
                    continue
                if "times" in m:
                    if m["times"] <= 0:
                        continue
                    m["times"] -= 1
                return seq, m
            if self.steps:
                return seq, self.steps.pop(0)
            return seq, self.default


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.path = path
        self.file = open(path, "a", encoding="utf-8") if path else None

    def restart(self):
        if not self.file:
            return
        with self.lock:
            self.file.close()
            self.file = open(self.path, "w", encoding="utf-8")

    def write(self, record):
        if not self.file:
            return
        with self.lock:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()


def prompt_of(body):
    if not isinstance(body, dict):
        return ""
    parts = []
    for m in body.get("messages") or []:
        if isinstance(m, dict) and isinstance(m.get("content"), str):
            parts.append(m["content"])
    return "\n".join(parts)


def kind_of(action):
    for kind in ("hang", "close", "raw", "truncate", "huge", "echo", "reply"):
        if kind in action:
            return kind
    return "status %d" % int(action.get("status", 500))


def chat_reply(body, text, action):
    model = action.get("model") or (
        body.get("model") if isinstance(body, dict) else None) or "fake"
    reply = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": action.get("finish_reason", "stop"),
        }],
    }
    usage = action.get("usage", "default")
    if usage == "default":
        usage = [len(prompt_of(body)) // 4, len(text) // 4]
    if usage is not None:
        reply["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        }
    return json.dumps(reply).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-llm-server"
    # Headers and body go out in two writes; with Nagle's algorithm the body
    # would wait for the client's delayed ACK (40ms a reply).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def send_body(self, status, body, content_type="application/json",
                  headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def client_gone(self, timeout):
        readable, _, _ = select.select([self.connection], [], [], timeout)
        if not readable:
            return False
        try:
            return not self.connection.recv(1, socket.MSG_PEEK)
        except OSError:
            return True

    def do_GET(self):
        self.handle_any(None)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = raw.decode("utf-8", "replace")
        self.handle_any(body)

    def load_script(self, body):
        try:
            script = Script(body)
        except ValueError as e:
            self.send_body(400, json.dumps({"error": str(e)}).encode())
            return
        self.server.script = script
        self.server.log.restart()
        self.send_body(200, b'{"ok": true}')

    def handle_any(self, body):
        server = self.server
        if self.command == "POST" and self.path == "/_control/script":
            self.load_script(body)
            return
        record = {
            "method": self.command,
            "path": self.path,
            "headers": dict(self.headers.items()),
            "body": body,
        }
        if self.command != "POST" or self.path not in (
                "/v1/chat/completions", "/chat/completions"):
            record["seq"] = 0
            record["action"] = "no_route"
            server.log.write(record)
            self.send_body(404, json.dumps({"error": {
                "message": "no route %s %s" % (self.command, self.path),
                "code": 404}}).encode())
            return
        prompt = prompt_of(body)
        seq, action = server.script.next(prompt)
        record["seq"] = seq
        record["action"] = kind_of(action)
        server.log.write(record)

        delay = float(action.get("delay", 0))
        if delay > 0:
            time.sleep(delay)

        if action.get("hang"):
            while not self.client_gone(0.5):
                pass
            self.close_connection = True
            return
        if action.get("close"):
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if "raw" in action:
            self.send_body(int(action.get("status", 200)),
                           action["raw"].encode(),
                           action.get("content_type", "application/json"))
            return
        if action.get("truncate"):
            full = chat_reply(body, action.get("reply", "x" * 4000), action)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(full)))
            self.end_headers()
            self.wfile.write(full[:len(full) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if "huge" in action:
            self.send_body(200, chat_reply(body, "x" * int(action["huge"]),
                                           action))
            return
        if action.get("echo"):
            self.send_body(200, chat_reply(body, prompt, action))
            return
        if "reply" in action:
            self.send_body(200, chat_reply(body, action["reply"], action))
            return
        status = int(action.get("status", 500))
        headers = []
        if "retry_after" in action:
            headers.append(("Retry-After", str(action["retry_after"])))
        if "retry_after_in" in action:
            when = time.time() + float(action["retry_after_in"])
            headers.append(("Retry-After",
                            email.utils.formatdate(when, usegmt=True)))
        message = action.get("error", "fake error %d" % status)
        self.send_body(status, json.dumps({"error": {
            "message": message, "type": "fake", "code": status}}).encode(),
            headers=headers)


def watch_parent(parent):
    while True:
        time.sleep(0.5)
        alive = True
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            alive = False
        except PermissionError:
            pass
        if not alive or os.getppid() == 1:
            os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--script", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log")
    parser.add_argument("--parent-pid", type=int)
    args = parser.parse_args()
    try:
        with open(args.script, encoding="utf-8") as f:
            script = Script(json.load(f))
    except (OSError, ValueError) as e:
        sys.exit("fake-llm-server: %s: %s" % (args.script, e))

    # The default backlog of 5 drops connections when many arrive at once,
    # and the client's retransmission adds a second to each.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    server.script = script
    server.log = Log(args.log)

    # A hung handler must not keep the process alive: leave at once.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: os._exit(0))
    parent = args.parent_pid or os.getppid()
    threading.Thread(target=watch_parent, args=(parent,), daemon=True).start()

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
