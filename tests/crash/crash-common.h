/* crash-common.h - what the crash worker and the tests that drive it share
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-catalog.h"
#include "catd-errors.h"
#include "catd-test-util.h"

G_BEGIN_DECLS

/* The staff of the crash and failure stations. Every PIN is CATD_TEST_PIN. */
#define CRASH_COORD  "coord"
#define CRASH_ACOP   "acop"
#define CRASH_DIGIT  "digit"
#define CRASH_CAPA   "capa"
#define CRASH_CAPB   "capb"
#define CRASH_VERIF  "verif"

#define CRASH_STATION_ID "CATD-CRASH-01"

G_END_DECLS
