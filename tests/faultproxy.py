# faultproxy.py - an HTTP/1.1 proxy that breaks a station's uploads on purpose
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The station's --central points at the proxy, the proxy at catd-central.
# Each request is read whole (head and body) and handed to the proxy's rule,
# which says what happens to it: forwarded, answered by the proxy, cut off
# half-way, left without an answer, damaged... Every connection carries one
# request (answers say Connection: close), which keeps the bookkeeping
# simple and costs a loopback connect per request. Every request is logged
# with its arrival time and what became of it.
import json
import socket
import struct
import threading
import time
import urllib.parse


class Request:
    def __init__(self, method, path, headers, body, n, seen):
        self.method = method
        self.path = path
        self.headers = headers     # lower-case name -> value
        self.body = body
        self.n = n                 # its number among all requests (0 first)
        self.seen = seen           # how many earlier requests had this method and path

    @property
    def is_upload(self):
        return self.method == "PUT"

    @property
    def is_image(self):
        return self.method == "PUT" and self.path.startswith("/api/v1/images/")


class Action:
    """What the rule makes of a request."""
    FORWARD = "forward"          # to the central site, its answer back
    ANSWER = "answer"            # the proxy answers (status, headers, body)
    REFUSE = "refuse"            # the connection reset at once, nothing forwarded
    RESET_HALF = "reset-half"    # half the body forwarded, then both connections reset
    STALL = "stall"              # never answered: held open until the client gives up
    WITHHOLD = "withhold"        # forwarded (the site acts on it), its answer never sent
    LOSE = "lose"                # forwarded, its answer lost: the connection reset
    CORRUPT = "corrupt"          # forwarded with one byte of the body flipped

    def __init__(self, kind, status=0, headers=None, body=b"", then=None, rewrite=None):
        self.kind = kind
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.then = then           # called once the upstream part is done (e.g. a kill)
        self.rewrite = rewrite     # answer body -> answer body, for a forwarded request


FORWARD = Action(Action.FORWARD)


def problem(status, headers=None):
    body = json.dumps({"type": "urn:catd:problem:test", "title": "injected", "status": status,
                       "detail": "injected by the test's proxy"}).encode()
    return Action(Action.ANSWER, status,
                  dict({"Content-Type": "application/problem+json"}, **(headers or {})), body)


def _reset(sock):
    """Closes @sock with a TCP RST rather than a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _read_head(sock, buffered=b""):
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, data
        data += chunk
        if len(data) > 1 << 20:
            return None, data
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def _parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _read_exact(sock, rest, length):
    data = rest
    while len(data) < length:
        chunk = sock.recv(min(1 << 20, length - len(data)))
        if not chunk:
            raise ConnectionError("the client closed before its body was in")
        data += chunk
    return data[:length]


class Proxy:
    def __init__(self, upstream=None, rule=None):
        self.upstream = upstream   # catd-central's base URL
        self.rule = rule or (lambda req: FORWARD)
        self.log = []              # dicts: n, t, method, path, action, status
        self.lock = threading.Lock()
        self.counts = {}
        self.unstalled = threading.Event()
        self.port = 0
        self.sock = None
        self.listen()

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    # ---- listening -------------------------------------------------------------

    def listen(self):
        """Listens (again, on the same port once it has one)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(64)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self.sock = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()

    def close(self):
        """Stops listening: connections are refused, as by a site that is down."""
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()
        self.unstalled.set()

    def _accept(self, sock):
        while self.sock is sock:
            try:
                conn, _ = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    # ---- one request ---------------------------------------------------------

    def requests(self, method=None, path_prefix="", status=None):
        """The log entries of requests matching."""
        with self.lock:
            return [e for e in self.log if (method is None or e["method"] == method) and
                    e["path"].startswith(path_prefix) and (status is None or
                                                           e["status"] == status)]

    def _record(self, req, action, status, t):
        with self.lock:
            self.log.append({"n": req.n, "t": t, "method": req.method, "path": req.path,
                             "action": action.kind, "status": status, "done": time.monotonic()})

    def _serve(self, conn):
        try:
            conn.settimeout(60)
            head, rest = _read_head(conn)
            if head is None:
                conn.close()
                return
            t = time.monotonic()
            start, headers = _parse_head(head)
            method, target, _ = start.split(" ", 2)
            path = urllib.parse.urlsplit(target).path
            fields = {k.lower(): v for k, v in headers}
            length = int(fields.get("content-length", "0") or 0)
            with self.lock:
                n = sum(self.counts.values())
                seen = self.counts.get((method, path), 0)
                self.counts[(method, path)] = seen + 1
            body = _read_exact(conn, rest, length)
            req = Request(method, path, fields, body, n, seen)
            action = self.rule(req)
            status = self._act(conn, req, start, headers, action)
            self._record(req, action, status, t)
        except (OSError, ConnectionError, ValueError):
            _reset(conn)

    def _upstream_request(self, start, headers, body):
        """The request as the central site gets it: one per connection."""
        lines = [start] + ["%s: %s" % (k, v) for k, v in headers
                           if k.lower() not in ("connection", "keep-alive", "host")]
        parts = urllib.parse.urlsplit(self.upstream)
        lines += ["Host: %s:%d" % (parts.hostname, parts.port), "Connection: close"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), body

    def _connect(self):
        parts = urllib.parse.urlsplit(self.upstream or "http://127.0.0.1:9/")
        return socket.create_connection((parts.hostname, parts.port), timeout=60)

    def _forward(self, start, headers, body):
        """The central site's whole answer (bytes), or None when it did not
        answer."""
        head, body = self._upstream_request(start, headers, body)
        try:
            up = self._connect()
        except OSError:
            return None
        try:
            up.sendall(head + body)
            answer = b""
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                answer += chunk
            return answer or None
        except OSError:
            return None
        finally:
            up.close()

    def _hold(self, conn):
        """Holds @conn open, unanswered, until the client goes or the test
        ends the stall; then drops it without an answer."""
        conn.settimeout(0.1)
        while not self.unstalled.is_set():
            try:
                if not conn.recv(1):
                    break
            except socket.timeout:
                continue
            except OSError:
                break
        _reset(conn)

    def _act(self, conn, req, start, headers, action):
        kind = action.kind
        if kind == Action.ANSWER:
            lines = ["HTTP/1.1 %d Injected" % action.status,
                     "Content-Length: %d" % len(action.body), "Connection: close"]
            lines += ["%s: %s" % kv for kv in action.headers.items()]
            conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + action.body)
            conn.close()
            return action.status
        if kind == Action.REFUSE:
            _reset(conn)
            return 0
        if kind == Action.STALL:
            self._hold(conn)
            return 0
        if kind == Action.RESET_HALF:
            up_head, body = self._upstream_request(start, headers, req.body)
            try:
                up = self._connect()
                up.sendall(up_head + body[:len(body) // 2])
                time.sleep(0.05)
                _reset(up)
            except OSError:
                pass
            if action.then:
                action.then()
            _reset(conn)
            return 0
        body = req.body
        if kind == Action.CORRUPT and body:
            i = len(body) // 2
            body = body[:i] + bytes([body[i] ^ 0x20]) + body[i + 1:]
        answer = self._forward(start, headers, body)
        if action.then:
            action.then()
        if answer is None:
            _reset(conn)
            return 0
        status = int(answer.split(b" ", 2)[1])
        if kind == Action.LOSE:
            _reset(conn)
            return status
        if kind == Action.WITHHOLD:
            # The site acted; its answer is lost on the way.
            self._hold(conn)
            return 0
        if action.rewrite:
            a_head, a_body = answer.split(b"\r\n\r\n", 1)
            a_body = action.rewrite(a_body)
            a_lines = [l for l in a_head.decode("latin-1").split("\r\n")
                       if not l.lower().startswith("content-length:")]
            answer = ("\r\n".join(a_lines + ["Content-Length: %d" % len(a_body)]) +
                      "\r\n\r\n").encode("latin-1") + a_body
        conn.sendall(answer)
        conn.close()
        return status
