/* catd-audit.h - the append-only, hash-chained audit log
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "catd-store.h"

G_BEGIN_DECLS

gboolean catd_audit_append (CatdStore     *store,
                            const char    *at,
                            const char    *login,
                            const char    *action,
                            const char    *clave_acta,
                            JsonNode      *detail,
                            gint64        *seq,
                            GError       **error);
gboolean catd_audit_verify (CatdStore     *store,
                            gint64        *n_rows,
                            GError       **error);
gboolean catd_audit_export (CatdStore     *store,
                            GOutputStream *out,
                            GError       **error);

G_END_DECLS
