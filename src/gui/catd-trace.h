/* catd-trace.h - start-up and readiness marks for the benchmarks (CATD_STATION_TRACE)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

gboolean catd_trace_enabled         (void);
void     catd_trace_mark            (const char *what);
void     catd_trace_mark_next_frame (GtkWidget  *widget,
                                     const char *what);

G_END_DECLS
