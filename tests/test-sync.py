#!/usr/bin/python3
# test-sync.py - the station's upload client (catdctl sync) against a real
# catd-central on loopback: a whole election's upload, then faults injected
# by a proxy between the two, TLS, and the token file's permissions
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every scenario has its own central site (its own data directory) and its
# own station, and ends by holding both to the same rule: each record and
# each image the station queued is at the central site exactly once, and
# the station's queue is empty (pending 0, dead letters 0 unless the
# scenario expects one). The scenarios run side by side: most of their time
# is spent waiting out timeouts and backoffs.
import calendar
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catdtest import (CATALOG, CATDCTL, CENTRAL, COORD, Central, Report,  # noqa: E402
                      catdctl, central_query, election_actas, make_certs, new_station,
                      outbox_rows, run_catdctl, status, synth_pages, verify_actas, write_token)
from faultproxy import FORWARD, Action, Proxy, problem  # noqa: E402

TOKEN_A = "tok-A-" + "a1" * 16
TOKEN_B = "tok-B-" + "b2" * 16
TOKEN_WRONG = "tok-X-" + "9f" * 16
HAPPY = 200        # verified actas in the whole-upload scenario
SMALL = 5          # in each fault scenario: ten uploads, five images
R = Report()


# ---- one scenario's world -------------------------------------------------------------

class Site:
    """A central site, a proxy in front of it (unless @proxy is false) and a
    station (CATD-A unless told) with @n verified actas whose --central is
    the proxy."""

    def __init__(self, tmp, name, pages, answers, n=SMALL, proxy=True, station_id="CATD-A",
                 token=TOKEN_A, tls=None, ca_file=None, central=None, workers=4):
        self.name = name
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.tokens = os.path.join(self.dir, "tokens")
        with open(self.tokens, "w") as f:
            f.write("CATD-A %s\nCATD-B %s\n" % (TOKEN_A, TOKEN_B))
        os.chmod(self.tokens, 0o600)
        self.owns_central = central is None
        self.central = central or Central(os.path.join(self.dir, "central"), self.tokens, tls=tls)
        self.proxy = Proxy(self.central.url) if proxy else None
        self.station_id = station_id
        self.token_file = write_token(os.path.join(self.dir, "token"), token)
        self.station = new_station(os.path.join(self.dir, "station"), station_id,
                                   self.proxy.url if proxy else self.central.url,
                                   self.token_file, ca_file)
        self.actas = election_actas(self.station, "GUB", n)
        verify_actas(self.station, self.actas, pages, answers, workers=workers)

    def sync(self, *args, timeout=120):
        """`catdctl sync ARGS`: its CompletedProcess and how long it took."""
        start = time.monotonic()
        proc = run_catdctl(self.station, "sync", *args, timeout=timeout)
        return proc, time.monotonic() - start

    def restart_central(self):
        """catd-central again on the same data directory (a new port, which
        the proxy follows)."""
        self.central = Central(self.central.data, self.tokens)
        if self.proxy:
            self.proxy.upstream = self.central.url

    def close(self):
        if self.proxy:
            self.proxy.close()
        if self.owns_central and self.central.proc.poll() is None:
            self.central.stop()


def one_error_line(proc, *words):
    """Problems with a failed command's standard error: one `error: ` line
    holding each of @words."""
    lines = proc.stderr.strip().splitlines()
    problems = []
    if len(lines) != 1 or not lines[0].startswith("error: "):
        problems.append("stderr is not one 'error: ' line: %r" % proc.stderr)
    for w in words:
        if w not in proc.stderr:
            problems.append("stderr lacks %r: %r" % (w, proc.stderr))
    return problems


def exited(proc, code, *words):
    problems = [] if proc.returncode == code else [
        "exit %d, expected %d; stderr %r" % (proc.returncode, code, proc.stderr.strip())]
    if code != 0 and proc.returncode == code:
        problems += one_error_line(proc, *words)
    return problems


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def delivered(site, dead=0, images=None):
    """Problems with the end state: every record and image of the station
    at the central site exactly once (by record_id, by acta, by image),
    image files hashing to their names and no other file beside them; the
    station's queue empty but for @dead dead letters."""
    problems = []
    st = status(site.station)
    queue = st["queue"]
    if queue["pending"] != 0 or queue["dead"] != dead:
        problems.append("station queue: pending %d, dead %d (expected 0 and %d): %r" % (
            queue["pending"], queue["dead"], dead, queue.get("dead_letters")))
    rows = outbox_rows(site.station)
    records = [r["ref"] for r in rows if r["kind"] == "record"]
    unsent = [(r["kind"], r["ref"][:12], r["state"]) for r in rows if r["state"] != "sent"]
    if len(unsent) != dead:
        problems.append("outbox rows not sent: %r" % unsent)
    want_images = len(site.actas) if images is None else images
    images = [r["ref"] for r in rows if r["kind"] == "image"]
    if len(records) != len(site.actas) or len(images) != want_images:
        problems.append("the station queued %d records and %d images for %d actas" % (
            len(records), len(images), len(site.actas)))

    data = site.central.data
    sid = site.station_id
    got = central_query(data, "SELECT record_id, clave_acta FROM central_record "
                        "WHERE station_id = ?", sid)
    by_id = {}
    by_acta = {}
    for record_id, clave in got:
        by_id[record_id] = by_id.get(record_id, 0) + 1
        by_acta[clave] = by_acta.get(clave, 0) + 1
    if sorted(by_id) != sorted(records) or any(c != 1 for c in by_id.values()):
        missing = set(records) - set(by_id)
        problems.append("central records of %s: %d rows, %d distinct ids; %d of the station's "
                        "missing, %d unknown" % (sid, len(got), len(by_id), len(missing),
                                                 len(set(by_id) - set(records))))
    if sorted(by_acta) != sorted(site.actas) or any(c != 1 for c in by_acta.values()):
        problems.append("central records by acta: missing %r, more than once %r" % (
            sorted(set(site.actas) - set(by_acta)), {k: v for k, v in by_acta.items() if v != 1}))
    acta_rows = central_query(data, "SELECT count(*) FROM central_acta WHERE station_id = ?",
                              sid)[0][0]
    if acta_rows != len(site.actas):
        problems.append("%d actas current from %s at the central site, expected %d" % (
            acta_rows, sid, len(site.actas)))
    held = sorted(r[0] for r in central_query(
        data, "SELECT i.sha256 FROM image i JOIN central_image c ON c.sha256 = i.sha256 "
        "WHERE c.station_id = ?", sid))
    if held != sorted(images):
        problems.append("central images of %s: %d, the station queued %d (%d missing)" % (
            sid, len(held), len(images), len(set(images) - set(held))))
    # Every file under images/ is a whole image named by its hash: no
    # half-written or temporary file from a cut-off upload.
    for d, _, files in os.walk(os.path.join(data, "images")):
        for f in files:
            path = os.path.join(d, f)
            if not f.endswith(".tif") or sha256_file(path) != f[:-4]:
                problems.append("stray or damaged file at the central site: %s" % path)
    return problems


def first_uploads(proxy):
    """Upload paths in the order they first arrived."""
    order = []
    for e in proxy.requests("PUT"):
        if e["path"] not in order:
            order.append(e["path"])
    return order


class Nth:
    """A rule's memory of upload paths in the order they first came."""

    def __init__(self):
        self.paths = []
        self.lock = threading.Lock()

    def index(self, req):
        with self.lock:
            if req.path not in self.paths:
                self.paths.append(req.path)
            return self.paths.index(req.path)


def statuses(proxy, path):
    return [e["status"] for e in proxy.requests(path_prefix=path) if e["path"] == path]


# ---- 1. the whole election ---------------------------------------------------------

def test_happy(tmp, pages, answers):
    start = time.monotonic()
    site = Site(tmp, "happy", pages, answers, n=HAPPY, proxy=False)
    built = time.monotonic() - start
    try:
        proc, took = site.sync("--once")
        R.ok("happy: sync --once of %d verified actas exits 0" % HAPPY, exited(proc, 0))
        R.check("happy: it says what it sent", ("%d sent" % (2 * HAPPY)) in proc.stdout,
                "stdout %r" % proc.stdout)
        R.ok("happy: %d records and %d images at the central site, each once" % (HAPPY, HAPPY),
             delivered(site))
        R.note("happy: %d actas built in %.1f s, uploaded (%d requests) in %.1f s" % (
            HAPPY, built, 2 * HAPPY, took))

        # The same prep-csv file on both sides, but for the cut-off line.
        out_a = os.path.join(site.dir, "station-GUB.csv")
        out_b = os.path.join(site.dir, "central-GUB.csv")
        catdctl(site.station, "export", "--format", "prep-csv", "--election", "GUB", "--out",
                out_a, user=COORD[0], pin=COORD[1])
        p = subprocess.run([CENTRAL, "export", "--data-dir", site.central.data, "--format",
                            "prep-csv", "--election", "GUB", "--out", out_b],
                           capture_output=True, text=True, timeout=60)
        problems = exited(p, 0)
        if not problems:
            a = open(out_a).read().splitlines()
            b = open(out_b).read().splitlines()
            if len(a) != 4 + HAPPY:
                problems.append("the station's export has %d rows, expected %d" % (len(a) - 4,
                                                                                 HAPPY))
            if a[1:] != b[1:]:
                diff = [n for n, (x, y) in enumerate(zip(a, b), 1) if n > 1 and x != y]
                problems.append("%d and %d lines; first differing lines %r" % (len(a), len(b),
                                                                             diff[:5]))
        R.ok("happy: station and central exports of GUB agree but for line 1", problems)

        # The run ended with a heartbeat saying the queue is empty.
        beat = central_query(site.central.data, "SELECT last_heartbeat_at, queue_depth FROM "
                             "central_station WHERE station_id = 'CATD-A'")
        R.check("happy: the central site got the final heartbeat, queue 0",
                beat and beat[0][0] and beat[0][1] == 0, "central_station row %r" % beat)

        # A second run has nothing to send and sends nothing.
        proc, _ = site.sync("--once")
        R.check("happy: a second run sends nothing", proc.returncode == 0 and
                proc.stdout.startswith("0 sent"), "exit %d, %r %r" % (
                    proc.returncode, proc.stdout, proc.stderr))

        # The service picks up what is queued while it runs, and stops
        # cleanly on SIGTERM.
        service = subprocess.Popen([CATDCTL, "--data-dir", site.station, "sync"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            late = election_actas(site.station, "GUB", HAPPY + 1)[-1]
            catdctl(site.station, "sin-acta", late, "--reason", "sin-sobre", user=COORD[0],
                    pin=COORD[1])
            queued = time.monotonic()
            got = []
            while time.monotonic() - queued < 10 and not got:
                got = central_query(site.central.data, "SELECT record_id FROM central_record "
                                    "WHERE clave_acta = ?", late)
                time.sleep(0.1)
            R.check("happy: the service uploads a record queued while it runs",
                    len(got) == 1, "%d records of %s at the site after %.1f s" % (
                        len(got), late, time.monotonic() - queued))
            t = time.monotonic()
            service.terminate()
            out, err = service.communicate(timeout=10)
            R.check("happy: the service stops on SIGTERM, exit 0, at once",
                    service.returncode == 0 and time.monotonic() - t < 5,
                    "exit %r after %.1f s: %r" % (service.returncode, time.monotonic() - t, err))
        finally:
            if service.poll() is None:
                service.kill()
                service.communicate()
        site.actas.append(late)
        R.ok("happy: everything delivered once, the late record too", delivered(site,
                                                                             images=HAPPY))
    finally:
        site.close()


# ---- 2. faults -----------------------------------------------------------------------

def test_down_at_start(tmp, pages, answers):
    site = Site(tmp, "down", pages, answers)
    try:
        site.proxy.close()
        proc, took = site.sync("--once")
        R.ok("down: sync --once with the central site down exits 4",
             exited(proc, 4, "cannot reach"))
        rows = outbox_rows(site.station)
        R.check("down: the queue is intact", len(rows) == 2 * SMALL and all(
            r["state"] == "pending" and r["sent_at"] is None for r in rows),
            "outbox %r" % [(r["kind"], r["state"]) for r in rows])
        # Up again, and the first image arrives damaged: after the outage its
        # row has five failed attempts, which must not make the site's 400
        # its last.
        site.proxy.listen()
        damaged = []

        def rule(req):
            if req.is_image and not damaged:
                damaged.append(req.path)
                return Action(Action.CORRUPT)
            return FORWARD

        site.proxy.rule = rule
        proc, _ = site.sync("--once")
        R.ok("down: once it is up, sync --once exits 0", exited(proc, 0))
        R.check("down: the image damaged on the way after the outage went again (400, 201)",
                damaged and statuses(site.proxy, damaged[0]) == [400, 201],
                "statuses %r" % (damaged and statuses(site.proxy, damaged[0])))
        R.ok("down: everything delivered once", delivered(site))
        R.note("down: the run that gave up took %.1f s" % took)
    finally:
        site.close()


def test_central_killed(tmp, pages, answers):
    site = Site(tmp, "killed", pages, answers)
    nth = Nth()
    kills = []

    def kill():
        # SIGKILL now; back on the same data directory half a second later,
        # so that the client meets a dead site at least once.
        site.central.kill()
        kills.append(time.monotonic())
        threading.Timer(0.5, site.restart_central).start()

    def rule(req):
        if req.is_upload and req.seen == 0:
            i = nth.index(req)
            if i == 2:      # the second image, cut half-way and the site killed
                return Action(Action.RESET_HALF, then=kill)
            if i == 5:      # a record: stored, then the site killed before it answers
                return Action(Action.LOSE, then=kill)
        return FORWARD

    try:
        site.proxy.rule = rule
        proc, took = site.sync("--once")
        R.ok("killed: sync --once exits 0 though the site was killed twice mid-upload",
             exited(proc, 0))
        R.check("killed: both kills happened", len(kills) == 2, "%d kills" % len(kills))
        lost = nth.paths[5] if len(nth.paths) > 5 else ""
        R.check("killed: the upload whose answer was lost was sent again, a repeat (200)",
                statuses(site.proxy, lost)[-1:] == [200],
                "statuses of %s: %r" % (lost, statuses(site.proxy, lost)))
        R.ok("killed: everything delivered once, nothing half-written", delivered(site))
        R.note("killed: %.1f s" % took)
    finally:
        site.close()


def test_retry_after(tmp, pages, answers):
    site = Site(tmp, "retry-after", pages, answers)
    nth = Nth()
    faults = {0: (500, 1), 1: (503, 1), 2: (503, 2), 3: (429, 1)}

    def rule(req):
        if req.method == "GET" and req.path == "/api/v1/health":
            # The site's clock an hour ahead of the station's.
            def later(body):
                answer = json.loads(body)
                whole, millis = answer["time"].rstrip("Z").split(".")
                t = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
                answer["time"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t + 3600)) + \
                    "." + millis + "Z"
                return json.dumps(answer).encode()
            return Action(Action.FORWARD, rewrite=later)
        if req.is_upload and req.seen == 0 and nth.index(req) in faults:
            code, after = faults[nth.index(req)]
            return problem(code, {"Retry-After": str(after)})
        return FORWARD

    try:
        site.proxy.rule = rule
        proc, took = site.sync("--once")
        R.ok("retry-after: sync --once through 500, 503 and 429 answers exits 0",
             exited(proc, 0))
        problems = []
        gaps = []
        for i, (code, after) in faults.items():
            path = nth.paths[i] if i < len(nth.paths) else None
            entries = [e for e in site.proxy.requests("PUT") if e["path"] == path]
            codes = [e["status"] for e in entries]
            if len(codes) != 2 or codes[0] != code or codes[1] not in (200, 201):
                problems.append("upload %d: statuses %r, expected %d then 2xx" % (i, codes,
                                                                                  code))
                continue
            gap = entries[1]["t"] - entries[0]["done"]
            gaps.append("%d:%.2fs" % (code, gap))
            # Retry-After is a floor (the jittered backoff of a first
            # failure is at most 1 s, so the wait is Retry-After itself).
            if gap < after - 0.05 or gap > after + 3:
                problems.append("after a %d with Retry-After: %d the retry came %.2f s later" % (
                    code, after, gap))
        R.ok("retry-after: each retry waited what Retry-After said (%s)" % " ".join(gaps),
             problems)
        offset = status(site.station)["queue"].get("clock_offset_ms")
        R.check("retry-after: the clock offset (site an hour ahead) is measured and kept",
                offset is not None and abs(offset - 3600000) < 1000,
                "clock_offset_ms %r" % offset)
        # The site says milliseconds; the offset is taken at the middle of
        # the round trip, on loopback a fraction of a second.
        said = re.search(r"warning: this station's clock is ([0-9.]+) s behind", proc.stderr)
        R.check("retry-after: sync warns that the clock is an hour behind",
                said and abs(float(said.group(1)) - 3600) < 2, "stderr %r" % proc.stderr)
        R.ok("retry-after: everything delivered once", delivered(site))
        R.note("retry-after: %.1f s" % took)
    finally:
        site.close()


def test_reset_half(tmp, pages, answers):
    site = Site(tmp, "reset", pages, answers)
    nth = Nth()

    def rule(req):
        if req.is_image and req.seen == 0 and nth.index(req) < 2:
            return Action(Action.RESET_HALF)
        return FORWARD

    try:
        site.proxy.rule = rule
        proc, took = site.sync("--once")
        R.ok("reset: sync --once through connections reset mid-image exits 0", exited(proc, 0))
        cut = [p for p in nth.paths if "/images/" in p][:2]
        R.check("reset: each cut image was sent again and stored",
                len(cut) == 2 and all(statuses(site.proxy, p) == [0, 201] for p in cut),
                "statuses %r" % {p[-12:]: statuses(site.proxy, p) for p in cut})
        R.ok("reset: everything delivered once, nothing half-written", delivered(site))
    finally:
        site.close()


def test_stall(tmp, pages, answers):
    site = Site(tmp, "stall", pages, answers)
    nth = Nth()

    def rule(req):
        if req.is_upload:
            i = nth.index(req)
            if i == 0 and req.seen < 2:
                return Action(Action.STALL)
            if i == 1 and req.seen == 0:
                return Action(Action.WITHHOLD)   # stored, the answer never comes
        return FORWARD

    try:
        site.proxy.rule = rule
        proc, took = site.sync("--once", "--timeout", "2")
        R.ok("stall: sync --once --timeout 2 outlasts a stalled site and exits 0",
             exited(proc, 0))
        R.check("stall: three requests timed out (at least 6 s)", took >= 6,
                "the run took %.1f s" % took)
        first = nth.paths[0] if nth.paths else ""
        second = nth.paths[1] if len(nth.paths) > 1 else ""
        R.check("stall: the stalled upload was retried until answered",
                statuses(site.proxy, first) == [0, 0, 201],
                "statuses %r" % statuses(site.proxy, first))
        R.check("stall: the upload whose answer never came was sent again, a repeat (200)",
                statuses(site.proxy, second) == [0, 200],
                "statuses %r" % statuses(site.proxy, second))
        R.ok("stall: everything delivered once", delivered(site))
        R.note("stall: %.1f s" % took)
    finally:
        site.close()


def test_stall_forever(tmp, pages, answers):
    site = Site(tmp, "stall-forever", pages, answers, n=1)
    try:
        site.proxy.rule = lambda req: Action(Action.STALL)
        proc, took = site.sync("--once", "--timeout", "2")
        R.ok("stall-forever: sync --once --timeout 2 gives up, exit 4",
             exited(proc, 4, "gave up"))
        rows = outbox_rows(site.station)
        R.check("stall-forever: the queue is left pending", len(rows) == 2 and all(
            r["state"] == "pending" for r in rows), "outbox %r" % [
                (r["kind"], r["state"]) for r in rows])
        R.check("stall-forever: five attempts at the first upload, none at the next",
                len(site.proxy.requests("PUT")) == 5 and len(first_uploads(site.proxy)) == 1,
                "%d uploads: %r" % (len(site.proxy.requests("PUT")), first_uploads(site.proxy)))
        site.proxy.rule = lambda req: FORWARD
        site.proxy.unstalled.set()
        proc, _ = site.sync("--once", "--timeout", "2")
        R.ok("stall-forever: sync --once once the site answers exits 0", exited(proc, 0))
        R.ok("stall-forever: everything delivered once", delivered(site))
        R.note("stall-forever: the run that gave up took %.1f s" % took)
    finally:
        site.close()


def test_wrong_token(tmp, pages, answers):
    site = Site(tmp, "token", pages, answers, token=TOKEN_WRONG)
    try:
        proc, _ = site.sync("--once")
        R.ok("token: sync --once with a token the site does not know exits 4",
             exited(proc, 4, "token"))
        queue = status(site.station)["queue"]
        letters = queue.get("dead_letters", [])
        R.check("token: the refused upload is a dead letter in status",
                queue["dead"] == 1 and len(letters) == 1 and letters[0]["kind"] == "image" and
                "401" in letters[0]["error"] and queue["pending"] == 2 * SMALL - 1,
                "queue %r" % queue)
        n1 = len(site.proxy.log)
        uploads1 = len(site.proxy.requests("PUT"))
        R.check("token: one upload tried, then the run stopped", uploads1 == 1 and n1 <= 3,
                "%d requests, %d uploads" % (n1, uploads1))

        # The service stops too, rather than knocking for ever.
        proc, took = site.sync(timeout=60)
        n2 = len(site.proxy.log) - n1
        R.ok("token: catdctl sync (the service) stops by itself, exit 4", exited(proc, 4,
                                                                                 "token"))
        R.check("token: the service sent a bounded number of requests", n2 <= 4,
                "%d requests in %.1f s" % (n2, took))
        queue = status(site.station)["queue"]
        R.check("token: still one dead letter, the same upload; nothing else refused",
                queue["dead"] == 1 and queue["pending"] == 2 * SMALL - 1 and
                [d["ref"] for d in queue["dead_letters"]] == [letters[0]["ref"]],
                "queue %r" % queue)

        # Another station's token: 403, the same treatment.
        write_token(site.token_file, TOKEN_B)
        n3 = len(site.proxy.log)
        proc, _ = site.sync("--once")
        queue = status(site.station)["queue"]
        R.ok("token: sync --once with another station's token exits 4", exited(proc, 4,
                                                                               "token"))
        R.check("token: refused 403, one request, the same dead letter",
                len(site.proxy.requests("PUT")) == uploads1 + 2 and
                site.proxy.log[-1]["status"] == 403 and queue["dead"] == 1 and
                "403" in queue["dead_letters"][0]["error"],
                "%d requests, queue %r" % (len(site.proxy.log) - n3, queue))

        # The token fixed, the next run sends everything, the refused upload
        # included.
        write_token(site.token_file, TOKEN_A)
        proc, _ = site.sync("--once")
        R.ok("token: with the right token, sync --once exits 0", exited(proc, 0))
        R.ok("token: everything delivered once, no dead letter left", delivered(site))
    finally:
        site.close()


def test_misrouted(tmp, pages, answers):
    site = Site(tmp, "misrouted", pages, answers)
    try:
        # Something in front of the site answers 404 for everything: a
        # reverse proxy misrouting, a wrong address.
        site.proxy.rule = lambda req: problem(404)
        proc, _ = site.sync("--once")
        R.ok("misrouted: sync --once where every path is 404 exits 4",
             exited(proc, 4, "does not answer as a central site"))
        queue = status(site.station)["queue"]
        R.check("misrouted: one upload tried and a dead letter, the rest left queued",
                len(site.proxy.requests("PUT")) == 1 and queue["dead"] == 1 and
                queue["pending"] == 2 * SMALL - 1, "%d uploads, queue %r" % (
                    len(site.proxy.requests("PUT")), queue))
        site.proxy.rule = lambda req: FORWARD
        proc, _ = site.sync("--once")
        R.ok("misrouted: mended, sync --once exits 0", exited(proc, 0))
        R.ok("misrouted: everything delivered once, no dead letter left", delivered(site))
    finally:
        site.close()


def test_keepalive(tmp, pages, answers):
    site = Site(tmp, "keepalive", pages, answers)
    try:
        # The site closes each connection a moment after answering, with no
        # Connection: close: the client sends its next upload on it, sees it
        # closed, and libsoup sends that upload again on a new connection.
        site.proxy.close_delay = 0.1
        proc, _ = site.sync("--once")
        R.ok("keepalive: sync --once through connections closed as they are reused exits 0",
             exited(proc, 0))
        empty = [e["path"][-12:] for e in site.proxy.requests("PUT") if e["length"] == 0]
        R.check("keepalive: no upload arrived without its body", not empty,
                "empty bodies: %r" % empty)
        R.ok("keepalive: everything delivered once, no dead letter", delivered(site))
    finally:
        site.close()


def test_corrupt(tmp, pages, answers):
    site = Site(tmp, "corrupt", pages, answers)
    nth = Nth()

    def rule(req):
        if req.is_image and req.seen == 0 and nth.index(req) < 2:
            return Action(Action.CORRUPT)
        return FORWARD

    try:
        site.proxy.rule = rule
        proc, _ = site.sync("--once")
        R.ok("corrupt: sync --once through images damaged on the way exits 0", exited(proc, 0))
        damaged = [p for p in nth.paths if "/images/" in p][:2]
        R.check("corrupt: each damaged image was refused (400), then sent again from disk (201)",
                len(damaged) == 2 and all(statuses(site.proxy, p) == [400, 201]
                                          for p in damaged),
                "statuses %r" % {p[-12:]: statuses(site.proxy, p) for p in damaged})
        R.ok("corrupt: everything delivered once, no dead letter", delivered(site))
    finally:
        site.close()


def test_redirect(tmp, pages, answers):
    site = Site(tmp, "redirect", pages, answers)
    nth = Nth()

    def rule(req):
        if req.is_upload and req.seen == 0 and nth.index(req) in (0, 1):
            # Something in front of the site sends the station elsewhere;
            # whatever answers there, it is not the site storing the upload.
            return Action(Action.ANSWER, 303 if nth.index(req) == 0 else 308,
                          {"Location": "/api/v1/health"})
        return FORWARD

    try:
        site.proxy.rule = rule
        proc, _ = site.sync("--once")
        R.ok("redirect: sync --once exits 0", exited(proc, 0))
        R.check("redirect: a redirect is no acknowledgement: the upload was sent again",
                all(statuses(site.proxy, p)[-1:] == [201] for p in nth.paths[:2]),
                "statuses %r" % {p[-12:]: statuses(site.proxy, p) for p in nth.paths[:2]})
        R.ok("redirect: everything delivered once", delivered(site))
    finally:
        site.close()


# ---- 4. TLS and 5. the token file -----------------------------------------------------

def test_tls(tmp, pages, answers):
    certs = make_certs(os.path.join(tmp, "tls"))
    other = make_certs(os.path.join(tmp, "tls-other"))
    good = Site(tmp, "tls-good", pages, answers, proxy=False, ca_file=certs["ca.pem"],
                tls=(certs["server.pem"], certs["server.key"]))
    try:
        R.check("tls: the site speaks https", good.central.url.startswith("https://127.0.0.1:"),
                good.central.url)
        bad = Site(tmp, "tls-bad", pages, answers, proxy=False, station_id="CATD-B",
                   token=TOKEN_B, ca_file=other["ca.pem"], central=good.central)
        proc, _ = bad.sync("--once")
        R.ok("tls: with another CA, sync --once exits 4: the certificate is not trusted",
             exited(proc, 4, "certificate", "not trusted"))
        rows = outbox_rows(bad.station)
        n = central_query(good.central.data, "SELECT count(*) FROM central_record WHERE "
                          "station_id = 'CATD-B'")[0][0]
        R.check("tls: nothing marked sent, nothing received", n == 0 and all(
            r["state"] == "pending" and r["sent_at"] is None for r in rows),
            "%d received, outbox %r" % (n, [(r["kind"], r["state"]) for r in rows]))
        proc, _ = good.sync("--once")
        R.ok("tls: with the site's CA, sync --once exits 0", exited(proc, 0))
        R.ok("tls: everything delivered once", delivered(good))
    finally:
        good.close()

    # Plain HTTP only to this machine, by address or as localhost; a name
    # that merely starts like a loopback address is somebody's server.
    token = write_token(os.path.join(tmp, "tls", "token"), TOKEN_A)
    for n, (url, code) in enumerate([
            ("http://192.0.2.10:8443/", 2), ("http://127.example.org/", 2),
            ("http://127.0.0.1.example.org:8080/", 2), ("http://localhost.example.org/", 2),
            ("http://[::1]:8080/", 0), ("http://127.0.0.2:8080/", 0),
            ("http://localhost:8080/", 0), ("https://central.example.org/", 0)]):
        d = os.path.join(tmp, "tls", "plain-%d" % n)
        proc = run_catdctl(d, "init", "--station-id", "CATD-A", "--catalog", CATALOG,
                           "--central", url, "--token-file", token)
        made = os.path.exists(os.path.join(d, "station.db"))
        R.ok("tls: init %s --central %s (exit %d)" % ("takes" if code == 0 else "refuses",
                                                      url, code),
             exited(proc, code, "https://") + ([] if made == (code == 0) else [
                 "a station was%s made" % ("" if made else " not")]))
    # The same rule when the stored URL says otherwise (an edited database).
    d = os.path.join(tmp, "tls", "plain-4")
    db = sqlite3.connect(os.path.join(d, "station.db"))
    with db:
        db.execute("UPDATE meta SET value = 'http://127.example.org/' WHERE key = 'central_url'")
    db.close()
    proc = run_catdctl(d, "sync", "--once")
    R.ok("tls: sync refuses plain http to a name starting 127. (exit 2)",
         exited(proc, 2, "https://"))


def test_token_readable(tmp, pages, answers):
    site = Site(tmp, "token-mode", pages, answers)
    try:
        os.chmod(site.token_file, 0o644)
        proc, _ = site.sync("--once")
        R.ok("token-mode: a token file others can read is refused, exit 2",
             exited(proc, 2, "chmod 600"))
        R.check("token-mode: no request was made", not site.proxy.log,
                "%d requests" % len(site.proxy.log))
        R.check("token-mode: the token is not shown", TOKEN_A not in proc.stderr, proc.stderr)
        os.chmod(site.token_file, 0o600)
        proc, _ = site.sync("--once")
        R.ok("token-mode: chmod 600, and sync --once exits 0", exited(proc, 0))
        R.ok("token-mode: everything delivered once", delivered(site))
    finally:
        site.close()


def test_lost_image(tmp, pages, answers):
    """The central site acknowledged the images, then lost them (restored
    from an empty backup) before the records arrived: each record's 409
    sends its image again, ahead of it, instead of blocking the queue."""
    site = Site(tmp, "lost", pages, answers)
    try:
        proc, _ = site.sync("--once")
        R.ok("lost: the first sync delivers everything", exited(proc, 0) + delivered(site))
        site.central.stop()
        site.central = Central(os.path.join(site.dir, "central-restored"), site.tokens)
        site.proxy.upstream = site.central.url
        # The records not acknowledged yet, as after a crash between the
        # images' answers and theirs.
        db = sqlite3.connect(os.path.join(site.station, "station.db"))
        db.execute("UPDATE outbox SET state = 'pending', sent_at = NULL WHERE kind = 'record'")
        db.commit()
        db.close()
        site.proxy.log.clear()
        proc, _ = site.sync("--once", timeout=60)
        R.ok("lost: sync --once after the loss exits 0", exited(proc, 0))
        records = [p for p in first_uploads(site.proxy) if p.startswith("/api/v1/records/")]
        answers_seen = [statuses(site.proxy, p) for p in records]
        # Each record: refused once for its image, then stored, with its
        # image sent again in between (not after a backoff's failures).
        R.check("lost: each record answered 409, then 201, once its image went again",
                len(records) == SMALL and all(a == [409, 201] for a in answers_seen),
                "record answers %r" % answers_seen)
        R.ok("lost: everything delivered once to the restored site", delivered(site))
    finally:
        site.close()


def test_damaged_on_disk(tmp, pages, answers):
    """An image file damaged on the station's own disk is not uploaded: the
    run stops at it with an integrity error (exit 5) after sending what came
    before it; once the file is mended, the next run sends the rest."""
    site = Site(tmp, "damaged-disk", pages, answers)
    try:
        rows = outbox_rows(site.station)
        images = [r for r in rows if r["kind"] == "image"]
        victim = images[2]
        path = os.path.join(site.station, "images", victim["ref"][:2], victim["ref"] + ".tif")
        with open(path, "rb") as f:
            good = f.read()
        damaged = bytearray(good)
        damaged[len(damaged) // 2] ^= 0xFF
        with open(path, "wb") as f:
            f.write(damaged)

        proc, _ = site.sync("--once")
        R.ok("damaged on disk: sync --once stops with an integrity error naming the image",
             exited(proc, 5, "damaged on disk", victim["ref"]))
        sent = first_uploads(site.proxy)
        before = [r for r in rows if r["id"] < victim["id"]]
        R.check("damaged on disk: what came before it went, it and what follows did not",
                len(sent) == len(before) and
                not any(victim["ref"] in p for p in sent),
                "sent %d uploads, %d rows precede the damaged image" % (len(sent), len(before)))
        R.check("damaged on disk: the image is still queued, not a dead letter",
                status(site.station)["queue"]["dead"] == 0, "%r" % status(site.station)["queue"])

        with open(path, "wb") as f:
            f.write(good)
        proc, _ = site.sync("--once")
        R.ok("damaged on disk: once the file is mended, sync --once exits 0", exited(proc, 0))
        R.ok("damaged on disk: everything delivered once", delivered(site))
    finally:
        site.close()


# ---- the run -----------------------------------------------------------------------

SCENARIOS = [test_happy, test_stall_forever, test_down_at_start, test_stall, test_retry_after,
             test_central_killed, test_wrong_token, test_misrouted, test_reset_half,
             test_keepalive, test_corrupt, test_redirect, test_tls, test_token_readable,
             test_lost_image, test_damaged_on_disk]


def main():
    tmp = tempfile.mkdtemp(prefix="catd-sync-")
    logs = []
    start = time.monotonic()
    try:
        # Every acta's page once, from a scratch station (synth reads the
        # catalog from a station).
        scratch = os.path.join(tmp, "scratch")
        catdctl(scratch, "init", "--station-id", "SCRATCH", "--catalog",
                os.path.join(os.environ["CATD_TOP_SRCDIR"], "data", "demo", "catalog.json"))
        actas = election_actas(scratch, "GUB", HAPPY)
        pages = os.path.join(tmp, "pages")
        answers = synth_pages(scratch, actas, pages)
        R.note("pages made in %.1f s" % (time.monotonic() - start))

        def run(scenario):
            t = time.monotonic()
            try:
                scenario(tmp, pages, answers)
            except Exception as e:  # a broken step fails the test, never stops the report
                R.fail(scenario.__name__, "%s: %s" % (type(e).__name__, e),
                       *traceback.format_exc().splitlines())
            R.note("%s: %.1f s" % (scenario.__name__, time.monotonic() - t))

        only = os.environ.get("CATD_SYNC_ONLY")
        chosen = [s for s in SCENARIOS if not only or s.__name__ in only.split(",")]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            for future in [pool.submit(run, s) for s in chosen]:
                future.result()
    except Exception as e:
        R.fail("test run", "%s: %s" % (type(e).__name__, e),
               *traceback.format_exc().splitlines())
    finally:
        R.note("total %.1f s" % (time.monotonic() - start))
        # What the sites logged explains a failure: the end of each log of
        # a scenario that failed.
        failed = {name.split(":")[0] for name, problems in R.results if problems}
        for d, _, files in sorted(os.walk(tmp)):
            scenario = os.path.basename(d)
            # (A scenario that broke is named after its function: all logs.)
            if not any(scenario == f or scenario.startswith(f + "-") or f.startswith("test")
                       for f in failed):
                continue
            for name in sorted(files):
                if name.startswith("central-") and name.endswith(".log"):
                    lines = open(os.path.join(d, name), errors="replace").readlines()
                    logs += ["%s/%s: %s" % (scenario, name, l) for l in lines[-20:]]
        shutil.rmtree(tmp, ignore_errors=True)
    return R.emit(logs)


if __name__ == "__main__":
    sys.exit(main())
