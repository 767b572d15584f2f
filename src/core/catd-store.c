/* catd-store.c - the station's SQLite database and data directory
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catd-errors.h"
#include "catd-store.h"

/* Generated from catd-schema.sql by the build. */
extern const char catd_schema_sql[];

/* One CatdStore is one open station database. The rules of DESIGN §6 live
 * here: WAL with synchronous=FULL (a COMMIT that returned survives a power
 * cut), foreign keys on, numbered migrations applied in one transaction,
 * 0700 directories and 0600 files. Statements are prepared once and cached,
 * which is most of what makes an action cost one fsync and little else.
 *
 * A store is used by one thread at a time; CatdStation serialises access. */

struct _CatdStore
{
  GObject        parent_instance;

  char          *data_dir;
  char          *images_dir;
  sqlite3       *db;
  GHashTable    *statements;   /* sql -> sqlite3_stmt* */
  CatdClockFunc  clock;
  gpointer       clock_data;
};

G_DEFINE_FINAL_TYPE (CatdStore, catd_store, G_TYPE_OBJECT)

static void
catd_store_finalize (GObject *object)
{
  CatdStore *self = (CatdStore *)object;

  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->images_dir, g_free);

  G_OBJECT_CLASS (catd_store_parent_class)->finalize (object);
}

static void
catd_store_class_init (CatdStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_store_finalize;
}

static void
catd_store_init (CatdStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)sqlite3_finalize);
}

static gint64
default_clock (gpointer user_data)
{
  return g_get_real_time ();
}

/**
 * catd_store_set_error:
 * @rc: an SQLite result code
 * @what: what was being done, for the message
 *
 * Maps an SQLite failure to a %CATD_STORE_ERROR code a caller can act on: a
 * full disk, a busy database and a corrupt file each need a different answer
 * from the operator. Always returns %FALSE.
 */
gboolean
catd_store_set_error (CatdStore  *self,
                      int         rc,
                      const char *what,
                      GError    **error)
{
  const char *detail = self && self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);
  CatdStoreError code;
  const char *hint = "";

  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      code = CATD_STORE_ERROR_FULL;
      hint = " (the disk is full: free space, then repeat the action)";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = CATD_STORE_ERROR_BUSY;
      hint = " (another program is holding the station database; try again)";
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = CATD_STORE_ERROR_CORRUPT;
      hint = " (the station database is damaged: call the coordinator)";
      break;
    default:
      code = CATD_STORE_ERROR_IO;
      break;
    }

  g_set_error (error, CATD_STORE_ERROR, code, "%s: %s%s", what, detail, hint);
  return FALSE;
}

static gboolean
ensure_private_dir (const char  *path,
                    GError     **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                   "cannot create %s: %s", path, g_strerror (errsv));
      return FALSE;
    }
  if (g_chmod (path, 0700) != 0)
    {
      int errsv = errno;
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                   "cannot restrict %s to its owner: %s", path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

gboolean
catd_store_exec_sql (CatdStore  *self,
                     const char *sql,
                     GError    **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, CATD_STORE_ERROR,
                   (rc & 0xff) == SQLITE_FULL ? CATD_STORE_ERROR_FULL :
                   (rc & 0xff) == SQLITE_BUSY ? CATD_STORE_ERROR_BUSY :
                   (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB ?
                     CATD_STORE_ERROR_CORRUPT : CATD_STORE_ERROR_IO,
                   "database: %s", message ? message : sqlite3_errstr (rc));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static int
user_version (CatdStore *self)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

/* Migration 2: the upload client finds the body of each queued record by
 * its record_id (catd_station_outbox_next ()). Without an index each step
 * of the upload read the record table (the whole of it for an image): 10
 * to 20 ms a step on a state-sized station, a quarter of an hour of its
 * upload, with the station's lock held. */
static const char migration_2_sql[] =
  "CREATE INDEX record_by_record_id ON record (record_id);";

/* Migration 3: capture drafts and the queue's order.
 *
 * capture_draft holds a user's half-keyed form of one step of one acta
 * (catd-station-work.c), so that a crash or a power cut costs the capturista
 * nothing they typed. A draft is not a keying: it is never audited, never
 * counted and never shown to anyone but its own user; the step's real save
 * deletes it in the same transaction. The index on acta_image gives the
 * capture queue each acta's first digitization time without a scan. */
static const char migration_3_sql[] =
  "CREATE TABLE capture_draft ("
  "  login    TEXT NOT NULL REFERENCES user (login),"
  "  acta     INTEGER NOT NULL REFERENCES acta (id),"
  "  step     TEXT NOT NULL CHECK (step IN ('capture', 'rekey', 'arbitration', 'resolution')),"
  "  \"values\" TEXT NOT NULL,"
  "  saved_at TEXT NOT NULL,"
  "  PRIMARY KEY (login, acta, step)"
  ") STRICT, WITHOUT ROWID;"
  "CREATE INDEX capture_draft_by_acta ON capture_draft (acta);"
  "CREATE INDEX acta_image_by_acta ON acta_image (acta, bound_at);";

/* Migration 4: what the coordinador's screen reads every few seconds
 * (catd-station-query.c), made cheap on a state-sized station. Measured on
 * 30,000 verified actas (catd-bench query), these queries read the whole
 * acta table or audit log: 60 to 330 ms a refresh with the station's lock
 * held, against a few milliseconds after this migration.
 *
 * - stage_count: actas per stage per quarter of an hour (the throughput
 *   chart), kept by triggers in the transaction of each change, as
 *   user_stats is kept by the engine, and filled from the existing rows
 *   here. A stage counts an acta once: registration (acopio), the first
 *   image bound to it (a re-scan is not counted again), pass 1 (captura),
 *   the values settled (verificación; sin acta and fuera de catálogo are
 *   settled at registration and count under acopio only). Each trigger
 *   fires only on a time it can read, so it can never make the action
 *   that fires it fail.
 * - acta_by_state_count replaces acta_by_state (its prefix): progress per
 *   election and state, and the verified actas that were not counted, are
 *   read from the index alone.
 * - audit_set_aside: the few audit rows of scanned pages set aside, which
 *   the inconsistencies list shows, without reading the log.
 *
 * Written to be run again harmlessly (IF NOT EXISTS, the counts rebuilt). */
static const char migration_4_sql[] =
  "CREATE TABLE IF NOT EXISTS stage_count ("
  "  stage  TEXT NOT NULL CHECK (stage IN ('acopio', 'digitalizacion', 'captura', "
  "                                        'verificacion')),"
  "  bucket INTEGER NOT NULL,"    /* unix seconds / 900 */
  "  n      INTEGER NOT NULL,"
  "  PRIMARY KEY (stage, bucket)"
  ") STRICT, WITHOUT ROWID;"
  "DELETE FROM stage_count;"
  "INSERT INTO stage_count (stage, bucket, n) "
  "  SELECT 'acopio', unixepoch (acopio_at) / 900 AS b, count(*) FROM acta "
  "  WHERE b IS NOT NULL GROUP BY b;"
  "INSERT INTO stage_count (stage, bucket, n) "
  "  SELECT 'digitalizacion', unixepoch (first) / 900 AS b, count(*) FROM "
  "  (SELECT min (ai.bound_at) AS first FROM acta_image ai JOIN acta a ON a.id = ai.acta "
  "   WHERE a.image_sha256 IS NOT NULL GROUP BY ai.acta) "
  "  WHERE b IS NOT NULL GROUP BY b;"
  "INSERT INTO stage_count (stage, bucket, n) "
  "  SELECT 'captura', unixepoch (captura_at) / 900 AS b, count(*) FROM acta "
  "  WHERE b IS NOT NULL GROUP BY b;"
  "INSERT INTO stage_count (stage, bucket, n) "
  "  SELECT 'verificacion', unixepoch (verificacion_at) / 900 AS b, count(*) FROM acta "
  "  WHERE state = 'verified' AND b IS NOT NULL GROUP BY b;"
  "CREATE TRIGGER IF NOT EXISTS stage_acopio AFTER INSERT ON acta "
  "  WHEN unixepoch (NEW.acopio_at) IS NOT NULL "
  "BEGIN "
  "  INSERT INTO stage_count (stage, bucket, n) "
  "    VALUES ('acopio', unixepoch (NEW.acopio_at) / 900, 1) "
  "    ON CONFLICT (stage, bucket) DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER IF NOT EXISTS stage_digitalizacion AFTER UPDATE OF image_sha256 ON acta "
  "  WHEN OLD.image_sha256 IS NULL AND NEW.image_sha256 IS NOT NULL AND "
  "       (SELECT unixepoch (max (bound_at)) FROM acta_image "
  "        WHERE sha256 = NEW.image_sha256 AND acta = NEW.id) IS NOT NULL "
  "BEGIN "
  "  INSERT INTO stage_count (stage, bucket, n) "
  "    VALUES ('digitalizacion', (SELECT unixepoch (max (bound_at)) FROM acta_image "
  "                               WHERE sha256 = NEW.image_sha256 AND acta = NEW.id) / 900, 1) "
  "    ON CONFLICT (stage, bucket) DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER IF NOT EXISTS stage_captura AFTER UPDATE OF captura_at ON acta "
  "  WHEN OLD.captura_at IS NULL AND unixepoch (NEW.captura_at) IS NOT NULL "
  "BEGIN "
  "  INSERT INTO stage_count (stage, bucket, n) "
  "    VALUES ('captura', unixepoch (NEW.captura_at) / 900, 1) "
  "    ON CONFLICT (stage, bucket) DO UPDATE SET n = n + 1; "
  "END;"
  "CREATE TRIGGER IF NOT EXISTS stage_verificacion AFTER UPDATE OF state, verificacion_at ON acta "
  "  WHEN NEW.state = 'verified' AND unixepoch (NEW.verificacion_at) IS NOT NULL AND "
  "       NOT (OLD.state = 'verified' AND unixepoch (OLD.verificacion_at) IS NOT NULL) "
  "BEGIN "
  "  INSERT INTO stage_count (stage, bucket, n) "
  "    VALUES ('verificacion', unixepoch (NEW.verificacion_at) / 900, 1) "
  "    ON CONFLICT (stage, bucket) DO UPDATE SET n = n + 1; "
  "END;"
  "DROP INDEX IF EXISTS acta_by_state;"
  "CREATE INDEX IF NOT EXISTS acta_by_state_count ON acta (state, contabilizada, election);"
  "CREATE INDEX IF NOT EXISTS audit_set_aside ON audit (seq) "
  "  WHERE action = 'digitalizacion.page_set_aside';";

/* Migrations are numbered; migration N takes user_version from N-1 to N and
 * runs in the same transaction as the version bump, so a crash leaves the
 * schema at one version or the next, never in between. */
static gboolean
migrate (CatdStore  *self,
         GError    **error)
{
  static const char *migrations[] = {
    catd_schema_sql,
    migration_2_sql,
    migration_3_sql,
    migration_4_sql,
  };
  int version = user_version (self);

  G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == CATD_STORE_SCHEMA_VERSION);

  if (version < 0)
    return catd_store_set_error (self, sqlite3_errcode (self->db), "reading the schema version",
                                 error);
  if (version > (int)G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_TOO_NEW,
                   "the station database has schema version %d, newer than this program "
                   "understands (%d): use a newer CATD Station", version,
                   (int)G_N_ELEMENTS (migrations));
      return FALSE;
    }

  for (int i = version; i < (int)G_N_ELEMENTS (migrations); i++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", i + 1);

      if (!catd_store_exec_sql (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!catd_store_exec_sql (self, migrations[i], error) ||
          !catd_store_exec_sql (self, bump, error))
        {
          catd_store_rollback (self);
          return FALSE;
        }
      if (!catd_store_commit (self, error))
        return FALSE;
    }
  return TRUE;
}

/* WAL is what lets a reader (status, the GUI) run beside a writer and
 * makes a commit one append and one fsync; SQLite quietly keeps the old
 * journal when it cannot switch, so the answer is read back. */
static gboolean
set_wal (CatdStore  *self,
         GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  gboolean ok = FALSE;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);

  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ok = g_ascii_strcasecmp ((const char *)sqlite3_column_text (stmt, 0), "wal") == 0;
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_OK)
    return catd_store_set_error (self, rc, "switching the database to WAL", error);
  if (!ok)
    g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                 "the station database cannot use write-ahead logging on this file system");
  return ok;
}

/**
 * catd_store_open:
 * @data_dir: the station's data directory
 * @create: whether to create the directory and database when missing
 *
 * Opens (or creates) the station database, sets the pragmas of DESIGN §6 and
 * applies pending migrations. Without @create, a directory with no database
 * gives %CATD_STORE_ERROR_NOT_INITIALIZED.
 */
CatdStore *
catd_store_open (const char  *data_dir,
                 gboolean     create,
                 GError     **error)
{
  g_autoptr(CatdStore) self = NULL;
  g_autofree char *db_path = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
  int rc;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (CATD_TYPE_STORE, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  self->images_dir = g_build_filename (self->data_dir, "images", NULL);
  self->clock = default_clock;
  db_path = g_build_filename (self->data_dir, "station.db", NULL);

  if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      if (!create)
        {
          g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED,
                       "no station in %s: run 'catdctl init' first", self->data_dir);
          return NULL;
        }
      if (!ensure_private_dir (self->data_dir, error) ||
          !ensure_private_dir (self->images_dir, error))
        return NULL;
      flags |= SQLITE_OPEN_CREATE;
    }

  /* SQLite gives the WAL and shared-memory files the database's own mode:
   * create the database file private before SQLite sees it. */
  if (flags & SQLITE_OPEN_CREATE)
    {
      int fd = g_open (db_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          int errsv = errno;
          g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                       "cannot create %s: %s", db_path, g_strerror (errsv));
          return NULL;
        }
      close (fd);
    }

  rc = sqlite3_open_v2 (db_path, &self->db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      catd_store_set_error (self, rc, "opening the station database", error);
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, 10000);

  if (!set_wal (self, error) ||
      !catd_store_exec_sql (self,
                            "PRAGMA synchronous = FULL;"
                            "PRAGMA foreign_keys = ON;"
                            "PRAGMA trusted_schema = OFF;"
                            "PRAGMA cache_size = -16000;",
                            error))
    return NULL;

  if (g_chmod (db_path, 0600) != 0)
    {
      int errsv = errno;
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                   "cannot restrict %s to its owner: %s", db_path, g_strerror (errsv));
      return NULL;
    }

  if (!migrate (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
catd_store_get_data_dir (CatdStore *self)
{
  g_return_val_if_fail (CATD_IS_STORE (self), NULL);
  return self->data_dir;
}

const char *
catd_store_get_images_dir (CatdStore *self)
{
  g_return_val_if_fail (CATD_IS_STORE (self), NULL);
  return self->images_dir;
}

sqlite3 *
catd_store_get_db (CatdStore *self)
{
  g_return_val_if_fail (CATD_IS_STORE (self), NULL);
  return self->db;
}

/* Replaces the wall clock, for tests and drills that need fixed times. */
void
catd_store_set_clock (CatdStore     *self,
                      CatdClockFunc  func,
                      gpointer       user_data)
{
  g_return_if_fail (CATD_IS_STORE (self));
  self->clock = func ? func : default_clock;
  self->clock_data = user_data;
}

gint64
catd_store_now (CatdStore *self)
{
  return self->clock (self->clock_data);
}

char *
catd_store_now_iso (CatdStore *self)
{
  return catd_time_to_iso (catd_store_now (self));
}

/* BEGIN IMMEDIATE takes the write lock up front, so two processes never both
 * read, decide and then fail to write. */
gboolean
catd_store_begin (CatdStore  *self,
                  GError    **error)
{
  return catd_store_exec_sql (self, "BEGIN IMMEDIATE", error);
}

gboolean
catd_store_commit (CatdStore  *self,
                   GError    **error)
{
  if (!catd_store_exec_sql (self, "COMMIT", error))
    {
      catd_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

void
catd_store_rollback (CatdStore *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * catd_store_prepare:
 *
 * Returns the cached prepared statement for @sql, reset and with no
 * bindings, owned by the store. Preparing costs once per process.
 */
sqlite3_stmt *
catd_store_prepare (CatdStore   *self,
                    const char  *sql,
                    GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      catd_store_set_error (self, rc, "preparing a query", error);
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/* Steps once; returns SQLITE_ROW or SQLITE_DONE, or 0 with @error set. */
int
catd_store_step (CatdStore     *self,
                 sqlite3_stmt  *stmt,
                 GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  catd_store_set_error (self, rc, "database", error);
  sqlite3_reset (stmt);
  return 0;
}

/* Runs a statement that returns no rows, then resets it. */
gboolean
catd_store_exec (CatdStore     *self,
                 sqlite3_stmt  *stmt,
                 GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW)
    return TRUE;
  return catd_store_set_error (self, rc, "database", error);
}

/**
 * catd_store_lookup_meta:
 * @value: (out): the value, or %NULL when the key is not set
 *
 * Returns %FALSE only when the database fails: an absent key is not an
 * error, a failure to read one must never look like absence.
 */
gboolean
catd_store_lookup_meta (CatdStore   *self,
                        const char  *key,
                        char       **value,
                        GError     **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self, "SELECT value FROM meta WHERE key = ?", error);
  int rc;

  *value = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  rc = catd_store_step (self, stmt, error);
  if (rc == SQLITE_ROW)
    *value = g_strdup (catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc != 0;
}

/* A meta value where a failed read may read as "not set". */
char *
catd_store_get_meta (CatdStore  *self,
                     const char *key)
{
  char *value = NULL;

  catd_store_lookup_meta (self, key, &value, NULL);
  return value;
}

gboolean
catd_store_set_meta (CatdStore   *self,
                     const char  *key,
                     const char  *value,
                     GError     **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self,
                                           "INSERT INTO meta (key, value) VALUES (?, ?) "
                                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return catd_store_exec (self, stmt, error);
}
