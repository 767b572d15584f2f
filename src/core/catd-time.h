/* catd-time.h - timestamps: stored in UTC, shown in central Mexico time
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Microseconds since the Unix epoch, the unit of every clock in libcatd. */
typedef gint64 (*CatdClockFunc) (gpointer user_data);

char     *catd_time_to_iso     (gint64      usec);
gboolean  catd_time_from_iso   (const char *iso,
                                gint64     *usec);
char     *catd_time_to_record  (const char *iso);
char     *catd_time_to_mexico  (const char *iso);
char     *catd_time_cutoff     (gint64      usec);

G_END_DECLS
