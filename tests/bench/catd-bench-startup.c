/* catd-bench-startup.c - how long catd-station takes to show its first frame and the login screen
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Usage: catd-bench-startup [--runs N] [--warmup N] [--station PROGRAM] [--data-dir DIR]
 *                           [--demo] [--target-ms MS] [--verbose]
 *
 * Starts catd-station N times (after N warm-up runs that are not counted:
 * the first start after a build also fills the page cache and fontconfig's
 * caches) with CATD_STATION_TRACE_STARTUP set, which makes it print
 * `catd-station-trace: MARKER MICROSECONDS` on standard output (see
 * catd_application_trace ()), the time being the monotonic clock every
 * process shares. From the moment just before the process is spawned, it
 * measures:
 *   - first-frame: the main window's frame clock's first after-paint;
 *   - login-mapped: the login screen mapped (its widgets exist and are shown);
 *   - login-frame: the first frame painted after that, the login screen on
 *     the screen.
 * The station is a fresh one in a scratch directory (the demo catalog and
 * one coordinador), unless --data-dir names one; --demo measures `--demo`
 * instead (each run in a new folder of the scratch directory), where the
 * first frame shows "Opening the station…" while the demo election is
 * prepared. Settings go to a memory backend: nothing of the user's changes.
 *
 * Prints one table (milliseconds: median, min, max) and PASS or FAIL of each
 * median against the target (default 1000 ms: issue 5's "start-up to first
 * frame < 1 s"). Exits 0 when every median meets it, 1 when one does not, 2
 * when the bench itself failed. Needs a display: run it under
 * `xvfb-run -a` (tests/gui/run-gui.sh gives it a session bus as well). */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>

#include "catd-catalog.h"
#include "catd-errors.h"
#include "catd-station.h"

#define TRACE_PREFIX "catd-station-trace: "
#define RUN_TIMEOUT_S 30

static const char *const markers[] = { "first-frame", "login-mapped", "login-frame" };
#define N_MARKERS G_N_ELEMENTS (markers)

typedef struct
{
  GMainLoop        *loop;
  GDataInputStream *out;
  gint64            start_us;
  gint64            at_us[N_MARKERS];   /* 0 until seen */
  gboolean          timed_out;
  gboolean          ended;
  gboolean          verbose;
} Run;

static gboolean
run_complete (Run *run)
{
  for (guint i = 0; i < N_MARKERS; i++)
    if (run->at_us[i] == 0)
      return FALSE;
  return TRUE;
}

static void read_next_line (Run *run);

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object),
                                                                    result, NULL, &error);

  if (line == NULL)
    {
      /* End of output: the program ended (or crashed) before every marker. */
      run->ended = TRUE;
      g_main_loop_quit (run->loop);
      return;
    }
  if (run->verbose)
    g_printerr ("  %s\n", line);
  if (g_str_has_prefix (line, TRACE_PREFIX))
    {
      g_auto(GStrv) words = g_strsplit (line + strlen (TRACE_PREFIX), " ", 2);

      for (guint i = 0; i < N_MARKERS && words[0] && words[1]; i++)
        if (g_str_equal (words[0], markers[i]) && run->at_us[i] == 0)
          run->at_us[i] = g_ascii_strtoll (words[1], NULL, 10);
    }
  if (run_complete (run))
    g_main_loop_quit (run->loop);
  else
    read_next_line (run);
}

static void
read_next_line (Run *run)
{
  g_data_input_stream_read_line_async (run->out, G_PRIORITY_DEFAULT, NULL, line_read_cb, run);
}

static gboolean
timeout_cb (gpointer data)
{
  Run *run = data;

  run->timed_out = TRUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

/* One start of @argv; fills @ms[marker] with the milliseconds from the
 * spawn. */
static gboolean
run_once (const char *const *argv,
          gboolean            verbose,
          double             *ms,
          GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Run run = { 0 };
  guint timeout_id;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        (verbose ? 0 : G_SUBPROCESS_FLAGS_STDERR_SILENCE));
  g_subprocess_launcher_setenv (launcher, "CATD_STATION_TRACE_STARTUP", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);

  run.loop = loop;
  run.verbose = verbose;
  run.start_us = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (process == NULL)
    return FALSE;
  run.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  read_next_line (&run);
  timeout_id = g_timeout_add_seconds (RUN_TIMEOUT_S, timeout_cb, &run);
  g_main_loop_run (loop);
  if (!run.timed_out)
    g_source_remove (timeout_id);

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  /* The pending read ends on the closed pipe; let it. */
  while (!run.ended && !run.timed_out && g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&run.out);

  if (!run_complete (&run))
    {
      GString *missing = g_string_new (NULL);

      for (guint i = 0; i < N_MARKERS; i++)
        if (run.at_us[i] == 0)
          g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", markers[i]);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "%s never reported %s (%s); run with --verbose to see its output",
                   argv[0], missing->str,
                   run.timed_out ? "gave up after " G_STRINGIFY (RUN_TIMEOUT_S) " s"
                                 : "it ended first");
      g_string_free (missing, TRUE);
      return FALSE;
    }
  for (guint i = 0; i < N_MARKERS; i++)
    ms[i] = (run.at_us[i] - run.start_us) / 1000.0;
  return TRUE;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;

  return (x > y) - (x < y);
}

/* A fresh station in @dir with the demo election and one coordinador. */
static gboolean
make_station (const char  *dir,
              GError     **error)
{
  g_autofree char *catalog_path = g_build_filename (CATD_SOURCE_DIR, "data", "demo",
                                                    "catalog.json", NULL);
  g_autoptr(CatdCatalog) catalog = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) coord = NULL;

  return (catalog = catd_catalog_new_from_file (catalog_path, error)) != NULL &&
         (station = catd_station_create (dir, "CATD-BENCH-01", catalog, NULL, error)) != NULL &&
         (coord = catd_station_add_user (station, NULL, "coordinadora", "Coordinadora",
                                         CATD_ROLE_COORDINADOR, "2024", error)) != NULL;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_rmdir (path);
}

static void
free_samples (GArray **samples)
{
  for (guint m = 0; m < N_MARKERS; m++)
    g_clear_pointer (&samples[m], g_array_unref);
}

int
main (int   argc,
      char *argv[])
{
  int runs = 10;
  int warmup = 1;
  double target_ms = 1000;
  gboolean demo = FALSE;
  gboolean verbose = FALSE;
  g_autofree char *program = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *scratch = NULL;
  g_autofree char *station_dir = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GArray *samples[N_MARKERS] = { NULL };
  const GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Measured starts (default 10)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Starts before, not measured (default 1)", "N" },
    { "station", 0, 0, G_OPTION_ARG_FILENAME, &program, "The catd-station program", "PROGRAM" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "An existing station (default: a fresh one)", "DIR" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, "Start the demo (--demo) instead", NULL },
    { "target-ms", 0, 0, G_OPTION_ARG_DOUBLE, &target_ms, "Target of each median (1000)", "MS" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Show the program's output", NULL },
    { NULL }
  };
  gboolean pass = TRUE;
  int status = 2;

  context = g_option_context_new ("- time catd-station's start to its first frame and login");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || runs < 1 || warmup < 0)
    {
      g_printerr ("catd-bench-startup: %s\n", error ? error->message : "--runs must be 1 or more");
      return 2;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("catd-bench-startup: no display; run it under xvfb-run -a\n");
      return 2;
    }
  if (program == NULL)
    program = g_strdup (g_getenv ("CATD_STATION") ? g_getenv ("CATD_STATION")
                                                  : CATD_STATION_PROGRAM);
  if (!(scratch = g_dir_make_tmp ("catd-bench-startup-XXXXXX", &error)))
    {
      g_printerr ("catd-bench-startup: %s\n", error->message);
      return 2;
    }
  if (!demo && data_dir == NULL)
    {
      station_dir = g_build_filename (scratch, "station", NULL);
      if (!make_station (station_dir, &error))
        {
          g_printerr ("catd-bench-startup: cannot make a station: %s\n", error->message);
          goto out;
        }
    }

  for (guint m = 0; m < N_MARKERS; m++)
    samples[m] = g_array_new (FALSE, FALSE, sizeof (double));
  for (int i = 0; i < warmup + runs; i++)
    {
      g_autofree char *demo_dir = g_strdup_printf ("%s/demo-%d", scratch, i);
      const char *child_argv[] = {
        program,
        "--data-dir", demo ? demo_dir : data_dir ? data_dir : station_dir,
        demo ? "--demo" : NULL,
        NULL
      };
      double ms[N_MARKERS];

      if (!run_once (child_argv, verbose, ms, &error))
        {
          g_printerr ("catd-bench-startup: %s\n", error->message);
          goto out;
        }
      if (i < warmup)
        continue;
      for (guint m = 0; m < N_MARKERS; m++)
        g_array_append_val (samples[m], ms[m]);
    }

  g_print ("catd-station start-up, %d runs after %d warm-up%s (%s), milliseconds from spawn\n",
           runs, warmup, warmup == 1 ? "" : "s",
           demo ? "--demo" : data_dir ? data_dir : "a station with one user");
  g_print ("%-34s %8s %8s %8s %8s  %s\n", "measure", "median", "min", "max", "target", "result");
  for (guint m = 0; m < N_MARKERS; m++)
    {
      static const char *const names[] = {
        "start to first frame", "start to login screen mapped", "start to login screen painted",
      };
      guint n = samples[m]->len;
      double *v, median;
      gboolean ok;

      g_array_sort (samples[m], compare_doubles);
      v = (double *)samples[m]->data;
      median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      ok = median < target_ms;
      pass = pass && ok;
      g_print ("%-34s %8.1f %8.1f %8.1f %8.0f  %s\n", names[m], median, v[0], v[n - 1],
               target_ms, ok ? "PASS" : "FAIL");
    }
  status = pass ? 0 : 1;

out:
  free_samples (samples);
  remove_tree (scratch);
  return status;
}
