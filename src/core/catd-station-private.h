/* catd-station-private.h - what the station's source files share
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-station.h"

G_BEGIN_DECLS

struct _CatdStation
{
  GObject       parent_instance;

  CatdStore    *store;
  char         *station_id;
  GRecMutex     mutex;          /* one action at a time on the store */
  GMainContext *context;        /* where signals are emitted */
  GHashTable   *contest_fields; /* contest id -> GPtrArray of CatdField* */
  guint         removed_temp_files;
};

/* One registered acta, as the engine needs it. */
typedef struct
{
  gint64         id;
  char          *clave_acta;
  char          *catalog_acta;  /* NULL fuera de catálogo */
  char          *election;
  CatdActaState  state;
  gint64         contest;       /* 0 fuera de catálogo */
  char          *pass1_user;
  char          *pass2_user;
  char          *arbiter_user;
  char          *image_sha256;
  gint64         revision;
} CatdActaRow;

void        catd_acta_row_clear         (CatdActaRow   *row);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CatdActaRow, catd_acta_row_clear)

gboolean    _catd_station_load_acta     (CatdStation   *self,
                                         const char    *clave_acta,
                                         CatdActaRow   *row,
                                         GError       **error);
GPtrArray  *_catd_station_contest_fields (CatdStation  *self,
                                          gint64        contest,
                                          GError      **error);
#define CATD_ROLE_BIT(role) (1u << (role))

gboolean    _catd_station_require_role  (CatdUser      *user,
                                         guint          allowed,
                                         const char    *what,
                                         GError       **error);
gboolean    _catd_station_set_state     (CatdStation   *self,
                                         gint64         acta_id,
                                         CatdActaState  state,
                                         GError       **error);
gboolean    _catd_station_finish_acta   (CatdStation   *self,
                                         gint64         acta_id,
                                         GHashTable    *settled,
                                         GError       **error);

/* catd-station-work.c: in the transaction of a capture step that @login
 * saved as @done (a CatdTaskKind), drops that user's draft of the step and
 * every draft of the acta that its new @state no longer asks for. */
gboolean    _catd_station_drop_drafts   (CatdStation   *self,
                                         gint64         acta_id,
                                         const char    *login,
                                         CatdTaskKind   done,
                                         CatdActaState  state,
                                         GError       **error);

void        _catd_station_emit_changed  (CatdStation   *self,
                                         const char    *clave_acta,
                                         CatdActaState  state);

G_END_DECLS
