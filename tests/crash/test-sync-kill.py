#!/usr/bin/python3
# test-sync-kill.py - catdctl sync killed with SIGKILL again and again
# mid-upload: nothing lost, nothing twice at the central site
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A station with verified actas (each an image and a record) and sin actas
# (a record alone) uploads to a real catd-central on loopback. catdctl sync,
# as the service or as --once by turns, is killed with SIGKILL at a random
# moment, at least CATD_SYNC_KILLS times (default 30) while its queue is not
# empty. After every kill:
#
#  - every row the station marked sent is held by the central site (a 2xx
#    was the acknowledgement, and the site answers only once it committed);
#  - the central site holds each record once (by record_id and by acta);
#
# and after a last `sync --once`: the queue is empty with no dead letter,
# every record and image is at the site exactly once, image files hash to
# their names, `catdctl check` passes, and both exports of GUB agree but
# for the cut-off line. Kills that land after the site stored an upload
# and before the station marked it sent (so the upload goes again and is
# answered 200) are counted and reported.
#
# The seed is printed; CATD_SYNC_KILL_SEED=N repeats the kill schedule
# (where a kill lands still depends on the machine).
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from catdtest import (CATDCTL, CENTRAL, COORD, Central, Report, catdctl, central_query,  # noqa
                      election_actas, new_station, outbox_rows, run_catdctl, status,
                      synth_pages, verify_actas, write_token)

TOKEN = "tok-K-" + "c3" * 16
VERIFIED = 80      # actas with an image: 160 uploads
SIN_ACTA = 80      # actas without: 80 uploads
R = Report()


def station_rows(station):
    """(sent, pending) sets of (kind, ref) in the station's outbox."""
    sent, pending = set(), set()
    for r in outbox_rows(station):
        (sent if r["state"] == "sent" else pending).add((r["kind"], r["ref"]))
    return sent, pending


def central_rows(data):
    """(kind, ref) -> how many times the central site holds it."""
    held = {}
    for (ref,) in central_query(data, "SELECT record_id FROM central_record"):
        held[("record", ref)] = held.get(("record", ref), 0) + 1
    for (ref,) in central_query(data, "SELECT sha256 FROM image"):
        held[("image", ref)] = held.get(("image", ref), 0) + 1
    return held


def main():
    seed = int(os.environ.get("CATD_SYNC_KILL_SEED", random.randrange(1 << 30)))
    kills_wanted = int(os.environ.get("CATD_SYNC_KILLS", "30"))
    rng = random.Random(seed)
    R.note("seed %d (CATD_SYNC_KILL_SEED=%d repeats the schedule)" % (seed, seed))
    tmp = tempfile.mkdtemp(prefix="catd-sync-kill-")
    central = None
    start = time.monotonic()
    try:
        tokens = os.path.join(tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("CATD-K %s\n" % TOKEN)
        central = Central(os.path.join(tmp, "central"), tokens)
        station = new_station(os.path.join(tmp, "station"), "CATD-K", central.url,
                              write_token(os.path.join(tmp, "token"), TOKEN))
        actas = election_actas(station, "GUB", VERIFIED + SIN_ACTA)
        pages = os.path.join(tmp, "pages")
        answers = synth_pages(station, actas[:VERIFIED], pages)
        verify_actas(station, actas[:VERIFIED], pages, answers)
        for clave in actas[VERIFIED:]:
            catdctl(station, "sin-acta", clave, "--reason", "sin-sobre", user=COORD[0],
                    pin=COORD[1])
        total = len(outbox_rows(station))
        R.check("the station queued %d uploads" % (2 * VERIFIED + SIN_ACTA),
                total == 2 * VERIFIED + SIN_ACTA, "%d rows" % total)
        R.note("station built in %.1f s" % (time.monotonic() - start))

        # Where a kill lands is chosen by how far the run got, not by the
        # clock, so that the kills spread over the whole queue however fast
        # the machine uploads: most wait for the site to hold a random
        # number of new uploads (at most the run's share of what is left),
        # then a random few milliseconds more (mid-request, or between the
        # site's answer and the station's receipt, which the client writes
        # in batches); one in five comes early (opening the station, the
        # clock, the first request). The site's count, not the station's
        # receipts, is watched: receipts arrive a batch at a time.
        kills = in_window = mid_stream = 0
        problems = []
        runs = 0
        t_kills = time.monotonic()
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(central.data, "station.db"),
                             uri=True)

        def held_now():
            return db.execute("SELECT (SELECT count(*) FROM central_record) + "
                              "(SELECT count(*) FROM image)").fetchone()[0]

        while kills < kills_wanted:
            sent_before, pending_before = station_rows(station)
            if not pending_before:
                break
            runs += 1
            # A fast upload (the record index makes one a fraction of a
            # millisecond) would empty the queue before the last kills: each
            # run gets at most half its share, and a kill follows within 2 ms.
            share = max(1, len(pending_before) // (2 * (kills_wanted - kills) + 2))
            argv = [CATDCTL, "--data-dir", station, "sync"] + (["--once"] if runs % 2 else [])
            held_before = held_now()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if rng.random() < 0.2:
                time.sleep(rng.uniform(0, 0.04))
            else:
                until = held_before + rng.randint(1, share)
                deadline = time.monotonic() + 20
                while held_now() < until and proc.poll() is None and \
                        time.monotonic() < deadline:
                    time.sleep(0.001)
                time.sleep(rng.uniform(0, 0.002))
            alive = proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            _, err = proc.communicate()
            sent_after, pending_after = station_rows(station)
            if not alive and proc.returncode != 0:
                problems.append("run %d exited %d before its kill: %s" % (runs, proc.returncode,
                                                                          err.decode()))
            if alive and pending_after:
                kills += 1
                mid_stream += held_now() > held_before
            # What the station calls sent, the site holds, each once.
            held = central_rows(central.data)
            lost = [k for k in sent_after if k not in held]
            twice = [k for k, n in held.items() if n != 1]
            if lost or twice:
                problems.append("after run %d: sent but not at the site %r; held twice %r" % (
                    runs, lost[:3], twice[:3]))
            in_window += sum(1 for k in pending_after if k in held)
        db.close()
        took = time.monotonic() - t_kills
        R.note("%d of %d uploads left for the last run" % (len(station_rows(station)[1]), total))
        R.ok("catdctl sync killed %d times mid-upload (%d runs, %.1f s)" % (kills, runs, took),
             problems + ([] if kills >= kills_wanted else [
                 "the queue emptied after %d kills, %d wanted" % (kills, kills_wanted)]))
        R.check("most kills landed after the run had sent something",
                mid_stream >= kills // 2, "%d of %d" % (mid_stream, kills))
        R.note("%d kills after the run sent something; %d uploads were held by the site and "
               "still pending at the station after a kill (sent again, answered 200)" % (
                   mid_stream, in_window))

        proc = run_catdctl(station, "sync", "--once")
        R.check("the last sync --once exits 0", proc.returncode == 0,
                "exit %d: %s" % (proc.returncode, proc.stderr))
        queue = status(station)["queue"]
        R.check("the station's queue is empty, no dead letter",
                queue["pending"] == 0 and queue["dead"] == 0 and queue["sent"] == total,
                "queue %r" % queue)

        held = central_rows(central.data)
        sent, pending = station_rows(station)
        R.check("every upload at the site exactly once",
                set(held) == sent and all(n == 1 for n in held.values()) and not pending,
                "%d held, %d sent; missing %r; unknown %r; twice %r" % (
                    len(held), len(sent), sorted(sent - set(held))[:3],
                    sorted(set(held) - sent)[:3], [k for k, n in held.items() if n != 1][:3]))
        by_acta = central_query(central.data, "SELECT clave_acta, count(*) FROM central_record "
                                "GROUP BY clave_acta")
        R.check("one record per acta at the site", sorted(k for k, _ in by_acta) ==
                sorted(actas) and all(n == 1 for _, n in by_acta),
                "%d actas, more than once: %r" % (len(by_acta),
                                                  [(k, n) for k, n in by_acta if n != 1]))
        bad = []
        for d, _, files in os.walk(os.path.join(central.data, "images")):
            for f in files:
                with open(os.path.join(d, f), "rb") as fh:
                    if not f.endswith(".tif") or hashlib.sha256(fh.read()).hexdigest() != f[:-4]:
                        bad.append(f)
        R.check("the site's image files hash to their names, nothing else beside",
                not bad, "files %r" % bad[:5])
        proc = run_catdctl(station, "check")
        R.check("catdctl check passes after the kills", proc.returncode == 0,
                "exit %d: %s" % (proc.returncode, proc.stderr))

        out_a = os.path.join(tmp, "station-GUB.csv")
        out_b = os.path.join(tmp, "central-GUB.csv")
        catdctl(station, "export", "--format", "prep-csv", "--election", "GUB", "--out", out_a,
                user=COORD[0], pin=COORD[1])
        p = subprocess.run([CENTRAL, "export", "--data-dir", central.data, "--format",
                            "prep-csv", "--election", "GUB", "--out", out_b],
                           capture_output=True, text=True, timeout=60)
        a = open(out_a).read().splitlines()
        b = open(out_b).read().splitlines() if p.returncode == 0 else []
        R.check("station and site exports of GUB agree but for line 1",
                len(a) == 4 + len(actas) and a[1:] == b[1:],
                "%d and %d lines; central export exit %d %s" % (len(a), len(b), p.returncode,
                                                                p.stderr))
    except Exception as e:  # a broken step fails the test, never stops the report
        R.fail("test run", "%s: %s" % (type(e).__name__, e),
               *traceback.format_exc().splitlines())
    finally:
        logs = []
        if central is not None:
            central.stop()
            if R.failed():
                logs = open(central.log_path).read().splitlines()[-40:]
        R.note("total %.1f s" % (time.monotonic() - start))
        shutil.rmtree(tmp, ignore_errors=True)
    return R.emit(logs)


if __name__ == "__main__":
    sys.exit(main())
