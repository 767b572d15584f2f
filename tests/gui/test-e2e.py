# test-e2e.py - one acta through every screen of the demo station, as its users would
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# `catd-station --demo` (its own catd-central on loopback, SANE's test and
# pnm backends), driven through the accessibility tree with the keyboard:
#   acopio1 registers an acta; digital1 scans it through SANE; captura1 keys
#   pass 1; captura2 keys pass 2 with one field wrong, is prompted for that
#   field only (by its label, no value shown), re-keys it, and the acta is
#   verified; the coordinator sees the queue empty, and the acta is counted
#   at the central site with its image.
# What the screens say is checked, and so is what the databases hold.

import os
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import catdgui  # noqa: E402
from catdgui import Tap, combo, key, type_text, wait_for  # noqa: E402

tap = Tap()
work = tempfile.mkdtemp(prefix="catd-e2e-")
demo = os.path.join(work, "demo")
station = catdgui.Station(["--demo", "--data-dir", demo], os.path.join(work, "station.log"))


def db_query(path, sql, *args):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def station_db(sql, *args):
    return db_query(os.path.join(demo, "station", "station.db"), sql, *args)


def acta_state(clave):
    rows = station_db("SELECT state FROM acta WHERE clave_acta = ?", clave)
    return rows[0][0] if rows else None


def sign_in(login, pin, header):
    station.login(login, pin)
    return tap.ok(station.label(header, 20) is not None, "%s signs in (%s)" % (login, header))


def sign_out():
    station.switch_user()
    return station.label("Entre con su usuario y su NIP", 10) is not None


def key_form(values):
    """Keys a whole capture form: each value, Tab; then Ctrl+Enter."""
    for v in values:
        type_text(v)
        key("Tab")
    combo("<Control>Return")


try:
    tap.ok(station.ready("CATD-14-DEMO", 90) is not None,
           "the demo station opens (demo election, users, scanners, central site)")
    tap.ok(station.find(lambda n: n.roleName == "label" and "acopio1" in n.name and
                        "1111" in n.name, 5) is not None,
           "the demo logins and PINs are on the login screen")

    clave = station_db("SELECT clave_acta FROM catalog_acta WHERE election = 'GUB' "
                       "ORDER BY clave_acta LIMIT 1")[0][0]
    fields = [label for (label,) in station_db(
        "SELECT cf.label FROM contest_field cf JOIN catalog_acta ca ON ca.contest = cf.contest "
        "WHERE ca.clave_acta = ? ORDER BY cf.position", clave)]
    n_fields = 5 + len(fields)   # the five informative fields come with every contest
    # The form's first field, the one captura2 misreads below: the keys are
    # typed once it has the focus (a form still loading would lose them).
    FIRST_FIELD = "Boletas sobrantes"

    # -- Acopio -----------------------------------------------------------------
    sign_in("acopio1", "1111", "Acopiador Demo · Acopio")
    type_text(clave)
    key("Return")
    tap.ok(station.label("%s registrada" % clave, 10) is not None,
           "acopio: the acta is registered, the answer on screen")
    tap.ok(acta_state(clave) == "registered", "acopio: the station holds it as registered")
    sign_out()

    # -- Digitalización ---------------------------------------------------------
    sign_in("digital1", "2222", "Digitalizador Demo · Digitalización")
    tap.ok(station.find(lambda n: n.roleName == "combo box" and n.name == "Escáner", 30)
           is not None, "digitalización: the scanner chooser is there")
    time.sleep(2)   # SANE's discovery, on the scanner's thread
    # Once the scanners are known the screen gives the acta key entry the
    # focus (Alt+2 asks it again).
    combo("<Alt>2")
    time.sleep(0.5)
    type_text(clave)
    key("Return")
    tap.ok(station.label("Acta %s guardada" % clave, 60) is not None,
           "digitalización: the page is scanned through SANE and stored for the acta")
    tap.ok(wait_for(lambda: acta_state(clave) == "digitized", 10),
           "digitalización: the station holds it as digitized (state %r)" % acta_state(clave))
    sign_out()

    # -- Captura: pass 1 (captura1), pass 2 (captura2) with one field wrong -----
    first = [str(10 + i) for i in range(n_fields)]
    second = list(first)
    second[0] = "99"           # captura2 misreads the first field

    sign_in("captura1", "3333", "Capturista Demo A · Captura")
    tap.ok(station.label("Acta %s · 1.ª captura" % clave, 20) is not None,
           "captura1 is given the acta for its first capture")
    tap.ok(station.focused(FIRST_FIELD, 20) is not None,
           "captura1: the form's first field has the focus")
    key_form(first)
    tap.ok(wait_for(lambda: acta_state(clave) == "captured_1", 15),
           "captura1's capture is saved (state %r)" % acta_state(clave))
    sign_out()

    sign_in("captura2", "4444", "Capturista Demo B · Captura")
    tap.ok(station.label("Acta %s · 2.ª captura" % clave, 20) is not None,
           "captura2 is given the acta for its second capture")
    tap.ok(station.focused(FIRST_FIELD, 20) is not None,
           "captura2: the form's first field has the focus")
    key_form(second)
    prompt = station.find(lambda n: n.roleName == "label" and
                          "no coincide con la primera en" in n.name, 15)
    tap.ok(prompt is not None, "captura2 is prompted to re-key")
    if prompt is not None:
        named = [f for f in [FIRST_FIELD] + fields if f in prompt.name]
        tap.ok(named == [FIRST_FIELD],
               "the prompt names the one field that differs, and only it: %r" % prompt.name)
        tap.ok("10" not in prompt.name and "99" not in prompt.name,
               "the prompt reveals no keyed value")
    tap.ok(acta_state(clave) == "rekey", "the acta waits for the re-key (state %r)"
           % acta_state(clave))
    tap.ok(station.focused(FIRST_FIELD, 20) is not None,
           "the re-key form's one field has the focus")
    type_text("10")
    combo("<Control>Return")
    tap.ok(station.label("Acta %s verificada." % clave, 15) is not None,
           "after the re-key the acta is verified, on screen")
    tap.ok(wait_for(lambda: acta_state(clave) == "verified", 10),
           "the station holds it as verified (state %r)" % acta_state(clave))
    sign_out()

    # -- Coordinación and the central site ----------------------------------------
    central_db = os.path.join(demo, "central", "station.db")
    uploaded = wait_for(lambda: db_query(central_db, "SELECT count(*) FROM central_record "
                                         "WHERE clave_acta = ?", clave)[0][0] == 1, 60)
    tap.ok(uploaded, "the acta's record reached the demo's catd-central, once")
    image = station_db("SELECT image_sha256 FROM acta WHERE clave_acta = ?", clave)[0][0]
    tap.ok(db_query(central_db, "SELECT count(*) FROM image WHERE sha256 = ?", image)[0][0] == 1,
           "its image reached the central site too, under its SHA-256")
    counted = db_query(central_db, "SELECT contabilizada FROM acta WHERE clave_acta = ?", clave)
    tap.ok(counted == [(1,)], "the central site counts it (contabilizada %r)" % counted)

    sign_in("coordinadora", "2024", "Coordinadora Demo · Coordinación")
    combo("<Alt>5")

    def value_of(caption):
        """The number a value label shows, from its accessible name "CAPTION: N"."""
        prefix = caption + ": "
        for n in station.find_all(lambda n: n.roleName == "label" and
                                  n.name.startswith(prefix)):
            text = n.name[len(prefix):].replace(",", "").strip()
            if text.isdigit():
                return int(text)
        return None

    tap.ok(wait_for(lambda: value_of("Registros en espera") == 0 and
                    value_of("Imágenes en espera") == 0, 30),
           "coordinación: nothing waits in the upload queue (records %r, images %r)"
           % (value_of("Registros en espera"), value_of("Imágenes en espera")))
    tap.ok((value_of("Enviados") or 0) >= 2,
           "coordinación: the acta's image and record are shown as sent (%r)"
           % value_of("Enviados"))
finally:
    station.close()

tap.done()
