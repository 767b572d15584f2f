/* catd-sync-service.h - the station's upload thread, for the GUI
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-session.h"
#include "catd-station.h"

G_BEGIN_DECLS

/* Whether the central site answers, as the upload thread last found. */
typedef enum
{
  CATD_SYNC_REACHABILITY_UNKNOWN,         /* nothing asked yet */
  CATD_SYNC_REACHABILITY_REACHABLE,       /* it answered the last request */
  CATD_SYNC_REACHABILITY_UNREACHABLE,     /* the last request got no answer, or a 5xx */
  CATD_SYNC_REACHABILITY_NOT_CONFIGURED,  /* the station has no central site */
  CATD_SYNC_REACHABILITY_REFUSED,         /* it refused the token, or its certificate is not trusted */
} CatdSyncReachability;

GType catd_sync_reachability_get_type (void) G_GNUC_CONST;
#define CATD_TYPE_SYNC_REACHABILITY (catd_sync_reachability_get_type ())

#define CATD_TYPE_SYNC_SERVICE (catd_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (CatdSyncService, catd_sync_service, CATD, SYNC_SERVICE, GObject)

CatdSyncService     *catd_sync_service_new                (CatdStation     *station);
void                 catd_sync_service_start              (CatdSyncService *self);
void                 catd_sync_service_stop               (CatdSyncService *self);
void                 catd_sync_service_restart            (CatdSyncService *self);
void                 catd_sync_service_sync_now           (CatdSyncService *self);
gboolean             catd_sync_service_get_running        (CatdSyncService *self);
CatdSyncReachability catd_sync_service_get_reachability   (CatdSyncService *self);
const char          *catd_sync_service_get_last_error     (CatdSyncService *self);
GError              *catd_sync_service_dup_error          (CatdSyncService *self);
gint64               catd_sync_service_get_last_error_time (CatdSyncService *self);
gint64               catd_sync_service_get_last_contact   (CatdSyncService *self);
gint64               catd_sync_service_get_last_upload    (CatdSyncService *self);
guint                catd_sync_service_get_uploaded       (CatdSyncService *self);
gboolean             catd_sync_service_get_clock_checked  (CatdSyncService *self);
gint64               catd_sync_service_get_clock_offset_ms (CatdSyncService *self);

G_END_DECLS
