#!/bin/sh
# run-gui.sh - run one GUI test on its own X server and session bus
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every GUI test gets a fresh Xvfb (1280x800, 24 bits, as a CATD workstation)
# and a fresh D-Bus session, so the accessibility bus it reads is its own.
# The bus's services (the accessibility registry) print to standard output;
# only the test itself may write there (TAP), so theirs goes to stderr.
exec 3>&1 1>&2
exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
  dbus-run-session -- sh -c 'exec "$@" >&3 3>&-' run-gui "$@"
