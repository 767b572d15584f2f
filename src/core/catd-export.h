/* catd-export.h - the prep-csv export (DESIGN §9)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-store.h"

G_BEGIN_DECLS

char *catd_export_prep_csv (CatdStore   *store,
                            const char  *election,
                            char         delimiter,
                            gint64       cutoff_usec,
                            GError     **error);

/* Where an export's files come from: a station (as its user) or the
 * central site. */
typedef struct
{
  char     *(*export_csv) (gpointer     data,
                           const char  *election,
                           char         delimiter,
                           GError     **error);
  GStrv     (*elections)  (gpointer     data,
                           GError     **error);
  gpointer    data;
} CatdExportSource;

gboolean catd_export_write (const CatdExportSource  *source,
                            const char              *election,
                            const char              *out,
                            char                     delimiter,
                            GPtrArray               *written,
                            GError                 **error);

G_END_DECLS
