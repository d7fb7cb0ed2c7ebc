"""A raw JSON-RPC client for `rspdsl lsp` (no pygls): it replays the LSP transcript in
docs/editors.md and checks that the server sends what the transcript shows."""
from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
from typing import Any

WAIT = 60.0


class RawClient:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "rspdsl", "lsp"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.received: queue.Queue[dict] = queue.Queue()
        self.backlog: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    return
                if header in (b"\r\n", b"\n"):
                    break
                found = re.match(rb"Content-Length: (\d+)", header)
                if found:
                    length = int(found.group(1))
            if length is None:
                return
            self.received.put(json.loads(stream.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def expect(self, wanted: dict) -> dict:
        """The first message received (now or within WAIT seconds) that contains `wanted`."""
        for i, message in enumerate(self.backlog):
            if contains(message, wanted):
                return self.backlog.pop(i)
        while True:
            try:
                message = self.received.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"the server never sent {json.dumps(wanted)[:300]}; it sent "
                                     f"{[json.dumps(m)[:200] for m in self.backlog]}") from None
            if contains(message, wanted):
                return message
            self.backlog.append(message)

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout=WAIT)


def contains(actual: Any, wanted: Any) -> bool:
    """`wanted` is `actual` with some object keys left out (an abridged message)."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(k in actual and contains(actual[k], v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(actual, list) and len(actual) == len(wanted) and all(
            contains(a, w) for a, w in zip(actual, wanted))
    return actual == wanted


def parse_transcript(markdown: str) -> list[tuple[str, dict]]:
    """The ```lsp blocks of a document: `-->` (client to server) and `<--` (server to client),
    each followed by one JSON message that may span several lines."""
    steps: list[tuple[str, dict]] = []
    for block in re.findall(r"^```lsp\n(.*?)^```", markdown, re.S | re.M):
        for arrow, body in re.findall(r"^(-->|<--) (.*?)(?=^(?:-->|<--) |\Z)", block, re.S | re.M):
            steps.append((arrow, json.loads(body)))
    return steps
