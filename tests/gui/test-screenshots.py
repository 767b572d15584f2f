# test-screenshots.py - a screenshot of every screen, in Spanish, on a station with data
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A scripted election night (build-aux/demo-night.sh) fills a station; the
# coordinator then opens every screen. Each screenshot is saved under
# BUILDDIR/screenshots/ (the README's screenshots come from there) and must
# be neither blank nor the same picture as another screen's.

import hashlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catdgui  # noqa: E402
from catdgui import Tap, combo, key, screenshot, type_text  # noqa: E402

tap = Tap()
work = tempfile.mkdtemp(prefix="catd-shots-")
data = os.path.join(work, "station")
night = subprocess.run([os.path.join(catdgui.SRCDIR, "build-aux", "demo-night.sh"), data,
                        os.path.join(work, "night")],
                       env=catdgui.station_env(CATDCTL=os.environ["CATD_CATDCTL"]),
                       capture_output=True, text=True)
if not tap.ok(night.returncode == 0, "the scripted election night fills a station"):
    tap.diag(night.stdout[-2000:] + night.stderr[-2000:])
    tap.done()

outdir = os.path.join(catdgui.BUILDDIR, "screenshots")
station = catdgui.Station(["--data-dir", data], os.path.join(work, "station.log"))
seen = {}


def shot(name, what):
    path = os.path.join(outdir, name + ".png")
    time.sleep(0.8)  # the page's data arrives from a worker thread
    deviation = screenshot(path)
    digest = hashlib.sha256(subprocess.run(["convert", path, "rgb:-"], check=True,
                                           capture_output=True).stdout).hexdigest()
    tap.ok(deviation > 0.02, "%s: screenshot %s is not blank (deviation %.3f)"
           % (what, path, deviation))
    tap.ok(digest not in seen, "%s: differs from every other screen%s"
           % (what, "" if digest not in seen else " (same as %s)" % seen[digest]))
    seen[digest] = name


try:
    tap.ok(station.ready("CATD-14-DEMO") is not None, "the station opens on the demo election")
    type_text("coordinadora")
    shot("01-login", "login")
    key("Return")
    type_text("2024")
    key("Return")
    tap.ok(station.label("Coordinadora Demo · Coordinación") is not None,
           "the coordinator is signed in, her name and role in the header")

    # Acopio with an answer on screen: a registration refused as a duplicate.
    first = night.stdout.split("is refused:")[0].split()[-1] if "is refused:" in night.stdout else None
    combo("<Alt>1")
    time.sleep(0.5)
    if first:
        type_text(first)
        key("Return")
        tap.ok(station.label("ya estaba registrada") is not None,
               "acopio answers a duplicate with its first registration")
    shot("02-acopio", "acopio")
    combo("<Alt>2")
    shot("03-digitalizacion", "digitalización")
    combo("<Alt>4")
    shot("05-arbitraje", "arbitraje (the coordinator's resolutions)")
    combo("<Alt>5")
    shot("06-coordinacion", "coordinación")
    combo("<Control>comma")
    tap.ok(station.find(lambda n: n.roleName == "frame" and n.name == "Preferencias")
           is not None, "the preferences window opens")
    shot("07-preferencias", "preferences")
    key("Escape")
    time.sleep(0.3)
    combo("<Control>question")
    shot("08-atajos", "keyboard shortcuts")
    key("Escape")
    time.sleep(0.3)

    # Capture is the capturistas' screen: captura2 has an acta waiting for
    # her second capture (the night left it so), with its image.
    station.switch_user()
    tap.ok(station.label("Entre con su usuario y su NIP") is not None,
           "switch user goes back to the login screen")
    station.login("captura2", "4444")
    tap.ok(station.label("captura2 · Captura") is not None, "captura2 is signed in")
    time.sleep(1.0)
    shot("04-captura", "captura")
    station.switch_user()
    station.login("verifica1", "5555")
    tap.ok(station.label("verifica1 · Verificación") is not None,
           "verifica1 is signed in")
    time.sleep(1.0)
    shot("05-arbitraje-verificador", "arbitraje (a verificador's dispute)")
finally:
    station.close()

tap.done()
