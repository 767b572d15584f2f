/* catd-bench-util.h - what the benchmark programs share
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-station.h"

G_BEGIN_DECLS

/* Every user the benchmarks make has this PIN. */
#define CATD_BENCH_PIN "1234"

/* A benchmark that cannot go on says why, after the program's name, and
 * exits with 1: bench.sh stops there and names the step that failed. */
G_NORETURN void catd_bench_die         (const char   *format,
                                        ...) G_GNUC_PRINTF (1, 2);
G_NORETURN void catd_bench_die_error   (const char   *what,
                                        const GError *error);

double          catd_bench_now_ms      (void);

/* Samples: a GArray of double. */
GArray         *catd_bench_samples_new (void);
void            catd_bench_add_sample  (GArray       *samples,
                                        double        value);

CatdStation    *catd_bench_open_station (const char  *dir);
CatdUser       *catd_bench_login        (CatdStation *station,
                                         const char  *login);
GPtrArray      *catd_bench_query_strings (CatdStation *station,
                                          const char  *sql,
                                          const char  *param);

G_END_DECLS
