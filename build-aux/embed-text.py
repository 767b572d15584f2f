#!/usr/bin/env python3
# embed-text.py - turn a text file (the SQL schema) into a C string constant
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Usage: embed-text.py INPUT OUTPUT SYMBOL"""
import sys

src, out, symbol = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    text = f.read()
lines = ['/* generated from %s: do not edit */' % src.split('/')[-1],
         'const char %s[] =' % symbol]
for line in text.splitlines():
    lines.append('  "%s\\n"' % line.replace('\\', '\\\\').replace('"', '\\"'))
lines[-1] += ';'
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")
