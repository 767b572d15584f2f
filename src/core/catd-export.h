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

G_END_DECLS
