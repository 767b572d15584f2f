/* catd-bare-window.c - a bare GTK 4 window: the baseline of the station's start-up
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* An empty GtkWindow of the station's size, nothing else: prints
 * "trace: first-frame (monotonic US)" on standard error at the end of its
 * first frame, as catd-station does with CATD_STATION_TRACE set (see
 * src/gui/catd-trace.c), and ends. What any GTK 4 program pays to show a
 * window on this machine: the floor under the station's own start-up
 * (tests/bench/catd-gui-bench.c startup). */

#include <gtk/gtk.h>
#include <stdio.h>

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *done)
{
  fprintf (stderr, "trace: first-frame (monotonic %" G_GINT64_FORMAT ")\n",
           g_get_monotonic_time ());
  fflush (stderr);
  *done = TRUE;
}

static void
map_cb (GtkWidget *window,
        gboolean  *done)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                    G_CALLBACK (after_paint_cb), done);
}

int
main (int   argc,
      char *argv[])
{
  gboolean done = FALSE;
  GtkWidget *window;

  gtk_init ();
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_signal_connect (window, "map", G_CALLBACK (map_cb), &done);
  gtk_window_present (GTK_WINDOW (window));
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return 0;
}
