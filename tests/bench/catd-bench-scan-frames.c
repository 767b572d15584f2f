/* catd-bench-scan-frames.c - main-loop stalls of the Digitalización screen while a feeder batch scans
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Issue 5 asks that the station's main loop never stall while an ADF batch
 * scans: the longest gap between two frames, measured with the frame
 * clock, should stay under 50 ms. This program shows the real screen
 * (CatdScanPage in a 1280 x 800 window) on a fresh station, keeps the
 * frame clock ticking, and records the time of every "after-paint" while
 * a feeder batch of N pages goes through (scanned, checked, encoded,
 * stored, each shown in the preview). It prints "key value" lines, as
 * catd-bench does:
 *
 *   scan_frames.<label>.pages             pages stored (checked in the database)
 *   scan_frames.<label>.seconds           from Scan to the batch's end
 *   scan_frames.<label>.frames            frames painted meanwhile
 *   scan_frames.<label>.max_gap_ms        the longest gap between two frames
 *   scan_frames.<label>.max_gap_main_cpu_ms  the main thread's CPU time within it: near
 *                                         the gap, the main thread was busy; far below,
 *                                         it waited for the processors (or the X server)
 *   scan_frames.<label>.max_frame_main_cpu_ms  the most CPU time the main thread spent
 *                                         between two frames: its own work, whatever the
 *                                         load of the machine
 *   scan_frames.<label>.p99_gap_ms        the 99th percentile gap
 *   scan_frames.<label>.gaps_over_50ms    how many gaps exceeded 50 ms
 *   scan_frames.<label>.idle_max_gap_ms   the longest gap in 2 s before, idle
 *
 * Backends (--backend):
 *   sane   SANE's test backend through catd-scand, "Grid" pages in its
 *          document feeder (10 sheets); they carry no QR label, so each
 *          stops the batch and is bound by hand through the screen's
 *          decision panel, as an operator does (at once).
 *   fake   the test suite's stand-in scanner fed with N synthetic actas,
 *          each labelled: identified by QR, no pause; --step-ms is the
 *          time of each twentieth of a page (default 50: a page a second).
 *
 * Run it under a display, e.g. from the build directory:
 *
 *   ../tests/gui/run-gui.sh tests/bench/catd-bench-scan-frames [--backend fake] [--pages 10]
 *
 * It sets SANE_CONFIG_DIR (tests/sane), CATD_SCAND, GSETTINGS_SCHEMA_DIR
 * and a memory settings backend itself when they are not set. */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>

/* The engine's headers first: see src/gui/catd-scan-engine.h. */
#include "catd-scan-engine.h"
#include "catd-fake-scanner.h"
#include "catd-gui-test-util.h"

#include "catd-application.h"
#include "catd-bench-util.h"
#include "catd-scan-page.h"
#include "catd-synth.h"
#include "catd-test-util.h"

typedef struct
{
  CatdStation   *station;
  CatdSession   *session;
  GtkWidget     *window;
  GtkWidget     *page;
  GPtrArray     *claves;        /* registered actas, in order */
  guint          next;          /* the next acta to bind by hand */
  guint          bound_at;      /* the page the last hand binding answered */
  GArray        *frames;        /* gint64 after-paint times, µs */
  GArray        *cpu;           /* gint64 main-thread CPU time at each, µs */
  gboolean       recording;
} Bench;

/* Wakes the main loop up now and then, so that a wait can time out. */
static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
spin_until (gboolean (*cond) (Bench *),
            Bench     *bench,
            guint      seconds,
            const char *what)
{
  gint64 until = g_get_monotonic_time () + (gint64)seconds * G_USEC_PER_SEC;
  guint wake = g_timeout_add_seconds (1, wake_cb, NULL);

  while (!cond (bench))
    {
      if (g_get_monotonic_time () > until)
        catd_bench_die ("%s did not happen within %u s", what, seconds);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
spin_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();
  struct timespec ts;
  gint64 cpu;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  cpu = ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
  if (bench->recording)
    {
      g_array_append_val (bench->frames, now);
      g_array_append_val (bench->cpu, cpu);
    }
}

static GtkWidget *
button (Bench      *bench,
        const char *msgid)
{
  GString *text = g_string_new (_(msgid));
  GtkWidget *label;

  g_string_replace (text, "_", "", 0);
  label = catd_gui_test_find_label (bench->page, text->str);
  g_string_free (text, TRUE);
  return label ? gtk_widget_get_ancestor (label, GTK_TYPE_BUTTON) : NULL;
}

/* Each tick: keep the frame clock running and, like an operator, answer a
 * page that stopped the batch by typing the next acta's key. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  Bench *bench = data;
  GtkWidget *bind = button (bench, "_Bind to This Acta");
  GtkWidget *entry;

  if (bind != NULL && gtk_widget_is_sensitive (bind) && bench->next < bench->claves->len)
    {
      entry = catd_gui_test_find (bench->page, GTK_TYPE_ENTRY, 2);
      gtk_editable_set_text (GTK_EDITABLE (entry), g_ptr_array_index (bench->claves,
                                                                      bench->next++));
      g_signal_emit_by_name (bind, "clicked");
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
is_listed (Bench *bench)
{
  GtkDropDown *dropdown = GTK_DROP_DOWN (catd_gui_test_find (bench->page, GTK_TYPE_DROP_DOWN, 0));
  GListModel *model = gtk_drop_down_get_model (dropdown);

  return model != NULL && g_list_model_get_n_items (model) > 0;
}

static gboolean
is_idle (Bench *bench)
{
  return !catd_scan_page_get_busy (CATD_SCAN_PAGE (bench->page));
}

static gboolean
is_mapped (Bench *bench)
{
  return gtk_widget_get_mapped (bench->page);
}

static void
select_device (Bench      *bench,
               const char *name)
{
  GtkDropDown *dropdown = GTK_DROP_DOWN (catd_gui_test_find (bench->page, GTK_TYPE_DROP_DOWN, 0));
  GListModel *model = gtk_drop_down_get_model (dropdown);
  g_autofree char *suffix = g_strdup_printf ("(%s)", name);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_has_suffix (gtk_string_object_get_string (item), suffix))
        {
          gtk_drop_down_set_selected (dropdown, i);
          return;
        }
    }
  catd_bench_die ("scanner %s is not listed", name);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  guint  frames;
  double max_ms;
  double max_cpu_ms;    /* the main thread's CPU time within the longest gap */
  double most_cpu_ms;   /* the most CPU time the main thread spent between two frames */
  double p99_ms;
  guint  over_50;
} Gaps;

static Gaps
gaps_of (GArray *frames,
         GArray *cpu)
{
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  Gaps result = { frames->len, 0, 0, 0, 0, 0 };
  gint64 longest = -1;

  for (guint i = 1; i < frames->len; i++)
    {
      gint64 gap = g_array_index (frames, gint64, i) - g_array_index (frames, gint64, i - 1);

      g_array_append_val (gaps, gap);
      result.most_cpu_ms = MAX (result.most_cpu_ms,
                                (g_array_index (cpu, gint64, i) -
                                 g_array_index (cpu, gint64, i - 1)) / 1000.0);
      if (gap > 50000)
        result.over_50++;
      if (gap > longest)
        {
          longest = gap;
          result.max_cpu_ms = (g_array_index (cpu, gint64, i) -
                               g_array_index (cpu, gint64, i - 1)) / 1000.0;
        }
    }
  if (gaps->len == 0)
    return result;
  g_array_sort (gaps, compare_gint64);
  result.max_ms = g_array_index (gaps, gint64, gaps->len - 1) / 1000.0;
  result.p99_ms = g_array_index (gaps, gint64, (gaps->len - 1) * 99 / 100) / 1000.0;
  return result;
}

/* Run from the build tree, the programs and the schema are beside it. */
static void
set_environment (const char *argv0)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bench_dir = g_path_get_dirname (self ? self : argv0);
  g_autofree char *build = g_build_filename (bench_dir, "..", "..", NULL);
  g_autofree char *scand = g_build_filename (build, "src", "catd-scand", NULL);
  g_autofree char *schemas = g_build_filename (build, "data", NULL);
  g_autofree char *sane = g_build_filename (CATD_SOURCE_DIR, "tests", "sane", NULL);

  g_setenv ("SANE_CONFIG_DIR", sane, FALSE);
  g_setenv ("CATD_SCAND", scand, FALSE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_setenv ("CATD_TOP_SRCDIR", CATD_SOURCE_DIR, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *backend = g_strdup ("sane");
  g_autofree char *label = NULL;
  int pages = 10, step_ms = 50;
  GOptionEntry entries[] = {
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "sane or fake", "NAME" },
    { "pages", 0, 0, G_OPTION_ARG_INT, &pages, "pages in the batch (fake backend)", "N" },
    { "step-ms", 0, 0, G_OPTION_ARG_INT, &step_ms, "a twentieth of a page (fake)", "MS" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, "the label of the printed keys", "L" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- frame gaps while a feeder batch scans");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(CatdUser) coord = NULL, aco = NULL, dig = NULL;
  g_autoptr(CatdFakeScanner) fake = NULL;
  g_autoptr(CatdScanner) scanner = NULL;
  g_autofree char *dir = NULL;
  CatdTestClock clock;
  Bench bench = { 0 };
  Gaps idle, busy;
  gint64 t0, t1;
  guint tick;
  gint64 stored;
  gboolean sane;

  set_environment (argv[0]);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    catd_bench_die ("%s", error->message);
  sane = g_str_equal (backend, "sane");
  if (!sane && !g_str_equal (backend, "fake"))
    catd_bench_die ("--backend must be sane or fake");
  if (sane)
    pages = 10;     /* the test backend's feeder holds ten sheets */
  if (pages < 1 || pages > 200)
    catd_bench_die ("--pages must be between 1 and 200");
  if (label == NULL)
    label = g_strdup (backend);

  setlocale (LC_ALL, "");
  gtk_init ();

  dir = catd_test_make_dir ();
  bench.station = catd_test_station_new (dir, "data/demo/catalog.json", &clock);
  coord = catd_test_add_user (bench.station, NULL, "coord", CATD_ROLE_COORDINADOR);
  aco = catd_test_add_user (bench.station, coord, "aco", CATD_ROLE_ACOPIADOR);
  dig = catd_test_add_user (bench.station, coord, "dig", CATD_ROLE_DIGITALIZADOR);
  bench.claves = g_ptr_array_new_with_free_func (g_free);
  bench.frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  bench.cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (int i = 0; i < pages; i++)
    {
      g_autofree char *where = g_strdup_printf ("ca.clave_acta = (SELECT clave_acta FROM "
                                                "catalog_acta ORDER BY clave_acta LIMIT 1 "
                                                "OFFSET %d)", i);
      char *clave = catd_test_catalog_acta (bench.station, where);
      g_autoptr(CatdRegistration) reg = catd_station_register (bench.station, aco, clave, NULL,
                                                               &error);

      if (reg == NULL)
        catd_bench_die ("registering %s: %s", clave, error->message);
      g_ptr_array_add (bench.claves, clave);
    }

  if (!sane)
    {
      fake = catd_fake_scanner_new ();
      catd_fake_scanner_add_device (fake, "fake:usb:001", "Fakon", "FS-1");
      catd_fake_scanner_set_step_time (fake, (gulong)step_ms * 1000);
      for (int i = 0; i < pages; i++)
        {
          g_autofree char *name = g_strdup_printf ("page-%d.pnm", i);
          g_autofree char *path = g_build_filename (dir, name, NULL);
          CatdSynthOptions options = { .dpi = 200, .seed = i + 1, .noise = TRUE,
                                       .skew_degrees = 0.6, .format = CATD_SYNTH_PNM };

          if (!catd_synth_render (bench.station, g_ptr_array_index (bench.claves, i), &options,
                                  path, NULL, &error) ||
              !catd_fake_scanner_feed_pnm (fake, path, &error))
            catd_bench_die ("drawing page %d: %s", i, error->message);
        }
      scanner = catd_scanner_new_for_backend (catd_fake_scanner_create_backend (fake));
    }

  settings = g_settings_new (CATD_APPLICATION_ID);
  g_settings_set_enum (settings, "scan-source", CATD_SCAN_SOURCE_ADF);
  g_settings_set_uint (settings, "scan-resolution", 200);
  bench.session = catd_session_new (bench.station, settings, FALSE);
  catd_session_set_user (bench.session, dig);
  bench.page = g_object_new (CATD_TYPE_SCAN_PAGE, "session", bench.session, NULL);
  if (scanner != NULL)
    catd_scan_page_set_scanner (CATD_SCAN_PAGE (bench.page), scanner);
  if (sane)
    {
      const char *options[] = { "test-picture=Grid", NULL };

      catd_scan_page_set_backend_options (CATD_SCAN_PAGE (bench.page), options);
    }
  bench.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (bench.window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (bench.window), bench.page);
  gtk_window_present (GTK_WINDOW (bench.window));
  spin_until (is_mapped, &bench, 10, "showing the window");
  spin_until (is_listed, &bench, 60, "finding the scanners");
  select_device (&bench, sane ? "test:0" : "fake:usb:001");

  g_signal_connect (gtk_widget_get_frame_clock (bench.window), "after-paint",
                    G_CALLBACK (after_paint_cb), &bench);
  tick = gtk_widget_add_tick_callback (bench.window, tick_cb, &bench, NULL);

  /* The baseline: the same screen, idle. */
  spin_for (500);
  bench.recording = TRUE;
  spin_for (2000);
  bench.recording = FALSE;
  idle = gaps_of (bench.frames, bench.cpu);
  g_array_set_size (bench.frames, 0);
  g_array_set_size (bench.cpu, 0);

  bench.recording = TRUE;
  t0 = g_get_monotonic_time ();
  g_signal_emit_by_name (button (&bench, "_Scan"), "clicked");
  if (!catd_scan_page_get_busy (CATD_SCAN_PAGE (bench.page)))
    catd_bench_die ("the scan did not start");
  spin_until (is_idle, &bench, 600, "the batch's end");
  t1 = g_get_monotonic_time ();
  bench.recording = FALSE;
  busy = gaps_of (bench.frames, bench.cpu);
  gtk_widget_remove_tick_callback (bench.window, tick);

  stored = catd_test_query_int (bench.station, "SELECT count(*) FROM acta_image", NULL);
  if (stored != pages)
    catd_bench_die ("%" G_GINT64_FORMAT " of %d pages were stored", stored, pages);

  printf ("scan_frames.%s.pages %" G_GINT64_FORMAT "\n", label, stored);
  printf ("scan_frames.%s.seconds %.2f\n", label, (t1 - t0) / (double)G_USEC_PER_SEC);
  printf ("scan_frames.%s.frames %u\n", label, busy.frames);
  printf ("scan_frames.%s.max_gap_ms %.1f\n", label, busy.max_ms);
  printf ("scan_frames.%s.max_gap_main_cpu_ms %.1f\n", label, busy.max_cpu_ms);
  printf ("scan_frames.%s.max_frame_main_cpu_ms %.1f\n", label, busy.most_cpu_ms);
  printf ("scan_frames.%s.p99_gap_ms %.1f\n", label, busy.p99_ms);
  printf ("scan_frames.%s.gaps_over_50ms %u\n", label, busy.over_50);
  printf ("scan_frames.%s.idle_max_gap_ms %.1f\n", label, idle.max_ms);
  fflush (stdout);

  gtk_window_destroy (GTK_WINDOW (bench.window));
  spin_for (100);
  g_clear_object (&bench.session);
  g_clear_object (&bench.station);
  g_ptr_array_unref (bench.claves);
  g_array_unref (bench.frames);
  g_array_unref (bench.cpu);
  catd_test_remove_dir (dir);
  return 0;
}
