/* test-window-state.c - the main window keeps its size; shortcuts window, icon and style
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-application.h"
#include "catd-gui-test-util.h"
#include "catd-window.h"

/* One application for the whole program, registered (which runs its
 * startup: settings, actions, accelerators, style) but never run: the
 * tests make its windows themselves. */
static CatdApplication *app;

static GSettings *
settings (void)
{
  return catd_application_get_settings (app);
}

static void
reset_settings (void)
{
  static const char *const keys[] = { "window-width", "window-height", "window-maximized",
                                      "style" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings (), keys[i]);
}

static gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static GtkWindow *
new_window (void)
{
  return GTK_WINDOW (catd_window_new (app));
}

/* A new window takes the size it had when it was last closed. */
static void
test_restores_size (void)
{
  GtkWindow *window;
  int width, height;

  reset_settings ();
  g_settings_set_int (settings (), "window-width", 1000);
  g_settings_set_int (settings (), "window-height", 700);
  window = new_window ();
  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, ==, 1000);
  g_assert_cmpint (height, ==, 700);
  gtk_window_present (window);
  g_assert_true (catd_gui_test_wait (widget_is_mapped, window, 5000));
  catd_gui_test_spin (100);
  /* Shown at that size (less the client-side decorations' frame). */
  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, ==, 1000);
  g_assert_cmpint (height, ==, 700);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), >, 1000 - 40);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 1000);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), >, 700 - 40);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (window)), <=, 700);
  gtk_window_destroy (window);

  /* A size nobody could work in (a damaged setting) is not restored. */
  g_settings_set_int (settings (), "window-width", 12);
  g_settings_set_int (settings (), "window-height", -5);
  window = new_window ();
  gtk_window_get_default_size (window, &width, &height);
  g_assert_cmpint (width, >=, 480);
  g_assert_cmpint (height, >=, 360);
  gtk_window_destroy (window);
}

/* Closing saves the size; so does quitting (Ctrl+Q), which closes the
 * windows the same way. */
static void
test_saves_on_close_and_quit (void)
{
  GtkWindow *window;

  reset_settings ();
  window = new_window ();
  gtk_window_set_default_size (window, 900, 650);
  gtk_window_present (window);
  g_assert_true (catd_gui_test_wait (widget_is_mapped, window, 5000));
  catd_gui_test_spin (100);
  gtk_window_close (window);
  catd_gui_test_spin (50);
  g_assert_cmpint (g_settings_get_int (settings (), "window-width"), ==, 900);
  g_assert_cmpint (g_settings_get_int (settings (), "window-height"), ==, 650);
  g_assert_false (g_settings_get_boolean (settings (), "window-maximized"));

  window = new_window ();
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&window);
  gtk_window_set_default_size (window, 1100, 720);
  gtk_window_present (window);
  g_assert_true (catd_gui_test_wait (widget_is_mapped, window, 5000));
  catd_gui_test_spin (100);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  catd_gui_test_spin (50);
  g_assert_null (window);
  g_assert_cmpint (g_settings_get_int (settings (), "window-width"), ==, 1100);
  g_assert_cmpint (g_settings_get_int (settings (), "window-height"), ==, 720);
}

static GPtrArray *
shortcuts_of (GtkWidget *overlay)
{
  GPtrArray *shortcuts = g_ptr_array_new ();
  GtkWidget *shortcut;

  for (guint i = 0; (shortcut = catd_gui_test_find (overlay, GTK_TYPE_SHORTCUTS_SHORTCUT, i)); i++)
    g_ptr_array_add (shortcuts, shortcut);
  return shortcuts;
}

/* Whether @shortcut shows @accel, by its action's accelerators or its own. */
static gboolean
shows_accel (GtkWidget  *shortcut,
             const char *action,
             const char *accel)
{
  g_autofree char *action_name = NULL;
  g_autofree char *accelerator = NULL;
  guint key, shown_key;
  GdkModifierType mods, shown_mods;

  g_object_get (shortcut, "action-name", &action_name, "accelerator", &accelerator, NULL);
  if (g_strcmp0 (action_name, action) == 0)
    return TRUE;
  if (accelerator == NULL || !gtk_accelerator_parse (accel, &key, &mods))
    return FALSE;
  /* "accelerator" may hold several, separated by spaces. */
  {
    g_auto(GStrv) shown = g_strsplit (accelerator, " ", -1);

    for (guint i = 0; shown[i] != NULL; i++)
      if (gtk_accelerator_parse (shown[i], &shown_key, &shown_mods) &&
          shown_key == key && shown_mods == mods)
        return TRUE;
  }
  return FALSE;
}

/* The shortcuts window lists every accelerator the application sets, and
 * every shortcut it lists by action has a key to show. */
static void
test_help_overlay_complete (void)
{
  GtkWindow *window = new_window ();
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (
    GTK_APPLICATION_WINDOW (window));
  g_autoptr(GPtrArray) shortcuts = NULL;
  g_auto(GStrv) actions = NULL;
  guint n_accels = 0;

  g_assert_nonnull (overlay);
  shortcuts = shortcuts_of (GTK_WIDGET (overlay));
  g_assert_cmpuint (shortcuts->len, >, 0);

  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  g_assert_nonnull (actions);
  for (guint a = 0; actions[a] != NULL; a++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                    actions[a]);

      for (guint k = 0; accels[k] != NULL; k++)
        {
          gboolean listed = FALSE;

          n_accels++;
          for (guint s = 0; s < shortcuts->len && !listed; s++)
            listed = shows_accel (g_ptr_array_index (shortcuts, s), actions[a], accels[k]);
          if (!listed)
            g_test_fail_printf ("the shortcuts window (ui/gtk/help-overlay.ui) does not list %s "
                                "(%s)", accels[k], actions[a]);
        }
    }
  /* Quit, preferences, switch user, two for the shortcuts, five screens. */
  g_assert_cmpuint (n_accels, >=, 10);

  for (guint s = 0; s < shortcuts->len; s++)
    {
      g_autofree char *action_name = NULL;
      g_autofree char *accelerator = NULL;
      g_autofree char *title = NULL;

      g_object_get (g_ptr_array_index (shortcuts, s), "action-name", &action_name,
                    "accelerator", &accelerator, "title", &title, NULL);
      if (action_name != NULL)
        {
          g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                        action_name);

          if (accels[0] == NULL)
            g_test_fail_printf ("the shortcut “%s” names %s, which has no accelerator", title,
                                action_name);
        }
      else if (accelerator == NULL || *accelerator == '\0')
        g_test_fail_printf ("the shortcut “%s” has neither an action nor an accelerator", title);
    }

  /* It opens, as F1 and Ctrl+? open it. */
  gtk_window_present (window);
  g_assert_true (catd_gui_test_wait (widget_is_mapped, window, 5000));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
  g_assert_true (catd_gui_test_wait (widget_is_mapped, overlay, 5000));
  gtk_window_destroy (window);
  catd_gui_test_spin (50);
}

/* The application's icon comes from the GResource, with no install: the
 * login screen and the windows show it when running from the build tree. */
static void
test_icon (void)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  g_autoptr(GtkIconPaintable) icon = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;

  g_assert_true (gtk_icon_theme_has_icon (theme, CATD_APPLICATION_ID));
  g_assert_true (gtk_icon_theme_has_icon (theme, CATD_APPLICATION_ID "-symbolic"));
  g_assert_cmpstr (gtk_window_get_default_icon_name (), ==, CATD_APPLICATION_ID);

  icon = gtk_icon_theme_lookup_icon (theme, CATD_APPLICATION_ID, NULL, 96, 1, GTK_TEXT_DIR_NONE,
                                     0);
  file = gtk_icon_paintable_get_file (icon);
  g_assert_nonnull (file);
  uri = g_file_get_uri (file);
  g_assert_true (g_str_has_suffix (uri, "/" CATD_APPLICATION_ID ".svg"));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (icon)), >, 0);
}

static gboolean
prefers_dark (void)
{
  gboolean dark;

  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", &dark, NULL);
  return dark;
}

/* The style setting applies at once, and "system" undoes a choice. */
static void
test_style (void)
{
  gboolean system = prefers_dark ();

  reset_settings ();
  g_settings_set_string (settings (), "style", "dark");
  g_assert_true (prefers_dark ());
  g_settings_set_string (settings (), "style", "light");
  g_assert_false (prefers_dark ());
  g_settings_set_string (settings (), "style", "dark");
  g_settings_set_string (settings (), "style", "system");
  g_assert_true (prefers_dark () == system);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  catd_gui_test_init (&argc, &argv);
  app = catd_application_new ();
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/window/restores-size", test_restores_size);
  g_test_add_func ("/window/saves-on-close-and-quit", test_saves_on_close_and_quit);
  g_test_add_func ("/window/help-overlay-complete", test_help_overlay_complete);
  g_test_add_func ("/window/icon", test_icon);
  g_test_add_func ("/window/style", test_style);
  status = g_test_run ();

  g_clear_object (&app);
  return status;
}
