#!/usr/bin/python3
# test-scan-cli.py - catdctl scanners / scan / synth through SANE's test and
# pnm backends (DESIGN §8, §10): pages bound by QR or by hand, pages set
# aside with their reason, stored TIFFs as the scanner made them, device
# failures as exit 4
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
import importlib.util
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

TOP = os.environ["CATD_TOP_SRCDIR"]
BUILD = os.environ["CATD_TOP_BUILDDIR"]
# meson's test environment sets these; by hand, the same private SANE set-up.
os.environ.setdefault("SANE_CONFIG_DIR", os.path.join(TOP, "tests", "sane"))
os.environ.setdefault("CATD_SCAND", os.path.join(BUILD, "src", "catd-scand"))


def load(name, path):
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(os.path.dirname(os.path.abspath(__file__)), path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# test-cli.py's run() and check() (and its list of results) serve here too,
# and the crash test's way of watching catdctl's helper process.
cli = load("test_cli", "test-cli.py")
proc_watch = load("test_scan_crash", os.path.join("crash", "test-scan-crash.py"))
run, check, results = cli.run, cli.check, cli.results
CATALOG = cli.CATALOG
# A scan here takes well under a second; one that takes this long is hung.
SCAN_TIMEOUT = 15

DIG = dict(user="dig", pin="2222")


def fail(name, *problems):
    results.append((name, list(problems)))


def describe(proc):
    """A failed run, for a message: how it ended and what it said."""
    if proc.returncode is None:
        how = "no answer within %d s (killed)" % SCAN_TIMEOUT
    else:
        how = "exit %d" % proc.returncode
    if proc.returncode is not None and (proc.returncode < 0 or proc.returncode > 128):
        how += " (killed by signal %d: a crash)" % (-proc.returncode if proc.returncode < 0
                                                     else proc.returncode - 128)
    return "%s; stderr %r; stdout %r" % (how, proc.stderr[-600:], proc.stdout[-600:])


def pages_of(proc):
    """The JSON lines `scan --json` printed, one per page."""
    pages = []
    for line in proc.stdout.splitlines():
        try:
            pages.append(json.loads(line))
        except ValueError:
            pages.append({"unparsable": line})
    return pages


def scan(data, *args, stdin=None):
    """catdctl scan as the digitizer; a run that hangs is killed, with its
    helper, and comes back with returncode None."""
    env = dict(os.environ, CATD_PIN=DIG["pin"])
    argv = [cli.CATDCTL, "--data-dir", data, "--user", DIG["user"], "--json", "scan"] + list(args)
    return proc_watch.run_bounded(argv, stdin, env, SCAN_TIMEOUT)


def error_lines(proc):
    return [l for l in proc.stderr.splitlines() if l.strip()]


def expect_exit(name, proc, code, problems=None):
    """Records a test: @proc ended with @code, plus @problems found by the caller."""
    # What the caller found about a run that hung says nothing more.
    problems = list(problems or []) if proc.returncode is not None else []
    if proc.returncode != code:
        problems.insert(0, "expected exit %d, got %s" % (code, describe(proc)))
    elif code != 0:
        lines = error_lines(proc)
        if len(lines) != 1 or not lines[0].startswith("error: "):
            problems.append("stderr is not one 'error: ' line: %r" % proc.stderr)
    results.append((name, problems))
    return not problems


class Db:
    """Reads the station database between two runs of catdctl."""

    def __init__(self, data):
        self.path = os.path.join(data, "station.db")
        self.images = os.path.join(data, "images")

    def rows(self, sql, *params):
        con = sqlite3.connect(self.path, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def one(self, sql, *params):
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    def image_of(self, clave):
        return self.one("SELECT image_sha256 FROM acta WHERE clave_acta = ?", clave)

    def images_bound(self, clave):
        return [r[0] for r in self.rows(
            "SELECT ai.sha256 FROM acta_image ai JOIN acta a ON a.id = ai.acta "
            "WHERE a.clave_acta = ? ORDER BY ai.id", clave)]

    def set_aside(self):
        """Audit rows of pages set aside: (seq, clave_acta, detail)."""
        return [(seq, clave, json.loads(detail)) for seq, clave, detail in self.rows(
            "SELECT seq, clave_acta, detail FROM audit "
            "WHERE action = 'digitalizacion.page_set_aside' ORDER BY seq")]

    def snapshot(self):
        """What is stored: files on disk, image rows, images bound to actas."""
        files = sorted(os.path.relpath(os.path.join(d, f), self.images)
                       for d, _, fs in os.walk(self.images) for f in fs)
        return (files, self.rows("SELECT sha256 FROM image ORDER BY sha256"),
                self.rows("SELECT clave_acta, image_sha256 FROM acta ORDER BY clave_acta"),
                self.rows("SELECT id, sha256 FROM acta_image ORDER BY id"))


def sha256sum(path):
    out = subprocess.run(["sha256sum", path], capture_output=True, text=True, check=True)
    return out.stdout.split()[0]


def tiffinfo(path):
    """tiffinfo's fields of the first directory, name -> text."""
    out = subprocess.run(["tiffinfo", path], capture_output=True, text=True)
    fields = {"_text": out.stdout + out.stderr}
    for line in out.stdout.splitlines():
        line = line.strip()
        m = re.match(r"Image Width: (\d+) Image Length: (\d+)", line)
        if m:
            fields["Width"], fields["Length"] = m.group(1), m.group(2)
        elif ":" in line:
            key, value = line.split(":", 1)
            fields.setdefault(key.strip(), value.strip())
    return fields


def check_stored(name, db, page, clave, binding, dpi, mode, device, checks=None):
    """Holds one "stored" JSON line to what the user can see of it: the
    file, its hash, the acta's rows and the TIFF's own tags."""
    problems = []
    want = {"status": "stored", "clave_acta": clave, "binding": binding, "mode": mode,
            "device": device, "problem": None}
    for key, value in want.items():
        if page.get(key) != value:
            problems.append("%s is %r, expected %r" % (key, page.get(key), value))
    if page.get("dpi") != dpi:
        problems.append("dpi is %r, expected %r" % (page.get("dpi"), dpi))
    for key, value in (checks or {}).items():
        if page.get("checks", {}).get(key) != value:
            problems.append("checks.%s is %r, expected %r" % (key, page.get("checks", {})
                                                              .get(key), value))
    sha, path = page.get("sha256"), page.get("path")
    if not sha or not re.fullmatch(r"[0-9a-f]{64}", sha):
        problems.append("no sha256: %r" % sha)
        return fail(name, *problems)
    if path != os.path.join(db.images, sha[:2], sha + ".tif"):
        problems.append("path %r is not the content address of %s" % (path, sha))
    if not path or not os.path.isfile(path):
        problems.append("the stored file %r does not exist" % path)
        return fail(name, *problems)
    if sha256sum(path) != sha:
        problems.append("sha256sum of %s is %s, the scan said %s" % (path, sha256sum(path), sha))
    if os.stat(path).st_mode & 0o077:
        problems.append("the stored image is readable by others: mode %o" % os.stat(path).st_mode)
    if db.image_of(clave) != sha:
        problems.append("acta %s has image_sha256 %r, not the stored %s"
                        % (clave, db.image_of(clave), sha))
    if sha not in db.images_bound(clave):
        problems.append("acta_image does not list %s for %s: %r" % (sha, clave,
                                                                    db.images_bound(clave)))
    info = tiffinfo(path)
    res = "%d, %d pixels/inch" % (dpi, dpi)
    if info.get("Resolution") != res:
        problems.append("tiffinfo says Resolution %r, expected %r" % (info.get("Resolution"), res))
    spp = "3" if mode == "color" else "1"
    if info.get("Samples/Pixel") != spp:
        problems.append("tiffinfo says Samples/Pixel %r for a %s page" % (info.get("Samples/Pixel"),
                                                                          mode))
    if (info.get("Width"), info.get("Length")) != (str(page.get("width")),
                                                   str(page.get("height"))):
        problems.append("tiffinfo says %sx%s, the scan said %sx%s" % (
            info.get("Width"), info.get("Length"), page.get("width"), page.get("height")))
    results.append((name, problems))
    return info


def check_paused(name, proc, db, before, verdict, clave=None, problem_has=None, aside=None):
    """A page that failed its checks, with no one to ask: one "paused" JSON
    line, `error: page 1: <reason>`, exit 3, nothing stored, and the page
    recorded as set aside in the audit log."""
    problems = []
    pages = pages_of(proc)
    if len(pages) != 1:
        problems.append("expected one JSON line, got %r" % proc.stdout)
    page = pages[0] if pages else {}
    if page.get("status") != "paused":
        problems.append("status %r, expected paused" % page.get("status"))
    if page.get("checks", {}).get("verdict") != verdict:
        problems.append("verdict %r, expected %r"
                        % (page.get("checks", {}).get("verdict"), verdict))
    if page.get("clave_acta") != clave:
        problems.append("clave_acta %r, expected %r" % (page.get("clave_acta"), clave))
    if page.get("sha256") is not None or page.get("path") is not None:
        problems.append("a paused page has sha256/path: %r" % page)
    if verdict == "blank" and page.get("checks", {}).get("blank") is not True:
        problems.append("checks.blank is not true for a blank page")
    lines = error_lines(proc)
    if page.get("problem") and lines != ["error: page 1: " + page["problem"]]:
        problems.append("stderr %r does not give the page's problem %r" % (proc.stderr,
                                                                          page.get("problem")))
    if problem_has and problem_has not in (page.get("problem") or ""):
        problems.append("problem %r lacks %r" % (page.get("problem"), problem_has))
    if db.snapshot() != before[0]:
        problems.append("something was stored for a page that paused")
    new = db.set_aside()[len(before[1]):]
    if len(new) != 1:
        problems.append("expected one digitalizacion.page_set_aside audit row, got %r" % new)
    else:
        seq, aside_clave, detail = new[0]
        if aside_clave != clave or detail.get("verdict") != verdict or \
           detail.get("decision") != (aside or "cancel"):
            problems.append("set-aside audit row is %r, expected acta %r verdict %r" % (
                new[0], clave, verdict))
    expect_exit(name, proc, 3, problems)


def main():
    subreaper = proc_watch.become_subreaper()
    tmp = tempfile.mkdtemp(prefix="catd-scan-cli-")
    data = os.path.join(tmp, "station")
    db = Db(data)
    try:
        # ---- the station: the demo catalog, a coordinador, acopio, digitizer ----
        check("init", run(data, "init", "--station-id", "CATD-SCAN", "--catalog", CATALOG), 0)
        check("first user", run(data, "user", "add", "coord", "--role", "coordinador", "--name",
                                "Coord", stdin="1234\n"), 0)
        for login, role, pin in [("aco", "acopiador", "1111"), ("dig", "digitalizador", "2222")]:
            check("add " + login, run(data, "user", "add", login, "--role", role, "--name",
                                      login, user="coord", pin="1234", stdin=pin + "\n"), 0)
        catalog = [r[0] for r in db.rows("SELECT clave_acta FROM catalog_acta "
                                         "ORDER BY clave_acta")]
        unused = iter(catalog)

        def register(n):
            claves = [next(unused) for _ in range(n)]
            for clave in claves:
                p = run(data, "register", clave, user="aco", pin="1111")
                if p.returncode != 0:
                    fail("register " + clave, describe(p))
            return claves

        # ---- 1. scanners ----
        def scanners(*args):
            return proc_watch.run_bounded([cli.CATDCTL, "--data-dir", data] + list(args) +
                                          ["scanners"], None, dict(os.environ), SCAN_TIMEOUT)

        p = scanners("--json")
        names = []
        try:
            names = [d["name"] for d in json.loads(p.stdout)]
            if not all(set(d) == {"name", "vendor", "model", "type"} for d in json.loads(p.stdout)):
                fail("scanners --json fields", "unexpected members: %s" % p.stdout)
        except (ValueError, TypeError, KeyError) as e:
            fail("scanners --json is a JSON array of devices", "%s: %r" % (e, p.stdout))
        expect_exit("scanners --json lists test:0 and pnm:0", p, 0,
                    [] if {"test:0", "pnm:0"} <= set(names) else ["devices: %r" % names])
        p = scanners()
        text = [l.split("\t")[0] for l in p.stdout.splitlines()]
        expect_exit("scanners lists test:0 and pnm:0", p, 0,
                    [] if {"test:0", "pnm:0"} <= set(text) else ["output: %r" % p.stdout])

        # ---- 2. synthetic acta pages through the pnm backend, bound by QR ----
        qr = register(3)                   # rendered and registered
        stranger = next(unused)            # rendered, never registered
        pages = os.path.join(tmp, "pages")
        pages200 = os.path.join(tmp, "pages200")
        p = run(data, "--json", "synth", qr[0], qr[1], stranger, "--out", pages, "--dpi", "300")
        check("synth at 300 dpi", p, 0, stdout_json=True)
        check("synth at 200 dpi", run(data, "synth", qr[2], "--out", pages200, "--dpi", "200",
                                      "--skew", "1.5", "--noise", "--seed", "7"), 0)
        page_file = {c: os.path.join(pages, c + ".pnm") for c in (qr[0], qr[1], stranger)}
        page_file[qr[2]] = os.path.join(pages200, qr[2] + ".pnm")

        for clave, dpi in ((qr[0], 300), (qr[1], 300), (qr[2], 200)):
            p = scan(data, "--device", "pnm:0", "--resolution", str(dpi), "--option",
                     "filename=" + page_file[clave], "--identify")
            got = pages_of(p)
            if expect_exit("pnm page of %s at %d dpi: scan exits 0" % (clave, dpi), p, 0,
                           [] if len(got) == 1 else ["expected one JSON line: %r" % p.stdout]):
                check_stored("pnm page of %s at %d dpi bound by its QR" % (clave, dpi), db,
                             got[0], clave, "qr", dpi, "gray", "pnm:0",
                             {"verdict": "ok", "qr": clave, "blank": False})
        check("check after QR-bound scans", run(data, "check"), 0)

        # ---- 3. pages that stop the batch, each for its own reason ----
        def paused(name, args, verdict, clave=None, problem_has=None):
            before = (db.snapshot(), db.set_aside())
            check_paused(name, scan(data, *args), db, before, verdict, clave, problem_has)

        paused("QR of an acta not registered",
               ["--device", "pnm:0", "--option", "filename=" + page_file[stranger], "--identify"],
               "not_registered", stranger, stranger)
        paused("a page with no QR (test backend grid)",
               ["--device", "test:0", "--resolution", "75", "--option", "test-picture=Grid",
                "--identify"], "no_qr")
        paused("a page of an acta already digitized",
               ["--device", "pnm:0", "--option", "filename=" + page_file[qr[0]], "--identify"],
               "already_digitized", qr[0], "already has an image")
        paused("a blank page",
               ["--device", "test:0", "--resolution", "75", "--option",
                "test-picture=Solid white", "--identify"], "blank", None, "blank")
        hand = register(1)[0]
        paused("a blank page bound to an acta by hand",
               ["--device", "test:0", "--resolution", "75", "--option",
                "test-picture=Solid white", "--acta", hand], "blank", None, "blank")
        paused("a page whose QR names another acta than --acta",
               ["--device", "pnm:0", "--option", "filename=" + page_file[qr[1]], "--acta",
                hand], "wrong_acta", qr[1], hand)
        if len(db.images_bound(qr[0])) != 1:
            fail("already digitized acta keeps its one image", "acta_image: %r"
                 % db.images_bound(qr[0]))

        # The device's own resolution is what is recorded: the pnm backend
        # offers 240 and 255 dpi, not 250.
        p = scan(data, "--device", "pnm:0", "--resolution", "250", "--option",
                 "filename=" + page_file[stranger], "--identify")
        got = pages_of(p)
        expect_exit("dpi is read back from the device (asked 250, pnm gives 255)", p, 3,
                    [] if got and got[0].get("dpi") == 255 else ["pages: %r" % got])

        # ---- 4. flatbed pages bound with --acta on the test backend ----
        flat = register(4)
        p = scan(data, "--device", "test:0", "--resolution", "200", "--mode", "gray",
                 "--acta", flat[0])
        got = pages_of(p)
        if expect_exit("--acta gray 200 dpi exits 0", p, 0,
                       [] if len(got) == 1 else ["pages: %r" % got]):
            info = check_stored("--acta gray 200 dpi", db, got[0], flat[0], "hand", 200, "gray",
                                "test:0")
            if info and "AdobeDeflate" not in info.get("Compression Scheme", ""):
                fail("gray page is Deflate-compressed", "tiffinfo: %r"
                     % info.get("Compression Scheme"))
        p = scan(data, "--device", "test:0", "--resolution", "200", "--mode", "color",
                 "--option", "test-picture=Color pattern", "--acta", flat[1])
        got = pages_of(p)
        if expect_exit("--acta color 200 dpi exits 0", p, 0,
                       [] if len(got) == 1 else ["pages: %r" % got]):
            info = check_stored("--acta color 200 dpi", db, got[0], flat[1], "hand", 200, "color",
                                "test:0")
            if info and "AdobeDeflate" not in info.get("Compression Scheme", ""):
                fail("colour page is lossless by default", "tiffinfo: %r"
                     % info.get("Compression Scheme"))
        p = scan(data, "--device", "test:0", "--resolution", "200", "--mode", "color",
                 "--compression", "jpeg", "--option", "test-picture=Color pattern",
                 "--acta", flat[2])
        got = pages_of(p)
        if expect_exit("--compression jpeg in colour exits 0", p, 0,
                       [] if len(got) == 1 else ["pages: %r" % got]):
            info = check_stored("--compression jpeg in colour", db, got[0], flat[2], "hand", 200,
                                "color", "test:0")
            if info and "JPEG" not in info.get("Compression Scheme", ""):
                fail("colour page with --compression jpeg is JPEG", "tiffinfo: %r"
                     % info.get("Compression Scheme"))

        before = db.snapshot()
        expect_exit("--compression jpeg in gray is refused",
                    scan(data, "--device", "test:0", "--mode", "gray", "--compression", "jpeg",
                         "--acta", flat[3]), 2)
        expect_exit("--acta with --source adf is refused",
                    scan(data, "--device", "test:0", "--source", "adf", "--acta", flat[3]), 2)
        expect_exit("--replace without --reason is refused",
                    scan(data, "--device", "test:0", "--acta", flat[0], "--replace"), 2)
        # Refused before scanning: a jammed scanner would otherwise say exit 4.
        p = scan(data, "--device", "test:0", "--resolution", "75", "--option",
                 "read-return-value=SANE_STATUS_JAMMED", "--acta", flat[0])
        expect_exit("re-scan of a digitized acta without --replace is refused before scanning",
                    p, 3, ([] if "already has an image" in p.stderr else
                           ["stderr does not say the acta has an image: %r" % p.stderr]) +
                    ([] if p.stdout == "" else ["a page was scanned: %r" % p.stdout]))
        if db.snapshot() != before:
            fail("refused --acta scans store nothing", "the station changed")

        old = db.image_of(flat[0])
        p = scan(data, "--device", "test:0", "--resolution", "200", "--option", "test-picture=Grid",
                 "--acta", flat[0], "--replace", "--reason", "hoja rota")
        got = pages_of(p)
        if expect_exit("re-scan with --replace --reason exits 0", p, 0,
                       [] if len(got) == 1 else ["pages: %r" % got]):
            check_stored("re-scan with --replace --reason", db, got[0], flat[0], "hand", 200,
                         "gray", "test:0")
            bound = db.images_bound(flat[0])
            problems = []
            if got[0].get("sha256") == old:
                problems.append("the new page has the old page's hash")
            if bound != [old, got[0].get("sha256")]:
                problems.append("acta_image lists %r, expected the old then the new" % bound)
            if not os.path.isfile(os.path.join(db.images, old[:2], old + ".tif")):
                problems.append("the replaced image's file is gone")
            audit = db.rows("SELECT detail FROM audit WHERE action = 'digitalizacion.replace' "
                            "AND clave_acta = ?", flat[0])
            if not audit or json.loads(audit[-1][0]).get("reason") != "hoja rota" or \
               json.loads(audit[-1][0]).get("replaces") != old:
                problems.append("no audit row with the reason and the replaced image: %r" % audit)
            results.append(("the replaced image stays listed, with the reason audited",
                            problems))

        # ---- 5. an interactive feeder batch ----
        inter = register(3)
        asides = len(db.set_aside())
        p = scan(data, "--device", "test:0", "--source", "adf", "--resolution", "75", "--option",
                 "test-picture=Grid", "--identify", "--interactive",
                 stdin="bind %s\nbind %s\nskip\ncancel\n" % (inter[0], inter[1]))
        got = pages_of(p)
        stored = [g for g in got if g.get("status") == "stored"]
        problems = []
        if [(g.get("page"), g.get("clave_acta"), g.get("binding")) for g in stored] != \
           [(1, inter[0], "hand"), (2, inter[1], "hand")]:
            problems.append("stored pages: %r" % stored)
        if [(g.get("page"), g.get("status")) for g in got if g.get("status") != "stored"] != \
           [(1, "paused"), (2, "paused"), (3, "paused"), (4, "paused")]:
            problems.append("pages asked about: %r" % got)
        for g in stored:
            if g.get("sha256") != db.image_of(g.get("clave_acta")):
                problems.append("%s is not bound to %s" % (g.get("clave_acta"), g.get("sha256")))
        decisions = [(d.get("page"), d.get("decision"), d.get("verdict"))
                     for _, _, d in db.set_aside()[asides:]]
        if decisions != [(3, "skip", "no_qr"), (4, "cancel", "no_qr")]:
            problems.append("set-aside audit rows: %r" % decisions)
        if db.image_of(inter[2]) is not None:
            problems.append("an acta nobody named got an image")
        expect_exit("interactive ADF: bind, bind, skip, cancel", p, 0, problems)

        asides = len(db.set_aside())
        p = scan(data, "--device", "test:0", "--source", "adf", "--resolution", "75", "--option",
                 "test-picture=Grid", "--identify", "--interactive", stdin="bind %s\n" % inter[2])
        got = pages_of(p)
        decisions = [(d.get("page"), d.get("decision")) for _, _, d in db.set_aside()[asides:]]
        expect_exit("interactive ADF: end of input cancels", p, 0,
                    ([] if [g.get("clave_acta") for g in got if g.get("status") == "stored"]
                     == [inter[2]] else ["pages: %r" % got]) +
                    ([] if decisions == [(2, "cancel")] else ["set aside: %r" % decisions]))

        # ---- 6. scanner failures ----
        victim = register(1)[0]
        for status in ("JAMMED", "COVER_OPEN", "IO_ERROR", "DEVICE_BUSY", "NO_MEM", "CANCELLED"):
            before = db.snapshot()
            p = scan(data, "--device", "test:0", "--resolution", "75", "--option",
                     "read-return-value=SANE_STATUS_" + status, "--acta", victim)
            problems = []
            if not p.stderr.startswith("error: test:0"):
                problems.append("the error does not name the device: %r" % p.stderr)
            if p.stdout:
                problems.append("a page was reported: %r" % p.stdout)
            if db.snapshot() != before:
                problems.append("something was stored")
            expect_exit("SANE_STATUS_%s: exit 4, nothing stored" % status, p, 4, problems)
        p = scan(data, "--device", "test:0", "--source", "adf", "--resolution", "75", "--option",
                 "read-return-value=SANE_STATUS_JAMMED", "--identify")
        expect_exit("a jam on the feeder's first page: exit 4", p, 4,
                    [] if "test:0" in p.stderr and "jam" in p.stderr.lower() else
                    ["stderr: %r" % p.stderr])
        p = scan(data, "--device", "test:0", "--option", "nosuch=1", "--acta", victim)
        expect_exit("unknown --option nosuch=1: exit 2", p, 2,
                    [] if "nosuch" in p.stderr else ["stderr: %r" % p.stderr])
        p = scan(data, "--device", "pnm:0", "--source", "adf", "--identify")
        expect_exit("--source adf on pnm:0 (no feeder): exit 2", p, 2,
                    [] if "pnm:0" in p.stderr else ["stderr: %r" % p.stderr])
        expect_exit("an unknown device: exit 4",
                    scan(data, "--device", "nosuch:0", "--acta", victim), 4)
        # The scanner driver's helper dying must be a device error, not a crash.
        env_scand = os.environ["CATD_SCAND"]
        os.environ["CATD_SCAND"] = shutil.which("false") or "/bin/false"
        try:
            p = scan(data, "--device", "test:0", "--acta", victim)
        finally:
            os.environ["CATD_SCAND"] = env_scand
        expect_exit("a scanner helper that dies at once: exit 4, not a crash", p, 4)
        if db.image_of(victim) is not None:
            fail("failed scans leave the acta without an image", "it has %s"
                 % db.image_of(victim))

        check("check at the end", run(data, "check"), 0)
        check("audit verify at the end", run(data, "audit", "verify"), 0)
    finally:
        # A helper whose catdctl died (or was killed above) must have exited.
        stuck = proc_watch.wait_gone(proc_watch.our_orphans(set()), 3) if subreaper else []
        if stuck:
            fail("no scanner helper outlives its catdctl", "still running: pids %r" % stuck)
            for pid in stuck:
                os.kill(pid, signal.SIGKILL)
            proc_watch.wait_gone(stuck, 5)
        shutil.rmtree(tmp, ignore_errors=True)

    print("1..%d" % len(results))
    for i, (name, problems) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if not problems else "not ok", i, name))
        for p in problems:
            print("# " + p)
    return 1 if any(p for _, p in results) else 0


if __name__ == "__main__":
    sys.exit(main())
