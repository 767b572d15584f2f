/* catd-store.h - the station's SQLite database and data directory
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

#include "catd-time.h"

G_BEGIN_DECLS

#define CATD_TYPE_STORE (catd_store_get_type ())
G_DECLARE_FINAL_TYPE (CatdStore, catd_store, CATD, STORE, GObject)

/* The schema version this build writes (PRAGMA user_version). */
#define CATD_STORE_SCHEMA_VERSION 4

CatdStore    *catd_store_open            (const char   *data_dir,
                                          gboolean      create,
                                          GError      **error);
const char   *catd_store_get_data_dir    (CatdStore    *self);
const char   *catd_store_get_images_dir  (CatdStore    *self);
sqlite3      *catd_store_get_db          (CatdStore    *self);

void          catd_store_set_clock       (CatdStore    *self,
                                          CatdClockFunc func,
                                          gpointer      user_data);
gint64        catd_store_now             (CatdStore    *self);
char         *catd_store_now_iso         (CatdStore    *self);

gboolean      catd_store_begin           (CatdStore    *self,
                                          GError      **error);
gboolean      catd_store_commit          (CatdStore    *self,
                                          GError      **error);
void          catd_store_rollback        (CatdStore    *self);

sqlite3_stmt *catd_store_prepare         (CatdStore    *self,
                                          const char   *sql,
                                          GError      **error);
gboolean      catd_store_exec            (CatdStore    *self,
                                          sqlite3_stmt *stmt,
                                          GError      **error);
gboolean      catd_store_exec_sql        (CatdStore    *self,
                                          const char   *sql,
                                          GError      **error);
int           catd_store_step            (CatdStore    *self,
                                          sqlite3_stmt *stmt,
                                          GError      **error);
gboolean      catd_store_set_error       (CatdStore    *self,
                                          int           rc,
                                          const char   *what,
                                          GError      **error);

char         *catd_store_get_meta        (CatdStore    *self,
                                          const char   *key);
gboolean      catd_store_lookup_meta     (CatdStore    *self,
                                          const char   *key,
                                          char        **value,
                                          GError      **error);
gboolean      catd_store_set_meta        (CatdStore    *self,
                                          const char   *key,
                                          const char   *value,
                                          GError      **error);

/* Binds text, or NULL when @text is NULL. */
static inline int
catd_bind_text (sqlite3_stmt *stmt,
                int           index,
                const char   *text)
{
  return text ? sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT)
              : sqlite3_bind_null (stmt, index);
}

static inline const char *
catd_column_text (sqlite3_stmt *stmt,
                  int           index)
{
  return (const char *)sqlite3_column_text (stmt, index);
}

/* A cached statement that is reset when it goes out of scope, whatever
 * path leaves the scope: g_auto(CatdStmtGuard) guard = stmt; */
typedef sqlite3_stmt *CatdStmtGuard;

static inline void
catd_stmt_guard_clear (CatdStmtGuard *guard)
{
  if (*guard != NULL)
    sqlite3_reset (*guard);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CatdStmtGuard, catd_stmt_guard_clear)

G_END_DECLS
