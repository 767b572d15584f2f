/* catd-trace.c - start-up and readiness marks for the benchmarks (CATD_STATION_TRACE)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catd-trace.h"

/* With CATD_STATION_TRACE set (to anything) in the environment, the program
 * prints one line on standard error at each mark:
 *
 *   trace: WHAT MS ms (monotonic US)
 *
 * MS being the milliseconds since the process started (from the kernel's
 * start time of the process, to its 10 ms tick) and US the monotonic clock
 * in microseconds (g_get_monotonic_time (), the same clock in every
 * process), from which a program that started this one measures exactly
 * (build-aux/bench.sh, tests/bench/catd-gui-bench.c). The marks:
 *
 *   first-frame    the main window's first frame, painted
 *   login-ready    the login screen painted with the focus in the user entry
 *   sign-in        the user pressed Enter on the PIN: the PIN check starts
 *   signed-in      the PIN check is over and the user is in
 *   capture-ready  an acta's capture form painted, its first field focused
 *
 * Unset, a mark costs one test of a static. Nothing else changes. */

static int enabled = -1;

gboolean
catd_trace_enabled (void)
{
  if (enabled < 0)
    enabled = g_getenv ("CATD_STATION_TRACE") != NULL;
  return enabled;
}

/* Milliseconds since the process started, or -1 if the kernel does not say:
 * field 22 of /proc/self/stat is the start in clock ticks since boot, the
 * clock CLOCK_BOOTTIME keeps. */
static double
ms_since_start (void)
{
  g_autofree char *stat = NULL;
  const char *p;
  struct timespec now;
  unsigned long long start_ticks;
  long hz = sysconf (_SC_CLK_TCK);

  if (hz <= 0 || !g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      (p = strrchr (stat, ')')) == NULL || clock_gettime (CLOCK_BOOTTIME, &now) != 0)
    return -1;
  /* After the command name: state (field 3) ... starttime (field 22). */
  for (guint field = 2; field < 22; field++)
    if ((p = strchr (p + 1, ' ')) == NULL)
      return -1;
  if (sscanf (p + 1, "%llu", &start_ticks) != 1)
    return -1;
  return (now.tv_sec * 1000.0 + now.tv_nsec / 1e6) - start_ticks * 1000.0 / hz;
}

/**
 * catd_trace_mark:
 * @what: the mark, one word ("first-frame", "capture-ready", …)
 *
 * Prints @what now, when tracing is on (see above); otherwise does nothing.
 */
void
catd_trace_mark (const char *what)
{
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (what != NULL);

  if (!catd_trace_enabled ())
    return;
  fprintf (stderr, "trace: %s %.0f ms (monotonic %" G_GINT64_FORMAT ")\n", what,
           ms_since_start (), now);
  fflush (stderr);
}

typedef struct
{
  char   *what;
  gulong  handler;
} AfterPaint;

static void
after_paint_free (gpointer  data,
                  GClosure *closure)
{
  AfterPaint *after = data;

  g_free (after->what);
  g_free (after);
}

static void
after_paint_cb (GdkFrameClock *clock,
                AfterPaint    *after)
{
  catd_trace_mark (after->what);
  /* Once: the handler's data goes with it, after this call returns. */
  g_signal_handler_disconnect (clock, after->handler);
}

static void
what_free (gpointer  data,
           GClosure *closure)
{
  g_free (data);
}

static void
mapped_cb (GtkWidget  *widget,
           const char *what)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  AfterPaint *after;

  if (clock == NULL)
    return;
  after = g_new0 (AfterPaint, 1);
  after->what = g_strdup (what);
  after->handler = g_signal_connect_data (clock, "after-paint", G_CALLBACK (after_paint_cb),
                                          after, after_paint_free, 0);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
  g_signal_handlers_disconnect_by_func (widget, mapped_cb, (gpointer)what);
}

/**
 * catd_trace_mark_next_frame:
 * @widget: what must be on the screen
 * @what: the mark
 *
 * Prints @what (as catd_trace_mark () does) at the end of the first frame
 * painted once @widget is mapped: the moment it is on the screen. Does
 * nothing when tracing is off.
 */
void
catd_trace_mark_next_frame (GtkWidget  *widget,
                            const char *what)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (what != NULL);

  if (!catd_trace_enabled ())
    return;
  if (gtk_widget_get_mapped (widget))
    mapped_cb (widget, what);
  else
    g_signal_connect_data (widget, "map", G_CALLBACK (mapped_cb), g_strdup (what),
                           what_free, 0);
}
