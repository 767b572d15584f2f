# catdgui.py - drive catd-station through the accessibility tree (dogtail)
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run with /usr/bin/python3 (Debian's, which sees pyatspi and dogtail) under
# tests/gui/run-gui.sh. GTK 4.8 does not report the "showing" state, so
# searches look at the whole tree; names are the accessible labels the
# screens set (in Spanish: the tests run in es_MX.UTF-8, as CATD machines do).
# Input is the real keyboard through XTest, as an operator types.

import os
import subprocess
import sys
import time

# G_DEBUG=fatal-warnings (meson's test environment) is for the programs under
# test, not for this accessibility client: a warning of pyatspi's own (the
# registry asked for an application's cache before it exported it) must not
# kill the harness. GLib reads G_DEBUG when it is loaded, so the value is
# changed before dogtail loads it, and the programs started from here get
# the original back (station_env()).
STATION_G_DEBUG = os.environ.get("G_DEBUG")
if STATION_G_DEBUG is not None:
    os.environ["G_DEBUG"] = ",".join(flag for flag in STATION_G_DEBUG.split(",")
                                     if not flag.startswith("fatal-"))


def station_env(**extra):
    """The environment for a program under test: this one's, with the
    original G_DEBUG."""
    env = dict(os.environ, **extra)
    if STATION_G_DEBUG is not None:
        env["G_DEBUG"] = STATION_G_DEBUG
    return env


from dogtail.config import config  # noqa: E402

config.checkForA11y = False
config.searchShowingOnly = False
config.defaultDelay = 0.05
config.actionDelay = 0.05
config.typingDelay = 0.01
config.searchBackoffDuration = 0.2
config.searchCutoffCount = 75
config.logDebugToFile = False
config.logDebugToStdOut = False

from dogtail import rawinput, tree  # noqa: E402

STATION = os.environ.get("CATD_STATION", "build/src/catd-station")
BUILDDIR = os.environ.get("CATD_TOP_BUILDDIR", "build")
SRCDIR = os.environ.get("CATD_TOP_SRCDIR", ".")


class Tap:
    """TAP output: one line per check, a plan at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d %s" % ("" if cond else "not ", self.n, what), flush=True)
        return cond

    def diag(self, text):
        for line in str(text).splitlines():
            print("# " + line, flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


def wait_for(cond, timeout=15.0, step=0.1):
    """Polls cond() until it returns something true; returns it, or None."""
    until = time.monotonic() + timeout
    while True:
        try:
            value = cond()
        except Exception:  # a node can vanish while it is read
            value = None
        if value:
            return value
        if time.monotonic() > until:
            return None
        time.sleep(step)


def called(node, name):
    """Whether node is called name. GTK 4.8 names a button or a field by its
    accessible label followed by its label's text ("Entrar Entrar",
    "Boletas sobrantes Boletas sobrantes"): the start is what counts."""
    return node.name == name or node.name.startswith(name + " ")


class Station:
    """One catd-station process and its accessible application."""

    def __init__(self, args, log_path):
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([STATION] + args, env=station_env(), stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.app = wait_for(lambda: tree.root.application("catd-station"), 20)
        if self.app is None:
            raise RuntimeError("catd-station did not appear on the accessibility bus")

    def find(self, pred, timeout=15.0):
        """The first node under the application for which pred(node) holds."""
        return wait_for(lambda: self.app.findChild(pred, retry=False, requireResult=False),
                        timeout)

    def find_all(self, pred):
        try:
            return self.app.findChildren(pred)
        except Exception:
            return []

    def label(self, text, timeout=15.0, exact=False):
        """A label showing text (or containing it)."""
        if exact:
            return self.find(lambda n: n.roleName == "label" and n.name == text, timeout)
        return self.find(lambda n: n.roleName == "label" and text in n.name, timeout)

    def named(self, name, role=None, timeout=15.0):
        return self.find(lambda n: n.name == name and (role is None or n.roleName == role),
                         timeout)

    def focused(self, name, timeout=15.0):
        """The text field called name, once it has the keyboard focus: keys
        sent before that go to whatever had it."""
        return self.find(lambda n: n.roleName == "text" and called(n, name) and n.focused,
                         timeout)

    def button(self, name, timeout=15.0):
        return self.find(lambda n: n.roleName in ("push button", "toggle button")
                         and called(n, name), timeout)

    def click(self, name, timeout=15.0):
        node = self.button(name, timeout)
        if node is None:
            raise RuntimeError("no button %r" % name)
        node.doActionNamed("click")
        return node

    def ready(self, station_id, timeout=60.0):
        """Waits until the station is open (its id in the header bar)."""
        return self.label(station_id, timeout, exact=True)

    def login(self, login, pin):
        """Signs in from the login screen, with the keyboard."""
        type_text(login)
        key("Return")
        type_text(pin)
        key("Return")

    def switch_user(self):
        rawinput.keyCombo("<Control><Shift>l")

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def type_text(text):
    rawinput.typeText(text)


def key(name):
    rawinput.pressKey(name)


def combo(keys):
    rawinput.keyCombo(keys)


def screenshot(path):
    """Saves the whole screen as PNG; returns the image's standard deviation
    (0 for a blank screen), measured by ImageMagick."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["import", "-window", "root", path], check=True)
    out = subprocess.run(["convert", path, "-colorspace", "Gray", "-format",
                          "%[fx:standard_deviation]", "info:"],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip() or 0)
