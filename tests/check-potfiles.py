#!/usr/bin/python3
# check-potfiles.py - every file with translatable strings is in po/POTFILES.in
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-potfiles.py SOURCE_ROOT
#
# A string in a file missing from po/POTFILES.in never reaches the template,
# so it is never translated and nothing else notices: the screen just shows
# English. This looks for translatable strings the way xgettext would find
# them (gettext calls in C, translatable="yes" in GtkBuilder files, the
# translatable parts of the gschema, desktop file and metainfo) under src/,
# ui/ and data/, and fails, naming the files, when
#   - a file with translatable strings is not listed,
#   - a listed file does not exist,
#   - the list is not sorted (byte order, as `LC_ALL=C sort`) or repeats a file.
# It reads the tree and changes nothing.

import os
import re
import sys

SCANNED_DIRS = ("src", "ui", "data")

# A gettext call as the glib preset of meson's i18n module extracts them.
C_CALL = re.compile(r"(?<![\w.>])(?:_|N_|C_|NC_|Q_|g_dgettext|g_dcgettext|g_dngettext|"
                    r"g_dpgettext2|gettext|ngettext|dgettext|dngettext)\s*\(")
C_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
C_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
UI_TRANSLATABLE = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"', re.I)
DESKTOP_KEY = re.compile(r"^(?:Name|GenericName|Comment|Keywords|X-GNOME-FullName)(?:\[[^]]*\])?=",
                         re.M)
METAINFO_TEXT = re.compile(r"<(?:name|summary|p|li|caption|keyword)\b")
SCHEMA_TEXT = re.compile(r"<(?:summary|description)\b")


def has_strings(path, text):
    """Whether xgettext would find a translatable string in @text."""
    name = os.path.basename(path)
    if name.endswith((".c", ".h")):
        code = C_COMMENT.sub(" ", text)
        code = C_STRING.sub('""', code)
        return C_CALL.search(code) is not None
    if name.endswith(".ui"):
        return UI_TRANSLATABLE.search(text) is not None
    if name.endswith(".desktop.in"):
        return DESKTOP_KEY.search(text) is not None
    if name.endswith((".metainfo.xml.in", ".appdata.xml.in")):
        return METAINFO_TEXT.search(text) is not None
    if name.endswith(".gschema.xml"):
        # The schema's texts are translated only when it names its domain.
        return "gettext-domain" in text and SCHEMA_TEXT.search(text) is not None
    return False


def translatable_files(root):
    found = []
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for filename in sorted(filenames):
                path = os.path.join(dirpath, filename)
                rel = os.path.relpath(path, root)
                try:
                    with open(path, encoding="utf-8") as f:
                        text = f.read()
                except (UnicodeDecodeError, OSError):
                    continue
                if has_strings(rel, text):
                    found.append(rel)
    return found


def read_potfiles(root):
    listed = []
    with open(os.path.join(root, "po", "POTFILES.in"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                listed.append(line)
    return listed


def main():
    if len(sys.argv) != 2:
        print("usage: check-potfiles.py SOURCE_ROOT", file=sys.stderr)
        return 2
    root = sys.argv[1]
    listed = read_potfiles(root)
    problems = []

    missing = [path for path in translatable_files(root) if path not in listed]
    if missing:
        problems.append("files with translatable strings that po/POTFILES.in does not list "
                        "(their strings are never translated):\n"
                        + "".join(f"  {path}\n" for path in missing))

    absent = [path for path in listed if not os.path.isfile(os.path.join(root, path))]
    if absent:
        problems.append("files po/POTFILES.in lists that do not exist:\n"
                        + "".join(f"  {path}\n" for path in absent))

    repeated = sorted({path for path in listed if listed.count(path) > 1})
    if repeated:
        problems.append("files po/POTFILES.in lists more than once:\n"
                        + "".join(f"  {path}\n" for path in repeated))

    ordered = sorted(listed, key=lambda path: path.encode("utf-8"))
    if listed != ordered:
        first = next(i for i, (a, b) in enumerate(zip(listed, ordered)) if a != b)
        problems.append(f"po/POTFILES.in is not sorted: {listed[first]} is where {ordered[first]} "
                        "belongs (keep it as `LC_ALL=C sort` orders it)\n")

    if problems:
        print("po/POTFILES.in is incomplete or out of order:\n", file=sys.stderr)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    print(f"po/POTFILES.in lists all {len(listed)} files with translatable strings, sorted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
