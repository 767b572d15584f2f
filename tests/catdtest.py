# catdtest.py - what the Python tests share: catdctl and catd-central run as
# subprocesses, a station's election night, HTTP requests, TLS certificates
# and the TAP report
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The scripts import it with sys.dont_write_bytecode set, so that running the
# suite leaves no __pycache__ in the source tree.
import concurrent.futures
import http.client
import json
import os
import select
import sqlite3
import subprocess
import threading
import time
import urllib.parse

TOP = os.environ["CATD_TOP_SRCDIR"]
BUILD = os.environ["CATD_TOP_BUILDDIR"]
CATDCTL = os.path.join(BUILD, "src", "catdctl")
CENTRAL = os.path.join(BUILD, "src", "catd-central")
CATALOG = os.path.join(TOP, "data", "demo", "catalog.json")


# ---- the report -------------------------------------------------------------------

class Report:
    """TAP results: each check a name and the problems found (none: ok).
    Thread-safe, so that scenarios may run side by side."""

    def __init__(self):
        self.results = []
        self.notes = []
        self.lock = threading.Lock()

    def ok(self, name, problems):
        with self.lock:
            self.results.append((name, list(problems)))

    def fail(self, name, *problems):
        self.ok(name, problems)

    def check(self, name, condition, *problems):
        """Passes when @condition holds; else fails with @problems."""
        self.ok(name, [] if condition else (list(problems) or ["condition not met"]))

    def note(self, text):
        with self.lock:
            self.notes.append(text)

    def failed(self):
        return any(p for _, p in self.results)

    def emit(self, log_lines=()):
        print("1..%d" % len(self.results))
        for i, (name, problems) in enumerate(self.results, 1):
            print("%s %d - %s" % ("ok" if not problems else "not ok", i, name))
            for p in problems:
                for line in str(p).splitlines():
                    print("# " + line)
        for line in self.notes:
            print("# " + line)
        for line in log_lines:
            print("# " + line.rstrip())
        return 1 if self.failed() else 0


# ---- the programs -------------------------------------------------------------

def run_catdctl(data, *args, pin=None, user=None, stdin=None, timeout=60):
    """catdctl's CompletedProcess, whatever its exit code."""
    env = dict(os.environ)
    env.pop("CATD_PIN", None)
    if pin:
        env["CATD_PIN"] = pin
    argv = [CATDCTL, "--data-dir", data] + (["--user", user] if user else []) + list(args)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env,
                          timeout=timeout)


def catdctl(data, *args, pin=None, user=None, stdin=None, timeout=60):
    """catdctl's standard output; an exit other than 0 raises."""
    proc = run_catdctl(data, *args, pin=pin, user=user, stdin=stdin, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError("catdctl %s failed (exit %d): %s" % (" ".join(args), proc.returncode,
                                                               proc.stderr.strip()))
    return proc.stdout


class Central:
    """catd-central started on a free loopback port (it picks one: port 0).
    Its standard error goes to a log file beside @data."""

    def __init__(self, data, tokens, catalog=CATALOG, tls=None):
        argv = [CENTRAL, "--listen", "127.0.0.1:0", "--data-dir", data, "--tokens", tokens,
                "--catalog", catalog]
        if tls:
            argv += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.data = data
        self.log_path = os.path.join(os.path.dirname(data),
                                     "central-%d.log" % time.time_ns())
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("catd-central did not start: %r" % line)
        self.url = line.split()[-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def kill(self):
        """SIGKILL, as a power cut would."""
        self.proc.kill()
        self.proc.wait()
        self.log.close()


def request(url, method, path, body=None, headers=None, context=None, timeout=30):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout,
                                           context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def make_certs(d):
    """A CA and a server certificate it signed for 127.0.0.1 and localhost,
    in @d: ca.pem, server.pem, server.key."""
    os.makedirs(d, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True,
                       timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=CATD test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName = IP:127.0.0.1, DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return {name: os.path.join(d, name) for name in ("ca.pem", "server.pem", "server.key")}


def write_token(path, token, mode=0o600):
    """A station's token file: the token alone, readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.chmod(path, mode)
    return path


# ---- a station's election night ---------------------------------------------------

COORD = ("coord", "2468")
CAPTURISTAS = (("cap1", "1357"), ("cap2", "1357"))


def new_station(data, station_id, central=None, token_file=None, ca_file=None):
    """A station with a coordinador and two capturistas (see COORD and
    CAPTURISTAS)."""
    argv = ["init", "--station-id", station_id, "--catalog", CATALOG]
    if central:
        argv += ["--central", central, "--token-file", token_file]
    if ca_file:
        argv += ["--ca-file", ca_file]
    catdctl(data, *argv)
    catdctl(data, "user", "add", COORD[0], "--role", "coordinador", "--name", "C",
            stdin=COORD[1] + "\n")
    for login, pin in CAPTURISTAS:
        catdctl(data, "user", "add", login, "--role", "capturista", "--name", login,
                user=COORD[0], pin=COORD[1], stdin=pin + "\n")
    return data


def election_actas(data, election, count):
    """The first @count catalog actas of @election, as the station lists them."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "station.db"), uri=True)
    try:
        return [r[0] for r in db.execute("SELECT clave_acta FROM catalog_acta WHERE election = ? "
                                         "ORDER BY clave_acta LIMIT ?", (election, count))]
    finally:
        db.close()


def synth_pages(data, actas, out):
    """TIFF pages of @actas (100 dpi, a few dozen KiB each) and their answer
    key, {clave: values}."""
    catdctl(data, "synth", *actas, "--format", "tiff", "--dpi", "100", "--out", out,
            timeout=300)
    with open(os.path.join(out, "answers.json")) as f:
        return json.load(f)


def verify_actas(data, actas, pages, answers, workers=4):
    """Walks each acta through acopio, an imported image and two equal
    captures, so that it ends verified. Actas go side by side (@workers
    processes at once: SQLite's busy handler queues their writes); each
    acta's steps stay in order."""
    def one(clave):
        catdctl(data, "register", clave, "--traslado", "F", user=COORD[0], pin=COORD[1])
        catdctl(data, "import-image", os.path.join(pages, clave + ".tif"), "--acta", clave,
                user=COORD[0], pin=COORD[1])
        for login, pin in CAPTURISTAS:
            answer = json.loads(catdctl(data, "--json", "capture", clave, "--values", "-",
                                        user=login, pin=pin, stdin=json.dumps(answers[clave])))
        if answer.get("status") != "verified":
            raise RuntimeError("acta %s ended %r, not verified" % (clave, answer))

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(one, clave) for clave in actas]:
            future.result()


def status(data):
    """`catdctl --json status`."""
    return json.loads(catdctl(data, "--json", "status"))


def outbox_rows(data):
    """The station's outbox, in upload order: dicts of its columns."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "station.db"), uri=True)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM outbox ORDER BY id")]
    finally:
        db.close()


def central_query(data, sql, *params):
    """Rows of a read-only query on a central site's database."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "station.db"), uri=True)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()
