/* catd-bench.c - the benchmark driver behind build-aux/bench.sh (issues 2 and 3)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One program, several subcommands, each printing "key value" lines that
 * bench.sh collects and turns into its table:
 *
 *   catd-bench users    --dir D
 *   catd-bench latency  --dir D --baseline-db F --label L [--n N] [--seed S] --scratch DIR
 *                       [--sql-profile]
 *   catd-bench populate --dir D [--leave K] [--seed S] [--durable] --scratch DIR
 *   catd-bench pick     --dir D --n N [--seed S]
 *   catd-bench query    --dir D --out DIR [--sql-profile]
 *   catd-bench pages    --dir D --scratch DIR
 *   catd-bench sqlite-once --db F
 *   catd-bench commits  --db F --label L [--n N]
 *   catd-bench register --dir D --n N [--seed S]
 *   catd-bench scan-page --dir D --clave C --out FILE [--color] [--seed S]
 *   catd-bench scan-stages --dir D --scratch DIR --label L --device DEV [--color]
 *                       [--option NAME=VALUE]... [--n N] [--seed S]
 *   catd-bench adf      --dir D --label L --device DEV [--option NAME=VALUE]... [--pages N]
 *   catd-bench run      --key K [--stdout] -- COMMAND ARGS...
 *   catd-bench upload-station --dir D --catalog F --station-id ID --token-file F --n N
 *                       [--skip K] [--image-kib K] [--seed S]
 *   catd-bench set-central --dir D --url URL
 *   catd-bench put      --dir D --kind image|record --label L [--start-at UNIX_MS]
 *   catd-bench capture-sync --dir D --label L [--n N] [--cycles C] [--pace-ms MS]
 *                       [--seed S] -- COMMAND ARGS...
 *
 * Latency is always compared with a baseline measured in the same run on the
 * same disk: a bare SQLite BEGIN IMMEDIATE, INSERT, COMMIT with the station's
 * pragmas (WAL, synchronous=FULL), taken just before each libcatd action so
 * that both see the same disk at the same moment.
 *
 * fsync(), fdatasync() and pwrite64() are interposed here (this executable
 * exports them, so libsqlite3 and the statically linked libcatd both call
 * these) to count the syncs and the bytes SQLite writes for each action.
 * The same hook lets "populate" skip the syncs: that is set-up, not a
 * measurement, and a state-sized station then fills in a couple of minutes
 * instead of waiting for 150,000 fsyncs. Nothing else is changed.
 *
 * --sql-profile prints on stderr where each action's SQL time goes, statement
 * by statement (SQLITE_TRACE_PROFILE), for finding what to fix. */

#define _GNU_SOURCE

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <tiffio.h>
#include <time.h>
#include <unistd.h>

#include "catd-image.h"
#include "catd-page.h"
#include "catd-scan-batch.h"
#include "catd-station.h"
#include "catd-synth.h"
#include "catd-tiff.h"
#include "catd-bench-util.h"
#include "catd-test-util.h"

/* ---- sync accounting ------------------------------------------------------ */

static gint sync_count;
static gboolean sync_skip;
static gint64 sync_us;         /* time spent in the real calls */

typedef int (*SyncFunc) (int fd);

static int
counted_sync (const char *name,
              SyncFunc   *real,
              int         fd)
{
  g_atomic_int_inc (&sync_count);
  if (sync_skip)
    return 0;
  if (*real == NULL)
    *real = (SyncFunc)dlsym (RTLD_NEXT, name);
  if (*real == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  {
    gint64 t0 = g_get_monotonic_time ();
    int rc = (*real) (fd);

    __atomic_add_fetch (&sync_us, g_get_monotonic_time () - t0, __ATOMIC_RELAXED);
    return rc;
  }
}

int
fsync (int fd)
{
  static SyncFunc real;

  return counted_sync ("fsync", &real, fd);
}

int
fdatasync (int fd)
{
  static SyncFunc real;

  return counted_sync ("fdatasync", &real, fd);
}

/* SQLite's busy handler (sqlite3_busy_timeout ()) waits for a lock held by
 * another process in usleep (); nothing else in this program calls it, so
 * counting it shows how long an action waited for the sync client's
 * transactions. */
static gint64 busy_sleep_us;

int
usleep (useconds_t us)
{
  static int (*real) (useconds_t);

  if (real == NULL)
    real = (int (*) (useconds_t))dlsym (RTLD_NEXT, "usleep");
  if (real == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  __atomic_add_fetch (&busy_sleep_us, (gint64)us, __ATOMIC_RELAXED);
  return real (us);
}

/* SQLite writes through pwrite64() (its unix VFS, for the WAL and for
 * checkpoints into the database file); counting the bytes shows how much
 * each action appends to the WAL, which is what its fsync has to flush. */
static gint64 write_bytes;

ssize_t
pwrite64 (int         fd,
          const void *buf,
          size_t      count,
          off64_t     offset)
{
  static ssize_t (*real) (int, const void *, size_t, off64_t);
  ssize_t n;

  if (real == NULL)
    real = (ssize_t (*) (int, const void *, size_t, off64_t))dlsym (RTLD_NEXT, "pwrite64");
  if (real == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  n = real (fd, buf, count, offset);
  if (n > 0)
    write_bytes += n;
  return n;
}

/* ---- SQL profile (--sql-profile) ------------------------------------------------ */

/* Time per statement, from SQLite's own SQLITE_TRACE_PROFILE, to show where
 * an action's time goes. Costs a little per statement, so it is off unless
 * asked for. */

typedef struct
{
  char   *sql;
  guint   count;
  gint64  total_ns;
} SqlCost;

static GHashTable *sql_costs;   /* sql -> SqlCost* */

static void
sql_cost_free (gpointer data)
{
  SqlCost *cost = data;

  g_free (cost->sql);
  g_free (cost);
}

static int
sql_profile_cb (unsigned  type,
                void     *ctx,
                void     *p,
                void     *x)
{
  const char *sql = sqlite3_sql (p);
  SqlCost *cost;

  if (sql == NULL)
    return 0;
  cost = g_hash_table_lookup (sql_costs, sql);
  if (cost == NULL)
    {
      cost = g_new0 (SqlCost, 1);
      cost->sql = g_strdup (sql);
      g_hash_table_insert (sql_costs, cost->sql, cost);
    }
  cost->count++;
  cost->total_ns += *(sqlite3_int64 *)x;
  return 0;
}

static void
sql_profile_start (sqlite3 *db)
{
  if (sql_costs == NULL)
    sql_costs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sql_cost_free);
  g_hash_table_remove_all (sql_costs);
  sqlite3_trace_v2 (db, SQLITE_TRACE_PROFILE, sql_profile_cb, NULL);
}

static int
cmp_cost (gconstpointer a,
          gconstpointer b)
{
  const SqlCost *x = *(SqlCost * const *)a, *y = *(SqlCost * const *)b;

  return x->total_ns < y->total_ns ? 1 : x->total_ns > y->total_ns ? -1 : 0;
}

/* Prints, on stderr, the statements of the last @n_actions actions by total
 * time: calls and microseconds per action. */
static void
sql_profile_report (const char *title,
                    guint       n_actions)
{
  g_autoptr(GPtrArray) costs = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  gint64 total = 0;

  g_hash_table_iter_init (&iter, sql_costs);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (costs, value);

  g_ptr_array_sort (costs, cmp_cost);
  for (guint i = 0; i < costs->len; i++)
    total += ((SqlCost *)costs->pdata[i])->total_ns;
  g_printerr ("\nSQL profile, %s: %.1f us of SQL per action\n", title,
              total / 1000.0 / MAX (n_actions, 1));
  g_printerr ("  %9s %9s  %s\n", "us/action", "calls/act", "statement");
  for (guint i = 0; i < MIN (costs->len, 15); i++)
    {
      SqlCost *cost = costs->pdata[i];
      g_autofree char *flat = g_strndup (cost->sql, 110);

      g_strdelimit (flat, "\n", ' ');
      g_printerr ("  %9.1f %9.1f  %s\n", cost->total_ns / 1000.0 / MAX (n_actions, 1),
                  (double)cost->count / MAX (n_actions, 1), flat);
    }
}

/* ---- small helpers ---------------------------------------------------------- */

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double
percentile (GArray *sorted,
            double  p)
{
  guint rank;

  if (sorted->len == 0)
    return 0;
  rank = (guint)(p / 100.0 * sorted->len + 0.999999);
  rank = CLAMP (rank, 1, sorted->len);
  return g_array_index (sorted, double, rank - 1);
}

/* Prints p50, p99, mean and max of @samples under @key. */
static void
print_stats (const char *key,
             GArray     *samples)
{
  g_autoptr(GArray) sorted = g_array_copy (samples);
  double sum = 0;

  g_array_sort (sorted, cmp_double);
  for (guint i = 0; i < sorted->len; i++)
    sum += g_array_index (sorted, double, i);
  printf ("%s.n %u\n", key, sorted->len);
  printf ("%s.p50 %.4f\n", key, percentile (sorted, 50));
  printf ("%s.p99 %.4f\n", key, percentile (sorted, 99));
  printf ("%s.mean %.4f\n", key, sorted->len ? sum / sorted->len : 0);
  printf ("%s.max %.4f\n", key, sorted->len ? g_array_index (sorted, double, sorted->len - 1) : 0);
}

/* For sync counts: the share of actions that cost more than one sync (in
 * practice, the ones that ran a WAL checkpoint). */
static void
print_over_one (const char *key,
                GArray     *samples)
{
  guint over = 0;

  for (guint i = 0; i < samples->len; i++)
    over += g_array_index (samples, double, i) > 1.0;
  printf ("%s.over1 %.4f\n", key, samples->len ? (double)over / samples->len : 0);
}

/* ---- the bare SQLite baseline -------------------------------------------------- */

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *insert;
  guint64       next;
} Baseline;

static void
baseline_exec (Baseline   *b,
               const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (b->db, sql, NULL, NULL, &message) != SQLITE_OK)
    catd_bench_die ("baseline: %s: %s", sql, message);
}

/* The same pragmas as catd_store_open(); a table with a key, a time and a
 * body the size of an acta row. */
static void
baseline_open (Baseline   *b,
               const char *path)
{
  memset (b, 0, sizeof *b);
  if (sqlite3_open_v2 (path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                       SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK)
    catd_bench_die ("baseline: cannot open %s: %s", path, sqlite3_errmsg (b->db));
  sqlite3_busy_timeout (b->db, 10000);
  baseline_exec (b, "PRAGMA journal_mode = WAL;"
                    "PRAGMA synchronous = FULL;"
                    "PRAGMA foreign_keys = ON;"
                    "PRAGMA cache_size = -16000;"
                    "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, "
                    "clave TEXT NOT NULL UNIQUE, at TEXT NOT NULL, body TEXT NOT NULL) STRICT");
  if (sqlite3_prepare_v3 (b->db, "INSERT INTO t (clave, at, body) VALUES (?, ?, ?)", -1,
                          SQLITE_PREPARE_PERSISTENT, &b->insert, NULL) != SQLITE_OK)
    catd_bench_die ("baseline: %s", sqlite3_errmsg (b->db));
}

static void
baseline_close (Baseline *b)
{
  sqlite3_finalize (b->insert);
  sqlite3_close_v2 (b->db);
}

/* One insert+commit; returns its milliseconds and adds its syncs to @syncs. */
static double
baseline_commit (Baseline *b,
                 GArray   *syncs,
                 GArray   *kib)
{
  static const char body[] =
    "{\"tipo_documento\":\"Acta PREP\",\"station\":\"BENCH-01\",\"state\":\"registered\","
    "\"padding\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\","
    "\"more\":\"0123456789abcdef0123456789abcdef0123456789abcdef\"}";
  g_autofree char *key = g_uuid_string_random ();
  g_autoptr(GDateTime) dt = g_date_time_new_now_utc ();
  g_autofree char *at = g_date_time_format_iso8601 (dt);
  int s0 = g_atomic_int_get (&sync_count);
  gint64 w0 = write_bytes;
  double t0, t1;
  int rc;

  t0 = catd_bench_now_ms ();
  baseline_exec (b, "BEGIN IMMEDIATE");
  sqlite3_bind_text (b->insert, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (b->insert, 2, at, -1, SQLITE_STATIC);
  sqlite3_bind_text (b->insert, 3, body, -1, SQLITE_STATIC);
  rc = sqlite3_step (b->insert);
  sqlite3_reset (b->insert);
  if (rc != SQLITE_DONE)
    catd_bench_die ("baseline insert: %s", sqlite3_errmsg (b->db));
  baseline_exec (b, "COMMIT");
  t1 = catd_bench_now_ms ();
  if (syncs)
    catd_bench_add_sample (syncs, g_atomic_int_get (&sync_count) - s0);
  if (kib)
    catd_bench_add_sample (kib, (write_bytes - w0) / 1024.0);
  b->next++;
  return t1 - t0;
}

/* ---- station helpers ----------------------------------------------------------- */

typedef struct
{
  CatdUser *coord;
  CatdUser *acop;
  CatdUser *digi;
  CatdUser *cap1;
  CatdUser *cap2;
} Users;

static void
users_login (CatdStation *station,
             Users       *users)
{
  users->coord = catd_bench_login (station, "coord");
  users->acop = catd_bench_login (station, "acop");
  users->digi = catd_bench_login (station, "digi");
  users->cap1 = catd_bench_login (station, "cap1");
  users->cap2 = catd_bench_login (station, "cap2");
}

static void
users_clear (Users *users)
{
  g_clear_object (&users->coord);
  g_clear_object (&users->acop);
  g_clear_object (&users->digi);
  g_clear_object (&users->cap1);
  g_clear_object (&users->cap2);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Users, users_clear)

/* Every catalog acta in a fixed pseudo-random order (actas do not reach a
 * CATD in key order), the same for the same seed. */
static GPtrArray *
shuffled_catalog (CatdStation *station,
                  guint        seed)
{
  GPtrArray *all = catd_bench_query_strings (station, "SELECT clave_acta FROM catalog_acta "
                                             "ORDER BY clave_acta", NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);

  for (guint i = all->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      gpointer tmp = all->pdata[i - 1];

      all->pdata[i - 1] = all->pdata[j];
      all->pdata[j] = tmp;
    }
  return all;
}

/* The catalog actas not registered yet, in the shuffled order. */
static GPtrArray *
unregistered (CatdStation *station,
              guint        seed)
{
  g_autoptr(GPtrArray) order = shuffled_catalog (station, seed);
  g_autoptr(GPtrArray) registered = NULL;
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  registered = catd_bench_query_strings (station, "SELECT clave_acta FROM acta", NULL);
  for (guint i = 0; i < registered->len; i++)
    g_hash_table_add (done, registered->pdata[i]);
  for (guint i = 0; i < order->len; i++)
    if (!g_hash_table_contains (done, order->pdata[i]))
      g_ptr_array_add (result, g_strdup (order->pdata[i]));
  return result;
}

/* A small grey page, unique per acta: the key is written into the TIFF's
 * ImageDescription, as a scanner driver writes its own metadata, so that
 * every acta gets its own content address (and its own image upload).
 *
 * Always the same file, rewritten in place: creating and deleting thousands
 * of scratch files makes ext4's inode allocator slow for a while
 * (recently_deleted), which would be charged to the station's own image
 * writes. */
static char *
write_page (const char *dir,
            const char *clave,
            guint       seed)
{
  char *path = g_build_filename (dir, "page.tif", NULL);

  catd_test_write_tiff_file (path, seed, 64, 48, clave);
  return path;
}

/* ---- users ----------------------------------------------------------------- */

/* The bench's users, all with PIN 1234. Also measures what yescrypt costs:
 * hashing a PIN (user add) and verifying one (every catdctl command that
 * acts as a user pays one verification). */
static int
cmd_users (const char *dir)
{
  static const struct { const char *login; CatdRole role; } users[] = {
    { "coord", CATD_ROLE_COORDINADOR },
    { "acop", CATD_ROLE_ACOPIADOR },
    { "digi", CATD_ROLE_DIGITALIZADOR },
    { "cap1", CATD_ROLE_CAPTURISTA },
    { "cap2", CATD_ROLE_CAPTURISTA },
  };
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(CatdUser) coord = NULL;
  g_autoptr(GArray) hash_ms = catd_bench_samples_new ();
  g_autoptr(GArray) verify_ms = catd_bench_samples_new ();

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdUser) user = NULL;
      double t0 = catd_bench_now_ms ();

      user = catd_station_add_user (station, coord, users[i].login, users[i].login,
                                    users[i].role, CATD_BENCH_PIN, &error);
      if (user == NULL)
        catd_bench_die_error ("adding the bench users", error);
      catd_bench_add_sample (hash_ms, catd_bench_now_ms () - t0);
      if (coord == NULL)
        coord = g_object_ref (user);
    }

  for (guint i = 0; i < 10; i++)
    {
      double t0 = catd_bench_now_ms ();
      g_autoptr(CatdUser) user = catd_bench_login (station, "acop");

      catd_bench_add_sample (verify_ms, catd_bench_now_ms () - t0);
    }

  print_stats ("pin.add_user_ms", hash_ms);
  print_stats ("pin.verify_ms", verify_ms);
  return 0;
}

/* ---- latency ----------------------------------------------------------------- */

static void
warm_up (CatdStation *station,
         Users       *users,
         const char  *clave,
         const char  *scratch)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  g_autoptr(CatdCaptureResult) r2 = NULL;
  g_autoptr(JsonNode) values = NULL;
  g_autofree char *page = write_page (scratch, clave, 0);

  if (!(reg = catd_station_register (station, users->acop, clave, NULL, &error)) ||
      !catd_station_import_image (station, users->digi, clave, page, NULL, NULL, &error) ||
      !(values = catd_test_values (station, clave, g_str_hash (clave))) ||
      !(r1 = catd_station_capture (station, users->cap1, clave, values, &error)) ||
      !(r2 = catd_station_capture (station, users->cap2, clave, values, &error)))
    catd_bench_die_error (clave, error);
}

/* Times register, import, pass 1 and pass 2 of @n actas not registered yet
 * (after one more for warm-up), each action preceded by one bare
 * insert+commit into @baseline_db. */
static int
cmd_latency (const char *dir,
             const char *baseline_db,
             const char *label,
             const char *scratch,
             guint       n,
             guint       seed,
             gboolean    profile)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  g_autoptr(GPtrArray) todo = unregistered (station, seed);
  g_autoptr(GPtrArray) claves = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  g_auto(Users) users = { 0 };
  static const char *phases[] = { "register", "import", "pass1", "pass2" };
  GArray *ms[4], *syncs[4], *kib[4], *base_ms[4], *base_syncs[4], *base_kib[4];
  Baseline b;

  if (todo->len < n + 1)
    catd_bench_die ("only %u actas left to register, %u asked (one more for the warm-up)",
                    todo->len, n);
  for (guint i = 1; i <= n; i++)
    g_ptr_array_add (claves, g_strdup (todo->pdata[i]));
  for (guint p = 0; p < 4; p++)
    {
      ms[p] = catd_bench_samples_new ();
      syncs[p] = catd_bench_samples_new ();
      kib[p] = catd_bench_samples_new ();
      base_ms[p] = catd_bench_samples_new ();
      base_syncs[p] = catd_bench_samples_new ();
      base_kib[p] = catd_bench_samples_new ();
    }
  users_login (station, &users);
  baseline_open (&b, baseline_db);

  /* Warm-up outside the samples: one acta through every step and one bare
   * commit, so that statements are prepared and hot pages cached, as in a
   * GUI that has been running for a while. */
  warm_up (station, &users, todo->pdata[0], scratch);
  baseline_commit (&b, NULL, NULL);

  if (g_atomic_int_get (&sync_count) == 0)
    g_printerr ("catd-bench: warning: no fsync/fdatasync seen; sync counts will be 0\n");

  if (profile)
    sql_profile_start (db);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdRegistration) reg = NULL;
      const char *clave = claves->pdata[i];
      gint64 w0;
      int s0;
      double t0;

      catd_bench_add_sample (base_ms[0], baseline_commit (&b, base_syncs[0], base_kib[0]));
      s0 = g_atomic_int_get (&sync_count);
      w0 = write_bytes;
      t0 = catd_bench_now_ms ();
      reg = catd_station_register (station, users.acop, clave, NULL, &error);
      catd_bench_add_sample (ms[0], catd_bench_now_ms () - t0);
      catd_bench_add_sample (syncs[0], g_atomic_int_get (&sync_count) - s0);
      catd_bench_add_sample (kib[0], (write_bytes - w0) / 1024.0);
      if (reg == NULL)
        catd_bench_die_error (clave, error);
    }
  if (profile)
    {
      sql_profile_report ("register", n);
      sql_profile_start (db);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      const char *clave = claves->pdata[i];
      g_autofree char *page = write_page (scratch, clave, i);
      gint64 w0;
      int s0;
      double t0;
      gboolean ok;

      catd_bench_add_sample (base_ms[1], baseline_commit (&b, base_syncs[1], base_kib[1]));
      s0 = g_atomic_int_get (&sync_count);
      w0 = write_bytes;
      t0 = catd_bench_now_ms ();
      ok = catd_station_import_image (station, users.digi, clave, page, NULL, NULL, &error);
      catd_bench_add_sample (ms[1], catd_bench_now_ms () - t0);
      catd_bench_add_sample (syncs[1], g_atomic_int_get (&sync_count) - s0);
      catd_bench_add_sample (kib[1], (write_bytes - w0) / 1024.0);
      if (!ok)
        catd_bench_die_error (clave, error);
      if (profile)
        sqlite3_trace_v2 (db, 0, NULL, NULL);
      g_ptr_array_add (values, catd_test_values (station, clave, g_str_hash (clave)));
      if (profile)
        sqlite3_trace_v2 (db, SQLITE_TRACE_PROFILE, sql_profile_cb, NULL);
    }
  if (profile)
    sql_profile_report ("import-image", n);

  for (guint pass = 0; pass < 2; pass++)
    {
      CatdUser *user = pass == 0 ? users.cap1 : users.cap2;
      CatdCaptureStatus expected = pass == 0 ? CATD_CAPTURE_AWAITING_PASS2 : CATD_CAPTURE_VERIFIED;

      if (profile)
        sql_profile_start (db);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(CatdCaptureResult) result = NULL;
          const char *clave = claves->pdata[i];
          gint64 w0;
          int s0;
          double t0;

          catd_bench_add_sample (base_ms[2 + pass], baseline_commit (&b, base_syncs[2 + pass],
                                                                     base_kib[2 + pass]));
          s0 = g_atomic_int_get (&sync_count);
          w0 = write_bytes;
          t0 = catd_bench_now_ms ();
          result = catd_station_capture (station, user, clave, values->pdata[i], &error);
          catd_bench_add_sample (ms[2 + pass], catd_bench_now_ms () - t0);
          catd_bench_add_sample (syncs[2 + pass], g_atomic_int_get (&sync_count) - s0);
          catd_bench_add_sample (kib[2 + pass], (write_bytes - w0) / 1024.0);
          if (result == NULL)
            catd_bench_die_error (clave, error);
          if (result->status != expected)
            catd_bench_die ("%s: pass %u answered %s", clave, pass + 1,
                            catd_capture_status_to_string (result->status));
        }
      if (profile)
        sql_profile_report (pass == 0 ? "capture pass 1" : "capture pass 2", n);
    }

  for (guint p = 0; p < 4; p++)
    {
      g_autofree char *k_ms = g_strdup_printf ("%s.%s.ms", label, phases[p]);
      g_autofree char *k_sync = g_strdup_printf ("%s.%s.syncs", label, phases[p]);
      g_autofree char *k_bms = g_strdup_printf ("%s.%s.base_ms", label, phases[p]);
      g_autofree char *k_bsync = g_strdup_printf ("%s.%s.base_syncs", label, phases[p]);
      g_autofree char *k_kib = g_strdup_printf ("%s.%s.kib", label, phases[p]);
      g_autofree char *k_bkib = g_strdup_printf ("%s.%s.base_kib", label, phases[p]);

      print_stats (k_ms, ms[p]);
      print_stats (k_sync, syncs[p]);
      print_over_one (k_sync, syncs[p]);
      print_stats (k_bms, base_ms[p]);
      print_stats (k_bsync, base_syncs[p]);
      print_over_one (k_bsync, base_syncs[p]);
      print_stats (k_kib, kib[p]);
      print_stats (k_bkib, base_kib[p]);
      g_array_unref (ms[p]);
      g_array_unref (syncs[p]);
      g_array_unref (base_ms[p]);
      g_array_unref (base_syncs[p]);
      g_array_unref (kib[p]);
      g_array_unref (base_kib[p]);
    }
  baseline_close (&b);
  return 0;
}

/* ---- populate ------------------------------------------------------------------ */

static GPtrArray *
actas_in_state (CatdStation *station,
                const char  *state)
{
  return catd_bench_query_strings (station, "SELECT clave_acta FROM acta WHERE state = ? "
                                   "AND catalog_acta IS NOT NULL ORDER BY id", state);
}

static void
report_phase (const char *name,
              guint       count,
              double      api_ms,
              double      wall_ms,
              int         syncs)
{
  printf ("populate.%s.count %u\n", name, count);
  printf ("populate.%s.api_s %.3f\n", name, api_ms / 1000);
  printf ("populate.%s.wall_s %.3f\n", name, wall_ms / 1000);
  printf ("populate.%s.per_action_ms %.4f\n", name, count ? api_ms / count : 0);
  printf ("populate.%s.syncs %d\n", name, syncs);
  fflush (stdout);
}

/* Brings every catalog acta to verified through the public API (register,
 * import, pass 1, pass 2 with equal values), except the last @leave of the
 * shuffled order that are not registered yet, which stay untouched. */
static int
cmd_populate (const char *dir,
              const char *scratch,
              guint       leave,
              guint       seed,
              gboolean    durable)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(GPtrArray) todo = unregistered (station, seed);
  g_auto(Users) users = { 0 };
  static const char *phases[] = { "register", "import", "pass1", "pass2" };
  double total_start = catd_bench_now_ms ();
  guint total = 0;

  users_login (station, &users);
  sync_skip = !durable;
  printf ("populate.durable %d\n", durable ? 1 : 0);

  for (guint p = 0; p < 4; p++)
    {
      g_autoptr(GPtrArray) claves = NULL;
      double api_ms = 0, wall_start = catd_bench_now_ms ();
      int s0 = g_atomic_int_get (&sync_count);

      if (p == 0)
        {
          claves = g_ptr_array_new_with_free_func (g_free);
          for (guint i = 0; i + leave < todo->len; i++)
            g_ptr_array_add (claves, g_strdup (todo->pdata[i]));
        }
      else
        claves = actas_in_state (station, p == 1 ? "registered" : p == 2 ? "digitized"
                                                                         : "captured_1");

      for (guint i = 0; i < claves->len; i++)
        {
          g_autoptr(GError) error = NULL;
          const char *clave = claves->pdata[i];
          g_autofree char *page = NULL;
          g_autoptr(JsonNode) values = NULL;
          gboolean ok;
          double t0;

          if (p == 1)
            page = write_page (scratch, clave, i);
          else if (p >= 2)
            values = catd_test_values (station, clave, g_str_hash (clave));

          t0 = catd_bench_now_ms ();
          switch (p)
            {
            case 0:
              {
                g_autoptr(CatdRegistration) reg = NULL;

                reg = catd_station_register (station, users.acop, clave, NULL, &error);
                ok = reg != NULL;
              }
              break;
            case 1:
              ok = catd_station_import_image (station, users.digi, clave, page, NULL, NULL, &error);
              break;
            default:
              {
                g_autoptr(CatdCaptureResult) result = NULL;

                result = catd_station_capture (station, p == 2 ? users.cap1 : users.cap2, clave,
                                               values, &error);
                ok = result != NULL;
                if (ok && p == 3 && result->status != CATD_CAPTURE_VERIFIED)
                  catd_bench_die ("%s: pass 2 answered %s", clave,
                                  catd_capture_status_to_string (result->status));
              }
              break;
            }
          api_ms += catd_bench_now_ms () - t0;
          if (!ok)
            catd_bench_die_error (clave, error);
          if ((i + 1) % 5000 == 0)
            g_printerr ("  populate %s: %u/%u\n", phases[p], i + 1, claves->len);
        }
      report_phase (phases[p], claves->len, api_ms, catd_bench_now_ms () - wall_start,
                    g_atomic_int_get (&sync_count) - s0);
      total += claves->len;
    }

  printf ("populate.total.actions %u\n", total);
  printf ("populate.total.wall_s %.3f\n", (catd_bench_now_ms () - total_start) / 1000);
  sync_skip = FALSE;
  return 0;
}

/* ---- pick ------------------------------------------------------------------------ */

static int
cmd_pick (const char *dir,
          guint       n,
          guint       seed)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(GPtrArray) todo = unregistered (station, seed);

  if (todo->len < n)
    catd_bench_die ("only %u actas left to register, %u asked", todo->len, n);
  for (guint i = 0; i < n; i++)
    printf ("%s\n", (char *)todo->pdata[i]);
  return 0;
}

/* ---- query: the coordinador's screen ------------------------------------------------- */

typedef gboolean (*CoordQuery) (CatdStation *station, CatdUser *coord, GError **error);

static gboolean
coord_progress (CatdStation *station, CatdUser *coord, GError **error)
{
  g_autoptr(GPtrArray) result = catd_station_progress (station, error);
  return result != NULL;
}

static gboolean
coord_throughput (CatdStation *station, CatdUser *coord, GError **error)
{
  g_autoptr(CatdThroughput) result = catd_station_throughput (station, 12, error);
  return result != NULL;
}

static gboolean
coord_inconsistencies (CatdStation *station, CatdUser *coord, GError **error)
{
  g_autoptr(GPtrArray) result = catd_station_inconsistencies (station, error);
  return result != NULL;
}

static gboolean
coord_search (CatdStation *station, CatdUser *coord, GError **error)
{
  g_autoptr(GPtrArray) result = catd_station_search_actas (station, "1401", 50, error);
  return result != NULL;
}

static gboolean
coord_history (CatdStation *station, CatdUser *coord, GError **error)
{
  g_autoptr(GPtrArray) keys = catd_bench_query_strings (station, "SELECT clave_acta FROM acta "
                                                        "ORDER BY id LIMIT 1 OFFSET "
                                                        "(SELECT count(*) / 2 FROM acta)", NULL);
  g_autoptr(GPtrArray) result = NULL;

  if (keys->len == 0)
    return TRUE;
  result = catd_station_acta_history (station, coord, keys->pdata[0], error);
  return result != NULL;
}

static gboolean
coord_audit_page (CatdStation *station, CatdUser *coord, GError **error)
{
  CatdAuditQuery query = { .limit = 100 };
  g_autoptr(GPtrArray) result = catd_station_audit_page (station, coord, &query, NULL, error);
  return result != NULL;
}

static gboolean
coord_audit_by_user (CatdStation *station, CatdUser *coord, GError **error)
{
  CatdAuditQuery query = { .login = "coord", .limit = 100 };
  g_autoptr(GPtrArray) result = catd_station_audit_page (station, coord, &query, NULL, error);
  return result != NULL;
}

static gboolean
coord_audit_by_action (CatdStation *station, CatdUser *coord, GError **error)
{
  CatdAuditQuery query = { .action = "digitalizacion.", .limit = 100 };
  g_autoptr(GPtrArray) result = catd_station_audit_page (station, coord, &query, NULL, error);
  return result != NULL;
}

/* Each query of the coordination screen, 20 times: the screen runs the
 * first three every few seconds with the station's lock held. */
static void
measure_coordination (CatdStation *station,
                      CatdUser    *coord,
                      gboolean     profile)
{
  static const struct { const char *name; CoordQuery func; } queries[] = {
    { "progress", coord_progress },
    { "throughput", coord_throughput },
    { "inconsistencies", coord_inconsistencies },
    { "search", coord_search },
    { "history", coord_history },
    { "audit_page", coord_audit_page },
    { "audit_by_user", coord_audit_by_user },
    { "audit_by_action", coord_audit_by_action },
  };

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(GArray) ms = catd_bench_samples_new ();
      g_autofree char *key = g_strconcat ("query.coord.", queries[q].name, "_ms", NULL);

      if (profile)
        sql_profile_start (catd_store_get_db (catd_station_get_store (station)));
      for (guint i = 0; i < 20; i++)
        {
          g_autoptr(GError) error = NULL;
          double t0 = catd_bench_now_ms ();

          if (!queries[q].func (station, coord, &error))
            catd_bench_die_error (queries[q].name, error);
          catd_bench_add_sample (ms, catd_bench_now_ms () - t0);
        }
      print_stats (key, ms);
      if (profile)
        sql_profile_report (queries[q].name, 20);
    }
}

/* ---- query: status and export in-process --------------------------------------------- */

/* The query side without process start-up or PIN verification, to tell
 * apart what catdctl spends around the engine from what the engine spends. */
static int
cmd_query (const char *dir,
           const char *out,
           gboolean    profile)
{
  g_autoptr(GArray) status_ms = catd_bench_samples_new ();
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) coord = NULL;
  g_autoptr(GPtrArray) elections = NULL;
  struct rusage ru;
  double t0;

  t0 = catd_bench_now_ms ();
  station = catd_bench_open_station (dir);
  printf ("query.open_ms %.4f\n", catd_bench_now_ms () - t0);
  coord = catd_bench_login (station, "coord");

  if (profile)
    sql_profile_start (catd_store_get_db (catd_station_get_store (station)));
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      t0 = catd_bench_now_ms ();
      node = catd_station_status (station, &error);
      catd_bench_add_sample (status_ms, catd_bench_now_ms () - t0);
      if (node == NULL)
        catd_bench_die_error ("status", error);
      /* The first call reads its pages from the OS into SQLite's cache, as
       * every catdctl status process does. */
      if (i == 0)
        printf ("query.status_first_ms %.4f\n", catd_bench_now_ms () - t0);
    }
  print_stats ("query.status_ms", status_ms);
  if (profile)
    {
      sql_profile_report ("status", 20);
      sql_profile_start (catd_store_get_db (catd_station_get_store (station)));
    }

  /* The upload client's every step starts by asking for the queue's head;
   * on this station every upload is still queued. */
  {
    g_autoptr(GArray) next_ms = catd_bench_samples_new ();

    for (guint i = 0; i < 20; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(CatdOutboxItem) item = NULL;

        t0 = catd_bench_now_ms ();
        if (!catd_station_outbox_next (station, 0, &item, &error))
          catd_bench_die_error ("the upload queue", error);
        catd_bench_add_sample (next_ms, catd_bench_now_ms () - t0);
      }
    print_stats ("query.outbox_next_ms", next_ms);
    if (profile)
      {
        sql_profile_report ("the upload queue's head", 20);
        sql_profile_start (catd_store_get_db (catd_station_get_store (station)));
      }
  }

  measure_coordination (station, coord, profile);

  g_mkdir_with_parents (out, 0700);
  elections = catd_bench_query_strings (station, "SELECT id FROM election ORDER BY position", NULL);
  for (guint i = 0; i < elections->len; i++)
    {
      const char *election = elections->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *csv = NULL;
      g_autofree char *name = g_strconcat (election, ".csv", NULL);
      g_autofree char *path = g_build_filename (out, name, NULL);
      guint lines = 0;

      t0 = catd_bench_now_ms ();
      csv = catd_station_export_prep_csv (station, coord, election, '|', &error);
      printf ("query.export.%s.ms %.3f\n", election, catd_bench_now_ms () - t0);
      if (csv == NULL)
        catd_bench_die_error ("export", error);
      for (const char *c = csv; *c; c++)
        lines += *c == '\n';
      printf ("query.export.%s.bytes %zu\n", election, strlen (csv));
      printf ("query.export.%s.rows %u\n", election, lines >= 4 ? lines - 4 : 0);
      if (!g_file_set_contents (path, csv, -1, &error))
        catd_bench_die_error (path, error);
    }
  if (profile)
    sql_profile_report ("export (per election)", elections->len);
  getrusage (RUSAGE_SELF, &ru);
  printf ("query.maxrss_kb %ld\n", ru.ru_maxrss);
  return 0;
}

/* ---- process-level measures -------------------------------------------------------- */

/* One bare insert+commit in a fresh process: the baseline of a whole
 * "catdctl register" process. */
/* Issue 3's page checks on synthetic Letter pages at 300 dpi: the time of
 * the blank check, the QR read and the acta lookup, per page. */
static int
cmd_pages (const char *dir,
           const char *scratch)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  CatdStore *store = catd_station_get_store (station);
  sqlite3_stmt *stmt = catd_store_prepare (store, "SELECT clave_acta FROM catalog_acta "
                                           "ORDER BY clave_acta LIMIT 10", NULL);
  g_autoptr(GPtrArray) claves = g_ptr_array_new_with_free_func (g_free);

  while (stmt && sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (claves, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  if (stmt)
    sqlite3_reset (stmt);

  for (guint i = 0; i < claves->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_build_filename (scratch, "page.pnm", NULL);
      g_autofree guint8 *gray = NULL;
      g_autoptr(CatdPageCheck) check = NULL;
      CatdSynthOptions options = { .dpi = 300, .seed = i, .noise = TRUE, .skew_degrees = 1.0 };
      guint width, height;
      gint64 t0;

      t0 = g_get_monotonic_time ();
      if (!catd_synth_render (station, g_ptr_array_index (claves, i), &options, path, NULL,
                              &error))
        catd_bench_die_error ("drawing a page", error);
      g_print ("pages.synth_ms %.3f\n", (g_get_monotonic_time () - t0) / 1000.0);
      gray = catd_test_read_pnm (path, &width, &height);

      t0 = g_get_monotonic_time ();
      check = catd_station_check_page (station, gray, width, height, width, &error);
      if (check == NULL)
        catd_bench_die_error ("checking a page", error);
      g_print ("pages.check_ms %.3f\n", (g_get_monotonic_time () - t0) / 1000.0);
      if (g_strcmp0 (check->clave_acta, g_ptr_array_index (claves, i)) != 0)
        catd_bench_die ("page %s: its QR read back as %s", (char *)g_ptr_array_index (claves, i),
                        check->clave_acta ? check->clave_acta : "nothing");
    }
  return 0;
}

static int
cmd_sqlite_once (const char *db)
{
  Baseline b;

  baseline_open (&b, db);
  baseline_commit (&b, NULL, NULL);
  baseline_close (&b);
  return 0;
}

/* @n bare insert+commits one after another: how many a second this disk
 * takes now, the ceiling of any server that commits once per request. */
static int
cmd_commits (const char *db,
             const char *label,
             guint       n)
{
  g_autoptr(GArray) ms = catd_bench_samples_new ();
  g_autofree char *key = g_strdup_printf ("%s.ms", label);
  double t0;
  Baseline b;

  baseline_open (&b, db);
  baseline_commit (&b, NULL, NULL);
  t0 = catd_bench_now_ms ();
  for (guint i = 0; i < n; i++)
    catd_bench_add_sample (ms, baseline_commit (&b, NULL, NULL));
  printf ("%s.per_s %.3f\n", label, n / ((catd_bench_now_ms () - t0) / 1000));
  print_stats (key, ms);
  baseline_close (&b);
  return 0;
}

/* Runs @argv, its standard output thrown away unless @keep_stdout, and
 * prints its wall time and peak resident memory (getrusage of the child,
 * so no /usr/bin/time is needed). Exits with the child's status. */
static int
cmd_run (const char  *key,
         gboolean     keep_stdout,
         char       **argv)
{
  struct rusage ru;
  int status;
  double t0, t1;
  pid_t pid;

  fflush (stdout);
  t0 = catd_bench_now_ms ();
  pid = fork ();
  if (pid < 0)
    catd_bench_die ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      if (!keep_stdout)
        {
          int fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

          if (fd >= 0)
            dup2 (fd, STDOUT_FILENO);
        }
      execvp (argv[0], argv);
      fprintf (stderr, "catd-bench: cannot run %s: %s\n", argv[0], g_strerror (errno));
      _exit (127);
    }
  if (wait4 (pid, &status, 0, &ru) < 0)
    catd_bench_die ("wait4: %s", g_strerror (errno));
  t1 = catd_bench_now_ms ();

  /* bench.sh reads these from stderr when the command's own stdout is
   * kept, so they go where the caller asked: stdout unless --stdout. */
  {
    FILE *where = keep_stdout ? stderr : stdout;

    fprintf (where, "%s.wall_ms %.3f\n", key, t1 - t0);
    fprintf (where, "%s.maxrss_kb %ld\n", key, ru.ru_maxrss);
    fprintf (where, "%s.user_ms %.3f\n", key,
             ru.ru_utime.tv_sec * 1000.0 + ru.ru_utime.tv_usec / 1000.0);
    fprintf (where, "%s.sys_ms %.3f\n", key,
             ru.ru_stime.tv_sec * 1000.0 + ru.ru_stime.tv_usec / 1000.0);
  }
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

/* ---- scanning (issue 3) ------------------------------------------------------------ */

/* The scanning measures drive the product's own scanner (CatdScanner, SANE
 * in the catd-scand helper, found through CATD_SCAND) and its batches, on a
 * station of their own; bench.sh times whole catdctl processes against the
 * script a user would write, and these say where the time goes.
 *
 * The main thread holds the default main context all along (see
 * hold_main_context ()) and iterates it until each job or batch ends. */

/* CatdScanner's worker and CatdScanBatch's threads post their events with
 * g_main_context_invoke_full () on the default context, which runs the
 * callback in the posting thread itself whenever no thread owns the context
 * at that instant: between two g_main_context_iteration () calls, or while
 * the main thread encodes a page. A "finished" handled there sets its flag
 * without waking the main thread, which may then poll for ever. Owning the
 * context for the whole command (ownership is recursive) makes every event
 * an idle source, dispatched here. */
static void
hold_main_context (void)
{
  if (!g_main_context_acquire (g_main_context_default ()))
    catd_bench_die ("cannot own the default main context");
}

/* Registers @n actas not registered yet (set-up, not a measure) and returns
 * their keys in the order registered. */
static GPtrArray *
register_actas (CatdStation *station,
                CatdUser    *acop,
                guint        n,
                guint        seed)
{
  g_autoptr(GPtrArray) todo = unregistered (station, seed);
  GPtrArray *claves = g_ptr_array_new_with_free_func (g_free);

  if (todo->len < n)
    catd_bench_die ("only %u actas left to register, %u asked", todo->len, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdRegistration) reg = NULL;

      reg = catd_station_register (station, acop, todo->pdata[i], NULL, &error);
      if (reg == NULL)
        catd_bench_die_error (todo->pdata[i], error);
      g_ptr_array_add (claves, g_strdup (todo->pdata[i]));
    }
  return claves;
}

/* Registers @n actas and prints their keys, one a line. */
static int
cmd_register (const char *dir,
              guint       n,
              guint       seed)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(CatdUser) acop = catd_bench_login (station, "acop");
  g_autoptr(GPtrArray) claves = register_actas (station, acop, n, seed);

  for (guint i = 0; i < claves->len; i++)
    printf ("%s\n", (char *)claves->pdata[i]);
  return 0;
}

/* A small xorshift: the colour page's noise, the same for the same seed. */
static guint32
next_random (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

/* Writes the grey page @gray as a PPM that looks like a colour scan of
 * the same sheet: slightly yellow paper, bluish ink, and sensor noise of
 * its own in each channel (a grey page copied into three equal channels
 * would compress far better than any real colour scan). */
static void
write_color_page (const char   *path,
                  const guint8 *gray,
                  guint         width,
                  guint         height,
                  guint32       seed)
{
  gsize n = (gsize)width * height;
  g_autofree guint8 *rgb = g_malloc (3 * n);
  guint32 state = seed * 2654435761u + 1;
  FILE *f;

  for (gsize i = 0; i < n; i++)
    {
      int v = gray[i], ink = 255 - v;
      int c[3] = { v - ink / 10, v * 247 / 255 - ink / 12, v * 230 / 255 + ink / 8 };

      for (guint k = 0; k < 3; k++)
        rgb[3 * i + k] = CLAMP (c[k] + (int)(next_random (&state) % 3) - 1, 0, 255);
    }

  f = fopen (path, "wb");
  if (f == NULL || fprintf (f, "P6\n%u %u\n255\n", width, height) < 0 ||
      fwrite (rgb, 1, 3 * n, f) != 3 * n || fclose (f) != 0)
    catd_bench_die ("cannot write %s: %s", path, g_strerror (errno));
}

/* A synthetic Letter page of @clave at 300 dpi, as the pnm backend serves
 * it: the page catdctl synth draws (noise, 1 degree of skew), grey (PGM)
 * or, with @color, as a colour scan (PPM). */
static int
cmd_scan_page (const char *dir,
               const char *clave,
               const char *out,
               gboolean    color,
               guint       seed)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(GError) error = NULL;
  CatdSynthOptions options = { .dpi = 300, .seed = seed, .noise = TRUE, .skew_degrees = 1.0 };
  g_autofree char *gray_path = color ? g_strconcat (out, ".pgm", NULL) : g_strdup (out);

  if (!catd_synth_render (station, clave, &options, gray_path, NULL, &error))
    catd_bench_die_error ("drawing a page", error);
  if (color)
    {
      guint width, height;
      g_autofree guint8 *gray = catd_test_read_pnm (gray_path, &width, &height);

      write_color_page (out, gray, width, height, seed);
      g_unlink (gray_path);
    }
  return 0;
}

typedef struct
{
  guint          job;
  gboolean       done;
  CatdScanPage  *page;
  double         page_at;
  GError        *error;
} JobWait;

static void
job_page_done_cb (CatdScanner  *scanner,
                  guint         job,
                  CatdScanPage *page,
                  JobWait      *wait)
{
  if (job != wait->job)
    return;
  wait->page_at = catd_bench_now_ms ();
  wait->page = catd_scan_page_ref (page);
}

static void
job_finished_cb (CatdScanner  *scanner,
                 guint         job,
                 const GError *error,
                 JobWait      *wait)
{
  if (job != wait->job)
    return;
  wait->done = TRUE;
  if (error != NULL)
    wait->error = g_error_copy (error);
}

/* One page of a one-page job; @ms is the time from asking to having the
 * page (the device's own time, the helper's, and the page crossing the
 * socket). */
static CatdScanPage *
acquire_one (CatdScanner            *scanner,
             const CatdScanSettings *settings,
             double                 *ms)
{
  JobWait wait = { 0 };
  gulong page_id = g_signal_connect (scanner, "page-done", G_CALLBACK (job_page_done_cb), &wait);
  gulong finished_id = g_signal_connect (scanner, "finished", G_CALLBACK (job_finished_cb),
                                         &wait);
  double t0 = catd_bench_now_ms ();

  wait.job = catd_scanner_start (scanner, settings, FALSE);
  if (wait.job == 0)
    catd_bench_die ("the scanner is busy");
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (scanner, page_id);
  g_signal_handler_disconnect (scanner, finished_id);
  if (wait.error != NULL)
    catd_bench_die_error ("scanning", wait.error);
  if (wait.page == NULL)
    catd_bench_die ("the scanner finished without a page");
  *ms = wait.page_at - t0;
  return wait.page;
}

static CatdScanSettings *
scan_settings (const char     *device,
               CatdScanSource  source,
               gboolean        color,
               GPtrArray      *options)
{
  CatdScanSettings *settings = catd_scan_settings_new ();

  settings->device = g_strdup (device);
  settings->source = source;
  settings->mode = color ? CATD_SCAN_MODE_COLOR : CATD_SCAN_MODE_GRAY;
  settings->dpi = 300;
  settings->page_size = CATD_PAGE_SIZE_LETTER;
  settings->options = g_new0 (char *, options->len + 1);
  for (guint i = 0; i < options->len; i++)
    settings->options[i] = g_strdup (options->pdata[i]);
  return settings;
}

/* What CatdScanBatch stores for @page: the same TIFF parameters. */
static GBytes *
encode_page (CatdScanPage *page,
             const char   *clave)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = g_strdup_printf ("CLAVE_ACTA %s; scanner %s", clave,
                                                  page->device);
  CatdTiffParams params = {
    .width = page->width,
    .height = page->height,
    .channels = page->channels,
    .dpi = page->dpi,
    .compression = CATD_TIFF_DEFLATE,
    .make = page->vendor,
    .model = page->model,
    .description = description,
    .time_usec = page->time_usec,
  };
  GBytes *tiff = catd_tiff_encode (g_bytes_get_data (page->pixels, NULL), page->stride, &params,
                                   &error);

  if (tiff == NULL)
    catd_bench_die_error ("encoding a page", error);
  return tiff;
}

/* Writes @bytes to a new file and fsyncs it: the temporary file of
 * catd_image_store (), without the rest. */
static void
write_synced (const char *path,
              GBytes     *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  int fd;

  g_unlink (path);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    catd_bench_die ("cannot create %s: %s", path, g_strerror (errno));
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n <= 0)
        catd_bench_die ("cannot write %s: %s", path, g_strerror (errno));
      data += n;
      len -= n;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    catd_bench_die ("cannot sync %s: %s", path, g_strerror (errno));
}

/* Where one page's time goes, stage by stage, in-process: the scanner and
 * its helper already running (the first acquisition, which starts them, is
 * reported apart), then what CatdScanBatch does with a page, each part
 * timed alone: the checks, the TIFF encode (its strips on every
 * processor), the hash, the temporary file's write and fsync,
 * catd_image_store_encoded () whole, and catd_station_bind_image () whole
 * (the same store, then the commit). Also, for comparison, libtiff's
 * read-back of the file (catd_image_check_tiff (), which imports pay and
 * scans do not). @n pages, each bound to a fresh acta. */
static int
cmd_scan_stages (const char *dir,
                 const char *scratch,
                 const char *label,
                 const char *device,
                 gboolean    color,
                 GPtrArray  *options,
                 guint       n,
                 guint       seed)
{
  static const char *names[] = {
    "acquire", "gray", "check", "encode", "hash", "write_fsync", "readback", "store", "bind",
  };
  enum { ACQUIRE, GRAY, CHECK, ENCODE, HASH, WRITE, READBACK, STORE, BIND, N_STAGES };
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(CatdUser) acop = catd_bench_login (station, "acop");
  g_autoptr(CatdUser) digi = catd_bench_login (station, "digi");
  g_autoptr(GPtrArray) claves = register_actas (station, acop, n, seed);
  g_autoptr(CatdScanSettings) settings = scan_settings (device, CATD_SCAN_SOURCE_FLATBED, color,
                                                        options);
  g_autoptr(CatdScanner) scanner = catd_scanner_new ();
  g_autofree char *images = g_build_filename (scratch, "stage-images", NULL);
  g_autofree char *temp = g_build_filename (scratch, "stage.tif", NULL);
  GArray *ms[N_STAGES], *kib[N_STAGES];
  double first_ms;

  for (guint s = 0; s < N_STAGES; s++)
    {
      ms[s] = catd_bench_samples_new ();
      kib[s] = catd_bench_samples_new ();
    }

  /* The first job starts the helper, SANE and the device. */
  {
    g_autoptr(CatdScanPage) page = acquire_one (scanner, settings, &first_ms);
  }

  for (guint i = 0; i < n; i++)
    {
      const char *clave = claves->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdScanPage) page = NULL;
      g_autoptr(CatdPageCheck) check = NULL;
      g_autoptr(GBytes) tiff = NULL;
      g_autofree char *sha = NULL;
      g_autofree char *stored_dir = g_strdup_printf ("%s-%u", images, i);
      CatdImageInfo encoded = { { 0 } }, info, read_back;
      CatdBindOptions bind = { .source = "ESCANER", .binding = "hand", .encoded = &encoded };
      const guint8 *gray;
      gsize stride;
      double t0, acquired;

      page = acquire_one (scanner, settings, &acquired);
      catd_bench_add_sample (ms[ACQUIRE], acquired);

      t0 = catd_bench_now_ms ();
      gray = catd_scan_page_get_gray (page, &stride);
      catd_bench_add_sample (ms[GRAY], catd_bench_now_ms () - t0);

      t0 = catd_bench_now_ms ();
      check = catd_station_check_page (station, gray, page->width, page->height, stride, &error);
      catd_bench_add_sample (ms[CHECK], catd_bench_now_ms () - t0);
      if (check == NULL)
        catd_bench_die_error ("checking a page", error);

      t0 = catd_bench_now_ms ();
      tiff = encode_page (page, clave);
      catd_bench_add_sample (ms[ENCODE], catd_bench_now_ms () - t0);
      catd_bench_add_sample (kib[ENCODE], g_bytes_get_size (tiff) / 1024.0);
      encoded.width = page->width;
      encoded.height = page->height;
      encoded.dpi = page->dpi;

      t0 = catd_bench_now_ms ();
      sha = catd_sha256_bytes (tiff);
      catd_bench_add_sample (ms[HASH], catd_bench_now_ms () - t0);

      t0 = catd_bench_now_ms ();
      write_synced (temp, tiff);
      catd_bench_add_sample (ms[WRITE], catd_bench_now_ms () - t0);

      t0 = catd_bench_now_ms ();
      if (!catd_image_check_tiff (temp, &read_back, &error))
        catd_bench_die_error ("reading the page back", error);
      catd_bench_add_sample (ms[READBACK], catd_bench_now_ms () - t0);
      g_unlink (temp);

      t0 = catd_bench_now_ms ();
      if (!catd_image_store_encoded (stored_dir, tiff, &encoded, &info, &error))
        catd_bench_die_error ("storing the page", error);
      catd_bench_add_sample (ms[STORE], catd_bench_now_ms () - t0);

      bind.device = page->device;
      t0 = catd_bench_now_ms ();
      if (!catd_station_bind_image (station, digi, clave, tiff, &bind, &info, &error))
        catd_bench_die_error (clave, error);
      catd_bench_add_sample (ms[BIND], catd_bench_now_ms () - t0);

      if (i == 0)
        printf ("%s.size %ux%ux%u\n", label, page->width, page->height, page->channels);
    }

  printf ("%s.acquire_first_ms %.3f\n", label, first_ms);
  printf ("%s.processors %u\n", label, g_get_num_processors ());
  for (guint s = 0; s < N_STAGES; s++)
    {
      g_autofree char *key = g_strdup_printf ("%s.%s_ms", label, names[s]);
      g_autofree char *key_kib = g_strdup_printf ("%s.%s_kib", label, names[s]);

      if (ms[s]->len > 0)
        print_stats (key, ms[s]);
      if (kib[s]->len > 0)
        print_stats (key_kib, kib[s]);
      g_array_unref (ms[s]);
      g_array_unref (kib[s]);
    }
  return 0;
}

/* A 50-page feeder batch, two ways, job by job in turn so that both see the
 * same disk: through CatdScanBatch, where the next sheet is acquired while
 * the page before is encoded and stored; and strictly one page after
 * another, the same device and pages, each page checked, encoded and bound
 * before the feeder is let go on. The test backend's pages carry no QR
 * label, so every page of a batch stops and is bound by hand, as an
 * operator would; on the sequential side the same check runs first. */

typedef struct
{
  CatdStation  *station;
  CatdUser     *user;
  GPtrArray    *claves;
  guint         next;          /* the next acta to bind a page to */
  guint         target;        /* pages to store, all jobs together */
  guint         stored;
  guint         jobs;          /* feeder jobs run */
  guint         job;
  guint         problem_at;    /* page number of the last problem, within the job */
  gboolean      done;
  GError       *error;
  double        asked_at;
  GArray       *acquire_ms;    /* sequential: from letting the feeder go on to the page */
  GArray       *check_ms;      /* sequential: the page's checks */
  GArray       *store_ms;      /* sequential: encode, store and commit */
} AdfRun;

static void
adf_problem_cb (CatdScanBatch  *batch,
                CatdScanResult *result,
                AdfRun         *run)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (result->number == run->problem_at)
    catd_bench_die ("page %u could not be bound: %s", result->number, result->problem);
  run->problem_at = result->number;
  if (run->next >= run->target)
    ok = catd_scan_batch_decide (batch, CATD_SCAN_DECISION_CANCEL, NULL, &error);
  else
    ok = catd_scan_batch_decide (batch, CATD_SCAN_DECISION_BIND, run->claves->pdata[run->next++],
                                 &error);
  if (!ok)
    catd_bench_die_error ("deciding", error);
}

static void
adf_stored_cb (CatdScanBatch  *batch,
               CatdScanResult *result,
               AdfRun         *run)
{
  run->stored++;
}

static void
adf_finished_cb (CatdScanBatch *batch,
                 const GError  *error,
                 AdfRun        *run)
{
  run->done = TRUE;
  if (error != NULL &&
      !(run->next >= run->target &&
        g_error_matches (error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED)))
    run->error = g_error_copy (error);
}

/* One feeder job through CatdScanBatch; returns its milliseconds. */
static double
adf_overlapped_job (CatdScanner            *scanner,
                    const CatdScanSettings *settings,
                    AdfRun                 *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdScanBatch) batch = NULL;
  CatdScanBatchOptions options = { .compression = CATD_TIFF_DEFLATE };
  double t0;

  batch = catd_scan_batch_new (run->station, run->user, scanner, settings, &options, &error);
  if (batch == NULL)
    catd_bench_die_error ("starting a batch", error);
  g_signal_connect (batch, "page-problem", G_CALLBACK (adf_problem_cb), run);
  g_signal_connect (batch, "page-stored", G_CALLBACK (adf_stored_cb), run);
  g_signal_connect (batch, "finished", G_CALLBACK (adf_finished_cb), run);
  run->done = FALSE;
  run->problem_at = 0;
  run->jobs++;
  t0 = catd_bench_now_ms ();
  if (!catd_scan_batch_start (batch, &error))
    catd_bench_die_error ("starting a batch", error);
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
  if (run->error != NULL)
    catd_bench_die_error ("the batch", run->error);
  return catd_bench_now_ms () - t0;
}

static void
seq_page_done_cb (CatdScanner  *scanner,
                  guint         job,
                  CatdScanPage *page,
                  AdfRun       *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdPageCheck) check = NULL;
  g_autoptr(GBytes) tiff = NULL;
  CatdBindOptions bind = { .source = "ESCANER", .device = page->device, .binding = "hand" };
  const char *clave;
  const guint8 *gray;
  gsize stride;
  double t0 = catd_bench_now_ms ();

  if (job != run->job)
    return;
  catd_bench_add_sample (run->acquire_ms, t0 - run->asked_at);
  if (run->next >= run->target)
    {
      catd_scanner_cancel (scanner, job);
      return;
    }
  clave = run->claves->pdata[run->next++];
  gray = catd_scan_page_get_gray (page, &stride);
  check = catd_station_check_page (run->station, gray, page->width, page->height, stride, &error);
  if (check == NULL)
    catd_bench_die_error ("checking a page", error);
  catd_bench_add_sample (run->check_ms, catd_bench_now_ms () - t0);
  t0 = catd_bench_now_ms ();
  tiff = encode_page (page, clave);
  if (!catd_station_bind_image (run->station, run->user, clave, tiff, &bind, NULL, &error))
    catd_bench_die_error (clave, error);
  run->stored++;
  catd_bench_add_sample (run->store_ms, catd_bench_now_ms () - t0);
  run->asked_at = catd_bench_now_ms ();
  catd_scanner_continue (scanner, job);
}

static void
seq_finished_cb (CatdScanner  *scanner,
                 guint         job,
                 const GError *error,
                 AdfRun       *run)
{
  if (job != run->job)
    return;
  run->done = TRUE;
  if (error != NULL &&
      !(run->next >= run->target &&
        g_error_matches (error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED)))
    run->error = g_error_copy (error);
}

/* One feeder job, each page stored before the next is fed. */
static double
adf_sequential_job (CatdScanner            *scanner,
                    const CatdScanSettings *settings,
                    AdfRun                 *run)
{
  gulong page_id = g_signal_connect (scanner, "page-done", G_CALLBACK (seq_page_done_cb), run);
  gulong finished_id = g_signal_connect (scanner, "finished", G_CALLBACK (seq_finished_cb), run);
  double t0 = catd_bench_now_ms ();

  run->done = FALSE;
  run->jobs++;
  run->asked_at = t0;
  run->job = catd_scanner_start (scanner, settings, TRUE);
  if (run->job == 0)
    catd_bench_die ("the scanner is busy");
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (scanner, page_id);
  g_signal_handler_disconnect (scanner, finished_id);
  if (run->error != NULL)
    catd_bench_die_error ("the sequential job", run->error);
  return catd_bench_now_ms () - t0;
}

static void
await_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

static int
cmd_adf (const char *dir,
         const char *label,
         const char *device,
         GPtrArray  *options,
         guint       pages,
         guint       seed)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(CatdUser) acop = catd_bench_login (station, "acop");
  g_autoptr(CatdUser) digi = catd_bench_login (station, "digi");
  g_autoptr(GPtrArray) claves = register_actas (station, acop, 2 * pages, seed);
  g_autoptr(GPtrArray) claves_a = g_ptr_array_new ();
  g_autoptr(GPtrArray) claves_b = g_ptr_array_new ();
  g_autoptr(CatdScanSettings) adf = scan_settings (device, CATD_SCAN_SOURCE_ADF, FALSE, options);
  g_autoptr(CatdScanner) scanner = catd_scanner_new ();
  g_autoptr(GArray) acquire_ms = catd_bench_samples_new ();
  g_autoptr(GArray) check_ms = catd_bench_samples_new ();
  g_autoptr(GArray) store_ms = catd_bench_samples_new ();
  g_autoptr(GAsyncResult) listed = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GError) error = NULL;
  AdfRun overlapped = { .station = station, .user = digi, .claves = claves_a, .target = pages };
  AdfRun sequential = { .station = station, .user = digi, .claves = claves_b, .target = pages,
                        .acquire_ms = acquire_ms, .check_ms = check_ms, .store_ms = store_ms };
  double overlapped_ms = 0, sequential_ms = 0;

  for (guint i = 0; i < claves->len; i++)
    g_ptr_array_add (i % 2 ? claves_b : claves_a, claves->pdata[i]);

  /* Outside the times: the helper and SANE started, by a listing rather
   * than a page, which would take a sheet from the test backend's feeder
   * (ten a job) and leave every later job one short. */
  catd_scanner_list_devices_async (scanner, NULL, await_result_cb, &listed);
  while (listed == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!(devices = catd_scanner_list_devices_finish (scanner, listed, &error)))
    catd_bench_die_error ("listing the scanners", error);

  while (overlapped.stored < pages || sequential.stored < pages)
    {
      if (overlapped.jobs + sequential.jobs > 4 * pages)
        catd_bench_die ("%u feeder jobs and still not %u pages stored",
                        overlapped.jobs + sequential.jobs, pages);
      if (overlapped.stored < pages)
        overlapped_ms += adf_overlapped_job (scanner, adf, &overlapped);
      if (sequential.stored < pages)
        sequential_ms += adf_sequential_job (scanner, adf, &sequential);
    }

  printf ("%s.pages %u\n", label, pages);
  printf ("%s.overlapped_jobs %u\n", label, overlapped.jobs);
  printf ("%s.sequential_jobs %u\n", label, sequential.jobs);
  printf ("%s.overlapped_s %.3f\n", label, overlapped_ms / 1000);
  printf ("%s.sequential_s %.3f\n", label, sequential_ms / 1000);
  printf ("%s.overlapped_ppm %.3f\n", label, pages / (overlapped_ms / 60000));
  printf ("%s.sequential_ppm %.3f\n", label, pages / (sequential_ms / 60000));
  {
    g_autofree char *k_acquire = g_strdup_printf ("%s.acquire_ms", label);
    g_autofree char *k_check = g_strdup_printf ("%s.check_ms", label);
    g_autofree char *k_store = g_strdup_printf ("%s.store_ms", label);

    print_stats (k_acquire, acquire_ms);
    print_stats (k_check, check_ms);
    print_stats (k_store, store_ms);
  }
  return 0;
}

/* ---- upload (issue 4) ----------------------------------------------------------------- */

/* The upload measures build their stations through the public API, as
 * populate does, with fsyncs skipped (set-up, not a measure): verified
 * actas whose pages are grey noise encoded by the station's own encoder
 * (catd_tiff_encode: Deflate does not shrink noise, so a page of about
 * @image_kib KiB of pixels stays about that size on disk, as a scanned
 * acta is about a megabyte once compressed) and bound as a scan binds
 * them. Each phase runs over every acta before the next (register, bind,
 * pass 1, pass 2), so the outbox holds the images first, then the records,
 * as on a station that captures a batch after scanning it. */

typedef struct
{
  CatdUser *coord;
  CatdUser *cap1;
  CatdUser *cap2;
} UploadUsers;

static void
upload_users_clear (UploadUsers *users)
{
  g_clear_object (&users->coord);
  g_clear_object (&users->cap1);
  g_clear_object (&users->cap2);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (UploadUsers, upload_users_clear)

/* A page of @side x @side grey noise for @clave, encoded as the station
 * encodes a scan; @info gets what the encoder knows. */
static GBytes *
noise_page (const char    *clave,
            guint          side,
            guint32        seed,
            CatdImageInfo *info)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *pixels = g_malloc ((gsize)side * side);
  g_autofree char *description = g_strdup_printf ("CLAVE_ACTA %s; catd-bench noise", clave);
  guint32 state = seed * 2654435761u + 1;
  CatdTiffParams params = {
    .width = side,
    .height = side,
    .channels = 1,
    .dpi = 300,
    .compression = CATD_TIFF_DEFLATE,
    .description = description,
    .time_usec = g_get_real_time (),
  };
  GBytes *tiff;

  for (gsize i = 0; i + 4 <= (gsize)side * side; i += 4)
    {
      guint32 r = next_random (&state);

      memcpy (pixels + i, &r, 4);
    }
  if (!(tiff = catd_tiff_encode (pixels, side, &params, &error)))
    catd_bench_die_error ("encoding a noise page", error);
  memset (info, 0, sizeof *info);
  info->width = side;
  info->height = side;
  info->dpi = 300;
  return tiff;
}

/* Registers, binds a noise page to, and verifies (two equal captures) each
 * of @claves, phase by phase; returns the bytes of the pages bound. What
 * hashing a page costs (GLib's SHA-256, which the sync client and the
 * central site use) is timed on the first few into @sha256_ms. */
static guint64
fill_verified (CatdStation *station,
               UploadUsers *users,
               GPtrArray   *claves,
               guint        side,
               guint32      seed,
               GArray      *sha256_ms)
{
  guint64 image_bytes = 0;

  for (guint i = 0; i < claves->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdRegistration) reg = NULL;

      if (!(reg = catd_station_register (station, users->coord, claves->pdata[i], NULL, &error)))
        catd_bench_die_error (claves->pdata[i], error);
    }
  for (guint i = 0; i < claves->len; i++)
    {
      g_autoptr(GError) error = NULL;
      CatdImageInfo encoded, info;
      g_autoptr(GBytes) tiff = noise_page (claves->pdata[i], side, seed * 100003 + i, &encoded);
      CatdBindOptions options = { .source = "ESCANER", .binding = "hand", .encoded = &encoded };

      if (!catd_station_bind_image (station, users->coord, claves->pdata[i], tiff, &options,
                                    &info, &error))
        catd_bench_die_error (claves->pdata[i], error);
      image_bytes += g_bytes_get_size (tiff);
      if (i < 20)
        {
          double t0 = catd_bench_now_ms ();
          g_autofree char *sha = catd_sha256_bytes (tiff);

          catd_bench_add_sample (sha256_ms, catd_bench_now_ms () - t0);
        }
    }
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < claves->len; i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(CatdCaptureResult) result = NULL;
        g_autoptr(JsonNode) values = catd_test_values (station, claves->pdata[i],
                                                       g_str_hash (claves->pdata[i]));

        result = catd_station_capture (station, pass == 0 ? users->cap1 : users->cap2,
                                       claves->pdata[i], values, &error);
        if (result == NULL)
          catd_bench_die_error (claves->pdata[i], error);
        if (pass == 1 && result->status != CATD_CAPTURE_VERIFIED)
          catd_bench_die ("%s: pass 2 answered %s", (char *)claves->pdata[i],
                          catd_capture_status_to_string (result->status));
      }
  return image_bytes;
}

/* Creates station @station_id in @dir on @catalog_file, its central site
 * to be named later (set-central) and its token in @token_file, with a
 * coordinador and two capturistas (PIN 1234), and fills it with @n verified
 * actas whose pages are about @image_kib KiB: the catalog's actas in the
 * shuffled order of @seed, from the @skip-th on (stations given disjoint
 * slices never send the same acta). */
static int
cmd_upload_station (const char *dir,
                    const char *catalog_file,
                    const char *station_id,
                    const char *token_file,
                    guint       n,
                    guint       skip,
                    guint       image_kib,
                    guint       seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCatalog) catalog = catd_catalog_new_from_file (catalog_file, &error);
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GPtrArray) claves = g_ptr_array_new ();
  g_auto(UploadUsers) users = { 0 };
  /* A placeholder until the central site listens (set-central). */
  CatdCentralConfig central = { "http://127.0.0.1:9/", token_file, NULL };
  guint side = 8;
  g_autoptr(GArray) sha256_ms = catd_bench_samples_new ();
  g_autoptr(GArray) sorted = NULL;
  guint64 image_bytes;
  double t0 = catd_bench_now_ms ();

  if (catalog == NULL)
    catd_bench_die_error (catalog_file, error);
  /* The side, in whole strips of 8 rows, whose square is about @image_kib KiB. */
  while ((gsize)(side + 8) * (side + 8) <= (gsize)image_kib * 1024)
    side += 8;
  sync_skip = TRUE;
  if (!(station = catd_station_create (dir, station_id, catalog, &central, &error)))
    catd_bench_die_error ("creating the station", error);
  if (!(users.coord = catd_station_add_user (station, NULL, "coord", "coord",
                                             CATD_ROLE_COORDINADOR, CATD_BENCH_PIN, &error)) ||
      !(users.cap1 = catd_station_add_user (station, users.coord, "cap1", "cap1",
                                            CATD_ROLE_CAPTURISTA, CATD_BENCH_PIN, &error)) ||
      !(users.cap2 = catd_station_add_user (station, users.coord, "cap2", "cap2",
                                            CATD_ROLE_CAPTURISTA, CATD_BENCH_PIN, &error)))
    catd_bench_die_error ("adding the users", error);
  order = shuffled_catalog (station, seed);
  if (order->len < skip + n)
    catd_bench_die ("the catalog has %u actas; %u from the %u-th asked", order->len, n, skip);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (claves, order->pdata[skip + i]);
  image_bytes = fill_verified (station, &users, claves, side, seed + skip, sha256_ms);
  sync_skip = FALSE;

  sorted = g_array_copy (sha256_ms);
  g_array_sort (sorted, cmp_double);
  printf ("upload.fill.%s.actas %u\n", station_id, n);
  printf ("upload.fill.%s.image_bytes %" G_GUINT64_FORMAT "\n", station_id, image_bytes);
  printf ("upload.fill.%s.sha256_ms %.3f\n", station_id, percentile (sorted, 50));
  printf ("upload.fill.%s.wall_s %.3f\n", station_id, (catd_bench_now_ms () - t0) / 1000);
  return 0;
}

/* Names the central site of the station in @dir (catd-central picks its
 * port when it starts, after the station is built). */
static int
cmd_set_central (const char *dir,
                 const char *url)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(GError) error = NULL;

  if (!catd_store_set_meta (catd_station_get_store (station), "central_url", url, &error))
    catd_bench_die_error ("setting the central site", error);
  return 0;
}

/* ---- put: a light upload client for loading the central site ----------------------------- */

/* What a station's outbox holds, read straight from its database: the
 * request path and body of each upload of @kind ("image" or "record"), in
 * queue order. */
static void
outbox_requests (CatdStation *station,
                 const char  *kind,
                 GPtrArray   *paths,
                 GPtrArray   *bodies)
{
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  const char *images_dir = catd_store_get_images_dir (catd_station_get_store (station));
  gboolean image = g_str_equal (kind, "image");
  sqlite3_stmt *stmt = NULL;
  const char *sql = image ? "SELECT ref, NULL FROM outbox WHERE kind = 'image' ORDER BY id"
                          : "SELECT o.ref, r.body FROM outbox o JOIN record r "
                            "ON r.record_id = o.ref WHERE o.kind = 'record' ORDER BY o.id";

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    catd_bench_die ("%s: %s", sql, sqlite3_errmsg (db));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *ref = (const char *)sqlite3_column_text (stmt, 0);
      g_autoptr(GError) error = NULL;

      g_ptr_array_add (paths, g_strconcat (image ? "/api/v1/images/" : "/api/v1/records/", ref,
                                           NULL));
      if (image)
        {
          g_autofree char *path = catd_image_path (images_dir, ref);
          g_autofree char *data = NULL;
          gsize len;

          if (!g_file_get_contents (path, &data, &len, &error))
            catd_bench_die_error (path, error);
          g_ptr_array_add (bodies, g_bytes_new_take (g_steal_pointer (&data), len));
        }
      else
        {
          const char *body = (const char *)sqlite3_column_text (stmt, 1);

          g_ptr_array_add (bodies, g_bytes_new (body, strlen (body)));
        }
    }
  sqlite3_finalize (stmt);
}

static double
realtime_ms (void)
{
  return g_get_real_time () / 1000.0;
}

/* PUTs every @kind upload of the station in @dir to its central site, one
 * request at a time on one kept-alive connection (a station's own way),
 * bodies read into memory beforehand so that only the requests are timed.
 * Starts at @start_at (unix milliseconds; 0: at once), so that many of
 * these started one after another begin together. Prints each request's
 * latency, and when it started and ended (unix milliseconds, comparable
 * between processes). Exits 1 on any answer but 200 or 201. */
static int
cmd_put (const char *dir,
         const char *kind,
         const char *label,
         double      start_at)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  CatdStore *store = catd_station_get_store (station);
  g_autofree char *base = catd_store_get_meta (store, "central_url");
  g_autofree char *token_file = catd_store_get_meta (store, "token_file");
  g_autofree char *token = NULL;
  g_autofree char *bearer = NULL;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autoptr(GArray) latency = catd_bench_samples_new ();
  g_autoptr(GError) error = NULL;
  const char *content_type = g_str_equal (kind, "image") ? "image/tiff" : "application/json";
  guint64 bytes = 0;
  double start, end;

  if (base == NULL || token_file == NULL)
    catd_bench_die ("%s has no central site", dir);
  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  if (!g_file_get_contents (token_file, &token, NULL, &error))
    catd_bench_die_error (token_file, error);
  bearer = g_strconcat ("Bearer ", g_strstrip (token), NULL);
  outbox_requests (station, kind, paths, bodies);

  /* The connection is opened before the start, as a station that has been
   * uploading all night has it open. */
  {
    g_autofree char *url = g_strconcat (base, "/api/v1/health", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(GBytes) answer = soup_session_send_and_read (session, msg, NULL, &error);

    if (answer == NULL)
      catd_bench_die_error (url, error);
  }
  if (start_at > 0 && realtime_ms () < start_at)
    g_usleep ((gulong)((start_at - realtime_ms ()) * 1000));

  start = realtime_ms ();
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *url = g_strconcat (base, paths->pdata[i], NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("PUT", url);
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
      g_autoptr(GBytes) answer = NULL;
      guint status;
      double t0;

      soup_message_headers_replace (headers, "Authorization", bearer);
      soup_message_headers_replace (headers, "X-Catd-Station", catd_station_get_id (station));
      soup_message_set_request_body_from_bytes (msg, content_type, bodies->pdata[i]);
      t0 = catd_bench_now_ms ();
      answer = soup_session_send_and_read (session, msg, NULL, &error);
      catd_bench_add_sample (latency, catd_bench_now_ms () - t0);
      if (answer == NULL)
        catd_bench_die_error (url, error);
      status = soup_message_get_status (msg);
      if (status != SOUP_STATUS_OK && status != SOUP_STATUS_CREATED)
        catd_bench_die ("PUT %s: HTTP %u: %.*s", (char *)paths->pdata[i], status,
                        (int)g_bytes_get_size (answer),
                        (const char *)g_bytes_get_data (answer, NULL));
      bytes += g_bytes_get_size (bodies->pdata[i]);
    }
  end = realtime_ms ();

  for (guint i = 0; i < latency->len; i++)
    printf ("%s.latency_ms %.3f\n", label, g_array_index (latency, double, i));
  printf ("%s.count %u\n", label, paths->len);
  printf ("%s.bytes %" G_GUINT64_FORMAT "\n", label, bytes);
  printf ("%s.start_ms %.3f\n", label, start);
  printf ("%s.end_ms %.3f\n", label, end);
  return 0;
}

/* ---- capture latency while catdctl sync uploads ----------------------------------------- */

static gint64
outbox_sent (CatdStation *station)
{
  return catd_test_query_int (station, "SELECT count (*) FROM outbox WHERE state = ?", "sent");
}

/* The samples of one side (idle or busy) of capture-sync. */
typedef struct
{
  GArray *ms[2];      /* pass 1, pass 2 */
  GArray *sync_ms;    /* in fsync/fdatasync, per capture (both passes) */
  GArray *sleep_ms;   /* in SQLite's busy handler, per capture */
} CaptureSamples;

static void
capture_samples_init (CaptureSamples *c)
{
  c->ms[0] = catd_bench_samples_new ();
  c->ms[1] = catd_bench_samples_new ();
  c->sync_ms = catd_bench_samples_new ();
  c->sleep_ms = catd_bench_samples_new ();
}

static void
capture_samples_clear (CaptureSamples *c)
{
  g_clear_pointer (&c->ms[0], g_array_unref);
  g_clear_pointer (&c->ms[1], g_array_unref);
  g_clear_pointer (&c->sync_ms, g_array_unref);
  g_clear_pointer (&c->sleep_ms, g_array_unref);
}

static void
capture_samples_print (CaptureSamples *c,
                       const char     *prefix)
{
  g_autofree char *k_sync = g_strdup_printf ("%s.sync_ms", prefix);
  g_autofree char *k_sleep = g_strdup_printf ("%s.sleep_ms", prefix);
  guint slept = 0;

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autofree char *key = g_strdup_printf ("%s.pass%u.ms", prefix, pass + 1);

      print_stats (key, c->ms[pass]);
    }
  for (guint i = 0; i < c->sleep_ms->len; i++)
    slept += g_array_index (c->sleep_ms, double, i) > 0;
  print_stats (k_sync, c->sync_ms);
  print_stats (k_sleep, c->sleep_ms);
  printf ("%s.slept_share %.4f\n", prefix,
          c->sleep_ms->len ? (double)slept / c->sleep_ms->len : 0);
}

/* Captures pass 1 and pass 2 of @clave, each timed into @c, with the time
 * each spent in fsync and in SQLite's busy handler. */
static void
timed_captures (CatdStation    *station,
                UploadUsers    *users,
                const char     *clave,
                CaptureSamples *c)
{
  g_autoptr(JsonNode) values = catd_test_values (station, clave, g_str_hash (clave));

  for (guint pass = 0; pass < 2; pass++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdCaptureResult) result = NULL;
      gint64 sync0 = __atomic_load_n (&sync_us, __ATOMIC_RELAXED);
      gint64 sleep0 = __atomic_load_n (&busy_sleep_us, __ATOMIC_RELAXED);
      double t0 = catd_bench_now_ms ();

      result = catd_station_capture (station, pass == 0 ? users->cap1 : users->cap2, clave,
                                     values, &error);
      catd_bench_add_sample (c->ms[pass], catd_bench_now_ms () - t0);
      catd_bench_add_sample (c->sync_ms,
                             (__atomic_load_n (&sync_us, __ATOMIC_RELAXED) - sync0) / 1000.0);
      catd_bench_add_sample (c->sleep_ms, (__atomic_load_n (&busy_sleep_us, __ATOMIC_RELAXED) -
                                           sleep0) / 1000.0);
      if (result == NULL)
        catd_bench_die_error (clave, error);
    }
}

/* Starts @argv with its standard output thrown away; returns its pid. */
static pid_t
spawn_quiet (char **argv)
{
  pid_t pid;

  fflush (stdout);
  pid = fork ();
  if (pid < 0)
    catd_bench_die ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      int fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);

      if (fd >= 0)
        dup2 (fd, STDOUT_FILENO);
      execvp (argv[0], argv);
      fprintf (stderr, "catd-bench: cannot run %s: %s\n", argv[0], g_strerror (errno));
      _exit (127);
    }
  return pid;
}

/* Capture commit latency on the station in @dir, idle and while @argv (a
 * `catdctl sync` of this same station) uploads, in turns so that both see
 * the disk as it is at the time: @n actas captured idle (pass 1, then pass
 * 2), then the sync started and, from its first acknowledged upload, @n
 * more captured while it runs, then the sync stopped (SIGTERM: it ends
 * between two requests); @cycles times, and a last idle turn. Both sides
 * capture one acta every @pace_ms (0: back to back): a commit after a
 * pause is slower than one right after another whatever else runs, so the
 * two sides must keep the same rhythm. The actas are registered and given
 * a small page first (set-up, fsyncs skipped): their images join the queue
 * behind what is already there. */
static int
cmd_capture_sync (const char  *dir,
                  const char  *label,
                  guint        n,
                  guint        cycles,
                  guint        pace_ms,
                  guint        seed,
                  char       **argv)
{
  g_autoptr(CatdStation) station = catd_bench_open_station (dir);
  g_autoptr(GPtrArray) todo = unregistered (station, seed);
  g_autoptr(GPtrArray) claves = g_ptr_array_new ();
  g_auto(UploadUsers) users = { 0 };
  CaptureSamples idle, busy, warm;
  guint next = 0, needed = n * (2 * cycles + 1) + 1;
  gint64 uploads = 0;
  double window_ms = 0;

  if (todo->len < needed)
    catd_bench_die ("only %u actas left, %u needed", todo->len, needed);
  for (guint i = 0; i < needed; i++)
    g_ptr_array_add (claves, todo->pdata[i]);
  users.coord = catd_bench_login (station, "coord");
  users.cap1 = catd_bench_login (station, "cap1");
  users.cap2 = catd_bench_login (station, "cap2");

  sync_skip = TRUE;
  for (guint i = 0; i < claves->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdRegistration) reg = NULL;
      CatdImageInfo encoded, info;
      g_autoptr(GBytes) tiff = noise_page (claves->pdata[i], 64, seed + i, &encoded);
      CatdBindOptions options = { .source = "ESCANER", .binding = "hand", .encoded = &encoded };

      if (!(reg = catd_station_register (station, users.coord, claves->pdata[i], NULL, &error)) ||
          !catd_station_bind_image (station, users.coord, claves->pdata[i], tiff, &options,
                                    &info, &error))
        catd_bench_die_error (claves->pdata[i], error);
    }
  sync_skip = FALSE;
  /* What the set-up left unwritten goes now, not into the first samples'
   * fsyncs. */
  sync ();

  /* One acta outside the samples: statements prepared, pages cached. */
  capture_samples_init (&idle);
  capture_samples_init (&busy);
  capture_samples_init (&warm);
  timed_captures (station, &users, claves->pdata[next++], &warm);

  for (guint cycle = 0; ; cycle++)
    {
      gint64 sent0;
      double t0;
      int status;
      pid_t pid;

      for (guint i = 0; i < n; i++)
        {
          timed_captures (station, &users, claves->pdata[next++], &idle);
          if (pace_ms > 0)
            g_usleep (pace_ms * 1000);
        }
      if (cycle == cycles)
        break;

      /* Samples count from the first upload acknowledged: the process
       * started, the station open, the queue draining. */
      sent0 = outbox_sent (station);
      pid = spawn_quiet (argv);
      for (t0 = catd_bench_now_ms (); outbox_sent (station) == sent0; g_usleep (1000))
        if (waitpid (pid, &status, WNOHANG) == pid || catd_bench_now_ms () - t0 > 30000)
          catd_bench_die ("the sync ended, or uploaded nothing in 30 s");
      t0 = catd_bench_now_ms ();
      for (guint i = 0; i < n; i++)
        {
          if (waitpid (pid, &status, WNOHANG) == pid)
            catd_bench_die ("the sync ended while the captures went on: its queue was too short");
          timed_captures (station, &users, claves->pdata[next++], &busy);
          if (pace_ms > 0)
            g_usleep (pace_ms * 1000);
        }
      window_ms += catd_bench_now_ms () - t0;
      uploads += outbox_sent (station) - sent0;
      if (waitpid (pid, &status, WNOHANG) == pid)
        catd_bench_die ("the sync ended while the captures went on: its queue was too short");
      kill (pid, SIGTERM);
      if (waitpid (pid, &status, 0) < 0)
        catd_bench_die ("waitpid: %s", g_strerror (errno));
    }

  {
    g_autofree char *k_idle = g_strdup_printf ("%s.idle", label);
    g_autofree char *k_busy = g_strdup_printf ("%s.busy", label);

    capture_samples_print (&idle, k_idle);
    capture_samples_print (&busy, k_busy);
    capture_samples_clear (&idle);
    capture_samples_clear (&busy);
    capture_samples_clear (&warm);
  }
  printf ("%s.busy.window_s %.3f\n", label, window_ms / 1000);
  printf ("%s.busy.uploads %" G_GINT64_FORMAT "\n", label, uploads);
  printf ("%s.cycles %u\n", label, cycles);
  printf ("%s.pace_ms %u\n", label, pace_ms);
  return 0;
}

/* ---- main ------------------------------------------------------------------------------- */

static void
usage (void)
{
  fputs ("usage: catd-bench users --dir D\n"
         "       catd-bench latency --dir D --baseline-db F --label L --scratch DIR [--n N] "
         "[--seed S] [--sql-profile]\n"
         "       catd-bench populate --dir D --scratch DIR [--leave K] [--seed S] [--durable]\n"
         "       catd-bench pick --dir D --n N [--seed S]\n"
         "       catd-bench query --dir D --out DIR [--sql-profile]\n"
         "       catd-bench sqlite-once --db F\n"
         "       catd-bench commits --db F --label L [--n N]\n"
         "       catd-bench register --dir D --n N [--seed S]\n"
         "       catd-bench scan-page --dir D --clave C --out FILE [--color] [--seed S]\n"
         "       catd-bench scan-stages --dir D --scratch DIR --label L --device DEV [--color]\n"
         "                  [--option NAME=VALUE]... [--n N] [--seed S]\n"
         "       catd-bench adf --dir D --label L --device DEV [--option NAME=VALUE]... "
         "[--pages N] [--seed S]\n"
         "       catd-bench run --key K [--stdout] -- COMMAND ARGS...\n"
         "       catd-bench upload-station --dir D --catalog F --station-id ID --token-file F "
         "--n N\n"
         "                  [--skip K] [--image-kib K] [--seed S]\n"
         "       catd-bench set-central --dir D --url URL\n"
         "       catd-bench put --dir D --kind image|record --label L [--start-at UNIX_MS]\n"
         "       catd-bench capture-sync --dir D --label L [--n N] [--cycles C] "
         "[--pace-ms MS]\n"
         "                  [--seed S] -- COMMAND ARGS...\n", stderr);
  exit (2);
}

int
main (int    argc,
      char **argv)
{
  const char *command, *dir = NULL, *baseline_db = NULL, *label = NULL, *scratch = NULL;
  const char *out = NULL, *db = NULL, *key = NULL, *device = NULL, *clave = NULL;
  const char *catalog = NULL, *station_id = NULL, *token_file = NULL, *url = NULL, *kind = NULL;
  g_autoptr(GPtrArray) options = g_ptr_array_new ();
  guint n = 200, seed = 1, leave = 0, pages = 50;
  guint skip = 0, image_kib = 1024, cycles = 5, pace_ms = 25;
  double start_at = 0;
  gboolean durable = FALSE, keep_stdout = FALSE, profile = FALSE, color = FALSE;
  int i;

  if (argc < 2)
    usage ();
  command = argv[1];
  for (i = 2; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *value = i + 1 < argc ? argv[i + 1] : NULL;

      if (g_str_equal (arg, "--"))
        {
          i++;
          break;
        }
      if (g_str_equal (arg, "--durable"))
        {
          durable = TRUE;
          continue;
        }
      if (g_str_equal (arg, "--stdout"))
        {
          keep_stdout = TRUE;
          continue;
        }
      if (g_str_equal (arg, "--sql-profile"))
        {
          profile = TRUE;
          continue;
        }
      if (g_str_equal (arg, "--color"))
        {
          color = TRUE;
          continue;
        }
      if (value == NULL)
        usage ();
      if (g_str_equal (arg, "--dir"))
        dir = value;
      else if (g_str_equal (arg, "--baseline-db"))
        baseline_db = value;
      else if (g_str_equal (arg, "--label"))
        label = value;
      else if (g_str_equal (arg, "--scratch"))
        scratch = value;
      else if (g_str_equal (arg, "--out"))
        out = value;
      else if (g_str_equal (arg, "--db"))
        db = value;
      else if (g_str_equal (arg, "--key"))
        key = value;
      else if (g_str_equal (arg, "--n"))
        n = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--seed"))
        seed = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--leave"))
        leave = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--pages"))
        pages = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--device"))
        device = value;
      else if (g_str_equal (arg, "--clave"))
        clave = value;
      else if (g_str_equal (arg, "--option"))
        g_ptr_array_add (options, (gpointer)value);
      else if (g_str_equal (arg, "--catalog"))
        catalog = value;
      else if (g_str_equal (arg, "--station-id"))
        station_id = value;
      else if (g_str_equal (arg, "--token-file"))
        token_file = value;
      else if (g_str_equal (arg, "--url"))
        url = value;
      else if (g_str_equal (arg, "--kind"))
        kind = value;
      else if (g_str_equal (arg, "--skip"))
        skip = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--image-kib"))
        image_kib = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--cycles"))
        cycles = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--pace-ms"))
        pace_ms = (guint)g_ascii_strtoull (value, NULL, 10);
      else if (g_str_equal (arg, "--start-at"))
        start_at = g_ascii_strtod (value, NULL);
      else
        usage ();
      i++;
    }

  /* Output is read by a script, line by line, possibly after a crash. */
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (g_str_equal (command, "run"))
    {
      if (key == NULL || i >= argc)
        usage ();
      return cmd_run (key, keep_stdout, argv + i);
    }
  if (g_str_equal (command, "sqlite-once") && db)
    return cmd_sqlite_once (db);
  if (g_str_equal (command, "commits") && db && label)
    return cmd_commits (db, label, n);
  if (dir == NULL)
    usage ();
  if (g_str_equal (command, "users"))
    return cmd_users (dir);
  if (g_str_equal (command, "latency") && baseline_db && label && scratch)
    return cmd_latency (dir, baseline_db, label, scratch, n, seed, profile);
  if (g_str_equal (command, "populate") && scratch)
    return cmd_populate (dir, scratch, leave, seed, durable);
  if (g_str_equal (command, "pick"))
    return cmd_pick (dir, n, seed);
  if (g_str_equal (command, "query") && out)
    return cmd_query (dir, out, profile);
  if (g_str_equal (command, "pages") && scratch)
    return cmd_pages (dir, scratch);
  if (g_str_equal (command, "register"))
    return cmd_register (dir, n, seed);
  if (g_str_equal (command, "scan-page") && clave && out)
    return cmd_scan_page (dir, clave, out, color, seed);
  if (g_str_equal (command, "scan-stages") && scratch && label && device)
    {
      hold_main_context ();
      return cmd_scan_stages (dir, scratch, label, device, color, options, n, seed);
    }
  if (g_str_equal (command, "adf") && label && device && pages > 0)
    {
      hold_main_context ();
      return cmd_adf (dir, label, device, options, pages, seed);
    }
  if (g_str_equal (command, "upload-station") && catalog && station_id && token_file)
    return cmd_upload_station (dir, catalog, station_id, token_file, n, skip, image_kib, seed);
  if (g_str_equal (command, "set-central") && url)
    return cmd_set_central (dir, url);
  if (g_str_equal (command, "put") && label && kind &&
      (g_str_equal (kind, "image") || g_str_equal (kind, "record")))
    return cmd_put (dir, kind, label, start_at);
  if (g_str_equal (command, "capture-sync") && label && i < argc)
    return cmd_capture_sync (dir, label, n, cycles, pace_ms, seed, argv + i);
  usage ();
}
