/* catd-gui-test-util.c - shared fixtures for the station's widget tests
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "catd-application.h"
#include "catd-gui-test-util.h"

/* Widget tests run under tests/gui/run-gui.sh with a memory settings backend
 * and the build tree's schema and translations (see tests/meson.build). */
void
catd_gui_test_init (int    *argc,
                    char ***argv)
{
  setlocale (LC_ALL, "");
  if (g_getenv ("CATD_LOCALEDIR") != NULL)
    bindtextdomain (GETTEXT_PACKAGE, g_getenv ("CATD_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_test_init (argc, argv, NULL);
  g_test_set_nonfatal_assertions ();
  gtk_window_set_default_icon_name (CATD_APPLICATION_ID);
}

CatdSession *
catd_gui_test_session (CatdStation *station)
{
  g_autoptr(GSettings) settings = g_settings_new (CATD_APPLICATION_ID);

  return catd_session_new (station, settings, FALSE);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Runs the main loop for @ms milliseconds. */
void
catd_gui_test_spin (guint ms)
{
  catd_gui_test_wait (never, NULL, ms);
}

/* Runs the main loop until @cond holds or @timeout_ms pass; %TRUE if it held. */
gboolean
catd_gui_test_wait (CatdGuiTestCond cond,
                    gpointer        data,
                    guint           timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64)timeout_ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      if (cond (data))
        return TRUE;
      /* Bounded by the deadline too: a window that animates (a spinner)
       * on a slow renderer always has something pending. */
      while (g_main_context_pending (NULL) && g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, FALSE);
      if (cond (data))
        return TRUE;
      g_usleep (2000);
    }
  return cond (data);
}

static GtkWidget *
find (GtkWidget *widget,
      GType      type,
      guint     *nth)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    {
      if (*nth == 0)
        return widget;
      (*nth)--;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find (child, type, nth);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The @nth (from 0) widget of @type under @root, depth first, or %NULL. */
GtkWidget *
catd_gui_test_find (GtkWidget *root,
                    GType      type,
                    guint      nth)
{
  return find (root, type, &nth);
}

static GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* A mapped label showing exactly @text (a button's label included). */
GtkWidget *
catd_gui_test_find_label (GtkWidget  *root,
                          const char *text)
{
  return find_label (root, text);
}

static gboolean
contains_text (GtkWidget  *widget,
               const char *text)
{
  if (!gtk_widget_get_mapped (widget))
    return FALSE;
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text))
    return TRUE;
  if (GTK_IS_EDITABLE (widget) && !GTK_IS_TEXT (widget) &&
      strstr (gtk_editable_get_text (GTK_EDITABLE (widget)), text))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    if (contains_text (child, text))
      return TRUE;
  return FALSE;
}

/* Whether any mapped label or entry under @root shows @text: what a user
 * (or a leak of another user's value) would see. */
gboolean
catd_gui_test_contains_text (GtkWidget  *root,
                             const char *text)
{
  return contains_text (root, text);
}

/* A window holding @child, presented, for tests of one page. */
GtkWidget *
catd_gui_test_window (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}
