/* catd-test-util.c - shared fixtures for the libcatd tests
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <tiffio.h>

#include "catd-catalog.h"
#include "catd-test-util.h"

gint64
catd_test_clock_read (gpointer data)
{
  CatdTestClock *clock = data;

  if (clock->usec == 0)
    clock->usec = G_GINT64_CONSTANT (1717372800) * G_USEC_PER_SEC;  /* 2024-06-03 00:00 UTC */
  clock->usec += G_USEC_PER_SEC;
  return clock->usec;
}

char *
catd_test_make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("catd-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

void
catd_test_remove_dir (const char *dir)
{
  if (dir != NULL && g_getenv ("CATD_TEST_KEEP") == NULL)
    remove_tree (dir);
}

static char *
path_under (const char *root_variable,
            const char *first,
            va_list     args)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  const char *root = g_getenv (root_variable);

  if (root == NULL)
    g_error ("%s is not set: run the tests with meson test", root_variable);
  g_ptr_array_add (parts, (gpointer)root);
  for (const char *p = first; p; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer)p);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **)parts->pdata);
}

/* A file of the source tree, relative to its top directory. */
char *
catd_test_data_path (const char *first,
                     ...)
{
  va_list args;
  char *path;

  va_start (args, first);
  path = path_under ("CATD_TOP_SRCDIR", first, args);
  va_end (args);
  return path;
}

/* A file of the build tree (a program), relative to its top directory. */
char *
catd_test_build_path (const char *first,
                      ...)
{
  va_list args;
  char *path;

  va_start (args, first);
  path = path_under ("CATD_TOP_BUILDDIR", first, args);
  va_end (args);
  return path;
}

/* A station on @catalog_file (relative to the source tree) with a fixed
 * clock when @clock is given. */
CatdStation *
catd_test_station_new (const char    *dir,
                       const char    *catalog_file,
                       CatdTestClock *clock)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = catd_test_data_path (catalog_file, NULL);
  g_autoptr(CatdCatalog) catalog = catd_catalog_new_from_file (path, &error);
  CatdStation *station;

  g_assert_no_error (error);
  station = catd_station_create (dir, "CATD-TEST-01", catalog, NULL, &error);
  g_assert_no_error (error);
  if (clock != NULL)
    catd_station_set_clock (station, catd_test_clock_read, clock);
  return station;
}

CatdUser *
catd_test_add_user (CatdStation *station,
                    CatdUser    *coordinator,
                    const char  *login,
                    CatdRole     role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("Usuario %s", login);
  CatdUser *user = catd_station_add_user (station, coordinator, login, name, role,
                                          CATD_TEST_PIN, &error);

  g_assert_no_error (error);
  g_assert_nonnull (user);
  return user;
}

/* A grey page of @width x @height noise drawn from @seed, written as a
 * Deflate TIFF at 200 dpi to @path. Noise does not compress, so the file is
 * about width x height bytes, and every seed gives different bytes (a
 * different content address); the same seed writes the same bytes. A
 * @description (ImageDescription, as a scanner driver writes its own
 * metadata) makes pages of one seed differ too. */
void
catd_test_write_tiff_file (const char *path,
                           guint32     seed,
                           guint       width,
                           guint       height,
                           const char *description)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree guint8 *row = g_malloc (width);
  TIFF *tif = TIFFOpen (path, "w");

  g_assert_nonnull (tif);
  TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField (tif, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
  TIFFSetField (tif, TIFFTAG_XRESOLUTION, 200.0);
  TIFFSetField (tif, TIFFTAG_YRESOLUTION, 200.0);
  TIFFSetField (tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  if (description != NULL)
    TIFFSetField (tif, TIFFTAG_IMAGEDESCRIPTION, description);
  TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, 16);
  for (guint y = 0; y < height; y++)
    {
      for (guint x = 0; x < width; x++)
        row[x] = (guint8)g_rand_int_range (rand, 0, 256);
      g_assert_cmpint (TIFFWriteScanline (tif, row, y, 0), ==, 1);
    }
  TIFFClose (tif);
}

/* A small page for @seed in @dir (64 x 48); returns its path. */
char *
catd_test_write_tiff (const char *dir,
                      guint       seed)
{
  g_autofree char *name = g_strdup_printf ("page-%u.tif", seed);
  char *path = g_build_filename (dir, name, NULL);

  catd_test_write_tiff_file (path, seed, 64, 48, NULL);
  return path;
}

/* Plausible values for every field of the acta, varying with @seed. */
JsonNode *
catd_test_values (CatdStation *station,
                  const char  *clave_acta,
                  guint        seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fields = catd_station_get_acta_fields (station, clave_acta, &error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_assert_no_error (error);
  json_builder_begin_object (builder);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      json_builder_set_member_name (builder, field->code);
      json_builder_add_int_value (builder, (seed * 7 + i * 3) % 23);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* A deep copy: json_node_copy() shares the object of an object node. */
JsonNode *
catd_test_values_copy (JsonNode *values)
{
  g_autofree char *text = json_to_string (values, FALSE);

  return json_from_string (text, NULL);
}

/* Sets @code to @value in @values: a number, "ilegible" or "sin_dato". */
JsonNode *
catd_test_values_set (JsonNode   *values,
                      const char *code,
                      const char *value)
{
  JsonObject *object = json_node_get_object (values);

  if (g_ascii_isdigit (value[0]))
    json_object_set_int_member (object, code, g_ascii_strtoll (value, NULL, 10));
  else
    json_object_set_string_member (object, code, value);
  return values;
}

/* {"CODE": value, ...} from pairs of strings. */
JsonNode *
catd_test_values_only (const char *first_code,
                       ...)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), json_object_new ());
  va_list args;

  va_start (args, first_code);
  for (const char *code = first_code; code; code = va_arg (args, const char *))
    catd_test_values_set (node, code, va_arg (args, const char *));
  va_end (args);
  return node;
}

/* The first catalog acta matching @where_sql (a condition on catalog_acta
 * ca and casilla c), for tests that need "an especial of GUB" and the like. */
char *
catd_test_catalog_acta (CatdStation *station,
                        const char  *where_sql)
{
  g_autofree char *sql = g_strdup_printf ("SELECT ca.clave_acta FROM catalog_acta ca "
                                          "JOIN casilla c ON c.clave = ca.casilla WHERE %s "
                                          "ORDER BY ca.clave_acta LIMIT 1", where_sql);
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  sqlite3_stmt *stmt = NULL;
  char *clave = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    clave = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  g_assert_nonnull (clave);
  return clave;
}

/* The first catalog acta matching @where_sql (on catalog_acta ca and casilla
 * c) that is not registered yet, in key order: deterministic. */
char *
catd_test_unregistered_acta (CatdStation *station,
                             const char  *where_sql)
{
  g_autofree char *sql = g_strdup_printf ("%s AND ca.clave_acta NOT IN (SELECT clave_acta "
                                          "FROM acta)", where_sql);

  return catd_test_catalog_acta (station, sql);
}

/* Registers @clave_acta, which must succeed. */
void
catd_test_register (CatdStation *station,
                    CatdUser    *acopiador,
                    const char  *clave_acta)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = catd_station_register (station, acopiador, clave_acta, NULL,
                                                           &error);

  g_assert_no_error (error);
}

/* Binds a small TIFF of @seed (written in @dir) to @clave_acta as its
 * imported image, which must succeed. */
void
catd_test_import (CatdStation *station,
                  CatdUser    *digitalizador,
                  const char  *clave_acta,
                  const char  *dir,
                  guint        seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tiff = catd_test_write_tiff (dir, seed);

  catd_station_import_image (station, digitalizador, clave_acta, tiff, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* ---- reading the station's database directly ------------------------------ */

static sqlite3_stmt *
query (CatdStation *station,
       const char  *sql,
       const char  *arg)
{
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  if (arg != NULL)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  return stmt;
}

/* The first column of the first row of @sql, with @arg (if any) bound to
 * ?1; 0 when there is no row. */
gint64
catd_test_query_int (CatdStation *station,
                     const char  *sql,
                     const char  *arg)
{
  sqlite3_stmt *stmt = query (station, sql, arg);
  gint64 value = 0;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* Like catd_test_query_int() for text; NULL when there is no row. */
char *
catd_test_query_text (CatdStation *station,
                      const char  *sql,
                      const char  *arg)
{
  sqlite3_stmt *stmt = query (station, sql, arg);
  char *value = NULL;

  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* Writes @contents to @name in @dir, with @mode; returns the path. */
char *
catd_test_write_file (const char *dir,
                      const char *name,
                      const char *contents,
                      int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

/* What the audit row of @clave_acta's image replacement
 * (digitalizacion.replace) says under @member: "replaces", "sha256",
 * "reason". */
char *
catd_test_replace_detail (CatdStation *station,
                          const char  *clave_acta,
                          const char  *member)
{
  g_autofree char *sql = g_strdup_printf ("SELECT json_extract (detail, '$.%s') FROM audit "
                                          "WHERE action = 'digitalizacion.replace' "
                                          "AND clave_acta = ?1", member);

  return catd_test_query_text (station, sql, clave_acta);
}

void
catd_test_exec (CatdStation *station,
                const char  *sql)
{
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Temporary image files (a write in progress, or left by a crash). */
guint
catd_test_count_temp_files (const char *images_dir)
{
  g_autoptr(GDir) dir = g_dir_open (images_dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, ".tmp-"))
      n++;
  return n;
}

/* ---- catdctl as a process ------------------------------------------------ */

void
catd_test_run_clear (CatdTestRun *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

/* Runs the built catdctl on @data_dir as @login (NULL: no acting user, the
 * PIN is CATD_TEST_PIN either way), with @stdin_text (or nothing) on its
 * standard input and the words that follow, NULL-terminated. */
void
catd_test_run_catdctl (CatdTestRun *run,
                       const char  *data_dir,
                       const char  *login,
                       const char  *stdin_text,
                       const char  *first_word,
                       ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
    G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *catdctl = catd_test_build_path ("src", "catdctl", NULL);
  g_auto(GStrv) argv = NULL;
  va_list args;

  g_strv_builder_add_many (builder, catdctl, "--data-dir", data_dir, NULL);
  if (login != NULL)
    g_strv_builder_add_many (builder, "--user", login, NULL);
  g_strv_builder_add (builder, first_word);
  va_start (args, first_word);
  for (const char *w = va_arg (args, const char *); w; w = va_arg (args, const char *))
    g_strv_builder_add (builder, w);
  va_end (args);
  argv = g_strv_builder_end (builder);

  g_subprocess_launcher_setenv (launcher, "CATD_PIN", CATD_TEST_PIN, TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

/* The grey pixels of a binary PGM (P5) page, with its size. */
guint8 *
catd_test_read_pnm (const char *path,
                    guint      *width,
                    guint      *height)
{
  g_autofree char *data = NULL;
  gsize len;
  int consumed = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpint (sscanf (data, "P5\n%u %u\n255\n%n", width, height, &consumed), ==, 2);
  g_assert_cmpuint (len - consumed, ==, (gsize)*width * *height);
  return g_memdup2 (data + consumed, (gsize)*width * *height);
}
