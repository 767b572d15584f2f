#!/usr/bin/python3
# check-po.py - each translation is complete against a freshly made template
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-po.py SOURCE_ROOT [LANGUAGE...]   (default: every language in po/LINGUAS)
#
# Makes the template from the sources listed in po/POTFILES.in with xgettext,
# as meson's i18n module does for the `catd-station-pot` target (same
# keywords: the glib preset), merges each po/LANG.po with it (msgmerge, as
# `catd-station-update-po` would) and fails when the merged catalog has a
# message that is untranslated or fuzzy (a string that changed, or a new
# one msgmerge guessed from an old one), or that msgfmt --check refuses (a
# translation whose %s and %d do not match its msgid's). Each such message
# is named with where it comes from, so that whoever translates sees what
# to do. Everything is written to a temporary folder: the source tree is
# left as it is.

import os
import subprocess
import sys
import tempfile

PACKAGE = "catd-station"

# The glib preset of meson's i18n module (mesonbuild/modules/i18n.py),
# which po/meson.build uses; taken from meson itself where it can be.
GLIB_PRESET = [
    "--from-code=UTF-8",
    "--add-comments",
    "--keyword=_",
    "--keyword=N_",
    "--keyword=C_:1c,2",
    "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2",
    "--keyword=g_dngettext:2,3",
    "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format",
    "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format",
    "--flag=g_printerr:1:c-format",
    "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format",
    "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]
try:
    from mesonbuild.modules.i18n import PRESET_ARGS
    GLIB_PRESET = list(PRESET_ARGS["glib"])
except (ImportError, KeyError):
    pass


class Entry:
    def __init__(self):
        self.references = []
        self.flags = set()
        self.msgctxt = None
        self.msgid = None
        self.msgid_plural = None
        self.msgstr = {}
        self.obsolete = False
        self.previous = None  # what msgmerge matched a fuzzy entry to

    def untranslated(self):
        return not self.msgstr or any(value == "" for value in self.msgstr.values())


def unquote(text):
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    out = []
    chars = iter(text[1:-1])
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    for char in chars:
        if char == "\\":
            char = next(chars)
            out.append(escapes.get(char, "\\" + char))
        else:
            out.append(char)
    return "".join(out)


def parse_po(path):
    """The entries of a PO file, as msgmerge writes them (one per blank-line block)."""
    entries = []
    entry = Entry()
    field = None

    def finish():
        nonlocal entry, field
        if entry.msgid is not None:
            entries.append(entry)
        entry = Entry()
        field = None

    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                finish()
                continue
            if line.startswith("#~"):
                entry.obsolete = True
                line = line[2:].lstrip()
                if line.startswith("|"):
                    continue
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
                continue
            elif line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
                continue
            elif line.startswith("#| msgid "):
                entry.previous = unquote(line[len("#| msgid "):])
                continue
            elif line.startswith("#"):
                continue
            if line.startswith('"'):
                value = unquote(line)
                if field == "msgctxt":
                    entry.msgctxt += value
                elif field == "msgid":
                    entry.msgid += value
                elif field == "msgid_plural":
                    entry.msgid_plural += value
                elif field is not None:
                    entry.msgstr[field] += value
                continue
            keyword, _, rest = line.partition(" ")
            if keyword == "msgctxt":
                field, entry.msgctxt = "msgctxt", unquote(rest)
            elif keyword == "msgid":
                field, entry.msgid = "msgid", unquote(rest)
            elif keyword == "msgid_plural":
                field, entry.msgid_plural = "msgid_plural", unquote(rest)
            elif keyword.startswith("msgstr"):
                field = keyword
                entry.msgstr[field] = unquote(rest)
            else:
                raise ValueError(f"{path}: cannot read the line {line!r}")
    finish()
    return entries


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        print(f"{' '.join(args[:1])} failed ({result.returncode}):\n{result.stderr}",
              file=sys.stderr)
        sys.exit(2)
    return result


def describe(entry):
    where = ", ".join(entry.references) if entry.references else "(no source reference)"
    text = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\u0004{entry.msgid}"
    lines = [f"  {where}", f"    msgid {text!r}"]
    if entry.msgid_plural is not None:
        lines.append(f"    msgid_plural {entry.msgid_plural!r}")
    return "\n".join(lines)


def check_language(root, template, tmp, language):
    po = os.path.join(root, "po", f"{language}.po")
    merged = os.path.join(tmp, f"{language}.po")
    if not os.path.isfile(po):
        print(f"po/{language}.po: missing, but po/LINGUAS lists {language}", file=sys.stderr)
        return False
    # --previous keeps the msgid a fuzzy entry was guessed from, for the report.
    run(["msgmerge", "--quiet", "--previous", "--no-wrap", "-o", merged, po, template])
    entries = [e for e in parse_po(merged) if not e.obsolete and e.msgid != ""]
    untranslated = [e for e in entries if e.untranslated() and "fuzzy" not in e.flags]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    check = subprocess.run(["msgfmt", "--check", "-o", os.devnull, merged],
                           capture_output=True, text=True)

    ok = not untranslated and not fuzzy and check.returncode == 0
    if untranslated:
        print(f"po/{language}.po: {len(untranslated)} of {len(entries)} messages are not "
              "translated:", file=sys.stderr)
        for entry in untranslated:
            print(describe(entry), file=sys.stderr)
        print(file=sys.stderr)
    if fuzzy:
        print(f"po/{language}.po: {len(fuzzy)} messages are fuzzy (the source string changed, "
              "or msgmerge guessed a translation); check the translation and drop the fuzzy "
              "flag:", file=sys.stderr)
        for entry in fuzzy:
            print(describe(entry), file=sys.stderr)
            if entry.previous is not None:
                print(f"    guessed from the old msgid {entry.previous!r}", file=sys.stderr)
        print(file=sys.stderr)
    if check.returncode != 0:
        print(f"po/{language}.po: msgfmt --check refuses it:\n"
              + check.stderr.replace(merged, f"po/{language}.po (merged)"), file=sys.stderr)
    if not ok:
        print(f"To fix it: `ninja -C BUILD {PACKAGE}-update-po`, then translate the messages "
              f"above in po/{language}.po.", file=sys.stderr)
    else:
        print(f"po/{language}.po: all {len(entries)} messages translated")
    return ok


def main():
    if len(sys.argv) < 2:
        print("usage: check-po.py SOURCE_ROOT [LANGUAGE...]", file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    languages = sys.argv[2:]
    if not languages:
        with open(os.path.join(root, "po", "LINGUAS"), encoding="utf-8") as f:
            for line in f:
                languages.extend(w for w in line.split("#", 1)[0].split())

    with tempfile.TemporaryDirectory(prefix="catd-po-") as tmp:
        template = os.path.join(tmp, f"{PACKAGE}.pot")
        run(["xgettext", f"--package-name={PACKAGE}", "-p", tmp,
             "-f", os.path.join(root, "po", "POTFILES.in"), "-D", root, "-k_",
             "-o", template] + GLIB_PRESET, cwd=tmp)
        results = [check_language(root, template, tmp, language) for language in languages]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
