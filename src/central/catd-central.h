/* catd-central.h - the central site's storage: images, record revisions, heartbeats
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-catalog.h"
#include "catd-store.h"

G_BEGIN_DECLS

/* The version of catd-central-schema.sql this build writes
 * (meta.central_schema_version). */
#define CATD_CENTRAL_SCHEMA_VERSION 1

/* Largest record or heartbeat body accepted; a record is a few kilobytes. */
#define CATD_CENTRAL_MAX_JSON_SIZE (1024 * 1024)

/* What an upload did, for the 201/200 of docs/protocol.md. */
typedef enum
{
  CATD_CENTRAL_FAILED = 0,     /* see the error */
  CATD_CENTRAL_STORED,         /* new: 201 */
  CATD_CENTRAL_ALREADY_HAD,    /* an identical repeat: 200 */
} CatdCentralOutcome;

#define CATD_TYPE_CENTRAL (catd_central_get_type ())
G_DECLARE_FINAL_TYPE (CatdCentral, catd_central, CATD, CENTRAL, GObject)

CatdCentral        *catd_central_open             (const char   *data_dir,
                                                   CatdCatalog  *catalog,
                                                   GError      **error);
CatdStore          *catd_central_get_store        (CatdCentral  *self);
void                catd_central_set_clock        (CatdCentral  *self,
                                                   CatdClockFunc func,
                                                   gpointer      user_data);
gboolean            catd_central_add_station      (CatdCentral  *self,
                                                   const char   *station_id,
                                                   GError      **error);
CatdCentralOutcome  catd_central_put_image        (CatdCentral  *self,
                                                   const char   *station_id,
                                                   const char   *sha256,
                                                   GBytes       *bytes,
                                                   GError      **error);
CatdCentralOutcome  catd_central_put_record       (CatdCentral  *self,
                                                   const char   *station_id,
                                                   const char   *record_id,
                                                   GBytes       *body,
                                                   GError      **error);
gboolean            catd_central_heartbeat        (CatdCentral  *self,
                                                   const char   *station_id,
                                                   GBytes       *body,
                                                   GError      **error);
GBytes             *catd_central_get_catalog      (CatdCentral  *self,
                                                   char        **sha256,
                                                   GError      **error);
char               *catd_central_status_html      (CatdCentral  *self,
                                                   GError      **error);
GStrv               catd_central_list_elections   (CatdCentral  *self,
                                                   GError      **error);
char               *catd_central_export_prep_csv  (CatdCentral  *self,
                                                   const char   *election,
                                                   char          delimiter,
                                                   GError      **error);

gboolean            catd_sha256_is_valid          (const char   *text);

G_END_DECLS
