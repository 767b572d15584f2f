/* test-store.c - station set-up, users and PINs, acopio, images
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "catd-errors.h"
#include "catd-image.h"
#include "catd-test-util.h"

typedef struct
{
  char          *dir;
  CatdTestClock  clock;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *aco;
  CatdUser      *dig;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  catd_station_audit_verify (f->station, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

#define COUNT(sql) catd_test_query_int (f->station, (sql), NULL)

static void
test_layout_and_modes (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, "station.db", NULL);
  g_autofree char *images = g_build_filename (f->dir, "images", NULL);
  struct stat st;

  g_assert_cmpint (g_stat (f->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (images, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_cmpint (COUNT ("PRAGMA user_version"), ==, CATD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM pragma_journal_mode "
                          "WHERE journal_mode = 'wal'"), ==, 1);
  g_assert_cmpint (COUNT ("PRAGMA synchronous"), ==, 2);   /* FULL */
  g_assert_cmpint (COUNT ("PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM catalog_acta"), ==, 898);
}

/* A station made by the first schema opens with the upload queue's index
 * added, its version bumped and nothing else touched. */
static void
test_migration_2 (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) reopened = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  g_autofree char *clave = catd_test_catalog_acta (f->station, "1");

  reg = catd_station_register (f->station, f->aco, clave, NULL, &error);
  g_assert_no_error (error);
  /* Back to what the first schema made: without migration 2's index and
   * without what the later migrations added. */
  catd_test_exec (f->station, "DROP TABLE capture_draft; DROP INDEX acta_image_by_acta; "
                  "DROP INDEX record_by_record_id; PRAGMA user_version = 1");
  g_assert_cmpint (COUNT ("SELECT count(*) FROM sqlite_schema "
                          "WHERE name = 'record_by_record_id'"), ==, 0);

  reopened = catd_station_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (catd_test_query_int (reopened, "PRAGMA user_version", NULL), ==,
                   CATD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (catd_test_query_int (reopened, "SELECT count(*) FROM sqlite_schema "
                                        "WHERE type = 'index' AND name = 'record_by_record_id' "
                                        "AND tbl_name = 'record'", NULL), ==, 1);
  g_assert_cmpint (catd_test_query_int (reopened, "SELECT count(*) FROM acta", NULL), ==, 1);
}

static void
test_reinit_refused (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = catd_test_data_path ("data", "demo", "catalog.json", NULL);
  g_autoptr(CatdCatalog) catalog = catd_catalog_new_from_file (path, &error);
  g_autoptr(CatdStation) again = NULL;
  g_autoptr(CatdStation) missing = NULL;

  g_assert_no_error (error);
  again = catd_station_create (f->dir, "OTRA", catalog, NULL, &error);
  g_assert_null (again);
  g_assert_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_ALREADY_INITIALIZED);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_REFUSED);
  g_clear_error (&error);

  missing = catd_station_open ("/nonexistent/station", &error);
  g_assert_null (missing);
  g_assert_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED);
}

static void
test_users_and_pins (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(CatdUser) nobody = NULL;
  sqlite3 *db = catd_store_get_db (catd_station_get_store (f->station));
  sqlite3_stmt *stmt = NULL;

  /* Stored only as a yescrypt hash, salted: two users, one PIN, two hashes. */
  g_assert_cmpint (COUNT ("SELECT count(*) FROM user WHERE pin_hash LIKE '$y$%'"),
                   ==, 3);
  g_assert_cmpint (COUNT ("SELECT count(DISTINCT pin_hash) FROM user"), ==, 3);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM user WHERE pin_hash LIKE '%1234%'"),
                   ==, 0);

  user = catd_station_authenticate (f->station, "aco", CATD_TEST_PIN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (catd_user_get_role (user), ==, CATD_ROLE_ACOPIADOR);

  /* Only a coordinador adds users; logins are unique; PINs are digits. */
  nobody = catd_station_add_user (f->station, f->aco, "x", "X", CATD_ROLE_CAPTURISTA, "1234",
                                  &error);
  g_assert_null (nobody);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);
  nobody = catd_station_add_user (f->station, f->coord, "aco", "X", CATD_ROLE_CAPTURISTA, "1234",
                                  &error);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE);
  g_clear_error (&error);
  nobody = catd_station_add_user (f->station, f->coord, "y", "Y", CATD_ROLE_CAPTURISTA, "12a4",
                                  &error);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  nobody = catd_station_add_user (f->station, f->coord, "y", "Y", CATD_ROLE_CAPTURISTA, "123",
                                  &error);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* Unknown user and wrong PIN say the same thing. */
  g_assert_null (catd_station_authenticate (f->station, "ghost", "1234", &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_null (catd_station_authenticate (f->station, "aco", "9999", &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH);
  g_clear_error (&error);
  g_assert_null (catd_station_authenticate (f->station, "aco", "9999", &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH);
  g_clear_error (&error);

  /* The third wrong PIN locks the login; the right PIN waits too. */
  g_assert_null (catd_station_authenticate (f->station, "aco", "9999", &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_LOCKED);
  g_clear_error (&error);
  g_assert_null (catd_station_authenticate (f->station, "aco", CATD_TEST_PIN, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_LOCKED);
  g_clear_error (&error);

  /* Each failure is in the audit log. */
  g_assert_cmpint (COUNT ("SELECT count(*) FROM audit WHERE action = 'auth.failed'"),
                   ==, 3);

  /* Once the lock has passed (the test clock moves a second per reading;
   * move it a minute), the right PIN works and clears the count. */
  f->clock.usec += 60 * G_USEC_PER_SEC;
  g_clear_object (&user);
  user = catd_station_authenticate (f->station, "aco", CATD_TEST_PIN, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT failed_pins FROM user WHERE login = 'aco'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  sqlite3_finalize (stmt);
}

static void
test_first_user_must_be_coordinador (void)
{
  g_autofree char *dir = catd_test_make_dir ();
  g_autoptr(CatdStation) station = catd_test_station_new (dir, "tests/catalogs/valid-small.json",
                                                          NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdUser) user = catd_station_add_user (station, NULL, "cap", "Cap",
                                                    CATD_ROLE_CAPTURISTA, "1234", &error);

  g_assert_null (user);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_assert_false (catd_station_has_users (station));
  g_clear_object (&station);
  catd_test_remove_dir (dir);
}

static void
test_register (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  g_autoptr(CatdRegistration) dup = NULL;
  g_autofree char *clave = catd_test_catalog_acta (f->station, "c.tipo = 'C'");
  g_autofree char *typed = g_strdup_printf ("  %s\n", clave);

  /* A barcode wedge's text: blanks and case do not matter. */
  typed[strlen (typed) - 6] = g_ascii_tolower (typed[strlen (typed) - 6]);
  reg = catd_station_register (f->station, f->aco, typed, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reg->clave_acta, ==, clave);
  g_assert_cmpint (strlen (reg->clave_casilla), ==, 11);
  g_assert_true (g_str_has_prefix (clave, reg->clave_casilla));
  g_assert_cmpint (reg->state, ==, CATD_ACTA_REGISTERED);
  /* Central Mexico time of the test clock (UTC-6). */
  g_assert_true (g_regex_match_simple ("^02/06/2024 18:00:[0-5][0-9]$", reg->registered_at, 0, 0));

  dup = catd_station_register (f->station, f->aco, clave, NULL, &error);
  g_assert_null (dup);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_REFUSED);
  /* The refusal names when the first registration was. */
  g_assert_nonnull (strstr (error->message, reg->registered_at));
  g_clear_error (&error);

  /* Not in the catalog: refused unless registered fuera de catálogo. */
  g_assert_null (catd_station_register (f->station, f->aco, "149999B01001", NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA);
  g_clear_error (&error);
  g_assert_null (catd_station_register (f->station, f->aco, "", NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  {
    CatdRegisterOptions bad = { .traslado = "X" };
    g_autofree char *other = catd_test_catalog_acta (f->station, "c.tipo = 'E'");

    g_assert_null (catd_station_register (f->station, f->aco, other, &bad, &error));
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
    g_clear_error (&error);
  }
  g_assert_cmpint (COUNT ("SELECT count(*) FROM acta"), ==, 1);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM outbox"), ==, 0);
}

static void
test_fuera_and_sin_acta (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) fuera = NULL;
  g_autoptr(CatdRegistration) sin = NULL;
  g_autoptr(CatdRegistration) again = NULL;
  CatdRegisterOptions options = { .fuera_de_catalogo = TRUE, .election = "MUN" };
  CatdRegisterOptions no_election = { .fuera_de_catalogo = TRUE, .election = "PRES" };
  g_autofree char *in_catalog = catd_test_catalog_acta (f->station, "ca.election = 'MUN'");
  g_autofree char *clave_sin = catd_test_catalog_acta (f->station, "ca.election = 'DIP'");

  g_assert_null (catd_station_register (f->station, f->aco, "ACTA ILEGIBLE 77", &no_election,
                                        &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (catd_station_register (f->station, f->aco, in_catalog, &options, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  fuera = catd_station_register (f->station, f->aco, "acta ilegible 77", &options, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fuera->state, ==, CATD_ACTA_FUERA_DE_CATALOGO);
  g_assert_cmpstr (fuera->clave_casilla, ==, "-");
  g_assert_cmpstr (fuera->election, ==, "MUN");

  sin = catd_station_sin_acta (f->station, f->aco, clave_sin, CATD_SIN_ACTA_CASILLA_NO_INSTALADA,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpint (sin->state, ==, CATD_ACTA_SIN_ACTA);
  again = catd_station_sin_acta (f->station, f->aco, clave_sin, CATD_SIN_ACTA_SIN_SOBRE, &error);
  g_assert_null (again);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE);
  g_clear_error (&error);

  /* A package registered on arrival and found empty becomes a sin acta;
   * one already digitized cannot. */
  {
    g_autofree char *arrived = catd_test_catalog_acta (f->station, "ca.election = 'GUB'");
    g_autofree char *scanned = catd_test_catalog_acta (f->station, "ca.election = 'GUB' "
                                                       "AND c.tipo = 'C'");
    g_autofree char *tiff = catd_test_write_tiff (f->dir, 11);
    g_autoptr(CatdRegistration) r1 = catd_station_register (f->station, f->aco, arrived, NULL,
                                                            &error);
    g_autoptr(CatdRegistration) r2 = catd_station_register (f->station, f->aco, scanned, NULL,
                                                            &error);
    g_autoptr(CatdRegistration) converted = NULL;
    g_autoptr(CatdRegistration) refused = NULL;

    g_assert_no_error (error);
    catd_station_import_image (f->station, f->dig, scanned, tiff, NULL, NULL, &error);
    g_assert_no_error (error);
    converted = catd_station_sin_acta (f->station, f->aco, arrived, CATD_SIN_ACTA_SIN_SOBRE,
                                       &error);
    g_assert_no_error (error);
    g_assert_cmpint (converted->state, ==, CATD_ACTA_SIN_ACTA);
    g_assert_cmpstr (converted->registered_at, ==, r1->registered_at);
    refused = catd_station_sin_acta (f->station, f->aco, scanned, CATD_SIN_ACTA_SIN_SOBRE, &error);
    g_assert_null (refused);
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE);
    g_clear_error (&error);
    g_assert_cmpint (COUNT ("SELECT count(*) FROM acta WHERE state = 'sin_acta'"), ==, 2);
  }

  /* All three are final at once, not counted, and queued (no image). */
  g_assert_cmpint (COUNT ("SELECT count(*) FROM acta WHERE contabilizada = 0 AND "
                          "verificacion_at IS NOT NULL"), ==, 3);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM acta WHERE observaciones = "
                          "'Sin Acta (Casilla no instalada)'"), ==, 1);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM outbox WHERE kind = 'record'"), ==, 3);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM outbox WHERE kind = 'image'"), ==, 0);

  /* A fuera de catálogo may be scanned: its image goes up as revision 2. */
  {
    g_autofree char *tiff = catd_test_write_tiff (f->dir, 9);

    catd_station_import_image (f->station, f->dig, "ACTA ILEGIBLE 77", tiff, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (COUNT ("SELECT max(revision) FROM record"), ==, 2);
    g_assert_cmpint (COUNT ("SELECT count(*) FROM outbox WHERE kind = 'image'"), ==, 1);
    g_assert_cmpint (COUNT ("SELECT count(*) FROM outbox WHERE kind = 'record'"), ==, 4);
    /* Image before the record that names it. */
    g_assert_cmpint (COUNT ("SELECT (SELECT id FROM outbox WHERE kind = 'image') < "
                            "(SELECT max(id) FROM outbox WHERE kind = 'record')"), ==, 1);
    /* A sin acta takes no image. */
    catd_station_import_image (f->station, f->dig, clave_sin, tiff, NULL, NULL, &error);
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
  }
}

static char *
sha256_of_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, len);
}

static void
test_import_image (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) r1 = NULL;
  g_autoptr(CatdRegistration) r2 = NULL;
  g_autofree char *c1 = catd_test_catalog_acta (f->station, "ca.election = 'GUB'");
  g_autofree char *c2 = catd_test_catalog_acta (f->station, "ca.election = 'DIP'");
  g_autofree char *tiff = catd_test_write_tiff (f->dir, 3);
  g_autofree char *sha = sha256_of_file (tiff);
  g_autofree char *stored = NULL;
  g_autofree char *stored_sha = NULL;
  g_autofree char *not_tiff = g_build_filename (f->dir, "nota.tif", NULL);
  g_autofree char *truncated = g_build_filename (f->dir, "cut.tif", NULL);
  g_autofree char *contents = NULL;
  CatdImageInfo info;
  struct stat st;
  gsize len;

  r1 = catd_station_register (f->station, f->aco, c1, NULL, &error);
  g_assert_no_error (error);
  r2 = catd_station_register (f->station, f->aco, c2, NULL, &error);
  g_assert_no_error (error);

  /* Anything libtiff cannot read is refused, and nothing is stored. */
  g_assert_true (g_file_set_contents (not_tiff, "%PDF-1.4 not an image", -1, NULL));
  g_assert_false (catd_station_import_image (f->station, f->dig, c1, not_tiff, NULL, NULL, &error));
  g_assert_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_INVALID);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (tiff, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, len - 200, NULL));
  g_assert_false (catd_station_import_image (f->station, f->dig, c1, truncated, NULL, NULL,
                                             &error));
  g_assert_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (catd_station_import_image (f->station, f->dig, c1, "/nonexistent.tif", NULL, NULL,
                                             &error));
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM image"), ==, 0);
  g_assert_cmpuint (catd_image_list_stored (catd_store_get_images_dir (
                      catd_station_get_store (f->station)))->len, ==, 0);

  /* Only a digitalizador (or coordinador) digitizes. */
  g_assert_false (catd_station_import_image (f->station, f->aco, c1, tiff, NULL, NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  g_assert_true (catd_station_import_image (f->station, f->dig, c1, tiff, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info.sha256, ==, sha);
  g_assert_cmpuint (info.width, ==, 64);
  g_assert_cmpuint (info.height, ==, 48);
  g_assert_cmpfloat_with_epsilon (info.dpi, 200.0, 0.01);
  stored = catd_image_path (catd_store_get_images_dir (catd_station_get_store (f->station)), sha);
  g_assert_nonnull (strstr (stored, "/images/"));
  stored_sha = sha256_of_file (stored);
  g_assert_cmpstr (stored_sha, ==, sha);
  g_assert_cmpint (g_stat (stored, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* The same bytes for another acta: one of the two is the wrong paper. */
  g_assert_false (catd_station_import_image (f->station, f->dig, c2, tiff, NULL, NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE);
  g_assert_nonnull (strstr (error->message, c1));
  g_clear_error (&error);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM image"), ==, 1);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM acta_image"), ==, 1);
  g_assert_cmpint (COUNT ("SELECT count(*) FROM acta WHERE state = 'digitized' AND "
                          "digitalizacion = 'IMPORTADA'"), ==, 1);

  /* An acta with an image is not silently re-imaged. */
  g_assert_false (catd_station_import_image (f->station, f->dig, c1, tiff, NULL, NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
  g_clear_error (&error);

  /* A file replaces it only with a reason; the old image stays on record
   * and the audit log says what was replaced, by whom and why. */
  {
    g_autofree char *better = catd_test_write_tiff (f->dir, 4);
    g_autofree char *better_sha = sha256_of_file (better);
    g_autofree char *replaced = NULL;
    g_autofree char *why = NULL;

    g_assert_false (catd_station_import_image (f->station, f->dig, c1, better, "", NULL, &error));
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
    g_clear_error (&error);
    g_assert_false (catd_station_import_image (f->station, f->dig, c2, better,
                                               "a cleaner copy", NULL, &error));
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
    g_clear_error (&error);
    g_assert_cmpint (COUNT ("SELECT count(*) FROM image"), ==, 1);

    g_assert_true (catd_station_import_image (f->station, f->dig, c1, better,
                                              "a cleaner copy from the other scanner", &info,
                                              &error));
    g_assert_no_error (error);
    g_assert_cmpstr (info.sha256, ==, better_sha);
    g_assert_cmpint (COUNT ("SELECT count(*) FROM acta_image"), ==, 2);
    g_assert_cmpint (COUNT ("SELECT count(*) FROM image"), ==, 2);
    replaced = catd_test_replace_detail (f->station, c1, "replaces");
    why = catd_test_replace_detail (f->station, c1, "reason");
    g_assert_cmpstr (replaced, ==, sha);
    g_assert_cmpstr (why, ==, "a cleaner copy from the other scanner");
    g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta "
                                          "WHERE image_sha256 = ?1", better_sha), ==, 1);
  }

  catd_station_check (f->station, NULL, &error);
  g_assert_no_error (error);
}

static void
test_restart_cleans_temp_and_reports_orphans (Fixture       *f,
                                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) reopened = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autofree char *images = g_build_filename (f->dir, "images", NULL);
  g_autofree char *temp = g_build_filename (images, ".tmp-abc123", NULL);
  g_autofree char *tiff = catd_test_write_tiff (f->dir, 5);
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  CatdImageInfo info;
  gsize len;

  /* A crash mid-write leaves a temporary file; a crash after the rename but
   * before the commit leaves an image no row names. */
  g_assert_true (g_file_set_contents (temp, "half an image", -1, NULL));
  g_assert_true (g_file_get_contents (tiff, &contents, &len, NULL));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  g_assert_true (catd_image_store (images, bytes, &info, &error));
  g_assert_no_error (error);

  reopened = catd_station_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (catd_station_get_removed_temp_files (reopened), ==, 1);
  g_assert_false (g_file_test (temp, G_FILE_TEST_EXISTS));

  g_assert_true (catd_station_check (reopened, &warnings, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (warnings->len, ==, 2);
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), info.sha256));
  /* Reported, never deleted. */
  {
    g_autofree char *path = catd_image_path (images, info.sha256);
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/store/layout-and-modes", test_layout_and_modes);
  ADD ("/store/migration-2", test_migration_2);
  ADD ("/store/reinit-refused", test_reinit_refused);
  ADD ("/store/users-and-pins", test_users_and_pins);
  ADD ("/store/register", test_register);
  ADD ("/store/fuera-and-sin-acta", test_fuera_and_sin_acta);
  ADD ("/store/import-image", test_import_image);
  ADD ("/store/restart-cleans-temp-and-reports-orphans",
       test_restart_cleans_temp_and_reports_orphans);
#undef ADD
  g_test_add_func ("/store/first-user-must-be-coordinador", test_first_user_must_be_coordinador);
  return g_test_run ();
}
