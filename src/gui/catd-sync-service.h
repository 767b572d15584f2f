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

#define CATD_TYPE_SYNC_SERVICE (catd_sync_service_get_type ())
G_DECLARE_FINAL_TYPE (CatdSyncService, catd_sync_service, CATD, SYNC_SERVICE, GObject)

CatdSyncService *catd_sync_service_new            (CatdStation     *station);
void             catd_sync_service_start          (CatdSyncService *self);
void             catd_sync_service_stop           (CatdSyncService *self);
gboolean         catd_sync_service_get_running    (CatdSyncService *self);
const char      *catd_sync_service_get_last_error (CatdSyncService *self);

G_END_DECLS
