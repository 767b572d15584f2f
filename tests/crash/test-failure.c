/* test-failure.c - the failure paths of DESIGN §6: full disk, full database,
 * malformed input, damaged images, concurrent writers
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "crash-common.h"

/* SQLite's lesson (CONVENTIONS.md): a failure path is tested as carefully as
 * the happy path. Every test here makes one thing go wrong and then checks
 * three things: the action failed with the error a caller can act on, it
 * left nothing behind (no row, no audit row, no keyed value, no file), and
 * the station still works and verifies afterwards. */

typedef struct
{
  char        *base;
  char        *data_dir;
  char        *images_dir;
  char        *scratch;
  CatdStation *station;
  CatdUser    *coord;
  CatdUser    *acop;
  CatdUser    *digit;
  CatdUser    *capa;
  CatdUser    *capb;
  GPtrArray   *order;       /* catalog actas, by key */
} Fixture;

/* ---- helpers -------------------------------------------------------------------- */

static sqlite3 *
db_of (CatdStation *station)
{
  return catd_store_get_db (catd_station_get_store (station));
}

static GPtrArray *
query_column (CatdStation *station,
              const char  *sql)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db_of (station), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (result, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return result;
}

static char *
acta_state (CatdStation *station,
            const char  *clave)
{
  return catd_test_query_text (station, "SELECT state FROM acta WHERE clave_acta = ?1", clave);
}

static gint64
audit_rows (CatdStation *station)
{
  return catd_test_query_int (station, "SELECT count(*) FROM audit", NULL);
}

static gint64
keyed_rows (CatdStation *station,
            const char  *clave)
{
  return catd_test_query_int (station, "SELECT count(*) FROM keying k JOIN acta a ON a.id = k.acta "
                    "WHERE a.clave_acta = ?1", clave);
}

static guint
count_stored_images (const char *images_dir)
{
  g_autoptr(GPtrArray) stored = catd_image_list_stored (images_dir);

  return stored->len;
}

/* The station passes its check and its audit log verifies; returns the
 * check's warnings. */
static GPtrArray *
assert_station_sound (CatdStation *station)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *warnings = NULL;

  catd_station_check (station, &warnings, &error);
  g_assert_no_error (error);
  catd_station_audit_verify (station, NULL, &error);
  g_assert_no_error (error);
  return warnings;
}

static gboolean
warnings_mention (GPtrArray  *warnings,
                  const char *text)
{
  for (guint i = 0; warnings && i < warnings->len; i++)
    if (strstr (g_ptr_array_index (warnings, i), text) != NULL)
      return TRUE;
  return FALSE;
}

static GPtrArray *
catalog_actas (CatdStation *station)
{
  return query_column (station, "SELECT clave_acta FROM catalog_acta ORDER BY clave_acta");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->base = catd_test_make_dir ();
  f->data_dir = g_build_filename (f->base, "data", NULL);
  f->images_dir = g_build_filename (f->data_dir, "images", NULL);
  f->scratch = g_build_filename (f->base, "scratch", NULL);
  g_assert_cmpint (g_mkdir (f->scratch, 0700), ==, 0);
  f->station = catd_test_station_new (f->data_dir, "data/demo/catalog.json", NULL);
  f->coord = catd_test_add_user (f->station, NULL, CRASH_COORD, CATD_ROLE_COORDINADOR);
  f->acop = catd_test_add_user (f->station, f->coord, CRASH_ACOP, CATD_ROLE_ACOPIADOR);
  f->digit = catd_test_add_user (f->station, f->coord, CRASH_DIGIT, CATD_ROLE_DIGITALIZADOR);
  f->capa = catd_test_add_user (f->station, f->coord, CRASH_CAPA, CATD_ROLE_CAPTURISTA);
  f->capb = catd_test_add_user (f->station, f->coord, CRASH_CAPB, CATD_ROLE_CAPTURISTA);
  f->order = catalog_actas (f->station);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->order, g_ptr_array_unref);
  g_clear_object (&f->capb);
  g_clear_object (&f->capa);
  g_clear_object (&f->digit);
  g_clear_object (&f->acop);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->base);
  g_free (f->scratch);
  g_free (f->images_dir);
  g_free (f->data_dir);
  g_free (f->base);
}

static const char *
register_acta (Fixture *f,
               guint    index)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  const char *clave = g_ptr_array_index (f->order, index);

  reg = catd_station_register (f->station, f->acop, clave, NULL, &error);
  g_assert_no_error (error);
  return clave;
}

static char *
write_page (Fixture *f,
            guint    seed)
{
  g_autofree char *name = g_strdup_printf ("noise-%u.tif", seed);
  char *path = g_build_filename (f->scratch, name, NULL);

  catd_test_write_tiff_file (path, seed, 96, 64, NULL);
  return path;
}

static void
digitize (Fixture    *f,
          const char *clave,
          guint       seed,
          char        sha256[65])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_page (f, seed);
  CatdImageInfo info;

  catd_station_import_image (f->station, f->digit, clave, path, NULL, &info, &error);
  g_assert_no_error (error);
  if (sha256 != NULL)
    memcpy (sha256, info.sha256, 65);
}

/* ---- (a) the disk fills up while an image is written ------------------------------ */

#define FSIZE_LIMIT (64 * 1024)

/* In a child process, so that the file size limit binds nobody else. */
static void
disk_full_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) digit = NULL;
  g_autofree char *state = NULL;
  g_autofree char *images_dir = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  const char *data_dir = g_getenv ("CATD_FAILURE_DATA_DIR");
  const char *tiff = g_getenv ("CATD_FAILURE_TIFF");
  const char *clave = g_getenv ("CATD_FAILURE_ACTA");
  struct rlimit saved, limited;
  CatdImageInfo info;
  gint64 audit_before;
  gboolean ok;

  g_assert_nonnull (data_dir);
  station = catd_station_open (data_dir, &error);
  g_assert_no_error (error);
  images_dir = g_build_filename (data_dir, "images", NULL);
  digit = catd_station_authenticate (station, CRASH_DIGIT, CATD_TEST_PIN, &error);
  g_assert_no_error (error);
  audit_before = audit_rows (station);

  /* A file may not grow past 64 KiB: write(2) fails with EFBIG, as it would
   * with ENOSPC on a full disk, once SIGXFSZ no longer kills the process. */
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limited = saved;
  limited.rlim_cur = FSIZE_LIMIT;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limited), ==, 0);
  ok = catd_station_import_image (station, digit, clave, tiff, NULL, &info, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);

  g_assert_false (ok);
  g_assert_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_IO);
  g_test_message ("import on a full disk: %s", error->message);
  g_assert_nonnull (strstr (error->message, "disk is full"));
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_FAILURE);
  g_clear_error (&error);

  /* Nothing is left of the attempt. */
  state = acta_state (station, clave);
  g_assert_cmpstr (state, ==, "registered");
  g_assert_cmpint (catd_test_query_int (station, "SELECT count(*) FROM image", NULL), ==, 0);
  g_assert_cmpint (catd_test_query_int (station, "SELECT count(*) FROM acta_image", NULL), ==, 0);
  g_assert_cmpint (audit_rows (station), ==, audit_before);
  g_assert_cmpuint (catd_test_count_temp_files (images_dir), ==, 0);
  g_assert_cmpuint (count_stored_images (images_dir), ==, 0);

  /* Once there is room again the same import goes through. */
  ok = catd_station_import_image (station, digit, clave, tiff, NULL, &info, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_clear_pointer (&state, g_free);
  state = acta_state (station, clave);
  g_assert_cmpstr (state, ==, "digitized");
  warnings = assert_station_sound (station);
  g_assert_cmpuint (warnings->len, ==, 0);
}

static void
test_disk_full_image (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *tiff = NULL;
  g_autofree char *clave = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) coord = NULL;
  g_autoptr(CatdUser) acop = NULL;
  g_autoptr(CatdUser) digit = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  GStatBuf st;

  if (g_test_subprocess ())
    {
      disk_full_child ();
      return;
    }

  base = catd_test_make_dir ();
  data_dir = g_build_filename (base, "data", NULL);
  station = catd_test_station_new (data_dir, "data/demo/catalog.json", NULL);
  coord = catd_test_add_user (station, NULL, CRASH_COORD, CATD_ROLE_COORDINADOR);
  acop = catd_test_add_user (station, coord, CRASH_ACOP, CATD_ROLE_ACOPIADOR);
  digit = catd_test_add_user (station, coord, CRASH_DIGIT, CATD_ROLE_DIGITALIZADOR);
  clave = catd_test_catalog_acta (station, "ca.election = 'GUB'");
  reg = catd_station_register (station, acop, clave, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&station);

  /* A scanned page of about 150 KiB, larger than the limit. */
  tiff = g_build_filename (base, "page.tif", NULL);
  catd_test_write_tiff_file (tiff, 42, 400, 384, NULL);
  g_assert_cmpint (g_stat (tiff, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 2 * FSIZE_LIMIT);

  g_setenv ("CATD_FAILURE_DATA_DIR", data_dir, TRUE);
  g_setenv ("CATD_FAILURE_TIFF", tiff, TRUE);
  g_setenv ("CATD_FAILURE_ACTA", clave, TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv ("CATD_FAILURE_DATA_DIR");
  g_unsetenv ("CATD_FAILURE_TIFF");
  g_unsetenv ("CATD_FAILURE_ACTA");
  g_test_trap_assert_passed ();

  /* What the child left is sound for the next process too. */
  station = catd_station_open (data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (catd_station_get_removed_temp_files (station), ==, 0);
  state = acta_state (station, clave);
  g_assert_cmpstr (state, ==, "digitized");
  warnings = assert_station_sound (station);
  g_assert_cmpuint (warnings->len, ==, 0);

  g_clear_object (&station);
  catd_test_remove_dir (base);
}

/* ---- (b) the database cannot grow ---------------------------------------------------- */

#define N_TO_CAPTURE 30
#define N_TO_IMPORT  60

static void
test_database_full (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(JsonNode) failed_values = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *failed_tiff = NULL;
  const char *failed_register = NULL, *failed_import = NULL, *failed_capture = NULL;
  char orphan_sha[65] = "";
  gint64 pages, audit_before;
  guint next;

  /* Actas ready for each kind of action, prepared while there is room. */
  for (guint i = 0; i < N_TO_CAPTURE; i++)
    digitize (f, register_acta (f, i), i, NULL);
  for (guint i = N_TO_CAPTURE; i < N_TO_CAPTURE + N_TO_IMPORT; i++)
    register_acta (f, i);
  next = N_TO_CAPTURE + N_TO_IMPORT;

  /* From now on the database file cannot grow by a single page. */
  pages = catd_test_query_int (f->station, "PRAGMA page_count", NULL);
  sql = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT, pages);
  catd_test_exec (f->station, sql);
  g_assert_cmpint (catd_test_query_int (f->station, "PRAGMA max_page_count", NULL), ==, pages);

  /* Registration: fill whatever room the pages have left, until it fails. */
  for (; next < f->order->len && failed_register == NULL; next++)
    {
      g_autoptr(CatdRegistration) reg = NULL;
      const char *clave = g_ptr_array_index (f->order, next);

      audit_before = audit_rows (f->station);
      reg = catd_station_register (f->station, f->acop, clave, NULL, &error);
      if (reg != NULL)
        continue;

      g_test_message ("registration on a full database: %s", error->message);
      g_assert_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_FULL);
      g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_FAILURE);
      g_clear_error (&error);
      g_assert_cmpint (catd_test_query_int (f->station,
                                            "SELECT count(*) FROM acta WHERE clave_acta = ?1",
                                  clave), ==, 0);
      g_assert_cmpint (catd_test_query_int (f->station,
                                            "SELECT count(*) FROM audit WHERE clave_acta = ?1",
                                  clave), ==, 0);
      g_assert_cmpint (audit_rows (f->station), ==, audit_before);
      failed_register = clave;
    }
  g_assert_nonnull (failed_register);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = assert_station_sound (f->station);

  /* Import: the image reaches the disk, the transaction does not. */
  for (guint i = N_TO_CAPTURE; i < N_TO_CAPTURE + N_TO_IMPORT && failed_import == NULL; i++)
    {
      const char *clave = g_ptr_array_index (f->order, i);
      g_autofree char *path = write_page (f, i);
      g_autofree char *state = NULL;
      CatdImageInfo info;

      audit_before = audit_rows (f->station);
      if (catd_station_import_image (f->station, f->digit, clave, path, NULL, &info, &error))
        continue;

      g_test_message ("import on a full database: %s", error->message);
      g_assert_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_FULL);
      g_clear_error (&error);
      state = acta_state (f->station, clave);
      g_assert_cmpstr (state, ==, "registered");
      g_assert_cmpint (catd_test_query_int (f->station,
                                            "SELECT count(*) FROM acta_image i JOIN acta a "
                                  "ON a.id = i.acta WHERE a.clave_acta = ?1", clave), ==, 0);
      g_assert_cmpint (catd_test_query_int (f->station,
                                            "SELECT count(*) FROM image WHERE sha256 = ?1",
                                  info.sha256), ==, 0);
      g_assert_cmpint (audit_rows (f->station), ==, audit_before);
      g_assert_cmpuint (catd_test_count_temp_files (f->images_dir), ==, 0);
      failed_import = clave;
      failed_tiff = g_steal_pointer (&path);
      memcpy (orphan_sha, info.sha256, sizeof orphan_sha);
    }
  g_assert_nonnull (failed_import);

  /* The stored image nobody names is reported, never deleted. */
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = assert_station_sound (f->station);
  g_assert_true (warnings_mention (warnings, orphan_sha));

  /* Capture: pass 1 writes the most rows of any action. */
  for (guint i = 0; i < N_TO_CAPTURE && failed_capture == NULL; i++)
    {
      const char *clave = g_ptr_array_index (f->order, i);
      g_autoptr(JsonNode) values = catd_test_values (f->station, clave, i);
      g_autoptr(CatdCaptureResult) result = NULL;
      g_autofree char *state = NULL;
      gint64 keyed_before = catd_test_query_int (f->station, "SELECT coalesce (sum (fields_keyed), "
                                                 "0) FROM user_stats", NULL);

      audit_before = audit_rows (f->station);
      result = catd_station_capture (f->station, f->capa, clave, values, &error);
      if (result != NULL)
        continue;

      g_test_message ("capture on a full database: %s", error->message);
      g_assert_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_FULL);
      g_clear_error (&error);
      state = acta_state (f->station, clave);
      g_assert_cmpstr (state, ==, "digitized");
      g_assert_cmpint (keyed_rows (f->station, clave), ==, 0);
      g_assert_cmpint (audit_rows (f->station), ==, audit_before);
      g_assert_cmpint (catd_test_query_int (f->station, "SELECT coalesce (sum (fields_keyed), 0) "
                                  "FROM user_stats", NULL), ==, keyed_before);
      failed_capture = clave;
      failed_values = g_steal_pointer (&values);
    }
  g_assert_nonnull (failed_capture);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = assert_station_sound (f->station);

  /* Room again: the very same actions now succeed. */
  catd_test_exec (f->station, "PRAGMA max_page_count = 1073741823");
  {
    g_autoptr(CatdRegistration) reg = NULL;
    g_autoptr(CatdCaptureResult) result = NULL;
    g_autofree char *state = NULL;
    CatdImageInfo info;

    reg = catd_station_register (f->station, f->acop, failed_register, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (reg->state, ==, CATD_ACTA_REGISTERED);

    catd_station_import_image (f->station, f->digit, failed_import, failed_tiff, NULL, &info,
                               &error);
    g_assert_no_error (error);
    g_assert_cmpstr (info.sha256, ==, orphan_sha);
    state = acta_state (f->station, failed_import);
    g_assert_cmpstr (state, ==, "digitized");

    result = catd_station_capture (f->station, f->capa, failed_capture, failed_values, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, CATD_CAPTURE_AWAITING_PASS2);
  }
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = assert_station_sound (f->station);
  g_assert_cmpuint (warnings->len, ==, 0);
}

/* ---- (c) malformed input loses nothing -------------------------------------------- */

typedef struct
{
  const char *code;   /* NULL: the first field of the acta */
  const char *json;   /* the value; NULL: leave the field out */
} BadValue;

static JsonNode *
values_with (CatdStation *station,
             const char  *clave,
             const char  *code,
             const char  *json)
{
  JsonNode *values = catd_test_values (station, clave, 7);
  JsonObject *object = json_node_get_object (values);

  if (json == NULL)
    json_object_remove_member (object, code);
  else
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = json_from_string (json, &error);

      g_assert_no_error (error);
      json_object_set_member (object, code, node);
    }
  return values;
}

/* Every way a value can be wrong, each refused naming the field. */
static void
assert_bad_values_refused (Fixture    *f,
                           CatdUser   *user,
                           const char *clave,
                           const char *expected_state)
{
  g_autoptr(GPtrArray) fields = catd_station_get_acta_fields (f->station, clave, NULL);
  /* The first vote field: the four informative fields come before it. */
  const char *vote = ((CatdField *)g_ptr_array_index (fields, 4))->code;
  const BadValue bad[] = {
    { NULL, "10000" },
    { NULL, "-1" },
    { NULL, "1.5" },
    { NULL, "1e3" },
    { NULL, "\"12\"" },
    { NULL, "null" },
    { NULL, "true" },
    { NULL, "\"ILEGIBLE\"" },
    { NULL, "\"sin dato\"" },
    { NULL, "\"\"" },
    { NULL, "[1]" },
    { NULL, "{\"value\": 1}" },
    { "TOTAL_VOTOS_SACADOS", "-1" },
    { "TOTAL_PERSONAS_VOTARON", "99999" },
    { "PARTIDO_INEXISTENTE", "1" },
    { NULL, NULL },
    { "NULOS", NULL },
  };
  gint64 audit_before = audit_rows (f->station);
  gint64 keyed_before = keyed_rows (f->station, clave);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      const char *code = bad[i].code ? bad[i].code : vote;
      g_autoptr(JsonNode) values = values_with (f->station, clave, code, bad[i].json);
      g_autoptr(CatdCaptureResult) result = NULL;
      g_autofree char *state = NULL;

      g_assert_cmpint (((CatdField *)g_ptr_array_index (fields, 4))->kind, !=, CATD_FIELD_INFO);
      result = catd_station_capture (f->station, user, clave, values, &error);
      g_assert_null (result);
      g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
      if (strstr (error->message, code) == NULL)
        g_error ("%s = %s was refused without naming the field: %s", code,
                 bad[i].json ? bad[i].json : "(missing)", error->message);
      state = acta_state (f->station, clave);
      g_assert_cmpstr (state, ==, expected_state);
    }

  /* A document that is not an object of values at all. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) array = json_from_string ("[1, 2, 3]", NULL);
    g_autoptr(CatdCaptureResult) result = NULL;

    result = catd_station_capture (f->station, user, clave, array, &error);
    g_assert_null (result);
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  }

  g_assert_cmpint (keyed_rows (f->station, clave), ==, keyed_before);
  g_assert_cmpint (audit_rows (f->station), ==, audit_before);
}

static void
test_malformed_values (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(JsonNode) pass1 = NULL;
  g_autoptr(JsonNode) pass2 = NULL;
  g_autoptr(CatdCaptureResult) result = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autofree char *state = NULL;
  const char *clave = register_acta (f, 0);
  const char *first;
  gint64 audit_before, keyed_before;

  digitize (f, clave, 1, NULL);
  fields = catd_station_get_acta_fields (f->station, clave, &error);
  g_assert_no_error (error);
  first = ((CatdField *)g_ptr_array_index (fields, 0))->code;

  /* Pass 1. */
  assert_bad_values_refused (f, f->capa, clave, "digitized");
  g_assert_cmpint (keyed_rows (f->station, clave), ==, 0);
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM user_stats", NULL), ==,
                   0);
  pass1 = catd_test_values (f->station, clave, 7);
  result = catd_station_capture (f->station, f->capa, clave, pass1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, CATD_CAPTURE_AWAITING_PASS2);
  g_clear_pointer (&result, catd_capture_result_free);

  /* Pass 2. */
  assert_bad_values_refused (f, f->capb, clave, "captured_1");
  g_assert_cmpint (keyed_rows (f->station, clave), ==, 1);   /* the whole first pass, one keying */
  pass2 = values_with (f->station, clave, first, "4321");
  result = catd_station_capture (f->station, f->capb, clave, pass2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result->status, ==, CATD_CAPTURE_REKEY_REQUIRED);
  g_assert_cmpstrv (result->fields, ((const char *[]) { first, NULL }));
  g_clear_pointer (&result, catd_capture_result_free);

  /* Re-keying takes exactly the fields named, each a valid value. */
  audit_before = audit_rows (f->station);
  keyed_before = keyed_rows (f->station, clave);
  {
    const char *second = ((CatdField *)g_ptr_array_index (fields, 1))->code;
    g_autofree char *j0 = g_strdup_printf ("{\"%s\": 10000}", first);
    g_autofree char *j1 = g_strdup_printf ("{\"%s\": 1, \"%s\": 1}", first, second);
    g_autofree char *j2 = g_strdup ("{}");
    g_autofree char *j3 = g_strdup_printf ("{\"%s\": \"ilegible \"}", first);
    /* Out of range; a field not asked for; the field left out; a near miss. */
    struct { const char *json; const char *names; } bad[] = {
      { j0, first }, { j1, second }, { j2, first }, { j3, first },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(JsonNode) values = json_from_string (bad[i].json, NULL);
        g_autoptr(GError) local_error = NULL;
        g_autofree char *rekey_state = NULL;

        g_assert_nonnull (values);
        g_assert_null (catd_station_rekey (f->station, f->capb, clave, values, &local_error));
        g_assert_error (local_error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
        if (strstr (local_error->message, bad[i].names) == NULL)
          g_error ("re-key %s was refused without naming %s: %s", bad[i].json, bad[i].names,
                   local_error->message);
        rekey_state = acta_state (f->station, clave);
        g_assert_cmpstr (rekey_state, ==, "rekey");
      }
  }
  g_assert_cmpint (keyed_rows (f->station, clave), ==, keyed_before);
  g_assert_cmpint (audit_rows (f->station), ==, audit_before);

  /* The correct re-key still settles it. */
  {
    g_autofree char *a = g_strdup_printf ("%" G_GINT64_FORMAT,
                                          json_object_get_int_member (json_node_get_object (pass1),
                                                                      first));
    g_autoptr(JsonNode) values = catd_test_values_only (first, a, NULL);

    result = catd_station_rekey (f->station, f->capb, clave, values, &error);
    g_assert_no_error (error);
    g_assert_cmpint (result->status, ==, CATD_CAPTURE_VERIFIED);
  }
  state = acta_state (f->station, clave);
  g_assert_cmpstr (state, ==, "verified");
  warnings = assert_station_sound (f->station);
}

/* The same through catdctl with values files: exit 2, one "error: " line
 * naming the field, and nothing keyed. */
static void
test_malformed_values_cli (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(JsonNode) values = NULL;
  g_autofree char *values_path = g_build_filename (f->scratch, "values.json", NULL);
  g_autofree char *text = NULL;
  g_autofree char *state = NULL;
  const char *clave = register_acta (f, 3);
  const char *first;
  gint64 audit_before;

  digitize (f, clave, 3, NULL);
  fields = catd_station_get_acta_fields (f->station, clave, &error);
  g_assert_no_error (error);
  first = ((CatdField *)g_ptr_array_index (fields, 0))->code;
  audit_before = audit_rows (f->station);

  {
    const BadValue bad[] = {
      { NULL, "10000" },
      { NULL, "-1" },
      { NULL, "1.5" },
      { NULL, "\"12\"" },
      { NULL, "null" },
      { NULL, "true" },
      { "PARTIDO_INEXISTENTE", "1" },
      { NULL, NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_auto(CatdTestRun) cli = { 0 };
        const char *code = bad[i].code ? bad[i].code : first;

        g_clear_pointer (&values, json_node_unref);
        g_clear_pointer (&text, g_free);
        values = values_with (f->station, clave, code, bad[i].json);
        text = json_to_string (values, TRUE);
        g_assert_true (g_file_set_contents (values_path, text, -1, NULL));
        catd_test_run_catdctl (&cli, f->data_dir, CRASH_CAPA, NULL, "capture", clave, "--values",
                               values_path, NULL);
        if (cli.status != 2 || !g_str_has_prefix (cli.err, "error: ") ||
            strstr (cli.err, code) == NULL)
          g_error ("catdctl capture with %s = %s: exit %d, stderr '%s' (expected exit 2 and an "
                   "error naming %s)", code, bad[i].json ? bad[i].json : "(missing)", cli.status,
                   cli.err, code);
      }
  }

  /* Not JSON, not an object, no such file. */
  {
    const char *documents[] = { "{\"PAN\": 1,", "[1, 2]", "", NULL };

    for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
      {
        g_auto(CatdTestRun) cli = { 0 };
        g_autofree char *path = g_strdup_printf ("%s/document-%u.json", f->scratch, i);

        if (documents[i] != NULL)
          g_assert_true (g_file_set_contents (path, documents[i], -1, NULL));
        catd_test_run_catdctl (&cli, f->data_dir, CRASH_CAPA, NULL, "capture", clave, "--values",
                               path, NULL);
        g_assert_cmpint (cli.status, ==, 2);
        g_assert_true (g_str_has_prefix (cli.err, "error: "));
      }
  }

  /* An image that is not one. */
  {
    g_auto(CatdTestRun) cli = { 0 };
    const char *other = register_acta (f, 4);
    g_autofree char *path = g_build_filename (f->scratch, "notes.tif", NULL);
    g_autofree char *other_state = NULL;

    g_assert_true (g_file_set_contents (path, "not an image", -1, NULL));
    catd_test_run_catdctl (&cli, f->data_dir, CRASH_DIGIT, NULL, "import-image", path, "--acta",
                           other, NULL);
    g_assert_cmpint (cli.status, ==, 2);
    g_assert_true (g_str_has_prefix (cli.err, "error: "));
    other_state = acta_state (f->station, other);
    g_assert_cmpstr (other_state, ==, "registered");
    audit_before++;   /* the registration */
  }

  state = acta_state (f->station, clave);
  g_assert_cmpstr (state, ==, "digitized");
  g_assert_cmpint (keyed_rows (f->station, clave), ==, 0);
  g_assert_cmpint (audit_rows (f->station), ==, audit_before);

  /* And the corrected file is taken. */
  {
    g_auto(CatdTestRun) cli = { 0 };

    g_clear_pointer (&values, json_node_unref);
    g_clear_pointer (&text, g_free);
    values = catd_test_values (f->station, clave, 7);
    text = json_to_string (values, TRUE);
    g_assert_true (g_file_set_contents (values_path, text, -1, NULL));
    catd_test_run_catdctl (&cli, f->data_dir, CRASH_CAPA, NULL, "capture", clave, "--values",
                           values_path, NULL);
    g_assert_cmpint (cli.status, ==, 0);
  }
  g_clear_pointer (&state, g_free);
  state = acta_state (f->station, clave);
  g_assert_cmpstr (state, ==, "captured_1");
}

static void
append_le (GByteArray *bytes,
           guint32     value,
           guint       size)
{
  for (guint i = 0; i < size; i++)
    {
      guint8 b = (value >> (8 * i)) & 0xff;

      g_byte_array_append (bytes, &b, 1);
    }
}

/* An uncompressed grey TIFF with its directory first, as many scanners and
 * other libraries write it (libtiff writes it last): truncating such a file
 * leaves a good directory and cuts the pixels. */
static GBytes *
directory_first_tiff (guint width,
                      guint height)
{
  static const struct { guint16 tag, type; } tags[] = {
    { 256, 4 }, { 257, 4 }, { 258, 3 }, { 259, 3 }, { 262, 3 },
    { 273, 4 }, { 277, 3 }, { 278, 4 }, { 279, 4 },
  };
  const guint32 data_offset = 8 + 2 + G_N_ELEMENTS (tags) * 12 + 4;
  const guint32 values[] = { width, height, 8, 1, 1, data_offset, 1, height, width * height };
  GByteArray *bytes = g_byte_array_new ();

  g_byte_array_append (bytes, (const guint8 *)"II", 2);
  append_le (bytes, 42, 2);
  append_le (bytes, 8, 4);
  append_le (bytes, G_N_ELEMENTS (tags), 2);
  for (guint i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      append_le (bytes, tags[i].tag, 2);
      append_le (bytes, tags[i].type, 2);
      append_le (bytes, 1, 4);
      append_le (bytes, values[i], tags[i].type == 3 ? 2 : 4);
      if (tags[i].type == 3)
        append_le (bytes, 0, 2);
    }
  append_le (bytes, 0, 4);
  g_assert_cmpuint (bytes->len, ==, data_offset);
  for (guint i = 0; i < width * height; i++)
    append_le (bytes, (i * 7) & 0xff, 1);
  return g_byte_array_free_to_bytes (bytes);
}

/* Files that are not a readable TIFF are refused, and nothing is stored. */
static void
test_malformed_images (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autofree char *good = write_page (f, 5);
  g_autofree char *good_bytes = NULL;
  g_autofree char *state = NULL;
  const char *clave = register_acta (f, 0);
  gsize good_len;
  gint64 audit_before = audit_rows (f->station);
  struct { const char *name; gsize len; const char *bytes; } bad[] = {
    { "empty.tif", 0, "" },
    { "text.tif", 21, "this is not an image\n" },
    { "png.tif", 16, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR" },
    { "header-only.tif", 8, "II*\0\x08\0\0\0" },
    { "bad-offset.tif", 8, "MM\0*\x7f\xff\xff\xff" },
    { "half.tif", 0, NULL },
    { "no-directory.tif", 0, NULL },
    { "damaged-strips.tif", 0, NULL },
    { "directory-first-truncated.tif", 0, NULL },
    { "does-not-exist.tif", 0, NULL },
  };
  g_autoptr(GBytes) directory_first = directory_first_tiff (200, 100);

  g_assert_true (g_file_get_contents (good, &good_bytes, &good_len, NULL));
  g_assert_cmpuint (good_len, >, 4096);

  /* The directory-first page is a good TIFF before it is cut. */
  {
    g_autofree char *path = g_build_filename (f->scratch, "directory-first.tif", NULL);
    CatdImageInfo info;

    g_assert_true (g_file_set_contents (path, g_bytes_get_data (directory_first, NULL),
                                        g_bytes_get_size (directory_first), NULL));
    catd_image_check_tiff (path, &info, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (info.width, ==, 200);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_build_filename (f->scratch, bad[i].name, NULL);
      g_autofree char *bytes = NULL;
      gsize len = bad[i].len;
      CatdImageInfo info;

      if (bad[i].bytes != NULL)
        bytes = g_memdup2 (bad[i].bytes, len + 1);
      else if (g_str_equal (bad[i].name, "half.tif"))
        bytes = g_memdup2 (good_bytes, len = good_len / 2);
      else if (g_str_equal (bad[i].name, "no-directory.tif"))
        bytes = g_memdup2 (good_bytes, len = good_len - 32);   /* the IFD is written last */
      else if (g_str_equal (bad[i].name, "damaged-strips.tif"))
        {
          /* The Deflate strips start after the 8-byte header: wreck them. */
          bytes = g_memdup2 (good_bytes, len = good_len);
          memset (bytes + 8, 0xff, good_len / 2);
        }
      else if (g_str_equal (bad[i].name, "directory-first-truncated.tif"))
        bytes = g_memdup2 (g_bytes_get_data (directory_first, NULL),
                           len = g_bytes_get_size (directory_first) - 5000);
      if (bytes != NULL)
        g_assert_true (g_file_set_contents (path, bytes, len, NULL));

      g_assert_false (catd_station_import_image (f->station, f->digit, clave, path, NULL, &info,
                                                 &error));
      g_test_message ("%s: %s", bad[i].name, error->message);
      g_assert_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID);
      g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_INVALID);
      g_clear_error (&error);

      state = acta_state (f->station, clave);
      g_assert_cmpstr (state, ==, "registered");
      g_clear_pointer (&state, g_free);
      g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM image", NULL), ==, 0);
      g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta_image", NULL),
                       ==, 0);
      g_assert_cmpuint (catd_test_count_temp_files (f->images_dir), ==, 0);
      g_assert_cmpuint (count_stored_images (f->images_dir), ==, 0);
    }
  g_assert_cmpint (audit_rows (f->station), ==, audit_before);

  /* The good page is taken afterwards. */
  catd_station_import_image (f->station, f->digit, clave, good, NULL, NULL, &error);
  g_assert_no_error (error);
  state = acta_state (f->station, clave);
  g_assert_cmpstr (state, ==, "digitized");
  warnings = assert_station_sound (f->station);
  g_assert_cmpuint (warnings->len, ==, 0);
}

/* ---- (d) a stored image is damaged or lost ------------------------------------------ */

static void
flip_byte (const char *path,
           goffset     offset)
{
  int fd = open (path, O_RDWR);
  guint8 byte;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pread (fd, &byte, 1, offset), ==, 1);
  byte ^= 0x01;
  g_assert_cmpint (pwrite (fd, &byte, 1, offset), ==, 1);
  g_assert_cmpint (close (fd), ==, 0);
}

static void
assert_check_fails_naming (Fixture    *f,
                           const char *sha256)
{
  g_autoptr(GError) error = NULL;
  g_auto(CatdTestRun) cli = { 0 };

  g_assert_false (catd_station_check (f->station, NULL, &error));
  g_test_message ("check: %s", error->message);
  g_assert_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INTEGRITY);
  g_assert_nonnull (strstr (error->message, sha256));
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_INTEGRITY);

  /* catdctl check: exit 5 (integrity failure), one line naming the image. */
  catd_test_run_catdctl (&cli, f->data_dir, NULL, NULL, "check", NULL);
  g_assert_cmpint (cli.status, ==, 5);
  g_assert_true (g_str_has_prefix (cli.err, "error: "));
  g_assert_nonnull (strstr (cli.err, sha256));
}

static void
test_damaged_image (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) warnings = NULL;
  g_autofree char *path = NULL;
  g_autofree char *bytes = NULL;
  char sha[65];
  gsize len;

  digitize (f, register_acta (f, 0), 11, sha);
  digitize (f, register_acta (f, 1), 12, NULL);
  warnings = assert_station_sound (f->station);
  path = catd_image_path (f->images_dir, sha);
  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));

  /* One bit rots in the middle of the file. */
  flip_byte (path, len / 2);
  assert_check_fails_naming (f, sha);

  /* Put back, it verifies again. */
  flip_byte (path, len / 2);
  g_clear_pointer (&warnings, g_ptr_array_unref);
  warnings = assert_station_sound (f->station);

  /* The last byte. */
  flip_byte (path, len - 1);
  assert_check_fails_naming (f, sha);
  flip_byte (path, len - 1);

  /* Deleted. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  assert_check_fails_naming (f, sha);

  /* Truncated. */
  g_assert_true (g_file_set_contents (path, bytes, len - 1, NULL));
  assert_check_fails_naming (f, sha);
}

/* ---- (e) concurrent writers ----------------------------------------------------------- */

typedef struct
{
  GHashTable *registered;   /* clave -> NULL */
  GHashTable *duplicates;
  gint64      first_at;
  gint64      last_at;
} WorkerLog;

static void
worker_log_clear (WorkerLog *log)
{
  g_clear_pointer (&log->registered, g_hash_table_unref);
  g_clear_pointer (&log->duplicates, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WorkerLog, worker_log_clear)

static void
read_worker_log (const char *path,
                 WorkerLog  *log)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean ended = FALSE;

  log->registered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  log->duplicates = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  log->first_at = G_MAXINT64;
  log->last_at = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
      gint64 at;

      if (g_str_equal (lines[i], "end"))
        {
          ended = TRUE;
          continue;
        }
      g_assert_cmpuint (g_strv_length (words), ==, 3);
      at = g_ascii_strtoll (words[2], NULL, 10);
      log->first_at = MIN (log->first_at, at);
      log->last_at = MAX (log->last_at, at);
      if (g_str_equal (words[0], "registered"))
        g_assert_true (g_hash_table_add (log->registered, g_strdup (words[1])));
      else if (g_str_equal (words[0], "duplicate"))
        g_assert_true (g_hash_table_add (log->duplicates, g_strdup (words[1])));
      else
        g_error ("%s: unexpected line '%s'", path, lines[i]);
    }
  g_assert_true (ended);
}

/* Two processes register at once; with @same_actas both go through the
 * same actas, racing for each, B a little faster so that it catches up with
 * A wherever it started. */
static void
run_two_registrars (Fixture   *f,
                    gboolean   same_actas,
                    WorkerLog *a,
                    WorkerLog *b)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *worker = catd_test_build_path ("tests", "crash", "crash-worker", NULL);
  g_autofree char *out_a = g_build_filename (f->scratch, "registrar-a.out", NULL);
  g_autofree char *out_b = g_build_filename (f->scratch, "registrar-b.out", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) proc_a = NULL;
  g_autoptr(GSubprocess) proc_b = NULL;
  const char *mode = same_actas ? "dup" : NULL;

  g_subprocess_launcher_set_stdout_file_path (launcher, out_a);
  proc_a = g_subprocess_launcher_spawn (launcher, &error, worker, "register", f->data_dir, "0",
                                        same_actas ? "1" : "2", "3", "2", mode, NULL);
  g_assert_no_error (error);
  g_subprocess_launcher_set_stdout_file_path (launcher, out_b);
  proc_b = g_subprocess_launcher_spawn (launcher, &error, worker, "register", f->data_dir,
                                        same_actas ? "0" : "1", same_actas ? "1" : "2", "3",
                                        same_actas ? "1" : "2", mode, NULL);
  g_assert_no_error (error);

  /* Both end on their own, successfully: nobody gave up on a busy database. */
  g_subprocess_wait_check (proc_a, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (proc_b, NULL, &error);
  g_assert_no_error (error);

  read_worker_log (out_a, a);
  read_worker_log (out_b, b);
  g_test_message ("registrar A: %u registered, %u duplicates; B: %u registered, %u duplicates",
                  g_hash_table_size (a->registered), g_hash_table_size (a->duplicates),
                  g_hash_table_size (b->registered), g_hash_table_size (b->duplicates));
  g_assert_cmpuint (g_hash_table_size (a->registered) + g_hash_table_size (a->duplicates), >, 0);
  g_assert_cmpuint (g_hash_table_size (b->registered) + g_hash_table_size (b->duplicates), >, 0);
  /* They really ran at the same time. */
  g_assert_cmpint (a->first_at, <, b->last_at);
  g_assert_cmpint (b->first_at, <, a->last_at);
}

/* Every registration reported is in the station exactly once, and nothing
 * else is. */
static void
assert_registrations (Fixture   *f,
                      WorkerLog *a,
                      WorkerLog *b)
{
  g_autoptr(GPtrArray) actas = query_column (f->station, "SELECT clave_acta FROM acta");
  g_autoptr(GHashTable) in_db = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) warnings = NULL;
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; i < actas->len; i++)
    g_hash_table_add (in_db, g_ptr_array_index (actas, i));

  g_hash_table_iter_init (&iter, a->registered);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (g_hash_table_contains (b->registered, key))
        g_error ("acta %s was registered by both processes", (char *)key);
      if (!g_hash_table_contains (in_db, key))
        g_error ("acta %s was reported registered by A and is not in the station", (char *)key);
    }
  g_hash_table_iter_init (&iter, b->registered);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (in_db, key))
      g_error ("acta %s was reported registered by B and is not in the station", (char *)key);
  g_assert_cmpuint (actas->len, ==,
                    g_hash_table_size (a->registered) + g_hash_table_size (b->registered));
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM audit "
                              "WHERE action = 'acopio.register'", NULL), ==, actas->len);

  /* A duplicate is an acta the other process did register. */
  g_hash_table_iter_init (&iter, a->duplicates);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (b->registered, key));
  g_hash_table_iter_init (&iter, b->duplicates);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (a->registered, key));

  warnings = assert_station_sound (f->station);
}

static void
test_concurrent_writers (Fixture       *f,
                         gconstpointer  data)
{
  g_auto(WorkerLog) a = { 0 };
  g_auto(WorkerLog) b = { 0 };

  run_two_registrars (f, FALSE, &a, &b);
  g_assert_cmpuint (g_hash_table_size (a.registered), >, 0);
  g_assert_cmpuint (g_hash_table_size (b.registered), >, 0);
  g_assert_cmpuint (g_hash_table_size (a.duplicates) + g_hash_table_size (b.duplicates), ==, 0);
  assert_registrations (f, &a, &b);
}

/* Both go through the same actas in the same order, so they reach each one
 * at about the same moment: each acta is registered exactly once and the
 * other process is told it is a duplicate. (The one that starts later may
 * lose every race: only the total is certain.) */
static void
test_concurrent_same_actas (Fixture       *f,
                            gconstpointer  data)
{
  g_auto(WorkerLog) a = { 0 };
  g_auto(WorkerLog) b = { 0 };

  run_two_registrars (f, TRUE, &a, &b);
  assert_registrations (f, &a, &b);
  g_assert_cmpuint (g_hash_table_size (a.registered) + g_hash_table_size (b.registered), >, 0);
}

/* ---- what a crash leaves in images/ ---------------------------------------------------- */

/* Temporary files are removed at start-up and counted; an image no row
 * names is reported by the check and never deleted. */
static void
test_leftovers (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autofree char *page = write_page (f, 21);
  g_autofree char *bytes = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *orphan = NULL;
  g_autofree char *orphan_dir = NULL;
  gsize len;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf (".tmp-LEFT%02u", i);
      g_autofree char *path = g_build_filename (f->images_dir, name, NULL);

      g_assert_true (g_file_set_contents (path, "half an image", -1, NULL));
    }
  g_assert_true (g_file_get_contents (page, &bytes, &len, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)bytes, len);
  orphan = catd_image_path (f->images_dir, sha);
  orphan_dir = g_path_get_dirname (orphan);
  g_assert_cmpint (g_mkdir_with_parents (orphan_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (orphan, bytes, len, NULL));

  g_clear_object (&f->station);
  f->station = catd_station_open (f->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (catd_station_get_removed_temp_files (f->station), ==, 3);
  g_assert_cmpuint (catd_test_count_temp_files (f->images_dir), ==, 0);

  warnings = assert_station_sound (f->station);
  g_assert_true (warnings_mention (warnings, sha));
  g_assert_true (warnings_mention (warnings, "removed 3"));
  g_assert_true (g_file_test (orphan, G_FILE_TEST_IS_REGULAR));

  /* Opening again finds nothing to remove and still leaves the image. */
  g_clear_object (&f->station);
  f->station = catd_station_open (f->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (catd_station_get_removed_temp_files (f->station), ==, 0);
  g_assert_true (g_file_test (orphan, G_FILE_TEST_IS_REGULAR));
}

/* ---- races between processes ------------------------------------------------------ */

/* Opening a station removes the temporary image files a crash left, but
 * never the one an import running in another process is writing at that
 * moment (it is locked): any catdctl command may run while the GUI scans. */
static void
test_open_during_import (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *worker = catd_test_build_path ("tests", "crash", "crash-worker", NULL);
  g_autofree char *base = catd_test_make_dir ();
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  g_autofree char *scratch = g_build_filename (base, "scratch", NULL);
  g_autofree char *out_path = g_build_filename (base, "worker.out", NULL);
  gint64 deadline;
  guint opens = 0;
  gboolean survived;

  g_assert_cmpint (g_mkdir (scratch, 0700), ==, 0);
  /* The worker's report goes to a file: a pipe nobody reads would fill up
   * and stop it. */
  g_subprocess_launcher_set_stdout_file_path (launcher, out_path);
  proc = g_subprocess_launcher_spawn (launcher, &error, worker, "workload", data_dir, scratch,
                                      "1", "0", NULL);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autofree char *text = NULL;

      g_file_get_contents (out_path, &text, NULL, NULL);
      if (text != NULL && strstr (text, "ready ") != NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }

  /* Another process opens the station now and then, as catdctl status would. */
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(CatdStation) station = catd_station_open (data_dir, &error);

      g_assert_no_error (error);
      opens++;
      g_usleep (5000);
    }
  g_subprocess_send_signal (proc, SIGKILL);
  g_subprocess_wait (proc, NULL, NULL);
  survived = g_subprocess_get_if_signaled (proc);
  g_test_message ("%u opens while the worker imported; the worker %s", opens,
                  survived ? "kept working" : "failed (see its stderr above)");
  catd_test_remove_dir (base);

  g_assert_true (survived);
}

/* Starts @n catdctl processes at once, their standard input from
 * @stdin_path and CATD_PIN=@pin, the words of process i from @make_argv;
 * returns how many exited 0. */
static guint
run_catdctl_at_once (guint        n,
                     const char  *stdin_path,
                     const char  *pin,
                     GStrv      (*make_argv) (guint i, gpointer data),
                     gpointer     data)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_ok = 0;

  if (stdin_path != NULL)
    g_subprocess_launcher_set_stdin_file_path (launcher, stdin_path);
  g_subprocess_launcher_setenv (launcher, "CATD_PIN", pin, TRUE);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) argv = make_argv (i, data);
      GSubprocess *proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv,
                                                        &error);

      g_assert_no_error (error);
      g_ptr_array_add (procs, proc);
    }
  for (guint i = 0; i < n; i++)
    {
      GSubprocess *proc = g_ptr_array_index (procs, i);

      g_subprocess_wait (proc, NULL, NULL);
      if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
        n_ok++;
    }
  return n_ok;
}

static GStrv
first_user_argv (guint    i,
                 gpointer data)
{
  g_autofree char *catdctl = catd_test_build_path ("src", "catdctl", NULL);
  g_autofree char *login = g_strdup_printf ("primero%u", i);

  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, catdctl, "--data-dir", (const char *)data, "user", "add",
                           login, "--role", "coordinador", "--name", "Primer usuario", NULL);
  return g_strv_builder_end (builder);
}

/* "On a station with no users yet [user add] needs no acting user ...; after
 * that only a coordinador adds users" (DESIGN §8). catd_station_add_user()
 * asks whether the station has users before its transaction and hashes the
 * PIN in between, so users added at the same moment are all let in as the
 * first one, none of them authorised by anybody. */
static void
test_concurrent_first_user (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autofree char *base = catd_test_make_dir ();
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  g_autofree char *pin_path = g_build_filename (base, "pin", NULL);
  gint64 n_users, n_unauthorised;
  guint n_ok;

  station = catd_test_station_new (data_dir, "data/demo/catalog.json", NULL);
  g_clear_object (&station);
  g_assert_true (g_file_set_contents (pin_path, CATD_TEST_PIN "\n", -1, NULL));

  n_ok = run_catdctl_at_once (4, pin_path, CATD_TEST_PIN, first_user_argv, data_dir);

  station = catd_station_open (data_dir, &error);
  g_assert_no_error (error);
  n_users = catd_test_query_int (station, "SELECT count(*) FROM user", NULL);
  n_unauthorised = catd_test_query_int (station,
                                        "SELECT count(*) FROM audit WHERE action = 'user.add' "
                              "AND login IS NULL", NULL);
  g_test_message ("4 first users at once: %u accepted, %" G_GINT64_FORMAT " users, %"
                  G_GINT64_FORMAT " added by nobody", n_ok, n_users, n_unauthorised);
  g_clear_object (&station);
  catd_test_remove_dir (base);

  g_assert_cmpuint (n_ok, ==, 1);
  g_assert_cmpint (n_users, ==, 1);
  g_assert_cmpint (n_unauthorised, ==, 1);
}

static GStrv
status_argv (guint    i,
             gpointer data)
{
  g_autofree char *catdctl = catd_test_build_path ("src", "catdctl", NULL);

  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_add_many (builder, catdctl, "--data-dir", (const char *)data, "--user",
                           CRASH_COORD, "status", NULL);
  return g_strv_builder_end (builder);
}

/* Wrong PINs lock a login after the third (catd_station_authenticate()).
 * The count of failures is read before the transaction that writes it back
 * incremented, so wrong PINs tried at the same moment are lost updates:
 * twelve guesses at once leave the count at one or two and the login
 * unlocked. Every failure recorded in the audit log must be counted. */
static void
test_concurrent_wrong_pins (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) coord = NULL;
  g_autofree char *base = catd_test_make_dir ();
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  gint64 counted, audited;
  guint n_ok;

  station = catd_test_station_new (data_dir, "data/demo/catalog.json", NULL);
  coord = catd_test_add_user (station, NULL, CRASH_COORD, CATD_ROLE_COORDINADOR);
  g_clear_object (&station);

  n_ok = run_catdctl_at_once (12, NULL, "9999", status_argv, data_dir);
  g_assert_cmpuint (n_ok, ==, 0);

  station = catd_station_open (data_dir, &error);
  g_assert_no_error (error);
  counted = catd_test_query_int (station, "SELECT failed_pins FROM user WHERE login = 'coord'",
                                 NULL);
  audited = catd_test_query_int (station, "SELECT count(*) FROM audit "
                                 "WHERE action = 'auth.failed' AND login = 'coord'", NULL);
  g_test_message ("12 wrong PINs at once: %" G_GINT64_FORMAT " recorded in the audit log, %"
                  G_GINT64_FORMAT " counted towards the lock", audited, counted);
  g_clear_object (&station);
  catd_test_remove_dir (base);

  g_assert_cmpint (audited, >=, 1);
  /* Every wrong PIN that was checked is counted, and the lock set by the
   * third stops the rest before their PIN is even checked. */
  g_assert_cmpint (counted, ==, audited);
  g_assert_cmpint (counted, ==, 3);
}

/* The same user logged in several times at once with the right PIN (a
 * script, two windows): every login succeeds, none is taken for a guess. */
static void
test_concurrent_right_pins (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) coord = NULL;
  g_autofree char *base = catd_test_make_dir ();
  g_autofree char *data_dir = g_build_filename (base, "data", NULL);
  guint n_ok;

  station = catd_test_station_new (data_dir, "data/demo/catalog.json", NULL);
  coord = catd_test_add_user (station, NULL, CRASH_COORD, CATD_ROLE_COORDINADOR);
  g_clear_object (&station);

  n_ok = run_catdctl_at_once (8, NULL, CATD_TEST_PIN, status_argv, data_dir);

  station = catd_station_open (data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (catd_test_query_int (station, "SELECT failed_pins + locked_until + "
                                        "checking_until FROM user WHERE login = 'coord'",
                                        NULL), ==, 0);
  g_clear_object (&station);
  catd_test_remove_dir (base);
  g_assert_cmpuint (n_ok, ==, 8);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/failure/disk-full-image", test_disk_full_image);
  g_test_add ("/failure/database-full", Fixture, NULL, fixture_set_up, test_database_full,
              fixture_tear_down);
  g_test_add ("/failure/malformed-values", Fixture, NULL, fixture_set_up, test_malformed_values,
              fixture_tear_down);
  g_test_add ("/failure/malformed-values-cli", Fixture, NULL, fixture_set_up,
              test_malformed_values_cli, fixture_tear_down);
  g_test_add ("/failure/malformed-images", Fixture, NULL, fixture_set_up, test_malformed_images,
              fixture_tear_down);
  g_test_add ("/failure/damaged-image", Fixture, NULL, fixture_set_up, test_damaged_image,
              fixture_tear_down);
  g_test_add ("/failure/concurrent-writers", Fixture, NULL, fixture_set_up,
              test_concurrent_writers, fixture_tear_down);
  g_test_add ("/failure/concurrent-same-actas", Fixture, NULL, fixture_set_up,
              test_concurrent_same_actas, fixture_tear_down);
  g_test_add ("/failure/leftovers", Fixture, NULL, fixture_set_up, test_leftovers,
              fixture_tear_down);
  g_test_add_func ("/failure/race/open-during-import", test_open_during_import);
  g_test_add_func ("/failure/race/concurrent-first-user", test_concurrent_first_user);
  g_test_add_func ("/failure/race/concurrent-wrong-pins", test_concurrent_wrong_pins);
  g_test_add_func ("/failure/race/concurrent-right-pins", test_concurrent_right_pins);

  return g_test_run ();
}
