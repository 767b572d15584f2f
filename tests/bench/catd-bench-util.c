/* catd-bench-util.c - what the benchmark programs share
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "catd-bench-util.h"
#include "catd-store.h"

void
catd_bench_die (const char *format,
                ...)
{
  va_list args;

  fprintf (stderr, "%s: ", program_invocation_short_name);
  va_start (args, format);
  vfprintf (stderr, format, args);
  va_end (args);
  fputc ('\n', stderr);
  exit (1);
}

void
catd_bench_die_error (const char   *what,
                      const GError *error)
{
  catd_bench_die ("%s: %s", what, error ? error->message : "unknown error");
}

/* Monotonic, to the nanosecond: commits of a fraction of a millisecond
 * are measured with it. */
double
catd_bench_now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

GArray *
catd_bench_samples_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (double));
}

void
catd_bench_add_sample (GArray *samples,
                       double  value)
{
  g_array_append_val (samples, value);
}

CatdStation *
catd_bench_open_station (const char *dir)
{
  g_autoptr(GError) error = NULL;
  CatdStation *station = catd_station_open (dir, &error);

  if (station == NULL)
    catd_bench_die_error ("opening the station", error);
  return station;
}

CatdUser *
catd_bench_login (CatdStation *station,
                  const char  *login)
{
  g_autoptr(GError) error = NULL;
  CatdUser *user = catd_station_authenticate (station, login, CATD_BENCH_PIN, &error);

  if (user == NULL)
    catd_bench_die_error (login, error);
  return user;
}

/* A query of one text column through the station's own connection, for
 * set-up the API has no call for. */
GPtrArray *
catd_bench_query_strings (CatdStation *station,
                          const char  *sql,
                          const char  *param)
{
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    catd_bench_die ("%s: %s", sql, sqlite3_errmsg (db));
  if (param)
    sqlite3_bind_text (stmt, 1, param, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (result, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  return result;
}
