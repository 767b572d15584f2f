#!/usr/bin/python3
# test-scan-crash.py - kill `catdctl scan` with SIGKILL in the middle of a
# feeder batch, again and again (DESIGN §6, §10)
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A slowed-down ADF batch on SANE's test backend (grid pages, no QR) runs
# interactively: each page pauses, and the test binds it by hand to the next
# registered acta still without an image, as an operator would. The CLI is
# killed at varied moments: at a random time, a few milliseconds after a
# "bind" (while the page is encoded, hashed, fsync'd and committed), or
# while the next sheet is being read. After every kill the station must
# hold to what was promised:
#
#  - every page the CLI printed as "stored" before it died is the image of
#    its acta in the database;
#  - every acta's image, and every image an acta ever had, is on disk under
#    its content address and hashes to it; every image row is referenced;
#    every binding has its audit row (one transaction);
#  - the kill leaves at most one temporary file and at most one image no row
#    names (killed between the rename and the COMMIT); opening the station
#    (`catdctl check`) removes the temporary file; nothing else is in images/;
#  - `catdctl check` and `catdctl audit verify` exit 0;
#  - the catd-scand helper the CLI started exits by itself once its socket
#    closes (the test is the helper's subreaper, so it sees it orphaned).
#
# CATD_CRASH_SEED=N repeats the kill schedule; CATD_SCAN_KILLS=N changes the
# number of kills (default 20).
import ctypes
import hashlib
import json
import os
import queue
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.environ["CATD_TOP_SRCDIR"]
BUILD = os.environ["CATD_TOP_BUILDDIR"]
os.environ.setdefault("SANE_CONFIG_DIR", os.path.join(TOP, "tests", "sane"))
os.environ.setdefault("CATD_SCAND", os.path.join(BUILD, "src", "catd-scand"))
CATDCTL = os.path.join(BUILD, "src", "catdctl")
CATALOG = os.path.join(TOP, "data", "demo", "catalog.json")
KILLS = int(os.environ.get("CATD_SCAN_KILLS", "20"))
POOL = 10                      # registered actas waiting for their image
HELPER_EXIT_SECONDS = 5
# About 0.5 s a page at 75 dpi: slow enough to land kills inside a page.
SCAN = ["--json", "scan", "--device", "test:0", "--source", "adf", "--resolution", "75",
        "--option", "test-picture=Grid", "--option", "read-delay=yes",
        "--option", "read-delay-duration=40000", "--option", "read-limit=yes",
        "--option", "read-limit-size=4096", "--identify", "--interactive"]
NAME = re.compile(r"^([0-9a-f]{2})/([0-9a-f]{64})\.tif$")

results = []


def fail(name, *problems):
    results.append((name, list(problems)))


def env_for(pin):
    env = dict(os.environ)
    env.pop("CATD_PIN", None)
    if pin:
        env["CATD_PIN"] = pin
    return env


def run(data, *args, user=None, pin=None, stdin=None):
    argv = [CATDCTL, "--data-dir", data] + (["--user", user] if user else []) + list(args)
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env_for(pin),
                          timeout=60)


def where_stuck(pid):
    """A hung process's threads and where the kernel has them waiting."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            name = f.read().strip()
        waits = []
        for tid in sorted(os.listdir("/proc/%d/task" % pid)):
            with open("/proc/%d/task/%s/wchan" % (pid, tid)) as f:
                waits.append(f.read().strip() or "running")
        return "%s %d waits in %s" % (name, pid, ", ".join(waits))
    except OSError:
        return "%d gone" % pid


def run_bounded(argv, stdin, env, timeout):
    """Runs @argv; one still running after @timeout seconds is killed with
    every process under it, and comes back with returncode None."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        tree = descendants(proc.pid)
        where = "; ".join(where_stuck(pid) for pid in [proc.pid] + tree)
        for pid in [proc.pid] + tree:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        out, err = proc.communicate()
        wait_gone(tree, 5)
        return subprocess.CompletedProcess(argv, None, out,
                                           err + "[hung %d s: %s]" % (timeout, where))
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def become_subreaper():
    """Orphans of our children (the helper, once catdctl is killed) become
    ours: we can see whether they exit, and reap them."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def proc_stat(pid):
    """(state, ppid) of a process, or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def descendants(root):
    """Every live process under @root (by parent links)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = proc_stat(int(entry))
            if st:
                children.setdefault(st[1], []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def our_orphans(exclude):
    """Processes re-parented to us (we are their subreaper)."""
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in exclude:
            st = proc_stat(int(entry))
            if st and st[1] == me:
                out.append(int(entry))
    return out


def reap(pid):
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid
    except ChildProcessError:
        return True


def wait_gone(pids, seconds):
    """Waits for @pids to exit (reaping those that are ours); returns those
    still running."""
    end = time.monotonic() + seconds
    left = set(pids)
    while left:
        for pid in list(left):
            st = proc_stat(pid)
            if st is None or st[0] == "Z":
                reap(pid)
                left.discard(pid)
        if not left or time.monotonic() > end:
            break
        time.sleep(0.02)
    return sorted(left)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Station:
    def __init__(self, data):
        self.data = data
        self.db = os.path.join(data, "station.db")
        self.images = os.path.join(data, "images")

    def rows(self, sql, *params):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def waiting_for_image(self):
        return [r[0] for r in self.rows("SELECT clave_acta FROM acta WHERE image_sha256 IS NULL "
                                        "ORDER BY clave_acta")]

    def files(self):
        return sorted(os.path.relpath(os.path.join(d, f), self.images)
                      for d, _, fs in os.walk(self.images) for f in fs)


class Batch:
    """One `catdctl scan` run, its stdout read as it comes."""

    def __init__(self, data, targets):
        self.proc = subprocess.Popen([CATDCTL, "--data-dir", data, "--user", "dig"] + SCAN,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env_for("2222"),
                                     bufsize=1)
        self.targets = list(targets)
        self.lines = queue.Queue()
        self.pages = []               # every JSON line, in order
        self.helpers = set()
        self.stderr = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True) \
            .start()
        threading.Thread(target=self._drain, daemon=True).start()

    def _read(self, stream, out):
        for line in stream:
            out.put(line)
        out.put(None)

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def note_helpers(self):
        self.helpers.update(descendants(self.proc.pid))

    def step(self, timeout):
        """Handles the next line within @timeout: binds a paused page to the
        next acta. Returns the page, None on timeout, False at the end."""
        try:
            line = self.lines.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        if line is None:
            return False
        try:
            page = json.loads(line)
        except ValueError:
            page = {"unparsable": line}
        self.pages.append(page)
        if page.get("status") == "paused" and self.targets:
            try:
                self.proc.stdin.write("bind %s\n" % self.targets.pop(0))
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass
        return page

    def kill(self):
        self.note_helpers()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        # Everything it printed before it died is in the pipe.
        while True:
            try:
                line = self.lines.get(timeout=10)
            except queue.Empty:
                break
            if line is None:
                break
            try:
                self.pages.append(json.loads(line))
            except ValueError:
                self.pages.append({"unparsable": line})
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def stored(self):
        return [p for p in self.pages if p.get("status") == "stored"]


def run_round(station, rng, number):
    """One batch, killed as the round's plan says. Returns it, a description
    of the kill, and why it had ended by itself before the kill, if it had."""
    targets = station.waiting_for_image()
    batch = Batch(station.data, targets)
    plan = number % 3
    start = time.monotonic()
    if plan == 0:
        at = rng.uniform(0.05, 2.0)
        what = "at %.0f ms" % (at * 1000)
        while time.monotonic() - start < at:
            batch.note_helpers()
            if batch.step(min(0.02, at - (time.monotonic() - start))) is False:
                break
    elif plan == 1:
        nth, delay = rng.randint(1, 3), rng.uniform(0, 0.015)
        what = "%.1f ms after bind #%d (mid-store)" % (delay * 1000, nth)
        binds = 0
        while binds < nth and time.monotonic() - start < 15:
            batch.note_helpers()
            page = batch.step(0.02)
            if page is False:
                break
            if page and page.get("status") == "paused":
                binds += 1
        time.sleep(delay)
    else:
        nth, delay = rng.randint(1, 2), rng.uniform(0, 0.6)
        what = "%.0f ms after stored page #%d (mid-page)" % (delay * 1000, nth)
        stored = 0
        while stored < nth and time.monotonic() - start < 15:
            batch.note_helpers()
            page = batch.step(0.02)
            if page is False:
                break
            if page and page.get("status") == "stored":
                stored += 1
        end = time.monotonic() + delay
        while time.monotonic() < end:
            batch.note_helpers()
            if batch.step(end - time.monotonic()) is False:
                break
    alive = batch.proc.poll() is None
    batch.kill()
    early = None
    if not alive:
        early = "catdctl had already exited %d before the kill: %s" % (
            batch.proc.returncode, " ".join("".join(batch.stderr).split())[-300:])
    return batch, what, early


def verify(station, batch, orphans_before):
    """Holds the station to the promises of DESIGN §6 after a kill."""
    problems = []
    temp_before = [f for f in os.listdir(station.images) if f.startswith(".tmp-")]
    if len(temp_before) > 1:
        problems.append("the kill left %d temporary files: %r" % (len(temp_before), temp_before))

    p = run(station.data, "--json", "check")
    if p.returncode != 0:
        problems.append("catdctl check exit %d: %s" % (p.returncode, p.stderr.strip()))
    p = run(station.data, "audit", "verify")
    if p.returncode != 0:
        problems.append("catdctl audit verify exit %d: %s" % (p.returncode, p.stderr.strip()))

    # Opening the station removed the temporary file; only content
    # addresses are left, each hashing to its name.
    on_disk = set()
    for rel in station.files():
        m = NAME.match(rel)
        if not m or m.group(1) != m.group(2)[:2]:
            problems.append("images/%s is not a content address (a leftover?)" % rel)
            continue
        if sha256_file(os.path.join(station.images, rel)) != m.group(2):
            problems.append("images/%s does not hash to its name" % rel)
        on_disk.add(m.group(2))

    actas = dict(station.rows("SELECT clave_acta, image_sha256 FROM acta "
                              "WHERE image_sha256 IS NOT NULL"))
    bound = {r[0] for r in station.rows("SELECT sha256 FROM acta_image")}
    image_rows = {r[0] for r in station.rows("SELECT sha256 FROM image")}
    n_bindings = station.rows("SELECT count(*) FROM acta_image")[0][0]
    n_audit = station.rows("SELECT count(*) FROM audit WHERE action = 'digitalizacion.scan'")[0][0]
    for clave, sha in actas.items():
        if sha not in on_disk:
            problems.append("acta %s's image %s is not on disk" % (clave, sha))
        if sha not in bound:
            problems.append("acta %s's image %s is not in acta_image" % (clave, sha))
    for sha in bound - on_disk:
        problems.append("acta_image names %s, which is not on disk" % sha)
    for sha in image_rows - bound:
        problems.append("image row %s is referenced by no acta" % sha)
    if n_bindings != n_audit:
        problems.append("%d bindings but %d digitalizacion.scan audit rows" % (n_bindings, n_audit))
    orphans = on_disk - bound
    if len(orphans) - orphans_before > 1:
        problems.append("the kill left %d images no row names" % (len(orphans) - orphans_before))

    for page in batch.stored():
        if actas.get(page.get("clave_acta")) != page.get("sha256"):
            problems.append("page %s printed as stored (%s -> %s) is not in the database "
                            "(it has %r)" % (page.get("page"), page.get("clave_acta"),
                                             page.get("sha256"), actas.get(page.get("clave_acta"))))
    if any("unparsable" in page for page in batch.pages):
        problems.append("stdout had lines that are not JSON: %r" % batch.pages)
    return problems, len(orphans), len(temp_before)


def main():
    seed = int(os.environ.get("CATD_CRASH_SEED", str(random.SystemRandom().randrange(1 << 31))))
    rng = random.Random(seed)
    print("# seed %d (CATD_CRASH_SEED=%d repeats the kill schedule)" % (seed, seed))
    subreaper = become_subreaper()
    tmp = tempfile.mkdtemp(prefix="catd-scan-crash-")
    station = Station(os.path.join(tmp, "station"))
    started = time.monotonic()
    stats = {"stored": 0, "ahead": 0, "temp": 0, "orphans": 0, "helpers": 0}
    leftover = []
    try:
        setup = [run(station.data, "init", "--station-id", "CATD-CRASH", "--catalog", CATALOG),
                 run(station.data, "user", "add", "coord", "--role", "coordinador", "--name",
                     "C", stdin="1234\n"),
                 run(station.data, "user", "add", "aco", "--role", "acopiador", "--name", "A",
                     user="coord", pin="1234", stdin="1111\n"),
                 run(station.data, "user", "add", "dig", "--role", "digitalizador", "--name",
                     "D", user="coord", pin="1234", stdin="2222\n")]
        bad = [p for p in setup if p.returncode != 0]
        results.append(("station set up", ["exit %d: %s" % (p.returncode, p.stderr) for p in bad]))
        if bad:
            return report()
        catalog = iter(r[0] for r in station.rows("SELECT clave_acta FROM catalog_acta "
                                                  "ORDER BY clave_acta"))
        orphans = 0
        for number in range(KILLS):
            # Keep ten registered actas waiting for their image.
            for _ in range(POOL - len(station.waiting_for_image())):
                clave = next(catalog)
                p = run(station.data, "register", clave, user="aco", pin="1111")
                if p.returncode != 0:
                    fail("register " + clave, p.stderr)

            bindings = station.rows("SELECT count(*) FROM acta_image")[0][0]
            batch, what, early = run_round(station, rng, number)
            problems, orphans_now, temp = verify(station, batch, orphans)
            if early and batch.proc.returncode != 0:
                problems.insert(0, early)
            stats["stored"] += len(batch.stored())
            # Committed, but killed before it could say so: allowed, counted.
            stats["ahead"] += (station.rows("SELECT count(*) FROM acta_image")[0][0] - bindings -
                               len(batch.stored()))
            stats["temp"] += temp
            stats["orphans"] += orphans_now - orphans
            orphans = orphans_now

            # The helper exits once its socket closes.
            stuck = wait_gone(batch.helpers, HELPER_EXIT_SECONDS)
            stuck += wait_gone(our_orphans({batch.proc.pid} | set(stuck)), 0.5)
            stats["helpers"] += len(batch.helpers)
            if stuck:
                problems.append("catd-scand still running %d s after catdctl was killed: pids %r"
                                % (HELPER_EXIT_SECONDS, stuck))
                leftover += stuck
                for pid in stuck:
                    os.kill(pid, signal.SIGKILL)
                wait_gone(stuck, 5)
            results.append(("kill %d %s: %d page(s) printed stored, station consistent"
                            % (number + 1, what, len(batch.stored())), problems))

        if not subreaper:
            fail("helpers watched", "prctl(PR_SET_CHILD_SUBREAPER) failed: orphaned helpers "
                 "were looked for only among catdctl's children")
        if stats["stored"] == 0:
            fail("the batches stored pages", "no page was stored in any round")
        if stats["helpers"] == 0:
            fail("the helper was seen", "no catd-scand under catdctl in any round")
        p = run_bounded([CATDCTL, "--data-dir", station.data, "--user", "dig", "--json", "scan",
                         "--device", "test:0", "--source", "adf", "--resolution", "75",
                         "--option", "test-picture=Grid", "--identify", "--interactive"],
                        "bind %s\ncancel\n" % station.waiting_for_image()[0], env_for("2222"),
                        30)
        results.append(("a batch after the kills stores its page, and cancel ends it",
                        [] if p.returncode == 0 and '"stored"' in p.stdout else
                        ["exit %s (None: killed after 30 s): %s %s"
                         % (p.returncode, p.stderr[-300:], p.stdout[-300:])]))
    finally:
        # Nothing of ours may outlive the test.
        for pid in our_orphans(set()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            wait_gone([pid], 5)
        shutil.rmtree(tmp, ignore_errors=True)
    print("# %d kills in %.1f s: %d pages printed stored, %d committed but not yet printed, "
          "%d temporary files and %d unnamed images left by kills, %d helpers watched"
          % (KILLS, time.monotonic() - started, stats["stored"], stats["ahead"], stats["temp"],
             stats["orphans"], stats["helpers"]))
    return report()


def report():
    print("1..%d" % len(results))
    for i, (name, problems) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if not problems else "not ok", i, name))
        for p in problems:
            print("# " + p)
    return 1 if any(p for _, p in results) else 0


if __name__ == "__main__":
    sys.exit(main())
