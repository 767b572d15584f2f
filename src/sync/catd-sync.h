/* catd-sync.h - the upload client: the station's outbox to the central site
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-station.h"

G_BEGIN_DECLS

/* A clock offset worth telling the operator about: FECHA_HORA_ACOPIO is the
 * station's clock. */
#define CATD_SYNC_CLOCK_WARNING_MS 2000

/* What a run did. */
typedef struct
{
  guint   sent;
  guint   dead;           /* rows put in the dead-letter state by this run */
  guint   retries;
  gint64  clock_offset_ms;  /* server minus station, measured at the start */
  gboolean clock_checked;
} CatdSyncReport;

typedef struct
{
  guint   timeout_s;       /* per request I/O; 0: 30 s */
  gint64  backoff_base_ms; /* 0: 1000 */
  gint64  backoff_cap_ms;  /* 0: 300000 */
  guint   max_failures;    /* in a run_once, give up on an item after this many; 0: 5 */
} CatdSyncOptions;

#define CATD_TYPE_SYNC (catd_sync_get_type ())
G_DECLARE_FINAL_TYPE (CatdSync, catd_sync, CATD, SYNC, GObject)

CatdSync *catd_sync_new         (CatdStation            *station,
                                 const CatdSyncOptions  *options,
                                 GError                **error);
gboolean  catd_sync_run_once    (CatdSync               *self,
                                 GCancellable           *cancellable,
                                 CatdSyncReport         *report,
                                 GError                **error);
gboolean  catd_sync_run         (CatdSync               *self,
                                 GCancellable           *cancellable,
                                 CatdSyncReport         *report,
                                 GError                **error);
gboolean  catd_sync_url_is_acceptable (const char      *url);
gboolean  catd_sync_check_token_file  (const char      *path,
                                       GError         **error);
gint64    catd_sync_backoff_ms  (gint64                  base_ms,
                                 gint64                  cap_ms,
                                 int                     attempts);

G_END_DECLS
