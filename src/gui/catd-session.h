/* catd-session.h - what every screen of the station shares: engine, user, settings, sync
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-errors.h"
#include "catd-station.h"

G_BEGIN_DECLS

typedef struct _CatdSyncService CatdSyncService;

/* Work that runs on a worker thread against the engine. It must not touch
 * widgets; what it returns is handed to the callback on the main thread. */
typedef gpointer (*CatdSessionFunc) (CatdStation  *station,
                                     CatdUser     *user,
                                     gpointer      data,
                                     GError      **error);

#define CATD_TYPE_SESSION (catd_session_get_type ())
G_DECLARE_FINAL_TYPE (CatdSession, catd_session, CATD, SESSION, GObject)

CatdSession     *catd_session_new           (CatdStation      *station,
                                             GSettings        *settings,
                                             gboolean          demo);
CatdStation     *catd_session_get_station   (CatdSession      *self);
CatdUser        *catd_session_get_user      (CatdSession      *self);
void             catd_session_set_user      (CatdSession      *self,
                                             CatdUser         *user);
GSettings       *catd_session_get_settings  (CatdSession      *self);
gboolean         catd_session_get_demo      (CatdSession      *self);
CatdSyncService *catd_session_get_sync      (CatdSession      *self);
void             catd_session_set_sync      (CatdSession      *self,
                                             CatdSyncService  *sync);
const char      *catd_session_get_demo_dir  (CatdSession      *self);
void             catd_session_set_demo_dir  (CatdSession      *self,
                                             const char       *demo_dir);

void             catd_session_run_async     (CatdSession      *self,
                                             CatdSessionFunc   func,
                                             gpointer          data,
                                             GDestroyNotify    data_free,
                                             GDestroyNotify    result_free,
                                             GCancellable     *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer          user_data);
gpointer         catd_session_run_finish    (CatdSession      *self,
                                             GAsyncResult     *result,
                                             GError          **error);

gboolean         catd_session_attach        (CatdSession     **slot,
                                             CatdSession      *session,
                                             gpointer          screen,
                                             GCallback         user_changed);

char            *catd_session_describe_error (const GError    *error);
const char      *catd_acta_state_label       (CatdActaState    state);
const char      *catd_role_label             (CatdRole         role);
gboolean         catd_set_str                (char           **str_pointer,
                                              const char      *new_str);

G_END_DECLS
