/* catd-test-util.h - shared fixtures for the libcatd tests
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-station.h"

G_BEGIN_DECLS

#define CATD_TEST_PIN "1234"

/* A fixed election-night clock: 2 June 2024, 18:00:00 UTC-6, advancing one
 * second per reading, so that times in golden files never change. */
typedef struct
{
  gint64 usec;
} CatdTestClock;

gint64       catd_test_clock_read    (gpointer       clock);
char        *catd_test_make_dir      (void);
void         catd_test_remove_dir    (const char    *dir);
char        *catd_test_data_path     (const char    *first,
                                      ...) G_GNUC_NULL_TERMINATED;
CatdStation *catd_test_station_new   (const char    *dir,
                                      const char    *catalog_file,
                                      CatdTestClock *clock);
CatdUser    *catd_test_add_user      (CatdStation   *station,
                                      CatdUser      *coordinator,
                                      const char    *login,
                                      CatdRole       role);
char        *catd_test_build_path    (const char    *first,
                                      ...) G_GNUC_NULL_TERMINATED;
void         catd_test_write_tiff_file (const char  *path,
                                        guint32      seed,
                                        guint        width,
                                        guint        height,
                                        const char  *description);
char        *catd_test_write_tiff    (const char    *dir,
                                      guint          seed);
char        *catd_test_write_file    (const char    *dir,
                                      const char    *name,
                                      const char    *contents,
                                      int            mode);
JsonNode    *catd_test_values        (CatdStation   *station,
                                      const char    *clave_acta,
                                      guint          seed);
JsonNode    *catd_test_values_copy   (JsonNode      *values);
JsonNode    *catd_test_values_set    (JsonNode      *values,
                                      const char    *code,
                                      const char    *value);
JsonNode    *catd_test_values_only   (const char    *first_code,
                                      ...) G_GNUC_NULL_TERMINATED;
char        *catd_test_catalog_acta  (CatdStation   *station,
                                      const char    *where_sql);
char        *catd_test_unregistered_acta (CatdStation *station,
                                          const char  *where_sql);
void         catd_test_register      (CatdStation   *station,
                                      CatdUser      *acopiador,
                                      const char    *clave_acta);
void         catd_test_import        (CatdStation   *station,
                                      CatdUser      *digitalizador,
                                      const char    *clave_acta,
                                      const char    *dir,
                                      guint          seed);

gint64       catd_test_query_int     (CatdStation   *station,
                                      const char    *sql,
                                      const char    *arg);
char        *catd_test_query_text    (CatdStation   *station,
                                      const char    *sql,
                                      const char    *arg);
char        *catd_test_replace_detail (CatdStation  *station,
                                       const char   *clave_acta,
                                       const char   *member);
void         catd_test_exec          (CatdStation   *station,
                                      const char    *sql);
guint        catd_test_count_temp_files (const char *images_dir);

guint8      *catd_test_read_pnm      (const char    *path,
                                      guint         *width,
                                      guint         *height);

typedef struct
{
  int   status;   /* exit status, or -1 when killed by a signal */
  char *out;
  char *err;
} CatdTestRun;

void         catd_test_run_clear     (CatdTestRun   *run);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CatdTestRun, catd_test_run_clear)
void         catd_test_run_catdctl   (CatdTestRun   *run,
                                      const char    *data_dir,
                                      const char    *login,
                                      const char    *stdin_text,
                                      const char    *first_word,
                                      ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
