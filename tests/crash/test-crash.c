/* test-crash.c - kill a working station with SIGKILL, again and again
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "crash-common.h"

/* DESIGN §6: an action is reported done only after its COMMIT returned, and
 * a COMMIT that returned survives the process dying. crash-worker (see its
 * header) runs a whole CATD's workload and reports each action after it
 * returned; this test kills it with SIGKILL at a random moment, more than
 * fifty times, and after each kill opens the station and holds it to:
 *
 *  - every action reported is there, with exactly the state reported, except
 *    at most one acta that is one step further (the action in flight when
 *    the kill came: committed, but killed before it could say so);
 *  - every reported image is the acta's image and hashes right;
 *  - every final acta has exactly one record revision per final change
 *    (two for an acta fuera de catálogo digitized after registration), each
 *    queued once, its image queued with it; nothing else is queued;
 *  - catd_station_check() passes: integrity, foreign keys, no half-captured
 *    acta, every final acta recorded and queued;
 *  - catd_station_audit_verify() passes;
 *  - opening removed every temporary image file the kill left, and said so;
 *    an image no row names (killed between the rename and the COMMIT) can
 *    only belong to an acta still waiting for its image.
 *
 * The seed is printed; CATD_CRASH_SEED=N repeats the workload and the kill
 * schedule (the moment a kill lands still depends on the machine).
 * CATD_CRASH_KILLS=N changes the number of kills (default 60). */

#define DEFAULT_KILLS 60
#define MIN_DELAY_MS  20
#define MAX_DELAY_MS  300

typedef struct
{
  CatdActaState  state;
  char          *sha256;
} Expected;

static void
expected_free (gpointer data)
{
  Expected *e = data;

  g_free (e->sha256);
  g_free (e);
}

typedef struct
{
  char       *base;
  char       *data_dir;
  char       *images_dir;
  char       *scratch;
  char       *worker;
  guint32     seed;
  GRand      *rand;
  GHashTable *expected;        /* clave -> Expected */
  gboolean    ready_seen;
  guint       runs_before_ready;
  guint       kills_from_spawn;
  guint       actions;
  guint       temp_files_removed;
  guint       orphans_seen;
  guint       ahead_seen;
  gint64      usec_startup;    /* spawn to "ready" */
  gint64      usec_working;    /* "ready" (or spawn) to the kill */
  gint64      usec_verifying;
} Crash;

static gboolean
is_successor (CatdActaState from,
              CatdActaState to)
{
  switch ((int)from)
    {
    case 0:
      return to == CATD_ACTA_REGISTERED || to == CATD_ACTA_SIN_ACTA ||
             to == CATD_ACTA_FUERA_DE_CATALOGO;
    case CATD_ACTA_REGISTERED:
      return to == CATD_ACTA_DIGITIZED;
    case CATD_ACTA_DIGITIZED:
      return to == CATD_ACTA_CAPTURED_1;
    case CATD_ACTA_CAPTURED_1:
      return to == CATD_ACTA_VERIFIED || to == CATD_ACTA_REKEY;
    case CATD_ACTA_REKEY:
      return to == CATD_ACTA_VERIFIED || to == CATD_ACTA_ARBITRATION;
    case CATD_ACTA_ARBITRATION:
      return to == CATD_ACTA_VERIFIED || to == CATD_ACTA_COORDINATOR;
    case CATD_ACTA_COORDINATOR:
      return to == CATD_ACTA_VERIFIED;
    default:
      return FALSE;
    }
}

/* Whether an acta known as @e (NULL: not registered) can be @state, with or
 * without an image, after one action. An acta fuera de catálogo stays in its
 * state and gains an image. */
static gboolean
advances (const Expected *e,
          CatdActaState   state,
          gboolean        has_image)
{
  if (e == NULL)
    return is_successor (0, state) && !has_image;
  if (e->state == CATD_ACTA_FUERA_DE_CATALOGO)
    return state == CATD_ACTA_FUERA_DE_CATALOGO && e->sha256 == NULL && has_image;
  return is_successor (e->state, state) && (has_image || state == CATD_ACTA_SIN_ACTA ||
                                            state == CATD_ACTA_REGISTERED);
}

/* How many record revisions an acta has queued in this workload. */
static gint64
expected_revisions (CatdActaState state,
                    gboolean      has_image)
{
  switch ((int)state)
    {
    case CATD_ACTA_VERIFIED:
    case CATD_ACTA_SIN_ACTA:
      return 1;
    case CATD_ACTA_FUERA_DE_CATALOGO:
      return has_image ? 2 : 1;
    default:
      return 0;
    }
}

static const char *
state_name (CatdActaState state)
{
  return state == 0 ? "(not registered)" : catd_acta_state_to_string (state);
}

/* Applies one line of the worker's output to what the station must hold. */
static void
apply_line (Crash      *c,
            guint       run,
            const char *line)
{
  g_auto(GStrv) words = g_strsplit (line, " ", -1);
  guint n = g_strv_length (words);
  CatdActaState state;
  Expected *e;

  if (n >= 1 && (g_str_equal (words[0], "created") || g_str_equal (words[0], "user")))
    return;
  if (n == 2 && g_str_equal (words[0], "ready"))
    {
      c->ready_seen = TRUE;
      return;
    }
  if (n < 3 || !catd_acta_state_from_string (words[2], &state))
    g_error ("run %u: the worker wrote a line this test does not understand: '%s'", run, line);

  e = g_hash_table_lookup (c->expected, words[1]);
  if (!advances (e, state, g_str_equal (words[0], "digitized") || (e && e->sha256)))
    g_error ("run %u: '%s' does not follow from acta %s being %s", run, line, words[1],
             state_name (e ? e->state : 0));
  if (e == NULL)
    {
      e = g_new0 (Expected, 1);
      g_hash_table_insert (c->expected, g_strdup (words[1]), e);
    }
  e->state = state;
  if (g_str_equal (words[0], "digitized"))
    {
      g_assert_cmpuint (n, ==, 4);
      g_free (e->sha256);
      e->sha256 = g_strdup (words[3]);
    }
  c->actions++;
}

/* Whether @buf holds a whole "ready N" line. */
static gboolean
has_ready_line (GString *buf)
{
  for (const char *p = buf->str; (p = strstr (p, "ready ")) != NULL; p++)
    if ((p == buf->str || p[-1] == '\n') && strchr (p, '\n') != NULL)
      return TRUE;
  return FALSE;
}

/* Reads what the worker writes until it says "ready" (TRUE) or its output
 * ends (FALSE: it died on its own). */
static gboolean
read_until_ready (GInputStream *out,
                  GString      *buf)
{
  char chunk[4096];

  while (!has_ready_line (buf))
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (out, chunk, sizeof chunk, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        return FALSE;
      g_string_append_len (buf, chunk, n);
    }
  return TRUE;
}

static void
read_to_end (GInputStream *out,
             GString      *buf)
{
  char chunk[4096];
  gssize n;

  do
    {
      g_autoptr(GError) error = NULL;

      n = g_input_stream_read (out, chunk, sizeof chunk, NULL, &error);
      g_assert_no_error (error);
      if (n > 0)
        g_string_append_len (buf, chunk, n);
    }
  while (n > 0);
}

/* Opens the station after a kill and holds it to everything reported. */
static void
verify_after_kill (Crash *c,
                   guint  run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint temp_before = catd_test_count_temp_files (c->images_dir);
  guint ahead = 0, orphans = 0, waiting_for_image = 0;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  gint64 n_audit = 0;

  station = catd_station_open (c->data_dir, &error);
  if (station == NULL && !c->ready_seen &&
      g_error_matches (error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED))
    {
      /* Killed before the station was created: nothing was reported. */
      g_assert_cmpuint (g_hash_table_size (c->expected), ==, 0);
      return;
    }
  g_assert_no_error (error);

  /* The kill may leave one temporary image file; opening removes it. */
  g_assert_cmpuint (temp_before, <=, 1);
  g_assert_cmpuint (catd_station_get_removed_temp_files (station), ==, temp_before);
  g_assert_cmpuint (catd_test_count_temp_files (c->images_dir), ==, 0);
  c->temp_files_removed += temp_before;

  if (!catd_station_check (station, &warnings, &error))
    g_error ("run %u: the station fails its check after a kill: %s", run, error->message);
  if (!catd_station_audit_verify (station, &n_audit, &error))
    g_error ("run %u: the audit log fails after a kill: %s", run, error->message);

  db = catd_store_get_db (catd_station_get_store (station));
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT a.clave_acta, a.state, a.image_sha256, a.revision, "
                                       "(SELECT count(*) FROM record r WHERE r.acta = a.id), "
                                       "(SELECT count(*) FROM record r JOIN outbox o "
                                       " ON o.kind = 'record' AND o.ref = r.record_id "
                                       " WHERE r.acta = a.id), "
                                       "(SELECT count(*) FROM outbox o WHERE o.kind = 'image' "
                                       " AND o.ref = a.image_sha256) "
                                       "FROM acta a", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *clave = (const char *)sqlite3_column_text (stmt, 0);
      const char *sha = (const char *)sqlite3_column_text (stmt, 2);
      Expected *e = g_hash_table_lookup (c->expected, clave);
      gint64 revisions;
      CatdActaState state;

      g_assert_true (catd_acta_state_from_string ((const char *)sqlite3_column_text (stmt, 1),
                                                  &state));
      if (state == CATD_ACTA_REGISTERED ||
          (state == CATD_ACTA_FUERA_DE_CATALOGO && sha == NULL))
        waiting_for_image++;

      /* The transactional outbox: one record per final change, each queued
       * once, the image queued with the first record that names it. */
      revisions = expected_revisions (state, sha != NULL);
      if (sqlite3_column_int64 (stmt, 3) != revisions ||
          sqlite3_column_int64 (stmt, 4) != revisions ||
          sqlite3_column_int64 (stmt, 5) != revisions ||
          sqlite3_column_int64 (stmt, 6) != (revisions > 0 && sha != NULL ? 1 : 0))
        g_error ("run %u: acta %s (%s%s) has revision %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                 " records, %" G_GINT64_FORMAT " queued, its image queued %" G_GINT64_FORMAT
                 " times; expected %" G_GINT64_FORMAT " revisions", run, clave,
                 state_name (state), sha ? ", with image" : "",
                 (gint64)sqlite3_column_int64 (stmt, 3), (gint64)sqlite3_column_int64 (stmt, 4),
                 (gint64)sqlite3_column_int64 (stmt, 5), (gint64)sqlite3_column_int64 (stmt, 6),
                 revisions);

      if (e == NULL || e->state != state || (e->sha256 == NULL && sha != NULL))
        {
          /* Only the action in flight may have committed unreported. */
          if (!advances (e, state, sha != NULL))
            g_error ("run %u: acta %s is %s%s, but the worker reported it %s%s", run, clave,
                     state_name (state), sha ? " with an image" : "",
                     state_name (e ? e->state : 0), e && e->sha256 ? " with an image" : "");
          ahead++;
          if (e == NULL)
            {
              e = g_new0 (Expected, 1);
              g_hash_table_insert (c->expected, g_strdup (clave), e);
            }
          e->state = state;
          if (sha != NULL && e->sha256 == NULL)
            e->sha256 = g_strdup (sha);
        }
      if (e->sha256 != NULL && g_strcmp0 (sha, e->sha256) != 0)
        g_error ("run %u: acta %s was digitized with image %s but now names %s", run, clave,
                 e->sha256, sha ? sha : "no image");
      g_hash_table_add (seen, g_strdup (clave));
    }
  sqlite3_finalize (stmt);

  if (ahead > 1)
    g_error ("run %u: %u actas moved further than the worker reported: only the one action "
             "in flight when it was killed may have", run, ahead);
  c->ahead_seen += ahead;

  g_hash_table_iter_init (&iter, c->expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      g_error ("run %u: acta %s was reported %s and is gone", run, (char *)key,
               state_name (((Expected *)value)->state));

  for (guint i = 0; i < warnings->len; i++)
    {
      const char *w = g_ptr_array_index (warnings, i);

      if (g_str_has_prefix (w, "image ") && strstr (w, "no acta names it"))
        orphans++;
      else if (!g_str_has_prefix (w, "removed "))
        g_error ("run %u: unexpected warning from the check: %s", run, w);
    }
  /* An image stored but not committed belongs to an acta still waiting for
   * it; the next import of that acta writes the same bytes and adopts it. */
  g_assert_cmpuint (orphans, <=, waiting_for_image);
  c->orphans_seen += orphans;
}

static void
run_once (Crash *c,
          guint  run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GString) buf = g_string_new (NULL);
  g_autofree char *seed_str = g_strdup_printf ("%u", c->seed);
  g_autofree char *run_str = g_strdup_printf ("%u", run);
  g_auto(GStrv) lines = NULL;
  GInputStream *out;
  gboolean from_spawn;
  guint delay_ms = g_rand_int_range (c->rand, MIN_DELAY_MS, MAX_DELAY_MS + 1);
  gint64 start, spawned, killed;

  /* Logging six users in costs some 200 ms of yescrypt, so
   * the delay normally counts from "ready" and the kill lands in the
   * workload. Until the station and its users exist, and one run in eight
   * after that, it counts from the start, so that creating the station,
   * adding users and opening are killed too. After four runs that never got
   * ready, wait for ready so that the test always moves on. */
  from_spawn = (!c->ready_seen && c->runs_before_ready < 4) ||
               (c->ready_seen && g_rand_int_range (c->rand, 0, 8) == 0);

  spawned = start = g_get_monotonic_time ();
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, c->worker, "workload",
                           c->data_dir, c->scratch, seed_str, run_str, NULL);
  g_assert_no_error (error);
  out = g_subprocess_get_stdout_pipe (proc);

  if (!from_spawn)
    {
      if (!read_until_ready (out, buf))
        {
          g_subprocess_wait (proc, NULL, NULL);
          g_error ("run %u: the worker ended before it was ready (%s %d); its stderr is above",
                   run, g_subprocess_get_if_signaled (proc) ? "signal" : "exit status",
                   g_subprocess_get_if_signaled (proc) ? g_subprocess_get_term_sig (proc)
                                                       : g_subprocess_get_exit_status (proc));
        }
      start = g_get_monotonic_time ();
      c->usec_startup += start - spawned;
    }
  else
    c->kills_from_spawn++;

  g_usleep (MAX (0, start + delay_ms * 1000 - g_get_monotonic_time ()));
  g_subprocess_send_signal (proc, SIGKILL);
  killed = g_get_monotonic_time ();
  c->usec_working += killed - start;
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_signaled (proc) || g_subprocess_get_term_sig (proc) != SIGKILL)
    g_error ("run %u: the worker ended on its own (exit status %d) before it was killed; its "
             "stderr is above", run, g_subprocess_get_exit_status (proc));

  read_to_end (out, buf);
  /* Each line went out in one write of less than PIPE_BUF: whole or not at all. */
  g_assert_true (buf->len == 0 || buf->str[buf->len - 1] == '\n');

  if (!c->ready_seen)
    c->runs_before_ready++;
  lines = g_strsplit (buf->str, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    apply_line (c, run, lines[i]);

  verify_after_kill (c, run);
  c->usec_verifying += g_get_monotonic_time () - killed;
}

static void
run_catdctl (const char *data_dir,
             const char *first_word,
             ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *catdctl = catd_test_build_path ("src", "catdctl", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) argv = NULL;
  va_list args;

  g_strv_builder_add_many (builder, catdctl, "--data-dir", data_dir, first_word, NULL);
  va_start (args, first_word);
  for (const char *w = va_arg (args, const char *); w; w = va_arg (args, const char *))
    g_strv_builder_add (builder, w);
  va_end (args);
  argv = g_strv_builder_end (builder);

  proc = g_subprocess_newv ((const char *const *)argv,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("catdctl %s: exit %d: %s%s", first_word, g_subprocess_get_exit_status (proc),
                  out, err);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
}

static void
test_sigkill_workload (void)
{
  Crash c = { 0 };
  const char *seed_env = g_getenv ("CATD_CRASH_SEED");
  const char *kills_env = g_getenv ("CATD_CRASH_KILLS");
  guint n_kills = kills_env ? (guint)g_ascii_strtoull (kills_env, NULL, 10) : DEFAULT_KILLS;
  guint counts[CATD_ACTA_STATE_LAST + 1] = { 0 };
  GHashTableIter iter;
  gpointer value;

  c.seed = seed_env ? (guint32)g_ascii_strtoull (seed_env, NULL, 10) : g_test_rand_int ();
  c.rand = g_rand_new_with_seed (c.seed);
  c.base = catd_test_make_dir ();
  c.data_dir = g_build_filename (c.base, "data", NULL);
  c.images_dir = g_build_filename (c.data_dir, "images", NULL);
  c.scratch = g_build_filename (c.base, "scratch", NULL);
  c.worker = catd_test_build_path ("tests", "crash", "crash-worker", NULL);
  c.expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, expected_free);
  g_assert_cmpint (g_mkdir (c.scratch, 0700), ==, 0);
  g_assert_true (g_file_test (c.worker, G_FILE_TEST_IS_EXECUTABLE));

  g_test_message ("seed %u (CATD_CRASH_SEED=%u repeats it), %u kills, data in %s", c.seed,
                  c.seed, n_kills, c.data_dir);

  for (guint run = 0; run < n_kills; run++)
    run_once (&c, run);

  g_assert_true (c.ready_seen);

  g_hash_table_iter_init (&iter, c.expected);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    counts[((Expected *)value)->state]++;
  g_test_message ("%u kills (%u counted from the start, %u before the station was ready): "
                  "%u actions reported, %u committed but unreported, %u temporary image "
                  "files removed, %u uncommitted images seen",
                  n_kills, c.kills_from_spawn, c.runs_before_ready, c.actions, c.ahead_seen,
                  c.temp_files_removed, c.orphans_seen);
  g_test_message ("actas: %u registered, %u digitized, %u captured_1, %u rekey, %u arbitration, "
                  "%u coordinator, %u verified, %u sin_acta, %u fuera de catalogo",
                  counts[CATD_ACTA_REGISTERED], counts[CATD_ACTA_DIGITIZED],
                  counts[CATD_ACTA_CAPTURED_1], counts[CATD_ACTA_REKEY],
                  counts[CATD_ACTA_ARBITRATION], counts[CATD_ACTA_COORDINATOR],
                  counts[CATD_ACTA_VERIFIED], counts[CATD_ACTA_SIN_ACTA],
                  counts[CATD_ACTA_FUERA_DE_CATALOGO]);

  g_test_message ("time: %.1f s starting up to ready, %.1f s working, %.1f s checking",
                  c.usec_startup / 1e6, c.usec_working / 1e6, c.usec_verifying / 1e6);

  /* The kills must have interrupted real work, not an idle process. */
  g_assert_cmpuint (c.actions, >=, n_kills);
  g_assert_cmpuint (counts[CATD_ACTA_VERIFIED], >, 0);

  /* What an operator would run after the power came back. */
  run_catdctl (c.data_dir, "check", NULL);
  run_catdctl (c.data_dir, "audit", "verify", NULL);

  catd_test_remove_dir (c.base);
  g_hash_table_unref (c.expected);
  g_rand_free (c.rand);
  g_free (c.worker);
  g_free (c.scratch);
  g_free (c.images_dir);
  g_free (c.data_dir);
  g_free (c.base);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crash/sigkill-workload", test_sigkill_workload);

  return g_test_run ();
}
