/* test-audit.c - the hash-chained audit log catches every edit
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-errors.h"
#include "catd-test-util.h"

/* An election night in miniature: registrations, a sin acta, a capture that
 * needed a re-key. Returns the data directory. */
static char *
make_history (void)
{
  char *dir = catd_test_make_dir ();
  CatdTestClock clock = { 0 };
  g_autoptr(CatdStation) station = catd_test_station_new (dir, "data/demo/catalog.json", &clock);
  g_autoptr(CatdUser) coord = catd_test_add_user (station, NULL, "coord", CATD_ROLE_COORDINADOR);
  g_autoptr(CatdUser) aco = catd_test_add_user (station, coord, "aco", CATD_ROLE_ACOPIADOR);
  g_autoptr(CatdUser) dig = catd_test_add_user (station, coord, "dig", CATD_ROLE_DIGITALIZADOR);
  g_autoptr(CatdUser) a = catd_test_add_user (station, coord, "capA", CATD_ROLE_CAPTURISTA);
  g_autoptr(CatdUser) b = catd_test_add_user (station, coord, "capB", CATD_ROLE_CAPTURISTA);
  g_autoptr(GError) error = NULL;
  g_autofree char *clave = catd_test_catalog_acta (station, "ca.election = 'GUB'");
  g_autofree char *sin = catd_test_catalog_acta (station, "ca.election = 'MUN'");
  g_autofree char *tiff = catd_test_write_tiff (dir, 1);
  g_autoptr(CatdRegistration) r1 = NULL;
  g_autoptr(CatdRegistration) r2 = NULL;
  g_autoptr(CatdCaptureResult) c1 = NULL;
  g_autoptr(CatdCaptureResult) c2 = NULL;
  g_autoptr(CatdCaptureResult) c3 = NULL;
  g_autoptr(JsonNode) values = NULL;
  g_autoptr(JsonNode) values_b = NULL;
  g_autoptr(JsonNode) rekey = NULL;

  r1 = catd_station_register (station, aco, clave, NULL, &error);
  g_assert_no_error (error);
  r2 = catd_station_sin_acta (station, aco, sin, CATD_SIN_ACTA_SIN_SOBRE, &error);
  g_assert_no_error (error);
  catd_station_import_image (station, dig, clave, tiff, NULL, NULL, &error);
  g_assert_no_error (error);
  values = catd_test_values (station, clave, 4);
  c1 = catd_station_capture (station, a, clave, values, &error);
  g_assert_no_error (error);
  values_b = catd_test_values_set (catd_test_values_copy (values), "PRI", "404");
  c2 = catd_station_capture (station, b, clave, values_b, &error);
  g_assert_no_error (error);
  rekey = catd_test_values_only ("PRI", "ilegible", NULL);
  c3 = catd_station_rekey (station, b, clave, rekey, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c3->status, ==, CATD_CAPTURE_ARBITRATION);
  return dir;
}

static sqlite3 *
open_raw (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "station.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  /* An attacker with the sqlite3 shell drops the guards first. */
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER IF EXISTS audit_no_update;"
                                 "DROP TRIGGER IF EXISTS audit_no_delete;"
                                 "DROP TRIGGER IF EXISTS keying_no_update;"
                                 "DROP TRIGGER IF EXISTS keying_no_delete;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  return db;
}

static void
exec_ok (sqlite3    *db,
         const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static gint64
scalar (sqlite3    *db,
        const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* Runs audit verify the way an operator would, in a fresh station object. */
static GError *
verify (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = catd_station_open (dir, &error);
  gint64 n = 0;

  g_assert_no_error (error);
  if (!catd_station_audit_verify (station, &n, &error))
    return g_steal_pointer (&error);
  g_assert_cmpint (n, >, 0);
  return NULL;
}

static void
assert_broken_at (const char *dir,
                  gint64      seq,
                  const char *what)
{
  g_autoptr(GError) error = verify (dir);
  g_autofree char *prefix = g_strdup_printf ("audit row %" G_GINT64_FORMAT ":", seq);

  if (error == NULL)
    g_error ("%s went unnoticed", what);
  g_assert_error (error, CATD_AUDIT_ERROR, CATD_AUDIT_ERROR_BROKEN);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_INTEGRITY);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("%s: expected the message to name row %" G_GINT64_FORMAT ", got: %s", what, seq,
             error->message);
}

/* Every column of every row: change it, see verify name that row, put it
 * back, see verify pass. */
static void
test_edit_any_row (void)
{
  static const char *columns[] = { "salt", "at", "login", "action", "clave_acta", "detail",
                                   "prev_hash", "hash" };
  g_autofree char *dir = make_history ();
  sqlite3 *db = open_raw (dir);
  gint64 rows = scalar (db, "SELECT count(*) FROM audit");
  g_autoptr(GError) clean = verify (dir);

  g_assert_no_error (clean);
  g_assert_cmpint (rows, >=, 12);

  for (gint64 seq = 1; seq <= rows; seq++)
    for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
      {
        g_autofree char *save = g_strdup_printf ("CREATE TEMP TABLE saved AS SELECT * FROM audit "
                                                 "WHERE seq = %" G_GINT64_FORMAT, seq);
        g_autofree char *edit = g_strdup_printf ("UPDATE audit SET %s = coalesce (%s, '') || 'x' "
                                                 "WHERE seq = %" G_GINT64_FORMAT, columns[c],
                                                 columns[c], seq);
        g_autofree char *what = g_strdup_printf ("editing %s of row %" G_GINT64_FORMAT,
                                                 columns[c], seq);
        g_autoptr(GError) again = NULL;

        exec_ok (db, save);
        exec_ok (db, edit);
        /* Whatever the column, the edited row itself is named: its stored
         * content no longer matches its hash, or no longer chains. */
        assert_broken_at (dir, seq, what);
        exec_ok (db, "DELETE FROM audit WHERE seq = (SELECT seq FROM saved);"
                     "INSERT INTO audit SELECT * FROM saved; DROP TABLE saved;");
        again = verify (dir);
        g_assert_no_error (again);
      }
  sqlite3_close (db);
  catd_test_remove_dir (dir);
}

static void
test_delete_and_append (void)
{
  g_autofree char *dir = make_history ();
  sqlite3 *db = open_raw (dir);
  gint64 rows = scalar (db, "SELECT count(*) FROM audit");
  g_autofree char *last = g_strdup_printf ("DELETE FROM audit WHERE seq = %" G_GINT64_FORMAT, rows);

  exec_ok (db, "CREATE TEMP TABLE saved AS SELECT * FROM audit");

  /* A row taken from the middle. */
  exec_ok (db, "DELETE FROM audit WHERE seq = 5");
  assert_broken_at (dir, 5, "deleting row 5");
  exec_ok (db, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved");

  /* The last row: only the recorded head can tell. */
  exec_ok (db, last);
  assert_broken_at (dir, rows, "deleting the last row");
  exec_ok (db, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved");

  /* A forged row appended with a made-up hash. */
  exec_ok (db, "INSERT INTO audit (seq, salt, at, login, action, clave_acta, detail, prev_hash, "
               "hash) SELECT seq + 1, salt, at, login, 'acopio.register', '140001B01001', '{}', "
               "hash, '0000' FROM audit ORDER BY seq DESC LIMIT 1");
  assert_broken_at (dir, rows + 1, "appending a forged row");
  exec_ok (db, "DELETE FROM audit; INSERT INTO audit SELECT * FROM saved");

  {
    g_autoptr(GError) error = verify (dir);
    g_assert_no_error (error);
  }
  sqlite3_close (db);
  catd_test_remove_dir (dir);
}

static void
test_keyed_values_are_covered (void)
{
  g_autofree char *dir = make_history ();
  sqlite3 *db = open_raw (dir);
  gint64 seq = scalar (db, "SELECT audit_seq FROM keying WHERE step = 'pass1'");
  gint64 rekey_seq = scalar (db, "SELECT audit_seq FROM keying WHERE step = 'rekey'");

  exec_ok (db, "CREATE TEMP TABLE saved AS SELECT * FROM keying");

  /* A keyed value changed behind the log: its row is named. */
  exec_ok (db, "UPDATE keying SET \"values\" = json_set (\"values\", '$.PAN', '9999') "
               "WHERE step = 'pass1'");
  assert_broken_at (dir, seq, "changing a keyed value");
  exec_ok (db, "DELETE FROM keying; INSERT INTO keying SELECT * FROM saved");

  /* Who keyed it, changed behind the log. */
  exec_ok (db, "UPDATE keying SET login = 'capA' WHERE step = 'rekey'");
  assert_broken_at (dir, rekey_seq, "changing who keyed");
  exec_ok (db, "DELETE FROM keying; INSERT INTO keying SELECT * FROM saved");

  /* A keying deleted. */
  exec_ok (db, "DELETE FROM keying WHERE step = 'rekey'");
  assert_broken_at (dir, rekey_seq, "deleting a keying");
  exec_ok (db, "DELETE FROM keying; INSERT INTO keying SELECT * FROM saved");

  /* A keying slipped in under an audit row that records none (the sin
   * acta's registration), and one after the last row. */
  exec_ok (db, "INSERT INTO keying (acta, step, login, keyed_at, audit_seq, \"values\") "
               "SELECT acta, 'arbitration', 'coord', keyed_at, "
               "(SELECT seq FROM audit WHERE action = 'acopio.sin_acta'), \"values\" "
               "FROM keying WHERE step = 'rekey'");
  assert_broken_at (dir, scalar (db, "SELECT seq FROM audit WHERE action = 'acopio.sin_acta'"),
                    "adding a keying under a row that records none");
  exec_ok (db, "DELETE FROM keying; INSERT INTO keying SELECT * FROM saved");
  exec_ok (db, "INSERT INTO keying (acta, step, login, keyed_at, audit_seq, \"values\") "
               "SELECT acta, 'arbitration', 'coord', keyed_at, 1000, \"values\" "
               "FROM keying WHERE step = 'rekey'");
  assert_broken_at (dir, 1000, "adding a keying after the log");
  exec_ok (db, "DELETE FROM keying; INSERT INTO keying SELECT * FROM saved");

  {
    g_autoptr(GError) error = verify (dir);
    g_assert_no_error (error);
  }
  sqlite3_close (db);
  catd_test_remove_dir (dir);
}

static void
test_triggers_guard_history (void)
{
  g_autofree char *dir = make_history ();
  g_autofree char *path = g_build_filename (dir, "station.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET login = 'x'", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM keying", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  sqlite3_close (db);
  catd_test_remove_dir (dir);
}

static void
test_export_lines (void)
{
  g_autofree char *dir = make_history ();
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = catd_station_open (dir, &error);
  g_autoptr(CatdUser) coord = catd_station_authenticate (station, "coord", CATD_TEST_PIN, &error);
  g_autoptr(CatdUser) aco = catd_station_authenticate (station, "aco", CATD_TEST_PIN, &error);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  g_assert_no_error (error);
  g_assert_false (catd_station_audit_export (station, aco, out, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  g_assert_true (catd_station_audit_export (station, coord, out, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && lines[i][0]; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], &error);
      JsonObject *object;

      g_assert_no_error (error);
      object = json_node_get_object (node);
      g_assert_cmpint (json_object_get_int_member (object, "seq"), ==, i + 1);
      g_assert_cmpuint (strlen (json_object_get_string_member (object, "hash")), ==, 64);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "detail")));
      n++;
    }
  g_assert_cmpuint (n, >=, 12);
  catd_test_remove_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/audit/edit-any-row", test_edit_any_row);
  g_test_add_func ("/audit/delete-and-append", test_delete_and_append);
  g_test_add_func ("/audit/keyed-values-are-covered", test_keyed_values_are_covered);
  g_test_add_func ("/audit/triggers-guard-history", test_triggers_guard_history);
  g_test_add_func ("/audit/export-lines", test_export_lines);
  return g_test_run ();
}
