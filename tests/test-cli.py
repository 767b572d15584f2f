#!/usr/bin/python3
# test-cli.py - catdctl's contract (DESIGN §8): exit codes, "error: " lines,
# JSON answers, global options anywhere
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import subprocess
import sys
import tempfile

TOP = os.environ["CATD_TOP_SRCDIR"]
CATDCTL = os.path.join(os.environ["CATD_TOP_BUILDDIR"], "src", "catdctl")
CATALOG = os.path.join(TOP, "data", "demo", "catalog.json")
results = []


def run(data, *args, pin=None, stdin=None, user=None):
    env = dict(os.environ)
    env.pop("CATD_PIN", None)
    if pin is not None:
        env["CATD_PIN"] = pin
    argv = [CATDCTL, "--data-dir", data]
    if user:
        argv += ["--user", user]
    proc = subprocess.run(argv + list(args), input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)
    return proc


def check(name, proc, code, stderr_has=None, stdout_json=False):
    problems = []
    if proc.returncode != code:
        problems.append("exit %d, expected %d" % (proc.returncode, code))
    if code != 0:
        lines = proc.stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: "):
            problems.append("stderr is not one 'error: ' line: %r" % proc.stderr)
        if proc.stdout:
            problems.append("stdout not empty on failure: %r" % proc.stdout)
        if stderr_has and stderr_has not in proc.stderr:
            problems.append("stderr lacks %r: %r" % (stderr_has, proc.stderr))
    if stdout_json:
        try:
            json.loads(proc.stdout)
        except ValueError as e:
            problems.append("stdout is not JSON (%s): %r" % (e, proc.stdout))
    results.append((name, problems))
    return proc


def tiff(path, seed):
    pgm = path + ".pgm"
    with open(pgm, "wb") as f:
        f.write(b"P5\n32 32\n255\n" + bytes((i * seed) % 256 for i in range(1024)))
    subprocess.run(["ppm2tiff", pgm, path], check=True)
    return path


def main():
    tmp = tempfile.mkdtemp(prefix="catd-cli-")
    data = os.path.join(tmp, "station")
    try:
        bad = os.path.join(TOP, "tests", "catalogs", "bad-29-casilla-bad-tipo.json")
        check("init bad catalog", run(data, "init", "--station-id", "X", "--catalog", bad), 2,
              "$.casillas[1].tipo")
        check("init missing catalog file", run(data, "init", "--station-id", "X", "--catalog",
                                               "/nonexistent.json"), 2)
        check("init needs station id", run(data, "init", "--catalog", CATALOG), 2)
        check("init http to a remote host", run(data, "init", "--station-id", "X", "--catalog",
                                                CATALOG, "--central", "http://example.org"), 2)
        check("no station yet", run(data, "status"), 2, "catdctl init")
        # Global options after the subcommand.
        p = subprocess.run([CATDCTL, "init", "--station-id", "CATD-CLI", "--catalog", CATALOG,
                            "--data-dir", data, "--json"], capture_output=True, text=True)
        check("init", p, 0, stdout_json=True)
        check("init twice", run(data, "init", "--station-id", "Y", "--catalog", CATALOG), 3)

        check("first user not coordinador", run(data, "user", "add", "cap", "--role",
                                                 "capturista", "--name", "C", stdin="1234\n"), 3)
        check("first user", run(data, "user", "add", "coord", "--role", "coordinador",
                                "--name", "Coord", stdin="1234\n"), 0)
        check("second user needs acting coordinador", run(data, "user", "add", "aco", "--role",
                                                          "acopiador", "--name", "A",
                                                          stdin="1111\n"), 2)
        check("bad role", run(data, "user", "add", "x", "--role", "jefe", "--name", "X",
                              user="coord", pin="1234", stdin="1111\n"), 2)
        for login, role, pin in [("aco", "acopiador", "1111"), ("dig", "digitalizador", "2222"),
                                 ("capa", "capturista", "3333"), ("capb", "capturista", "4444")]:
            check("add " + login, run(data, "user", "add", login, "--role", role, "--name",
                                      login, user="coord", pin="1234", stdin=pin + "\n"), 0)
        check("no PIN in the environment", run(data, "register", "140004B01001", user="aco"), 2,
              "CATD_PIN")
        check("wrong PIN", run(data, "register", "140004B01001", user="aco", pin="0000"), 3)
        check("unknown user", run(data, "register", "140004B01001", user="nadie", pin="0000"), 3)
        check("wrong role", run(data, "register", "140004B01001", user="capa", pin="3333"), 3)
        check("no user", run(data, "register", "140004B01001"), 2)

        p = check("register", run(data, "--json", "register", "140004B01001", user="aco",
                                  pin="1111"), 0, stdout_json=True)
        if p.returncode == 0 and json.loads(p.stdout)["state"] != "registered":
            results.append(("register state", ["state is not registered: " + p.stdout]))
        check("register duplicate", run(data, "register", "140004B01001", user="aco", pin="1111"),
              3, "already registered")
        check("register unknown acta", run(data, "register", "149999B01001", user="aco",
                                           pin="1111"), 2, "not in the catalog")
        check("fuera without election", run(data, "register", "ZZ", "--fuera-de-catalogo",
                                            user="aco", pin="1111"), 2)
        check("fuera", run(data, "register", "ZZ-1", "--fuera-de-catalogo", "--election", "MUN",
                           user="aco", pin="1111"), 0)
        check("sin acta bad reason", run(data, "sin-acta", "140007B01001", "--reason", "lluvia",
                                         user="aco", pin="1111"), 2)
        check("sin acta", run(data, "sin-acta", "140007B01001", "--reason", "sin-sobre",
                              user="aco", pin="1111"), 0)
        check("unknown option", run(data, "register", "140007B01002", "--color", "rojo",
                                    user="aco", pin="1111"), 2)
        check("unknown command", run(data, "bailar"), 2)

        notiff = os.path.join(tmp, "x.tif")
        with open(notiff, "w") as f:
            f.write("not a tiff")
        check("import non-TIFF", run(data, "import-image", notiff, "--acta", "140004B01001",
                                     user="dig", pin="2222"), 2, "TIFF")
        page = tiff(os.path.join(tmp, "p1.tif"), 3)
        p = check("import", run(data, "--json", "import-image", page, "--acta", "140004B01001",
                                user="dig", pin="2222"), 0, stdout_json=True)
        # A second file for the same acta: refused, then taken as a
        # replacement once a reason is given.
        page_b = tiff(os.path.join(tmp, "p1b.tif"), 7)
        check("import over an image", run(data, "import-image", page_b, "--acta", "140004B01001",
                                          user="dig", pin="2222"), 3)
        check("import --replace without a reason", run(data, "import-image", page_b, "--acta",
                                                       "140004B01001", "--replace",
                                                       user="dig", pin="2222"), 2, "--reason")
        r = check("import --replace --reason", run(data, "--json", "import-image", page_b,
                                                   "--acta", "140004B01001", "--replace",
                                                   "--reason", "hoja mejor escaneada",
                                                   user="dig", pin="2222"), 0, stdout_json=True)
        first_sha = json.loads(p.stdout or "{}").get("sha256")
        new_sha = json.loads(r.stdout or "{}").get("sha256")
        results.append(("import --replace binds the new file",
                        [] if new_sha and new_sha != first_sha else
                        ["the acta's image is %r, the first one was %r" % (new_sha, first_sha)]))
        check("capture unregistered", run(data, "capture", "140007C01011", "--values", "-",
                                          user="capa", pin="3333", stdin="{}"), 3)

        show = json.loads(run(data, "--json", "show", "140004B01001", user="coord",
                              pin="1234").stdout)
        values = {f["code"]: 5 for f in show["fields"]}
        bad_values = dict(values, PAN=12.5)
        check("capture bad value", run(data, "capture", "140004B01001", "--values", "-",
                                       user="capa", pin="3333", stdin=json.dumps(bad_values)), 2,
              "PAN")
        check("capture key with a line break", run(data, "capture", "140004B01001", "--values",
                                                   "-", user="capa", pin="3333",
                                                   stdin='{"PAN\\nPRI": 1}'), 2, "PAN\\nPRI")
        check("capture not JSON", run(data, "capture", "140004B01001", "--values", "-",
                                      user="capa", pin="3333", stdin="{PAN: 1"), 2)
        check("capture missing file", run(data, "capture", "140004B01001", "--values",
                                          "/nonexistent.json", user="capa", pin="3333"), 2)
        p = check("pass 1", run(data, "--json", "capture", "140004B01001", "--values", "-",
                                user="capa", pin="3333", stdin=json.dumps(values)), 0,
                  stdout_json=True)
        answer = json.loads(p.stdout) if p.returncode == 0 else {}
        if answer != {"clave_acta": "140004B01001", "pass": 1, "status": "awaiting_pass2",
                      "fields": []}:
            results.append(("pass 1 answer", ["unexpected: %r" % answer]))
        check("pass 2 same user", run(data, "capture", "140004B01001", "--values", "-",
                                      user="capa", pin="3333", stdin=json.dumps(values)), 3)
        p = check("pass 2", run(data, "--json", "capture", "140004B01001", "--values", "-",
                                user="capb", pin="4444", stdin=json.dumps(dict(values, PRI=6))),
                  0, stdout_json=True)
        answer = json.loads(p.stdout) if p.returncode == 0 else {}
        if answer.get("status") != "rekey_required" or answer.get("fields") != ["PRI"]:
            results.append(("pass 2 answer", ["unexpected: %r" % answer]))
        check("rekey other field", run(data, "rekey", "140004B01001", "--values", "-",
                                       user="capb", pin="4444", stdin='{"PAN": 5}'), 2, "PAN")
        check("arbitrate by capturista", run(data, "arbitrate", "140004B01001", "--values", "-",
                                             user="capa", pin="3333", stdin='{"PRI": 5}'), 3)
        check("rekey", run(data, "rekey", "140004B01001", "--values", "-", user="capb",
                           pin="4444", stdin='{"PRI": 5}'), 0)
        check("resolve needs note", run(data, "resolve", "140004B01001", "--values", "-",
                                        user="coord", pin="1234", stdin="{}"), 2)
        check("status", run(data, "--json", "status"), 0, stdout_json=True)

        # Dead letters go back to the queue by a coordinator's decision only.
        db = os.path.join(data, "station.db")
        subprocess.run(["sqlite3", db, "UPDATE outbox SET state = 'dead', attempts = 3, "
                        "last_error = '400 refused' WHERE id = (SELECT min (id) FROM outbox)"],
                       check=True)
        dead_ref = subprocess.run(["sqlite3", db, "SELECT ref FROM outbox WHERE state = 'dead'"],
                                  check=True, capture_output=True, text=True).stdout.strip()
        check("requeue by capturista", run(data, "requeue", user="capa", pin="3333"), 3, "role")
        check("requeue an unknown ref", run(data, "requeue", "nope", user="coord", pin="1234"), 3,
              "not a dead letter")
        p = check("requeue", run(data, "--json", "requeue", dead_ref, user="coord", pin="1234"),
                  0, stdout_json=True)
        state = subprocess.run(["sqlite3", db, "SELECT state, attempts FROM outbox WHERE ref = '%s'"
                                % dead_ref], check=True, capture_output=True,
                               text=True).stdout.strip()
        audit = subprocess.run(["sqlite3", db, "SELECT count(*) FROM audit WHERE action = "
                                "'transmision.requeue'"], check=True, capture_output=True,
                               text=True).stdout.strip()
        if (p.returncode != 0 or json.loads(p.stdout) != {"requeued": 1} or state != "pending|0"
                or audit != "1"):
            results.append(("requeue effect", ["answer %r, row %r, audit rows %r" % (
                p.stdout, state, audit)]))
        check("export by capturista", run(data, "export", "--format", "prep-csv", user="capa",
                                          pin="3333"), 3)
        check("export bad format", run(data, "export", "--format", "xlsx", user="coord",
                                       pin="1234"), 2)
        out = os.path.join(tmp, "out")
        p = check("export all", run(data, "--json", "export", "--format", "prep-csv", "--out",
                                    out, user="coord", pin="1234"), 0, stdout_json=True)
        for election in ("GUB", "DIP", "MUN"):
            if not os.path.exists(os.path.join(out, election + ".csv")):
                results.append(("export " + election, ["missing " + election + ".csv"]))
        p = run(data, "export", "--format", "prep-csv", "--election", "GUB", user="coord",
                pin="1234")
        check("export to stdout", p, 0)
        if "|140004B01001|" not in p.stdout:
            results.append(("export row", ["the verified acta is not in the export"]))
        pages = os.path.join(tmp, "pages")
        p = check("synth", run(data, "--json", "synth", "140007C01011", "140007C01021", "--out",
                               pages, "--dpi", "100", "--format", "tiff"), 0, stdout_json=True)
        if p.returncode == 0:
            answers = json.load(open(os.path.join(pages, "answers.json")))
            if sorted(answers) != ["140007C01011", "140007C01021"] or not all(
                    os.path.exists(os.path.join(pages, k + ".tif")) for k in answers):
                results.append(("synth files", ["unexpected: %r" % sorted(answers)]))
        check("synth unknown acta", run(data, "synth", "149999B01001", "--out", pages), 2)
        check("synth bad format", run(data, "synth", "140007C01011", "--out", pages, "--format",
                                      "jpeg"), 2)
        check("audit verify", run(data, "audit", "verify"), 0)
        check("audit export needs coordinador", run(data, "audit", "export", user="aco",
                                                    pin="1111"), 3)
        check("check", run(data, "check"), 0)

        # Integrity failures are exit 5.
        images = os.path.join(data, "images")
        stored = [os.path.join(d, f) for d, _, fs in os.walk(images) for f in fs]
        with open(stored[0], "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 0xff]))
        check("check damaged image", run(data, "check"), 5, "damaged")
        with open(stored[0], "r+b") as f:
            f.seek(100)
            f.write(byte)
        subprocess.run(["sqlite3", os.path.join(data, "station.db"),
                        "DROP TRIGGER audit_no_update; UPDATE audit SET login = 'x' WHERE seq = 3"],
                       check=True)
        check("audit verify tampered", run(data, "audit", "verify"), 5, "audit row 3")

        # An I/O failure is exit 4: the images directory is not a directory.
        shutil.rmtree(images)
        with open(images, "w") as f:
            f.write("")
        page2 = tiff(os.path.join(tmp, "p2.tif"), 5)
        check("image store fails", run(data, "register", "140007B01002", user="aco", pin="1111"), 0)
        check("import with broken images dir", run(data, "import-image", page2, "--acta",
                                                   "140007B01002", user="dig", pin="2222"), 4)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("1..%d" % len(results))
    for i, (name, problems) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if not problems else "not ok", i, name))
        for p in problems:
            print("# " + p)
    return 1 if any(p for _, p in results) else 0


if __name__ == "__main__":
    sys.exit(main())
