/* catd-gui-bench.c - the desktop station's benchmarks behind build-aux/bench.sh (issue 5)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* One program, several subcommands, each printing "key value" lines that
 * bench.sh collects into its table (a key printed many times is a list of
 * samples):
 *
 *   catd-gui-bench station --dir D [--catalog F --station-id ID] [--election E]
 *                          [--imaged N] [--registered N] [--seed S]
 *   catd-gui-bench keys    --dir D [--actas N] [--baseline N] [--pace-ms MS]
 *   catd-gui-bench startup --dir D --station PROGRAM --bare PROGRAM [--runs N]
 *                          [--warmup N] [--login L]
 *   catd-gui-bench stalls  --dir D --central PROGRAM --central-dir D --tokens F
 *                          --catalog F [--idle-ms MS]
 *
 * Every measure is a real run of the real code on a real X server (Xvfb,
 * under tests/gui/run-gui.sh), keys being real key presses sent through
 * XTest (libXtst, loaded at run time as the widget tests do), times taken
 * from the frame clock's "after-paint": the end of the frame that shows
 * what changed.
 *
 * station: set-up, not a measure. Creates the station in D on catalog F (or
 * opens the one there), adds the bench's users where missing (coord, acop,
 * digi, cap1, cap2; PIN 1234), gives N actas of election E a synthetic
 * 300 dpi page of their own (catd_synth_render, imported as a digitizer
 * would), and registers N more without a page (for a feeder batch).
 *
 * keys: catd-station's own application and main window in this process
 * (CatdApplication on D), cap1 logged in through the session, the Captura
 * screen showing an acta. Each key is one XTest press: from the moment it
 * is sent to the after-paint of the frame after the field's text changed
 * (a digit), or after the focus moved (Tab). N actas keyed whole, four
 * digits and Tab a field, then Ctrl+Enter (not timed) and the next acta.
 * The baseline: the same digits typed into a plain GtkEntry in an otherwise
 * empty window of the same size, half before and half after the form.
 *
 * startup: catd-station started as a process with CATD_STATION_TRACE set
 * (see src/gui/catd-trace.c), times from just before the spawn to each mark
 * it prints; on "login-ready" the login is typed with XTest (user, Enter,
 * CATD_BENCH_PIN, Enter) and the run ends at "capture-ready". The typing time (from
 * login-ready to sign-in) is the bench's own and is taken out of the
 * capture-ready figure. The baseline: the bare GTK 4 window of
 * catd-bare-window, the same number of times, in turns.
 *
 * stalls: catd-station's application in this process with a catd-central on
 * loopback; the session's own sync service (stopped at first), the Captura
 * screen showing an acta and a GtkSpinner spinning in the header bar (so
 * that the frame clock ticks every frame). First the gaps between
 * consecutive after-paints idle; then, the sync service started on a full
 * queue and a CatdScanBatch of 10 pages from SANE's test backend (its
 * feeder: 10 sheets a job; pages bound by hand, as with no QR), the gaps
 * until the batch ends. */

#include "config.h"

#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <gmodule.h>
#include <signal.h>
#include <stdio.h>
#include <X11/keysym.h>

#include "catd-application.h"
#include "catd-bench-util.h"
#include "catd-capture-form.h"
#include "catd-scan-batch.h"
#include "catd-session.h"
#include "catd-station.h"
#include "catd-sync-service.h"
#include "catd-synth.h"
#include "catd-window.h"

#define KEY_TIMEOUT_MS 10000

/* ---- XTest -------------------------------------------------------------------- */

typedef int (*FakeKeyEvent) (Display *display, unsigned int keycode, int is_press,
                             unsigned long delay);
typedef int (*FakeMotionEvent) (Display *display, int screen, int x, int y,
                                unsigned long delay);

static FakeKeyEvent fake_key;
static FakeMotionEvent fake_motion;

static void
xtest_init (void)
{
  GModule *xtst = g_module_open ("libXtst.so.6", G_MODULE_BIND_LOCAL);

  if (xtst == NULL ||
      !g_module_symbol (xtst, "XTestFakeKeyEvent", (gpointer *)&fake_key) ||
      !g_module_symbol (xtst, "XTestFakeMotionEvent", (gpointer *)&fake_motion))
    catd_bench_die ("libXtst.so.6 (Debian package libxtst6) is needed to send key presses");
  g_module_make_resident (xtst);
}

static void
key_event (Display *display,
           KeySym   keysym,
           gboolean press)
{
  KeyCode code = XKeysymToKeycode (display, keysym);

  if (code == 0)
    catd_bench_die ("the X server has no key for keysym 0x%lx", (unsigned long)keysym);
  fake_key (display, code, press, 0);
  XFlush (display);
}

/* The pointer over the middle of the screen, moved there afresh: with no
 * window manager, X gives the keyboard to the window under the pointer. */
static void
point_at_windows (Display *display)
{
  fake_motion (display, -1, 630, 390, 0);
  fake_motion (display, -1, 640, 400, 0);
  XSync (display, False);
}

/* ---- samples ------------------------------------------------------------------ */

static void
print_samples (const char *key,
               GArray     *samples)
{
  for (guint i = 0; i < samples->len; i++)
    printf ("%s %.3f\n", key, g_array_index (samples, double, i));
}

/* ---- station: set-up ------------------------------------------------------------ */

static gint64
query_int (CatdStation *station,
           const char  *sql)
{
  g_autoptr(GPtrArray) rows = catd_bench_query_strings (station, sql, NULL);

  if (rows->len != 1)
    catd_bench_die ("%s: %u rows", sql, rows->len);
  return g_ascii_strtoll (rows->pdata[0], NULL, 10);
}

static int
cmd_station (const char *dir,
             const char *catalog_file,
             const char *station_id,
             const char *election,
             guint       imaged,
             guint       registered,
             guint       seed)
{
  static const struct { const char *login; CatdRole role; } users[] = {
    { "coord", CATD_ROLE_COORDINADOR },
    { "acop", CATD_ROLE_ACOPIADOR },
    { "digi", CATD_ROLE_DIGITALIZADOR },
    { "cap1", CATD_ROLE_CAPTURISTA },
    { "cap2", CATD_ROLE_CAPTURISTA },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) coord = NULL;
  g_autoptr(CatdUser) acop = NULL;
  g_autoptr(CatdUser) digi = NULL;
  g_autoptr(GPtrArray) free_actas = NULL;
  g_autofree char *pages = g_build_filename (dir, "bench-pages", NULL);
  guint next = 0;

  if (catalog_file != NULL)
    {
      g_autoptr(CatdCatalog) catalog = catd_catalog_new_from_file (catalog_file, &error);
      CatdCentralConfig central = { NULL, NULL, NULL };

      if (catalog == NULL)
        catd_bench_die_error (catalog_file, error);
      if (!(station = catd_station_create (dir, station_id, catalog, &central, &error)))
        catd_bench_die_error ("creating the station", error);
    }
  else
    station = catd_bench_open_station (dir);

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autoptr(CatdUser) user = catd_station_authenticate (station, users[i].login,
                                                            CATD_BENCH_PIN, NULL);

      if (user == NULL &&
          !(user = catd_station_add_user (station, coord, users[i].login, users[i].login,
                                          users[i].role, CATD_BENCH_PIN, &error)))
        catd_bench_die_error ("adding the bench's users", error);
      if (coord == NULL)
        coord = g_object_ref (user);
    }
  acop = catd_bench_login (station, "acop");
  digi = catd_bench_login (station, "digi");

  /* Catalog actas not registered yet, in key order: @imaged of @election
   * get a page of their own; @registered more (any election) wait for a
   * scan. */
  free_actas = catd_bench_query_strings (station, "SELECT clave_acta FROM catalog_acta "
                                         "WHERE election = ?1 AND clave_acta NOT IN "
                                         "(SELECT clave_acta FROM acta) ORDER BY clave_acta",
                                         election);
  if (free_actas->len < imaged)
    catd_bench_die ("%u actas of %s to give pages to, and only %u left", imaged, election,
                    free_actas->len);
  g_mkdir_with_parents (pages, 0700);
  for (guint i = 0; i < imaged; i++)
    {
      const char *clave = free_actas->pdata[next++];
      g_autoptr(CatdRegistration) reg = NULL;
      g_autofree char *path = g_strdup_printf ("%s/%s.tif", pages, clave);
      CatdSynthOptions options = {
        .dpi = 300, .skew_degrees = 0.7, .noise = TRUE, .seed = seed + i,
        .format = CATD_SYNTH_TIFF,
      };

      if (!(reg = catd_station_register (station, acop, clave, NULL, &error)) ||
          !catd_synth_render (station, clave, &options, path, NULL, &error) ||
          !catd_station_import_image (station, digi, clave, path, NULL, NULL, &error))
        catd_bench_die_error (clave, error);
      g_unlink (path);
    }
  g_rmdir (pages);

  free_actas = catd_bench_query_strings (station, "SELECT clave_acta FROM catalog_acta WHERE "
                                         "clave_acta NOT IN (SELECT clave_acta FROM acta) "
                                         "ORDER BY clave_acta", NULL);
  if (free_actas->len < registered)
    catd_bench_die ("%u actas to register, and only %u left", registered, free_actas->len);
  for (guint i = 0; i < registered; i++)
    {
      g_autoptr(CatdRegistration) reg = NULL;

      if (!(reg = catd_station_register (station, acop, free_actas->pdata[i], NULL, &error)))
        catd_bench_die_error (free_actas->pdata[i], error);
    }
  return 0;
}

/* ---- the station's application in this process ---------------------------------- */

typedef struct _Bench Bench;
typedef void (*BenchFunc) (Bench *b);

struct _Bench
{
  CatdApplication *app;
  BenchFunc        func;
  Display         *display;
  GtkWindow       *window;
  CatdSession     *session;
  CatdStation     *station;
  CatdCaptureForm *form;

  /* one key in flight */
  enum { IDLE, WAIT_CHANGE, WAIT_PAINT, PAINTED } state;
  double           sent_at;
  double           changed_at;
  double           frame_at;      /* the start of the frame after the change */
  double           painted_at;

  /* frames */
  GArray          *frames;       /* after-paint times while recording, or NULL */

  /* options */
  guint            actas;
  guint            baseline;
  guint            pace_ms;
  guint            idle_ms;
  guint            seed;
};

static gboolean
wake_cb (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @ms milliseconds. */
static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, wake_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Cond) (Bench *b);

/* Runs the main loop until @cond holds; dies after @timeout_ms. */
static void
spin_until (Bench      *b,
            Cond        cond,
            guint       timeout_ms,
            const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, wake_cb, &timed_out);

  while (!cond (b))
    {
      if (timed_out)
        catd_bench_die ("%s did not happen within %u ms", what, timeout_ms);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (id);
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Bench         *b)
{
  if (b->state == WAIT_PAINT && b->frame_at == 0)
    b->frame_at = catd_bench_now_ms ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *b)
{
  double now = catd_bench_now_ms ();

  if (b->frames != NULL)
    catd_bench_add_sample (b->frames, now);
  /* Only a frame begun after the change shows it for sure. */
  if (b->state == WAIT_PAINT && b->frame_at != 0)
    {
      b->painted_at = now;
      b->state = PAINTED;
    }
}

static void
changed_cb (Bench *b)
{
  if (b->state == WAIT_CHANGE)
    {
      b->changed_at = catd_bench_now_ms ();
      b->state = WAIT_PAINT;
    }
}

static gboolean
painted (Bench *b)
{
  return b->state == PAINTED;
}

/* Where one key's time went, in milliseconds. */
typedef struct
{
  double total;   /* sent to the after-paint of the frame that shows it */
  double input;   /* sent to the change (X, GDK's dispatch, the form's handling) */
  double wait;    /* the change to the start of the next frame (before-paint) */
  double frame;   /* that frame: before-paint to after-paint */
} KeyTimes;

/* Sends one press of @keysym to the window under the pointer, and runs
 * the main loop until the frame after the focused field's text changed
 * (or, with @focus_moves, after the focus moved) is painted: that frame's
 * after-paint ends the measure. The release goes right after the press: a
 * key held until the paint would be repeated by the X server on a slow
 * frame (after 660 ms), which no typist's key is. Then the main loop runs
 * on until the next key is due: a key every pace (default
 * 100 ms, a fast typist on a numeric keypad) give or take 20 ms, so that
 * keys do not fall in step with the frame clock, and never sooner than
 * 10 ms after the last one was painted. */
static KeyTimes
key_to_paint (Bench     *b,
              GtkWindow *window,
              KeySym     keysym,
              gboolean   focus_moves)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GObject *watched;
  gulong handler;
  KeyTimes times;

  if (focus == NULL || (!focus_moves && !GTK_IS_EDITABLE (focus)))
    catd_bench_die ("no field has the focus to type in (%s)",
                    focus ? G_OBJECT_TYPE_NAME (focus) : "none");
  watched = focus_moves ? G_OBJECT (window) : G_OBJECT (focus);
  handler = g_signal_connect_swapped (watched, focus_moves ? "notify::focus-widget" : "changed",
                                      G_CALLBACK (changed_cb), b);
  b->state = WAIT_CHANGE;
  b->frame_at = 0;
  b->sent_at = catd_bench_now_ms ();
  key_event (b->display, keysym, TRUE);
  key_event (b->display, keysym, FALSE);
  spin_until (b, painted, KEY_TIMEOUT_MS, focus_moves ? "the focus moving" : "the text changing");
  g_signal_handler_disconnect (watched, handler);
  b->state = IDLE;
  times.total = b->painted_at - b->sent_at;
  times.input = b->changed_at - b->sent_at;
  times.wait = b->frame_at - b->changed_at;
  times.frame = b->painted_at - b->frame_at;
  {
    double due = b->sent_at + b->pace_ms + g_random_int_range (-20, 21);

    spin (MAX (10, (int)(due - catd_bench_now_ms ())));
  }
  return times;
}

static void
hook_frames (Bench     *b,
             GtkWindow *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

  if (clock == NULL)
    catd_bench_die ("the window has no frame clock");
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), b);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), b);
}

static void
unhook_frames (Bench     *b,
               GtkWindow *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));

  if (clock != NULL)
    {
      g_signal_handlers_disconnect_by_func (clock, before_paint_cb, b);
      g_signal_handlers_disconnect_by_func (clock, after_paint_cb, b);
    }
}

static GtkWidget *
find_mapped (GtkWidget *widget,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_mapped (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
form_ready (Bench *b)
{
  GtkWidget *focus;

  b->form = CATD_CAPTURE_FORM (find_mapped (GTK_WIDGET (b->window), CATD_TYPE_CAPTURE_FORM));
  if (b->form == NULL || catd_capture_form_get_task (b->form) == NULL)
    return FALSE;
  focus = gtk_root_get_focus (GTK_ROOT (b->window));
  return focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (b->form));
}

/* Logs @name in through the session, as the login screen does once the PIN
 * is checked, and waits for the Captura screen to show an acta with the
 * focus in its form. */
static void
log_in (Bench      *b,
        const char *name)
{
  g_autoptr(CatdUser) user = catd_bench_login (b->station, name);

  catd_session_set_user (b->session, user);
  spin_until (b, form_ready, 10000, "an acta in the capture form");
  /* Its image decoded and drawn, the counts in. */
  spin (500);
}

static gboolean
run_idle_cb (gpointer data)
{
  Bench *b = data;

  b->window = gtk_application_get_active_window (GTK_APPLICATION (b->app));
  if (b->window == NULL || !CATD_IS_WINDOW (b->window))
    catd_bench_die ("catd-station opened no main window");
  if (!GDK_IS_X11_DISPLAY (gtk_widget_get_display (GTK_WIDGET (b->window))))
    catd_bench_die ("an X11 display is needed (run under tests/gui/run-gui.sh)");
  b->session = catd_window_get_session (CATD_WINDOW (b->window));
  if (b->session == NULL)
    catd_bench_die ("the station did not open in the main window (see above)");
  b->station = catd_session_get_station (b->session);
  b->display = gdk_x11_display_get_xdisplay (gtk_widget_get_display (GTK_WIDGET (b->window)));
  b->func (b);
  g_application_quit (G_APPLICATION (b->app));
  return G_SOURCE_REMOVE;
}

static void
activated_cb (GApplication *app,
              Bench        *b)
{
  static gboolean once;

  if (!once)
    g_idle_add (run_idle_cb, b);
  once = TRUE;
}

/* Runs catd-station's application on the station in @dir, in this process,
 * and @func once its main window is up. */
static int
run_in_station (Bench      *b,
                const char *dir,
                BenchFunc   func)
{
  char *argv[] = { (char *)"catd-station", (char *)"--data-dir", (char *)dir, NULL };
  int status;

  xtest_init ();
  b->func = func;
  b->app = catd_application_new ();
  g_signal_connect_after (b->app, "activate", G_CALLBACK (activated_cb), b);
  status = g_application_run (G_APPLICATION (b->app), 3, argv);
  g_clear_object (&b->app);
  return status;
}

/* ---- keys ---------------------------------------------------------------------------- */

/* The baseline: @n digits into a plain GtkEntry, the only thing in a window
 * of the station's size (the station's window hidden meanwhile, so that
 * none of its frames, such as its cursor blinking, takes turns with the
 * entry's). */
static void
type_in_plain_entry (Bench  *b,
                     guint   n,
                     GArray *latency,
                     GArray *frame)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *entry = gtk_entry_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (b->seed);

  gtk_widget_set_visible (GTK_WIDGET (b->window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_widget_set_valign (entry, GTK_ALIGN_START);
  gtk_window_set_child (GTK_WINDOW (window), entry);
  gtk_window_present (GTK_WINDOW (window));
  spin (300);
  point_at_windows (b->display);
  gtk_widget_grab_focus (entry);
  hook_frames (b, GTK_WINDOW (window));
  spin (300);
  for (guint i = 0; i < n; i++)
    {
      if (i % 12 == 0)
        {
          gtk_editable_set_text (GTK_EDITABLE (entry), "");
          spin (50);
        }
      KeyTimes t = key_to_paint (b, GTK_WINDOW (window), XK_0 + g_rand_int_range (rand, 0, 10),
                                 FALSE);

      catd_bench_add_sample (latency, t.total);
      catd_bench_add_sample (frame, t.frame);
    }
  unhook_frames (b, GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
  spin (300);
}

static gboolean
next_acta_ready (Bench *b)
{
  return form_ready (b) && catd_capture_form_get_total (b->form) == 0 &&
         !g_str_equal (catd_capture_form_get_task (b->form)->clave_acta,
                       g_object_get_data (G_OBJECT (b->form), "bench-last-clave"));
}

static void
keys_run (Bench *b)
{
  g_autoptr(GArray) digit_ms = catd_bench_samples_new ();
  g_autoptr(GArray) input_ms = catd_bench_samples_new ();
  g_autoptr(GArray) wait_ms = catd_bench_samples_new ();
  g_autoptr(GArray) frame_ms = catd_bench_samples_new ();
  g_autoptr(GArray) tab_ms = catd_bench_samples_new ();
  g_autoptr(GArray) entry_ms = catd_bench_samples_new ();
  g_autoptr(GArray) entry_frame_ms = catd_bench_samples_new ();
  guint fields = 0;

  type_in_plain_entry (b, b->baseline / 2, entry_ms, entry_frame_ms);

  gtk_window_present (b->window);
  log_in (b, "cap1");
  point_at_windows (b->display);
  spin (200);
  hook_frames (b, b->window);
  for (guint a = 0; a < b->actas; a++)
    {
      const CatdTask *task = catd_capture_form_get_task (b->form);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) acta_fields = catd_station_get_acta_fields (b->station,
                                                                       task->clave_acta, &error);

      if (acta_fields == NULL)
        catd_bench_die_error (task->clave_acta, error);
      fields = acta_fields->len;
      for (guint i = 0; i < acta_fields->len; i++)
        {
          g_autofree char *digits = g_strdup_printf ("%04u", 1000 + (a * 45 + i) * 137 % 9000);

          for (const char *c = digits; *c; c++)
            {
              KeyTimes t = key_to_paint (b, b->window, XK_0 + (*c - '0'), FALSE);

              catd_bench_add_sample (digit_ms, t.total);
              catd_bench_add_sample (input_ms, t.input);
              catd_bench_add_sample (wait_ms, t.wait);
              catd_bench_add_sample (frame_ms, t.frame);
            }
          catd_bench_add_sample (tab_ms, key_to_paint (b, b->window, XK_Tab, TRUE).total);
        }
      /* Saved with Ctrl+Enter (not timed): the next acta comes up. */
      g_object_set_data_full (G_OBJECT (b->form), "bench-last-clave",
                              g_strdup (task->clave_acta), g_free);
      key_event (b->display, XK_Control_L, TRUE);
      key_event (b->display, XK_Return, TRUE);
      key_event (b->display, XK_Return, FALSE);
      key_event (b->display, XK_Control_L, FALSE);
      spin_until (b, next_acta_ready, 10000, "the next acta after saving");
      spin (300);
    }
  unhook_frames (b, b->window);

  type_in_plain_entry (b, b->baseline - b->baseline / 2, entry_ms, entry_frame_ms);

  printf ("gui.keys.fields %u\n", fields);
  printf ("gui.keys.actas %u\n", b->actas);
  print_samples ("gui.keys.form.digit_ms", digit_ms);
  print_samples ("gui.keys.form.input_ms", input_ms);
  print_samples ("gui.keys.form.wait_ms", wait_ms);
  print_samples ("gui.keys.form.frame_ms", frame_ms);
  print_samples ("gui.keys.form.tab_ms", tab_ms);
  print_samples ("gui.keys.entry.digit_ms", entry_ms);
  print_samples ("gui.keys.entry.frame_ms", entry_frame_ms);
  fflush (stdout);
}

/* ---- stalls ------------------------------------------------------------------------------- */

typedef struct
{
  Bench     *b;
  GPtrArray *claves;
  guint      next;
  guint      stored;
  gboolean   done;
  GError    *error;
  GArray    *event_at;   /* when each of events happened (ms) */
  GPtrArray *events;     /* what: "page 3 stored"... */
} BatchRun;

static void
batch_event (BatchRun   *run,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

/* Notes what the batch did when, for the diagnosis of the longest gaps. */
static void
batch_event (BatchRun   *run,
             const char *format,
             ...)
{
  double now = catd_bench_now_ms ();
  va_list args;

  va_start (args, format);
  g_ptr_array_add (run->events, g_strdup_vprintf (format, args));
  va_end (args);
  g_array_append_val (run->event_at, now);
}

static void
batch_problem_cb (CatdScanBatch  *batch,
                  CatdScanResult *result,
                  BatchRun       *run)
{
  g_autoptr(GError) error = NULL;

  /* The test backend's pages carry no QR: bound by hand, as an operator
   * does, to the registered actas in turn. */
  batch_event (run, "page %u: its problem reported (%s)", result->number, result->problem);
  if (run->next >= run->claves->len)
    catd_bench_die ("more pages than registered actas");
  if (!catd_scan_batch_decide (batch, CATD_SCAN_DECISION_BIND, run->claves->pdata[run->next++],
                               &error))
    catd_bench_die_error ("binding a page by hand", error);
}

static void
batch_stored_cb (CatdScanBatch  *batch,
                 CatdScanResult *result,
                 BatchRun       *run)
{
  run->stored++;
  batch_event (run, "page %u: stored", result->number);
}

static void
batch_finished_cb (CatdScanBatch *batch,
                   const GError  *error,
                   BatchRun      *run)
{
  run->done = TRUE;
  if (error != NULL)
    run->error = g_error_copy (error);
}

static gboolean
listed_cb_done (Bench *b)
{
  return g_object_get_data (G_OBJECT (b->window), "bench-listed") != NULL;
}

static void
listed_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  Bench *b = data;

  g_object_set_data_full (G_OBJECT (b->window), "bench-listed", g_object_ref (result),
                          g_object_unref);
}

static BatchRun *batch_run;

static gboolean
batch_done (Bench *b)
{
  return batch_run->done;
}

static void
print_gaps (const char *key,
            GArray     *frames,
            double      from,
            double      to)
{
  double last = -1;

  for (guint i = 0; i < frames->len; i++)
    {
      double t = g_array_index (frames, double, i);

      if (t < from || t > to)
        continue;
      if (last >= 0)
        printf ("%s %.3f\n", key, t - last);
      last = t;
    }
}

/* On stderr, for whoever looks for the cause: the @n longest gaps between
 * @from and @to, each with the batch's last event before it ended. */
static void
print_worst_gaps (GArray   *frames,
                  double    from,
                  double    to,
                  BatchRun *run,
                  guint     n)
{
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (double) * 2);
  double last = -1;

  for (guint i = 0; i < frames->len; i++)
    {
      double t = g_array_index (frames, double, i);

      if (t < from || t > to)
        continue;
      if (last >= 0)
        {
          double gap[2] = { t - last, last };

          g_array_append_val (gaps, gap);
        }
      last = t;
    }
  for (guint k = 0; k < n && gaps->len > 0; k++)
    {
      guint worst = 0;
      double *gap;
      const char *event = "none";
      double event_at = 0;

      for (guint i = 1; i < gaps->len; i++)
        if (((double *)gaps->data)[2 * i] > ((double *)gaps->data)[2 * worst])
          worst = i;
      gap = (double *)gaps->data + 2 * worst;
      for (guint e = 0; e < run->events->len; e++)
        if (g_array_index (run->event_at, double, e) <= gap[1] + gap[0])
          {
            event = run->events->pdata[e];
            event_at = g_array_index (run->event_at, double, e);
          }
      fprintf (stderr, "  gap of %.1f ms from +%.0f ms; the batch's last event before its end: "
               "%s (+%.0f ms)\n", gap[0], gap[1] - from, event, event_at - from);
      g_array_remove_index (gaps, worst);
    }
}

static void
stalls_run (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdUser) digi = catd_bench_login (b->station, "digi");
  g_autoptr(CatdScanner) scanner = catd_scanner_new ();
  g_autoptr(CatdScanSettings) settings = catd_scan_settings_new ();
  g_autoptr(CatdScanBatch) batch = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GArray) frames = catd_bench_samples_new ();
  CatdScanBatchOptions options = { .compression = CATD_TIFF_DEFLATE };
  CatdSyncService *sync = catd_session_get_sync (b->session);
  GtkWidget *header = gtk_window_get_titlebar (b->window);
  GtkWidget *spinner = gtk_spinner_new ();
  BatchRun run = {
    .b = b,
    .event_at = catd_bench_samples_new (),
    .events = g_ptr_array_new_with_free_func (g_free),
  };
  gint64 sent_before, sent_after, queued_after;
  double idle_from, idle_to, busy_from, busy_to;

  /* Uploads start with the busy part: the session's service is stopped
   * until then (it started with the session, to a central site that was
   * already up: a few uploads may have gone, which the counts below leave
   * out). */
  if (sync == NULL)
    catd_bench_die ("the session has no sync service");
  catd_sync_service_stop (sync);

  if (!GTK_IS_HEADER_BAR (header))
    catd_bench_die ("the main window's title bar is not a GtkHeaderBar");
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), spinner);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "bench", -1);
  gtk_window_present (b->window);
  log_in (b, "cap1");
  point_at_windows (b->display);

  /* The scanner's helper and SANE started, by a listing (as the scanning
   * screen does when it opens), before anything is timed. */
  catd_scanner_list_devices_async (scanner, NULL, listed_cb, b);
  spin_until (b, listed_cb_done, 20000, "the scanner listing");
  devices = catd_scanner_list_devices_finish (scanner,
                                              g_object_get_data (G_OBJECT (b->window),
                                                                 "bench-listed"), &error);
  if (devices == NULL)
    catd_bench_die_error ("listing the scanners", error);

  settings->device = g_strdup ("test:0");
  settings->source = CATD_SCAN_SOURCE_ADF;
  settings->mode = CATD_SCAN_MODE_GRAY;
  settings->dpi = 300;
  settings->page_size = CATD_PAGE_SIZE_LETTER;
  settings->options = g_new0 (char *, 2);
  settings->options[0] = g_strdup ("test-picture=Grid");
  run.claves = catd_bench_query_strings (b->station, "SELECT clave_acta FROM acta "
                                         "WHERE state = 'registered' ORDER BY clave_acta", NULL);

  gtk_spinner_start (GTK_SPINNER (spinner));
  hook_frames (b, b->window);
  b->frames = frames;
  spin (500);

  idle_from = catd_bench_now_ms ();
  spin (b->idle_ms);
  idle_to = catd_bench_now_ms ();

  sent_before = query_int (b->station, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL");
  batch = catd_scan_batch_new (b->station, digi, scanner, settings, &options, &error);
  if (batch == NULL)
    catd_bench_die_error ("starting the batch", error);
  g_signal_connect (batch, "page-problem", G_CALLBACK (batch_problem_cb), &run);
  g_signal_connect (batch, "page-stored", G_CALLBACK (batch_stored_cb), &run);
  g_signal_connect (batch, "finished", G_CALLBACK (batch_finished_cb), &run);
  batch_run = &run;

  busy_from = catd_bench_now_ms ();
  catd_sync_service_start (sync);
  if (!catd_scan_batch_start (batch, &error))
    catd_bench_die_error ("starting the batch", error);
  batch_event (&run, "the sync service and the batch started");
  spin_until (b, batch_done, 120000, "the end of the feeder batch");
  busy_to = catd_bench_now_ms ();

  b->frames = NULL;
  unhook_frames (b, b->window);
  catd_sync_service_stop (sync);
  if (run.error != NULL)
    catd_bench_die_error ("the feeder batch", run.error);
  if (run.stored == 0)
    catd_bench_die ("the feeder batch stored no page");
  sent_after = query_int (b->station, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL");
  queued_after = query_int (b->station, "SELECT count(*) FROM outbox WHERE sent_at IS NULL");

  fprintf (stderr, "catd-gui-bench: the longest frame gaps while scanning and uploading\n");
  print_worst_gaps (frames, busy_from, busy_to, &run, 5);
  print_gaps ("gui.stall.idle.gap_ms", frames, idle_from, idle_to);
  print_gaps ("gui.stall.busy.gap_ms", frames, busy_from, busy_to);
  printf ("gui.stall.idle.window_s %.3f\n", (idle_to - idle_from) / 1000);
  printf ("gui.stall.busy.window_s %.3f\n", (busy_to - busy_from) / 1000);
  printf ("gui.stall.pages %u\n", run.stored);
  printf ("gui.stall.uploads %" G_GINT64_FORMAT "\n", sent_after - sent_before);
  printf ("gui.stall.queue_left %" G_GINT64_FORMAT "\n", queued_after);
  fflush (stdout);
  g_ptr_array_unref (run.claves);
  g_ptr_array_unref (run.events);
  g_array_unref (run.event_at);
  g_clear_error (&run.error);
  batch_run = NULL;
}

/* A catd-central on a free port of 127.0.0.1; returns its URL. */
static char *
start_central (const char   *program,
               const char   *data_dir,
               const char   *tokens,
               const char   *catalog,
               GSubprocess **central)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  *central = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, program, "--listen",
                               "127.0.0.1:0", "--data-dir", data_dir, "--tokens", tokens,
                               "--catalog", catalog, NULL);
  if (*central == NULL)
    catd_bench_die_error (program, error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (*central));
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error)) != NULL)
    {
      if (g_str_has_prefix (line, "listening on "))
        return g_strdup (line + strlen ("listening on "));
      g_clear_pointer (&line, g_free);
    }
  catd_bench_die ("catd-central did not start: %s", error ? error->message : "it ended");
}

static int
cmd_stalls (Bench      *b,
            const char *dir,
            const char *central_program,
            const char *central_dir,
            const char *tokens,
            const char *catalog)
{
  g_autoptr(GSubprocess) central = NULL;
  g_autofree char *url = start_central (central_program, central_dir, tokens, catalog, &central);
  g_autoptr(GError) error = NULL;
  int status;

  {
    g_autoptr(CatdStation) station = catd_bench_open_station (dir);

    if (!catd_store_set_meta (catd_station_get_store (station), "central_url", url, &error))
      catd_bench_die_error ("naming the central site", error);
  }
  status = run_in_station (b, dir, stalls_run);
  g_subprocess_send_signal (central, SIGTERM);
  if (!g_subprocess_wait_check (central, NULL, &error))
    catd_bench_die_error ("catd-central did not end cleanly", error);
  return status;
}

/* ---- startup ------------------------------------------------------------------------------- */

typedef struct
{
  GMainLoop        *loop;
  GDataInputStream *err;
  Display          *display;
  const char       *login;
  gboolean          type_login;
  const char       *end_mark;
  double            spawned_at;
  GHashTable       *marks;        /* mark -> double* (ms since spawned_at) */
  gboolean          timed_out;
  gboolean          ended;
} StartRun;

static void read_next_line (StartRun *run);

/* The login as a person types it, a key every 20 ms. */
static void
type_login (StartRun *run)
{
  g_autofree char *keys = g_strdup_printf ("%s\r%s\r", run->login, CATD_BENCH_PIN);

  point_at_windows (run->display);
  for (const char *c = keys; *c; c++)
    {
      KeySym keysym = *c == '\r' ? XK_Return : (KeySym)(guchar)*c;

      key_event (run->display, keysym, TRUE);
      key_event (run->display, keysym, FALSE);
      g_usleep (20000);
    }
}

static void
line_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  StartRun *run = data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (object),
                                                                    result, NULL, NULL);
  const char *mono;

  if (line == NULL)
    {
      run->ended = TRUE;
      g_main_loop_quit (run->loop);
      return;
    }
  if (!g_str_has_prefix (line, "trace: ") || (mono = strstr (line, "(monotonic ")) == NULL)
    {
      /* The program's own messages, for whoever reads the bench's log. */
      fprintf (stderr, "  | %s\n", line);
      read_next_line (run);
      return;
    }
  {
    g_autofree char *what = g_strndup (line + 7, strcspn (line + 7, " "));
    double *at = g_new (double, 1);

    *at = g_ascii_strtoll (mono + strlen ("(monotonic "), NULL, 10) / 1000.0 - run->spawned_at;
    g_hash_table_insert (run->marks, g_strdup (what), at);
    if (run->type_login && g_str_equal (what, "login-ready"))
      type_login (run);
    if (g_str_equal (what, run->end_mark))
      {
        g_main_loop_quit (run->loop);
        return;
      }
  }
  read_next_line (run);
}

static void
read_next_line (StartRun *run)
{
  g_data_input_stream_read_line_async (run->err, G_PRIORITY_DEFAULT, NULL, line_read_cb, run);
}

static gboolean
run_timeout_cb (gpointer data)
{
  StartRun *run = data;

  run->timed_out = TRUE;
  g_main_loop_quit (run->loop);
  return G_SOURCE_REMOVE;
}

/* Starts @argv with CATD_STATION_TRACE set and returns the marks it printed
 * (ms since just before the spawn) by the time it printed @end_mark; with
 * @login, types the login when the login screen is ready. */
static GHashTable *
start_once (const char * const *argv,
            Display            *display,
            const char         *login_name,
            const char         *end_mark)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  StartRun run = {
    .loop = loop, .display = display, .login = login_name, .type_login = login_name != NULL,
    .end_mark = end_mark,
    .marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
  };
  guint timeout;

  g_subprocess_launcher_setenv (launcher, "CATD_STATION_TRACE", "1", TRUE);
  run.spawned_at = catd_bench_now_ms ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    catd_bench_die_error (argv[0], error);
  run.err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  timeout = g_timeout_add_seconds (30, run_timeout_cb, &run);
  read_next_line (&run);
  g_main_loop_run (loop);
  if (!run.timed_out)
    g_source_remove (timeout);

  /* Ended at the last mark (the bare window ends by itself). */
  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  /* The read still pending sees the end of the pipe; let it finish. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&run.err);
  if (!g_hash_table_contains (run.marks, end_mark))
    catd_bench_die ("%s %s before printing \"%s\"", argv[0],
                    run.timed_out ? "took more than 30 s" : "ended", end_mark);
  return run.marks;
}

static double
mark (GHashTable *marks,
      const char *what)
{
  double *at = g_hash_table_lookup (marks, what);

  if (at == NULL)
    catd_bench_die ("catd-station printed no \"%s\" mark", what);
  return *at;
}

static int
cmd_startup (const char *dir,
             const char *station_program,
             const char *bare_program,
             guint       runs,
             guint       warmup,
             const char *login_name)
{
  const char *station_argv[] = { station_program, "--data-dir", dir, NULL };
  const char *bare_argv[] = { bare_program, NULL };
  Display *display = XOpenDisplay (NULL);
  g_autoptr(GArray) first_frame = catd_bench_samples_new ();
  g_autoptr(GArray) login_ready = catd_bench_samples_new ();
  g_autoptr(GArray) pin = catd_bench_samples_new ();
  g_autoptr(GArray) to_form = catd_bench_samples_new ();
  g_autoptr(GArray) typing = catd_bench_samples_new ();
  g_autoptr(GArray) capture_ready = catd_bench_samples_new ();
  g_autoptr(GArray) bare = catd_bench_samples_new ();

  if (display == NULL)
    catd_bench_die ("no X display (run under tests/gui/run-gui.sh)");
  xtest_init ();
  for (guint i = 0; i < warmup + runs; i++)
    {
      g_autoptr(GHashTable) station = NULL;
      g_autoptr(GHashTable) window = NULL;

      /* In turns, each first every other run. */
      if (i % 2 == 0)
        window = start_once (bare_argv, display, NULL, "first-frame");
      station = start_once (station_argv, display, login_name, "capture-ready");
      if (i % 2 == 1)
        window = start_once (bare_argv, display, NULL, "first-frame");
      if (i < warmup)
        continue;
      catd_bench_add_sample (first_frame, mark (station, "first-frame"));
      catd_bench_add_sample (login_ready, mark (station, "login-ready"));
      catd_bench_add_sample (typing, mark (station, "sign-in") - mark (station, "login-ready"));
      catd_bench_add_sample (pin, mark (station, "signed-in") - mark (station, "sign-in"));
      catd_bench_add_sample (to_form,
                             mark (station, "capture-ready") - mark (station, "signed-in"));
      catd_bench_add_sample (capture_ready, mark (station, "capture-ready") -
                                            (mark (station, "sign-in") -
                                             mark (station, "login-ready")));
      catd_bench_add_sample (bare, mark (window, "first-frame"));
    }
  print_samples ("gui.start.first_frame_ms", first_frame);
  print_samples ("gui.start.login_ready_ms", login_ready);
  print_samples ("gui.start.typing_ms", typing);
  print_samples ("gui.start.pin_ms", pin);
  print_samples ("gui.start.signed_in_to_form_ms", to_form);
  print_samples ("gui.start.capture_ready_ms", capture_ready);
  print_samples ("gui.start.bare_first_frame_ms", bare);
  fflush (stdout);
  XCloseDisplay (display);
  return 0;
}

/* ---- main ------------------------------------------------------------------------------------ */

static int
usage (void)
{
  fprintf (stderr,
           "usage: catd-gui-bench station --dir D [--catalog F --station-id ID] [--election E]\n"
           "                              [--imaged N] [--registered N] [--seed S]\n"
           "       catd-gui-bench keys --dir D [--actas N] [--baseline N] [--pace-ms MS]\n"
           "       catd-gui-bench startup --dir D --station PROGRAM --bare PROGRAM [--runs N]\n"
           "                              [--warmup N] [--login L]\n"
           "       catd-gui-bench stalls --dir D --central PROGRAM --central-dir D --tokens F\n"
           "                             --catalog F [--idle-ms MS]\n");
  return 2;
}

int
main (int   argc,
      char *argv[])
{
  const char *command, *dir = NULL, *catalog = NULL, *station_id = "BENCH-GUI";
  const char *election = "GUB", *station_program = NULL, *bare_program = NULL;
  const char *central = NULL, *central_dir = NULL, *tokens = NULL, *login_name = "cap2";
  guint imaged = 0, registered = 0, runs = 5, warmup = 1;
  Bench bench = { .actas = 2, .baseline = 120, .pace_ms = 100, .idle_ms = 3000, .seed = 1 };

  if (argc < 2)
    return usage ();
  command = argv[1];
  for (int i = 2; i < argc; i++)
    {
      const char *arg = argv[i];
      const char *value = i + 1 < argc ? argv[i + 1] : NULL;

#define OPT(name) (g_str_equal (arg, name) && value != NULL && ++i)
      if (OPT ("--dir"))
        dir = value;
      else if (OPT ("--catalog"))
        catalog = value;
      else if (OPT ("--station-id"))
        station_id = value;
      else if (OPT ("--election"))
        election = value;
      else if (OPT ("--imaged"))
        imaged = atoi (value);
      else if (OPT ("--registered"))
        registered = atoi (value);
      else if (OPT ("--seed"))
        bench.seed = atoi (value);
      else if (OPT ("--actas"))
        bench.actas = atoi (value);
      else if (OPT ("--baseline"))
        bench.baseline = atoi (value);
      else if (OPT ("--pace-ms"))
        bench.pace_ms = atoi (value);
      else if (OPT ("--idle-ms"))
        bench.idle_ms = atoi (value);
      else if (OPT ("--station"))
        station_program = value;
      else if (OPT ("--bare"))
        bare_program = value;
      else if (OPT ("--runs"))
        runs = atoi (value);
      else if (OPT ("--warmup"))
        warmup = atoi (value);
      else if (OPT ("--login"))
        login_name = value;
      else if (OPT ("--central"))
        central = value;
      else if (OPT ("--central-dir"))
        central_dir = value;
      else if (OPT ("--tokens"))
        tokens = value;
      else
        return usage ();
#undef OPT
    }
  if (dir == NULL)
    return usage ();

  if (g_str_equal (command, "station"))
    return cmd_station (dir, catalog, station_id, election, imaged, registered, bench.seed);
  if (g_str_equal (command, "keys") && bench.actas > 0)
    return run_in_station (&bench, dir, keys_run);
  if (g_str_equal (command, "startup") && station_program && bare_program && runs > 0)
    return cmd_startup (dir, station_program, bare_program, runs, warmup, login_name);
  if (g_str_equal (command, "stalls") && central && central_dir && tokens && catalog)
    return cmd_stalls (&bench, dir, central, central_dir, tokens, catalog);
  return usage ();
}
