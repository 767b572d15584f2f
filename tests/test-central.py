#!/usr/bin/python3
# test-central.py - catd-central's contract (DESIGN §7, §8, §9): every endpoint
# and status code against a real server on loopback, the status page, TLS,
# and a real station's outbox uploaded to it giving the same export
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
import hashlib
import http.client
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catdtest import CATALOG, CENTRAL, Central, catdctl, make_certs, request  # noqa: E402

TOKEN_A = "tok-A-" + "a1" * 16
TOKEN_B = "tok-B-" + "b2" * 16
AUTH_A = {"Authorization": "Bearer " + TOKEN_A, "X-Catd-Station": "CATD-A"}
AUTH_B = {"Authorization": "Bearer " + TOKEN_B, "X-Catd-Station": "CATD-B"}
results = []


def fail(name, *problems):
    results.append((name, list(problems)))


def ok(name, problems):
    results.append((name, problems))


def expect(name, answer, status):
    """Checks the status, and that every error is a problem+json of that status."""
    got, headers, body = answer
    problems = []
    if got != status:
        problems.append("status %d, expected %d: %r" % (got, status, body[:300]))
    if status >= 400:
        ctype = headers.get("content-type", "")
        if not ctype.startswith("application/problem+json"):
            problems.append("error content type %r, not application/problem+json" % ctype)
        else:
            try:
                problem = json.loads(body)
                missing = [k for k in ("type", "title", "status", "detail") if k not in problem]
                if missing:
                    problems.append("problem lacks %s" % missing)
                elif problem["status"] != got:
                    problems.append("problem status %r != %d" % (problem["status"], got))
            except ValueError:
                problems.append("problem body is not JSON: %r" % body[:200])
    ok(name, problems)
    return answer


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def sin_acta_record(station, clave, revision, reason="Sin sobre", election="GUB", fuera=False,
                    tipo_documento="Acta PREP"):
    return {
        "record_id": str(uuid.uuid4()), "station_id": station, "clave_acta": clave,
        "revision": revision, "fecha_hora_acopio": "2024-06-02T20:00:00Z",
        "fecha_hora_captura": None, "fecha_hora_verificacion": "2024-06-02T20:05:00Z",
        "image_sha256": None, "values": {}, "total_votos_calculado": 0, "contabilizada": 0,
        "observaciones": "Fuera de catálogo" if fuera else "Sin Acta (%s)" % reason,
        "origen": "CATD", "digitalizacion": None, "tipo_documento": tipo_documento,
        "mecanismo_traslado": None, "sin_acta_reason": None if fuera else reason,
        "fuera_de_catalogo": fuera, "election": election,
    }


def put_record(url, record, auth):
    return request(url, "PUT", "/api/v1/records/" + record["record_id"],
                   json.dumps(record).encode(), dict(auth, **{"Content-Type": "application/json"}))


def export_rows(text):
    """CLAVE_ACTA -> {column: cell} of a prep-csv file."""
    lines = text.splitlines()
    head = lines[3].split("|")
    return {row[1]: dict(zip(head, row)) for row in (l.split("|") for l in lines[4:])}


def central_export(data, election):
    proc = subprocess.run([CENTRAL, "export", "--data-dir", data, "--format", "prep-csv",
                           "--election", election], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError("catd-central export: %s" % proc.stderr)
    return proc.stdout


# ---- a station's election night ---------------------------------------------------

def build_station(tmp):
    """Station CATD-A: verified actas (plain, with ilegible, over the lista
    nominal), one in another election, a sin acta and a fuera de catálogo."""
    data = os.path.join(tmp, "station")
    catdctl(data, "init", "--station-id", "CATD-A", "--catalog", CATALOG)
    catdctl(data, "user", "add", "coord", "--role", "coordinador", "--name", "C", stdin="2468\n")
    for login in ("cap1", "cap2"):
        catdctl(data, "user", "add", login, "--role", "capturista", "--name", login,
                user="coord", pin="2468", stdin="1357\n")
    db = sqlite3.connect(os.path.join(data, "station.db"))
    gub = [r[0] for r in db.execute("SELECT clave_acta FROM catalog_acta WHERE election = 'GUB' "
                                    "ORDER BY clave_acta LIMIT 20")]
    mun = db.execute("SELECT clave_acta FROM catalog_acta WHERE election = 'MUN' "
                     "ORDER BY clave_acta LIMIT 1").fetchone()[0]
    db.close()
    verified = gub[0:3] + [mun]
    pages = os.path.join(tmp, "pages")
    catdctl(data, "synth", *(verified + [gub[19]]), "--format", "tiff", "--dpi", "100",
            "--out", pages)
    answers = json.load(open(os.path.join(pages, "answers.json")))
    for i, clave in enumerate(verified):
        catdctl(data, "register", clave, "--traslado", "F", user="coord", pin="2468")
        catdctl(data, "import-image", os.path.join(pages, clave + ".tif"), "--acta", clave,
                user="coord", pin="2468")
        values = dict(answers[clave])
        if i == 1:
            values["PAN"] = "ilegible"
        if i == 2:
            values["PAN"] = 9999
        for capturista in ("cap1", "cap2"):
            catdctl(data, "capture", clave, "--values", "-", user=capturista, pin="1357",
                    stdin=json.dumps(values))
    catdctl(data, "sin-acta", gub[3], "--reason", "sin-sobre", user="coord", pin="2468")
    catdctl(data, "register", "ZZ-SIN-ETIQUETA", "--fuera-de-catalogo", "--election", "GUB",
            user="coord", pin="2468")
    return data, gub, pages


def outbox(station):
    """The station's outbox in upload order: (kind, ref, body bytes or file path)."""
    db = sqlite3.connect(os.path.join(station, "station.db"))
    items = []
    for kind, ref in db.execute("SELECT kind, ref FROM outbox ORDER BY id"):
        if kind == "image":
            items.append((kind, ref, os.path.join(station, "images", ref[:2], ref + ".tif")))
        else:
            body = db.execute("SELECT body FROM record WHERE record_id = ?", (ref,)).fetchone()[0]
            items.append((kind, ref, body))
    db.close()
    return items


def curl_put(url, path, auth, data_file, content_type):
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
            "-H", "Content-Type: " + content_type, "--data-binary", "@" + data_file]
    for k, v in auth.items():
        argv += ["-H", "%s: %s" % (k, v)]
    proc = subprocess.run(argv + [url.rstrip("/") + path], capture_output=True, text=True,
                          timeout=60)
    return int(proc.stdout or 0)


def curl_request(url, method, path, data_file, headers):
    """(status, headers, body) of a request made with curl."""
    head = data_file + ".head"
    out = data_file + ".out"
    argv = ["curl", "-sS", "-X", method, "-D", head, "-o", out, "--data-binary", "@" + data_file]
    for k, v in headers.items():
        argv += ["-H", "%s: %s" % (k, v)]
    subprocess.run(argv + [url.rstrip("/") + path], capture_output=True, timeout=60)
    status, fields = 0, {}
    for line in open(head, encoding="latin-1").read().splitlines():
        if line.startswith("HTTP/"):
            status, fields = int(line.split()[1]), {}
        elif ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip()
    return status, fields, open(out, "rb").read()


# ---- the tests --------------------------------------------------------------------

def test_api(tmp, central, station, gub, pages, data):
    url = central.url
    items = outbox(station)
    images = [i for i in items if i[0] == "image"]
    records = [i for i in items if i[0] == "record"]

    # Health needs no token.
    status, headers, body = expect("health", request(url, "GET", "/api/v1/health"), 200)
    answer = json.loads(body) if status == 200 else {}
    problems = []
    if answer.get("status") != "ok" or not str(answer.get("time", "")).endswith("Z"):
        problems.append("unexpected health answer %r" % answer)
    else:
        try:
            # To the millisecond: the stations measure their clock offset from it.
            t = time.mktime(time.strptime(answer["time"], "%Y-%m-%dT%H:%M:%S.%fZ")) - time.timezone
            if abs(t - time.time()) > 120:
                problems.append("server time %s is far from ours" % answer["time"])
        except ValueError as e:
            problems.append("time does not parse: %s" % e)
    ok("health answer", problems)

    # The catalog, with its SHA-256 as ETag.
    catalog_bytes = open(CATALOG, "rb").read()
    etag = '"%s"' % sha256_of(catalog_bytes)
    expect("catalog without token", request(url, "GET", "/api/v1/catalog"), 401)
    status, headers, body = expect("catalog", request(url, "GET", "/api/v1/catalog",
                                                      headers=AUTH_A), 200)
    ok("catalog ETag and body", [] if headers.get("etag") == etag and body == catalog_bytes else
       ["ETag %r (expected %r), body %s the file" % (headers.get("etag"), etag,
                                                       "equals" if body == catalog_bytes
                                                       else "differs from")])
    expect("catalog If-None-Match", request(url, "GET", "/api/v1/catalog",
                                            headers=dict(AUTH_A, **{"If-None-Match": etag})), 304)
    expect("catalog If-None-Match of another", request(
        url, "GET", "/api/v1/catalog", headers=dict(AUTH_A, **{"If-None-Match": '"abc"'})), 200)

    # Images.
    first = images[0]
    tiff = open(first[2], "rb").read()
    img_headers = dict(AUTH_A, **{"Content-Type": "image/tiff"})
    expect("image wrong token", request(url, "PUT", "/api/v1/images/" + first[1], tiff,
                                        dict(img_headers, Authorization="Bearer " + "x" * 40)),
           401)
    expect("image no token", request(url, "PUT", "/api/v1/images/" + first[1], tiff,
                                     {"Content-Type": "image/tiff"}), 401)
    expect("image token of another station", request(
        url, "PUT", "/api/v1/images/" + first[1], tiff,
        dict(img_headers, **{"X-Catd-Station": "CATD-B"})), 403)
    expect("image stored", request(url, "PUT", "/api/v1/images/" + first[1], tiff,
                                   img_headers), 201)
    stored = os.path.join(data, "images", first[1][:2], first[1] + ".tif")
    ok("image on disk", [] if os.path.exists(stored) and open(stored, "rb").read() == tiff else
       ["%s missing or different" % stored])
    expect("image again", request(url, "PUT", "/api/v1/images/" + first[1], tiff, img_headers),
           200)

    other = open(os.path.join(pages, gub[19] + ".tif"), "rb").read()
    other_sha = sha256_of(other)
    expect("image wrong hash", request(url, "PUT", "/api/v1/images/" + first[1][::-1], other,
                                       img_headers), 400)
    expect("image under another's address", request(url, "PUT", "/api/v1/images/" + first[1],
                                                     other, img_headers), 400)
    expect("image address not a SHA-256", request(url, "PUT", "/api/v1/images/xyz", other,
                                                  img_headers), 400)
    leftovers = [os.path.join(d, f) for d, _, fs in os.walk(os.path.join(data, "images"))
                 for f in fs if other_sha in f or first[1][::-1] in f or f.startswith(".tmp")]
    ok("nothing stored for a wrong hash", ["found %s" % leftovers] if leftovers else [])
    notiff = b"this is not a TIFF image at all"
    expect("image not a TIFF", request(url, "PUT", "/api/v1/images/" + sha256_of(notiff), notiff,
                                       img_headers), 400)
    expect("image not image/tiff", request(url, "PUT", "/api/v1/images/" + other_sha, other,
                                           dict(AUTH_A, **{"Content-Type": "image/png"})), 415)
    leftovers = [f for _, _, fs in os.walk(os.path.join(data, "images")) for f in fs
                 if f != first[1] + ".tif"]
    ok("nothing stored for refused images", ["found %s" % leftovers] if leftovers else [])

    # A record whose image is not there yet: 409, and nothing kept.
    pending = next(r for r in records if json.loads(r[2])["image_sha256"] not in (None, first[1]))
    expect("record before its image", request(url, "PUT", "/api/v1/records/" + pending[1],
                                              pending[2].encode(), AUTH_A), 409)

    # The whole outbox, in order, with curl as a sync client would send it.
    problems = []
    for kind, ref, payload in items:
        if kind == "image":
            code = curl_put(url, "/api/v1/images/" + ref, AUTH_A, payload, "image/tiff")
            want = 200 if ref == first[1] else 201
        else:
            path = os.path.join(tmp, "record.json")
            with open(path, "w") as f:
                f.write(payload)
            code = curl_put(url, "/api/v1/records/" + ref, AUTH_A, path, "application/json")
            want = 201
        if code != want:
            problems.append("%s %s: %d, expected %d" % (kind, ref, code, want))
    ok("outbox uploaded (%d images, %d records)" % (len(images), len(records)), problems)

    # Station and central agree on every election's export, but for line 1.
    out_station = os.path.join(tmp, "export-station")
    out_central = os.path.join(tmp, "export-central")
    catdctl(station, "export", "--format", "prep-csv", "--out", out_station, user="coord",
            pin="2468")
    proc = subprocess.run([CENTRAL, "export", "--data-dir", data, "--format", "prep-csv",
                           "--out", out_central], capture_output=True, text=True, timeout=60)
    ok("central export to a directory", [] if proc.returncode == 0 and sorted(
        os.listdir(out_central)) == ["DIP.csv", "GUB.csv", "MUN.csv"] else
        ["exit %d, %r, files %r" % (proc.returncode, proc.stderr, os.listdir(out_central)
                                    if os.path.isdir(out_central) else None)])
    for election in ("GUB", "DIP", "MUN"):
        problems = []
        try:
            a = open(os.path.join(out_station, election + ".csv")).read().splitlines()
            b = open(os.path.join(out_central, election + ".csv")).read().splitlines()
        except OSError as e:
            ok("station and central agree on " + election, [str(e)])
            continue
        if len(a) != len(b):
            problems.append("%d lines at the station, %d at the central site" % (len(a), len(b)))
        for n, (x, y) in enumerate(zip(a, b), 1):
            if n > 1 and x != y:
                problems.append("line %d differs:\n#  station %s\n#  central %s" % (n, x, y))
        # Three verified actas, a sin acta, a fuera de catálogo; one in MUN.
        want = {"GUB": 5, "DIP": 0, "MUN": 1}[election]
        if len(a) - 4 != want:
            problems.append("the station's export has %d rows, expected %d" % (len(a) - 4, want))
        ok("station and central agree on " + election, problems)

    gub_csv = central_export(data, "GUB")
    lines = gub_csv.splitlines()
    rows = export_rows(gub_csv)
    problems = []
    if not lines[0].endswith("(UTC-6)") or not lines[1].startswith("ACTAS_ESPERADAS|"):
        problems.append("header lines: %r" % lines[:2])
    if lines[2].split("|")[:4] != ["300", "5", "1", "4"]:
        problems.append("summary %r, expected 300 esperadas, 5 registradas, 1 fuera, "
                        "4 capturadas" % lines[2])
    if rows.get(gub[1], {}).get("PAN") != "ILEGIBLE" or \
            rows.get(gub[2], {}).get("OBSERVACIONES") != "Excede lista nominal" or \
            rows.get(gub[3], {}).get("OBSERVACIONES") != "Sin Acta (Sin sobre)" or \
            rows.get("ZZ-SIN-ETIQUETA", {}).get("CLAVE_CASILLA") != "-":
        problems.append("rows: %r" % {k: (v.get("PAN"), v.get("OBSERVACIONES"))
                                      for k, v in rows.items()})
    ok("central export rows", problems)

    # Records: idempotency and refusals.
    rec_id, body = records[0][1], records[0][2]
    record = json.loads(body)
    expect("record repeat", request(url, "PUT", "/api/v1/records/" + rec_id, body.encode(),
                                    AUTH_A), 200)
    reordered = json.dumps(dict(reversed(list(record.items()))), indent=2).encode()
    expect("record repeat, members reordered", request(url, "PUT", "/api/v1/records/" + rec_id,
                                                       reordered, AUTH_A), 200)
    changed = dict(record, tipo_documento="Acta de escrutinio")
    expect("record same id, other body", put_record(url, changed, AUTH_A), 422)
    expect("record id not the URL's", request(url, "PUT", "/api/v1/records/" + str(uuid.uuid4()),
                                              body.encode(), AUTH_A), 400)
    expect("record not JSON", request(url, "PUT", "/api/v1/records/" + str(uuid.uuid4()),
                                      b"{not json", AUTH_A), 400)
    fresh = dict(record, record_id=str(uuid.uuid4()), revision=record["revision"] + 7)
    expect("record with an unknown member", put_record(url, dict(fresh, color="rojo"), AUTH_A),
           400)
    expect("record whose count is wrong", put_record(
        url, dict(fresh, total_votos_calculado=fresh["total_votos_calculado"] + 1), AUTH_A), 400)
    expect("record with a key not as a station stores it", put_record(
        url, dict(fresh, clave_acta=fresh["clave_acta"].lower()), AUTH_A), 400)
    expect("record with '|' in a fuera de catálogo key", put_record(
        url, sin_acta_record("CATD-A", "ZZ|1", 1, fuera=True), AUTH_A), 400)
    expect("record of an acta not in the catalog", put_record(
        url, dict(fresh, clave_acta="149999B01001"), AUTH_A), 400)
    expect("record naming an image not uploaded", put_record(
        url, dict(fresh, image_sha256="0" * 64), AUTH_A), 409)
    expect("record with a wrong token", put_record(
        url, fresh, dict(AUTH_A, Authorization="Bearer " + TOKEN_A[:-1] + "X")), 401)
    expect("record without X-Catd-Station", put_record(
        url, fresh, {"Authorization": "Bearer " + TOKEN_A}), 403)
    expect("record, token of another station", put_record(
        url, fresh, dict(AUTH_A, **{"X-Catd-Station": "CATD-B"})), 403)
    expect("record of station A sent by station B", put_record(url, fresh, AUTH_B), 403)
    expect("unknown path", request(url, "GET", "/api/v1/nothing"), 404)
    expect("wrong method", request(url, "DELETE", "/api/v1/records/" + rec_id, None, AUTH_A),
           405)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "station.db"), uri=True)
    n = db.execute("SELECT count(*) FROM central_record").fetchone()[0]
    db.close()
    ok("refused records are not kept", [] if n == len(records) else
       ["%d records kept, %d sent and accepted" % (n, len(records))])

    # Heartbeats, shown on the status page.
    beat = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "queue": {"pending": 4242, "pending_images": 1, "pending_records": 4241,
                      "sent": 9, "dead": 0},
            "states": {"verified": 4}, "versions": {"catd": "0.1.0"}}
    expect("heartbeat", request(url, "POST", "/api/v1/stations/CATD-A/heartbeat",
                                json.dumps(beat).encode(), AUTH_A), 204)
    expect("heartbeat for another station", request(
        url, "POST", "/api/v1/stations/CATD-B/heartbeat", json.dumps(beat).encode(), AUTH_A), 403)
    expect("heartbeat not an object", request(url, "POST", "/api/v1/stations/CATD-A/heartbeat",
                                              b"[1, 2]", AUTH_A), 400)
    expect("heartbeat without token", request(url, "POST", "/api/v1/stations/CATD-A/heartbeat",
                                              json.dumps(beat).encode()), 401)
    status, headers, page = expect("status page", request(url, "GET", "/"), 200)
    page = page.decode("utf-8", "replace")
    row_a = page[page.find('id="station-CATD-A"'):]
    row_a = row_a[:row_a.find("</tr>")]
    problems = []
    if not headers.get("content-type", "").startswith("text/html"):
        problems.append("content type %r" % headers.get("content-type"))
    if "<script" in page.lower():
        problems.append("the page has a script")
    if "4242" not in row_a:
        problems.append("station A's row lacks the queue depth 4242: %r" % row_a)
    if "<td class=\"n\">%d</td>" % len(records) not in row_a:
        problems.append("station A's row lacks its %d records: %r" % (len(records), row_a))
    if 'id="station-CATD-B"' not in page:
        problems.append("station B (no upload yet) is not listed")
    if "Ninguno" not in page:
        problems.append("conflicts listed before any conflict")
    ok("status page: stations, records, heartbeat, queue depth", problems)

    # Revisions from one station: the newest wins, a late older one is kept only.
    expect("revision 1", put_record(url, sin_acta_record("CATD-B", gub[10], 1, "Sin sobre"),
                                    AUTH_B), 201)
    expect("revision 2", put_record(url, sin_acta_record("CATD-B", gub[10], 2,
                                                         "Casilla no instalada"), AUTH_B), 201)
    expect("revision 4", put_record(url, sin_acta_record("CATD-B", gub[11], 4,
                                                         "Paquete no entregado"), AUTH_B), 201)
    expect("revision 3 after 4", put_record(url, sin_acta_record("CATD-B", gub[11], 3,
                                                                 "Sin sobre"), AUTH_B), 201)
    rows = export_rows(central_export(data, "GUB"))
    ok("the newest revision wins", [] if rows.get(gub[10], {}).get("OBSERVACIONES") ==
       "Sin Acta (Casilla no instalada)" and rows.get(gub[11], {}).get("OBSERVACIONES") ==
       "Sin Acta (Paquete no entregado)" else
       ["rows: %r, %r" % (rows.get(gub[10], {}).get("OBSERVACIONES"),
                          rows.get(gub[11], {}).get("OBSERVACIONES"))])

    # Two stations: the same data agrees, different data is a conflict.
    expect("same sin acta from another station", put_record(
        url, sin_acta_record("CATD-B", gub[3], 1, "Sin sobre"), AUTH_B), 201)
    before = rows[gub[0]]
    expect("other data from another station", put_record(
        url, sin_acta_record("CATD-B", gub[0], 1, "Casilla no instalada"), AUTH_B), 201)
    expect("fuera de catálogo with markup", put_record(
        url, sin_acta_record("CATD-A", "<B>Z&Z</B>", 1, fuera=True), AUTH_A), 201)
    expect("the same, other data from another station", put_record(
        url, sin_acta_record("CATD-B", "<B>Z&Z</B>", 1, fuera=True, tipo_documento="Otro"),
        AUTH_B), 201)
    rows = export_rows(central_export(data, "GUB"))
    ok("the first station's record stays current", [] if rows.get(gub[0]) == before else
       ["acta %s changed: %r" % (gub[0], rows.get(gub[0]))])
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "station.db"), uri=True)
    conflicts = sorted(r[0] for r in db.execute("SELECT clave_acta FROM central_conflict"))
    db.close()
    ok("conflicts flagged", [] if conflicts == sorted([gub[0], "<B>Z&Z</B>"]) else
       ["conflicts %r" % conflicts])
    status, headers, page = expect("status page with conflicts", request(url, "GET", "/"), 200)
    page = page.decode("utf-8", "replace")
    conflict_rows = [r for r in page.split("<tr") if 'class="conflict"' in r]
    problems = []
    if not any(gub[0] in r and "CATD-A" in r and "CATD-B" in r for r in conflict_rows):
        problems.append("no conflict row for %s naming both stations" % gub[0])
    if "&lt;B&gt;Z&amp;Z&lt;/B&gt;" not in page or "<B>Z&Z</B>" in page:
        problems.append("the fuera de catálogo key is not escaped")
    if gub[3] in "".join(conflict_rows):
        problems.append("agreeing records were flagged")
    ok("status page lists conflicts, escaped", problems)

    # Size limits: 413 for a record over 1 MiB, and for an image declared
    # over 256 MiB before a byte of it is sent.
    big = b'{"pad": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    expect("record over 1 MiB", request(url, "PUT", "/api/v1/records/" + str(uuid.uuid4()), big,
                                        AUTH_A), 413)
    # Without a length the body is counted as it arrives and refused once
    # over the limit; the server then closes, so this takes a client that
    # reads while it sends (curl; http.client only reads once all is sent).
    big_file = os.path.join(tmp, "big.json")
    with open(big_file, "wb") as f:
        f.write(big)
    expect("record over 1 MiB without a length (chunked)", curl_request(
        url, "PUT", "/api/v1/records/" + str(uuid.uuid4()), big_file,
        dict(AUTH_A, **{"Transfer-Encoding": "chunked"})), 413)
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.putrequest("PUT", "/api/v1/images/" + "a" * 64)
        for k, v in dict(img_headers, **{"Content-Length": str(300 * 1024 * 1024),
                                         "Expect": "100-continue"}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        answer = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    except OSError as e:
        answer = (0, {}, str(e).encode())
    finally:
        conn.close()
    expect("image over 256 MiB, refused before its body", answer, 413)
    expect("still serving", request(url, "GET", "/api/v1/health"), 200)


def test_restart(tmp, data, tokens, station):
    # The catalog is fixed at the first start: another file is refused.
    other = os.path.join(tmp, "catalog-other.json")
    with open(other, "wb") as f:
        f.write(open(CATALOG, "rb").read() + b"\n")
    proc = subprocess.run([CENTRAL, "--listen", "127.0.0.1:0", "--data-dir", data, "--tokens",
                           tokens, "--catalog", other], capture_output=True, text=True,
                          timeout=30)
    lines = proc.stderr.strip().splitlines()
    ok("another catalog is refused", [] if proc.returncode == 3 and len(lines) == 1 and
       lines[0].startswith("error: ") and "catalog" in lines[0] else
       ["exit %d, stderr %r" % (proc.returncode, proc.stderr)])
    bad_tokens = {"a short token": "CATD-A short\n",
                  "a station twice": "CATD-A %s\nCATD-A %s\n" % (TOKEN_A, TOKEN_B),
                  "one token for two stations": "CATD-A %s\nCATD-B %s\n" % (TOKEN_A, TOKEN_A),
                  "no station": "# nobody\n"}
    for name, text in bad_tokens.items():
        path = os.path.join(tmp, "tokens-bad")
        with open(path, "w") as f:
            f.write(text)
        proc = subprocess.run([CENTRAL, "--listen", "127.0.0.1:0", "--data-dir", data, "--tokens",
                               path, "--catalog", CATALOG], capture_output=True, text=True,
                              timeout=30)
        lines = proc.stderr.strip().splitlines()
        ok("tokens file with " + name, [] if proc.returncode == 2 and len(lines) == 1 and
           lines[0].startswith("error: tokens file") and TOKEN_A not in proc.stderr else
           ["exit %d, stderr %r" % (proc.returncode, proc.stderr)])
    for name, argv, code in [
            ("no --listen", ["--data-dir", data, "--tokens", tokens, "--catalog", CATALOG], 2),
            ("bad --listen", ["--listen", "127.0.0.1", "--data-dir", data, "--tokens", tokens,
                              "--catalog", CATALOG], 2),
            ("missing tokens file", ["--listen", "127.0.0.1:0", "--data-dir", data, "--tokens",
                                     os.path.join(tmp, "none"), "--catalog", CATALOG], 2),
            ("a station's directory", ["--listen", "127.0.0.1:0", "--data-dir", station,
                                       "--tokens", tokens, "--catalog", CATALOG], 2),
            ("export of no central site", ["export", "--data-dir", os.path.join(tmp, "none"),
                                           "--format", "prep-csv"], 2),
            ("export of an unknown election", ["export", "--data-dir", data, "--format",
                                               "prep-csv", "--election", "XYZ"], 2)]:
        proc = subprocess.run([CENTRAL] + argv, capture_output=True, text=True, timeout=30)
        lines = proc.stderr.strip().splitlines()
        ok("refused: " + name, [] if proc.returncode == code and len(lines) == 1 and
           lines[0].startswith("error: ") and not proc.stdout else
           ["exit %d (expected %d), stderr %r" % (proc.returncode, code, proc.stderr)])

    # What was received survives a restart: a repeat is still a repeat.
    central = Central(data, tokens)
    try:
        rec = next(i for i in outbox(station) if i[0] == "record")
        expect("repeat after a restart", request(central.url, "PUT", "/api/v1/records/" + rec[1],
                                                 rec[2].encode(), AUTH_A), 200)
    finally:
        ok("stops cleanly on SIGTERM", [] if central.stop() == 0 else
           ["exit %r" % central.proc.returncode])


def test_tls(tmp, tokens):
    d = os.path.join(tmp, "tls")
    make_certs(d)

    central = Central(os.path.join(tmp, "central-tls"), tokens,
                      tls=(os.path.join(d, "server.pem"), os.path.join(d, "server.key")))
    try:
        ok("TLS URL", [] if central.url.startswith("https://") else ["url %s" % central.url])
        health = central.url + "api/v1/health"
        proc = subprocess.run(["curl", "-sS", "--cacert", os.path.join(d, "ca.pem"), health],
                              capture_output=True, text=True, timeout=30)
        ok("curl --cacert over TLS", [] if proc.returncode == 0 and '"ok"' in proc.stdout else
           ["exit %d: %s %s" % (proc.returncode, proc.stdout, proc.stderr)])
        proc = subprocess.run(["curl", "-sS", health], capture_output=True, text=True,
                              timeout=30)
        ok("curl without the CA is refused", [] if proc.returncode == 60 else
           ["exit %d (expected 60, certificate problem): %s" % (proc.returncode, proc.stderr)])
        proc = subprocess.run(["curl", "-sS", "--max-time", "10",
                               health.replace("https://", "http://")],
                              capture_output=True, text=True, timeout=30)
        ok("plain HTTP to the TLS port fails", [] if proc.returncode != 0 else
           ["plain HTTP answered: %s" % proc.stdout])
        context = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
        expect("catalog over TLS", request(central.url, "GET", "/api/v1/catalog",
                                           headers=AUTH_A, context=context), 200)
    finally:
        central.stop()


def main():
    tmp = tempfile.mkdtemp(prefix="catd-central-")
    central = None
    try:
        tokens = os.path.join(tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("# station tokens\n\nCATD-A %s\n  CATD-B\t%s  \n" % (TOKEN_A, TOKEN_B))
        station, gub, pages = build_station(tmp)
        data = os.path.join(tmp, "central")
        central = Central(data, tokens)
        test_api(tmp, central, station, gub, pages, data)
        ok("stops cleanly", [] if central.stop() == 0 else ["exit %r" % central.proc.returncode])
        central = None
        test_restart(tmp, data, tokens, station)
        test_tls(tmp, tokens)
    except Exception as e:  # a broken step fails the test, it never stops the report
        import traceback
        fail("test run", "%s: %s" % (type(e).__name__, e),
             *traceback.format_exc().splitlines())
    finally:
        if central is not None:
            central.stop()
        # What the servers logged explains a failure; it is read before the
        # directory goes.
        logs = []
        if any(p for _, p in results):
            for name in sorted(os.listdir(tmp)):
                if name.startswith("central-") and name.endswith(".log"):
                    logs += ["%s: %s" % (name, l) for l in open(os.path.join(tmp, name))]
        shutil.rmtree(tmp, ignore_errors=True)

    print("1..%d" % len(results))
    for i, (name, problems) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if not problems else "not ok", i, name))
        for p in problems:
            print("# " + p)
    for line in logs[-40:]:
        print("# " + line.rstrip())
    return 1 if any(p for _, p in results) else 0


if __name__ == "__main__":
    sys.exit(main())
