/* catd-application.c - the CATD Station desktop application
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-application.h"
#include "catd-demo.h"
#include "catd-preferences-window.h"
#include "catd-sync-service.h"
#include "catd-window.h"

struct _CatdApplication
{
  GtkApplication   parent_instance;

  GSettings       *settings;
  CatdSession     *session;
  CatdSyncService *sync;
  CatdDemo        *demo;
  GtkWindow       *preferences;     /* weak: the one preferences window, when open */
  char            *data_dir;
  gboolean         demo_mode;
  gboolean         opening;
  gboolean         system_prefers_dark;
};

G_DEFINE_FINAL_TYPE (CatdApplication, catd_application, GTK_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The station's data folder (default: ~/.local/share/catd-station)"), N_("DIR") },
  { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("A fresh demo station: demo election, users, scanners and central site"), NULL },
  { NULL }
};

/* Settings from the installed schema, or from the build tree's compiled one
 * when the program runs uninstalled (build/src/catd-station). */
static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaSource) build_source = NULL;
  g_autoptr(GError) error = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, CATD_APPLICATION_ID, TRUE);
  if (schema == NULL)
    {
      build_source = g_settings_schema_source_new_from_directory (CATD_BUILD_SCHEMA_DIR, source,
                                                                  FALSE, &error);
      if (build_source != NULL)
        schema = g_settings_schema_source_lookup (build_source, CATD_APPLICATION_ID, FALSE);
    }
  if (schema == NULL)
    g_error ("the settings schema %s is not installed (%s)", CATD_APPLICATION_ID,
             error ? error->message : "not found");
  return g_settings_new_full (schema, NULL, NULL);
}

static void
start_session (CatdApplication *self,
               CatdStation     *station)
{
  CatdWindow *window = CATD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (self)));

  self->session = catd_session_new (station, self->settings, self->demo_mode);
  if (self->demo != NULL)
    catd_session_set_demo_dir (self->session, catd_demo_get_dir (self->demo));
  self->sync = catd_sync_service_new (station);
  catd_session_set_sync (self->session, self->sync);
  catd_sync_service_start (self->sync);
  catd_window_set_session (window, self->session);
}

static void
open_failed (CatdApplication *self,
             const char      *message)
{
  CatdWindow *window = CATD_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (self)));

  catd_window_show_failure (window, message);
}

static void
demo_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (!catd_demo_finish (task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
demo_ready_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  CatdApplication *self = CATD_APPLICATION (object);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *message = g_strdup_printf (_("The demo station could not be prepared: %s"),
                                                  error->message);
      open_failed (self, message);
      return;
    }
  g_message ("demo station in %s, central site at %s", catd_demo_get_dir (self->demo),
             catd_demo_get_central_url (self->demo));
  start_session (self, catd_demo_get_station (self->demo));
}

static void
open_station (CatdApplication *self)
{
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  if (self->demo_mode)
    {
      g_autoptr(GTask) task = g_task_new (self, NULL, demo_ready_cb, NULL);
      g_autofree char *sane_dir = NULL;

      if (!(self->demo = catd_demo_prepare (self->data_dir, &error)))
        {
          g_autofree char *message = g_strdup_printf (_("The demo station could not be "
                                                        "prepared: %s"), error->message);
          open_failed (self, message);
          return;
        }
      /* The environment is changed here, on the main thread, before the
       * scanner helper (which inherits it) can ever start. */
      sane_dir = catd_demo_sane_dir (catd_demo_get_dir (self->demo));
      g_setenv ("SANE_CONFIG_DIR", sane_dir, TRUE);
      /* The demo lives as long as the application, which frees it. */
      g_task_set_task_data (task, self->demo, NULL);
      g_task_run_in_thread (task, demo_thread);
      return;
    }

  dir = self->data_dir ? g_strdup (self->data_dir)
                       : g_build_filename (g_get_user_data_dir (), "catd-station", NULL);
  /* Opening is one SQLite open and a schema check: quick enough for start-up. */
  station = catd_station_open (dir, &error);
  if (station == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED))
        message = g_strdup_printf (_("There is no station in %s. A coordinator sets it up with "
                                     "“catdctl init”, or start the demo with --demo."), dir);
      else
        message = g_strdup_printf (_("The station in %s cannot be opened: %s"), dir,
                                   error->message);
      open_failed (self, message);
      return;
    }
  start_session (self, station);
}

static void
catd_application_activate (GApplication *app)
{
  CatdApplication *self = CATD_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (catd_window_new (self));
      open_station (self);
    }
  gtk_window_present (window);
}

static int
catd_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  CatdApplication *self = CATD_APPLICATION (app);
  const char *data_dir = NULL;

  if (g_variant_dict_lookup (options, "data-dir", "^&ay", &data_dir))
    self->data_dir = g_canonicalize_filename (data_dir, NULL);
  self->demo_mode = g_variant_dict_contains (options, "demo");

  return G_APPLICATION_CLASS (catd_application_parent_class)->handle_local_options (app, options);
}

/* Quitting closes the windows, as their close buttons do, so that each
 * saves its state (size, maximized) the same way; the application ends
 * with its last window. */
static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (user_data)),
                                     (GCopyFunc)g_object_ref, NULL);

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CatdApplication *self = CATD_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWindow *preferences;

  if (self->session == NULL)
    return;
  if (self->preferences != NULL)
    {
      gtk_window_present (self->preferences);
      return;
    }
  preferences = GTK_WINDOW (catd_preferences_window_new (self->session));
  gtk_window_set_transient_for (preferences, parent);
  g_set_weak_pointer (&self->preferences, preferences);
  gtk_window_present (preferences);
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  CatdApplication *self = CATD_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  static const char *authors[] = { "The CATD Station authors", NULL };

  gtk_show_about_dialog (parent,
                         "program-name", _("CATD Station"),
                         "logo-icon-name", CATD_APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Reception, scanning, double-blind capture and upload of "
                                       "tally sheets for the preliminary results program"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "preferences", preferences_action },
  { "about", about_action },
};

static void
apply_style (CatdApplication *self)
{
  GtkSettings *gtk_settings = gtk_settings_get_default ();
  g_autofree char *style = g_settings_get_string (self->settings, "style");
  gboolean dark = self->system_prefers_dark;

  /* "system" is what the desktop said when the program started (its
   * settings.ini or XSettings); GTK 4.8 has no colour-scheme preference of
   * its own to follow. Going back to it undoes a light or dark choice
   * without a restart. */
  gboolean current;

  if (g_strcmp0 (style, "dark") == 0)
    dark = TRUE;
  else if (g_strcmp0 (style, "light") == 0)
    dark = FALSE;
  /* Setting it reloads the theme (some 50 ms at start-up) even when the
   * value does not change. */
  g_object_get (gtk_settings, "gtk-application-prefer-dark-theme", &current, NULL);
  if (current != dark)
    g_object_set (gtk_settings, "gtk-application-prefer-dark-theme", dark, NULL);
}

static void
catd_application_startup (GApplication *app)
{
  CatdApplication *self = CATD_APPLICATION (app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.switch-user", { "<Control><Shift>l", NULL } },
    { "win.show-help-overlay", { "<Control>question", "F1", NULL } },
    { "win.page::acopio", { "<Alt>1", NULL } },
    { "win.page::digitalizacion", { "<Alt>2", NULL } },
    { "win.page::captura", { "<Alt>3", NULL } },
    { "win.page::arbitraje", { "<Alt>4", NULL } },
    { "win.page::coordinacion", { "<Alt>5", NULL } },
  };

  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (catd_application_parent_class)->startup (app);

  /* GtkApplication (unlike libadwaita's) does not load style.css itself. */
  gtk_css_provider_load_from_resource (css, "/mx/catd/Station/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  self->settings = settings_new ();
  g_object_get (gtk_settings_get_default (), "gtk-application-prefer-dark-theme",
                &self->system_prefers_dark, NULL);
  /* The icon is in the GResource (/mx/catd/Station/icons), so windows have
   * it when the program runs uninstalled too. */
  gtk_window_set_default_icon_name (CATD_APPLICATION_ID);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action,
                                           accels[i].accels);
  g_signal_connect_object (self->settings, "changed::style", G_CALLBACK (apply_style), self,
                           G_CONNECT_SWAPPED);
  apply_style (self);
}

static void
catd_application_shutdown (GApplication *app)
{
  CatdApplication *self = CATD_APPLICATION (app);

  /* Stop uploading before the engine closes; an upload cut here stays
   * queued and goes out at the next start. */
  if (self->sync != NULL)
    catd_sync_service_stop (self->sync);
  g_clear_object (&self->sync);
  g_clear_object (&self->session);
  g_clear_pointer (&self->demo, catd_demo_free);

  G_APPLICATION_CLASS (catd_application_parent_class)->shutdown (app);
}

static void
catd_application_finalize (GObject *object)
{
  CatdApplication *self = (CatdApplication *)object;

  g_clear_weak_pointer (&self->preferences);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->data_dir, g_free);

  G_OBJECT_CLASS (catd_application_parent_class)->finalize (object);
}

static void
catd_application_class_init (CatdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = catd_application_finalize;
  app_class->activate = catd_application_activate;
  app_class->startup = catd_application_startup;
  app_class->shutdown = catd_application_shutdown;
  app_class->handle_local_options = catd_application_handle_local_options;
}

static void
catd_application_init (CatdApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Reception, scanning, double-blind capture and "
                                              "upload of actas for a CATD"));
}

CatdApplication *
catd_application_new (void)
{
  /* Non-unique: each station window is its own process with its own data
   * folder, and tests start several side by side. */
  return g_object_new (CATD_TYPE_APPLICATION,
                       "application-id", CATD_APPLICATION_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/mx/catd/Station",
                       NULL);
}

/* The session, or %NULL while the station opens. */
CatdSession *
catd_application_get_session (CatdApplication *self)
{
  g_return_val_if_fail (CATD_IS_APPLICATION (self), NULL);

  return self->session;
}

GSettings *
catd_application_get_settings (CatdApplication *self)
{
  g_return_val_if_fail (CATD_IS_APPLICATION (self), NULL);

  return self->settings;
}
