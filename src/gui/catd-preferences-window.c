/* catd-preferences-window.c - central site, certificates, scanner defaults, style
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-errors.h"
#include "catd-preferences-window.h"
#include "catd-scanner.h"
#include "catd-sync-service.h"

/* Two kinds of setting live here. The central site (URL, token file, CA
 * file) is the station's, kept in its database: read and written on a
 * worker thread through the session, changed only by a coordinador (the
 * engine refuses anyone else and audits each change), and followed by a
 * restart of the upload thread so that it takes effect at once. The
 * scanner defaults and the style are this computer's, in GSettings, and
 * apply as they are chosen. */

struct _CatdPreferencesWindow
{
  GtkWindow             parent_instance;

  CatdSession          *session;
  GCancellable         *cancellable;
  CatdScanner          *scanner;
  GPtrArray            *device_names;   /* of the device dropdown's rows; "" the first found */
  GtkFileChooserNative *chooser;

  /* The central site as stored, to tell an edit from what is saved. */
  char                 *stored_url;
  char                 *stored_token;
  char                 *stored_ca;
  gboolean              loaded;
  gboolean              saving;
  gboolean              filling;        /* entries set by the program, not typed */
  gboolean              listing;

  GtkEntry             *url_entry;
  GtkEntry             *token_entry;
  GtkEntry             *ca_entry;
  GtkWidget            *token_button;
  GtkWidget            *ca_button;
  GtkWidget            *central_save_button;
  GtkWidget            *central_spinner;
  GtkLabel             *central_status_label;
  GtkLabel             *central_detail_label;
  GtkWidget            *read_only_box;
  GtkDropDown          *device_dropdown;
  GtkStringList        *device_model;
  GtkLabel             *device_status_label;
  GtkStack             *refresh_stack;
  GtkDropDown          *source_dropdown;
  GtkSpinButton        *resolution_spin;
  GtkDropDown          *mode_dropdown;
  GtkDropDown          *style_dropdown;
};

G_DEFINE_FINAL_TYPE (CatdPreferencesWindow, catd_preferences_window, GTK_TYPE_WINDOW)

/* The dropdowns' rows, in the order of their .ui models, as the schema's
 * nicks (data/mx.catd.Station.gschema.xml). */
static const char *const style_nicks[] = { "system", "light", "dark", NULL };
static const char *const source_nicks[] = { "flatbed", "adf", "duplex", NULL };
static const char *const mode_nicks[] = { "gray", "color", NULL };

/* ---- the central site ----------------------------------------------------- */

typedef struct
{
  char *url;
  char *token_file;
  char *ca_file;
} Central;

static void
central_free (gpointer data)
{
  Central *central = data;

  g_free (central->url);
  g_free (central->token_file);
  g_free (central->ca_file);
  g_free (central);
}

/* What a save answers: the engine's refusal travels with the setting it
 * names, so the error is a field of the result, not a GError of the task. */
typedef struct
{
  GError             *error;
  CatdCentralSetting  bad_setting;
} SaveResult;

static void
save_result_free (gpointer data)
{
  SaveResult *result = data;

  g_clear_error (&result->error);
  g_free (result);
}

static gboolean
user_is_coordinator (CatdUser *user)
{
  return user != NULL && catd_user_get_role (user) == CATD_ROLE_COORDINADOR;
}

static gboolean
is_coordinator (CatdPreferencesWindow *self)
{
  return self->session != NULL && user_is_coordinator (catd_session_get_user (self->session));
}

/* An entry's text without the blanks around it: a path pasted with a
 * trailing newline is still the path. */
static char *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
}

static gboolean
central_edited (CatdPreferencesWindow *self)
{
  g_autofree char *url = entry_text (self->url_entry);
  g_autofree char *token = entry_text (self->token_entry);
  g_autofree char *ca = entry_text (self->ca_entry);

  return g_strcmp0 (url, self->stored_url ? self->stored_url : "") != 0 ||
         g_strcmp0 (token, self->stored_token ? self->stored_token : "") != 0 ||
         g_strcmp0 (ca, self->stored_ca ? self->stored_ca : "") != 0;
}

static void
update_central (CatdPreferencesWindow *self)
{
  gboolean coordinator = is_coordinator (self);
  gboolean editable = self->loaded && coordinator && !self->saving;
  GtkEntry *entries[] = { self->url_entry, self->token_entry, self->ca_entry };

  /* Others still read the settings (and a screen reader reads them out):
   * the entries stay sensitive, only not editable. */
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (entries[i]), self->loaded);
      gtk_editable_set_editable (GTK_EDITABLE (entries[i]), editable);
    }
  gtk_widget_set_sensitive (self->token_button, editable);
  gtk_widget_set_sensitive (self->ca_button, editable);
  gtk_widget_set_sensitive (self->central_save_button, editable && central_edited (self));
  gtk_widget_set_visible (self->read_only_box, self->loaded && !coordinator);
  gtk_widget_set_visible (self->central_spinner, self->saving);
  gtk_spinner_set_spinning (GTK_SPINNER (self->central_spinner), self->saving);
}

static void
clear_central_status (CatdPreferencesWindow *self)
{
  GtkWidget *entries[] = { GTK_WIDGET (self->url_entry), GTK_WIDGET (self->token_entry),
                           GTK_WIDGET (self->ca_entry) };

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    gtk_widget_remove_css_class (entries[i], "error");
  gtk_widget_set_visible (GTK_WIDGET (self->central_status_label), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->central_detail_label), FALSE);
}

/* Shows @sentence under the central site; @detail (nullable) is the
 * engine's own words, kept for whoever mends the setting. */
static void
show_central_status (CatdPreferencesWindow *self,
                     const char            *sentence,
                     const char            *detail,
                     gboolean               is_error)
{
  GtkWidget *label = GTK_WIDGET (self->central_status_label);

  gtk_label_set_label (self->central_status_label, sentence);
  gtk_widget_set_visible (label, TRUE);
  if (is_error)
    {
      gtk_widget_remove_css_class (label, "success");
      gtk_widget_add_css_class (label, "error");
    }
  else
    {
      gtk_widget_remove_css_class (label, "error");
      gtk_widget_add_css_class (label, "success");
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  sentence, -1);
  if (detail != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Detail: %s"), detail);

      gtk_label_set_label (self->central_detail_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->central_detail_label), detail != NULL);
}

static void
fill_entry (CatdPreferencesWindow *self,
            GtkEntry              *entry,
            const char            *text)
{
  self->filling = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (entry), text ? text : "");
  self->filling = FALSE;
}

static gpointer
load_central_func (CatdStation  *station,
                   CatdUser     *user,
                   gpointer      data,
                   GError      **error)
{
  Central *central = g_new0 (Central, 1);

  if (!catd_station_get_central_config (station, &central->url, &central->token_file,
                                        &central->ca_file, error))
    {
      central_free (central);
      return NULL;
    }
  return central;
}

static void
load_central_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CatdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  Central *central = catd_session_run_finish (CATD_SESSION (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (central == NULL)
    {
      g_autofree char *sentence = catd_session_describe_error (error);

      show_central_status (self, sentence, error->message, TRUE);
      return;
    }

  g_free (self->stored_url);
  g_free (self->stored_token);
  g_free (self->stored_ca);
  self->stored_url = g_steal_pointer (&central->url);
  self->stored_token = g_steal_pointer (&central->token_file);
  self->stored_ca = g_steal_pointer (&central->ca_file);
  central_free (central);
  fill_entry (self, self->url_entry, self->stored_url);
  fill_entry (self, self->token_entry, self->stored_token);
  fill_entry (self, self->ca_entry, self->stored_ca);
  self->loaded = TRUE;
  update_central (self);
}

static void
central_changed_cb (CatdPreferencesWindow *self)
{
  if (!self->filling)
    clear_central_status (self);
  update_central (self);
}

static gpointer
save_central_func (CatdStation  *station,
                   CatdUser     *user,
                   gpointer      data,
                   GError      **error)
{
  Central *central = data;
  CatdCentralConfig config = { central->url, central->token_file, central->ca_file };
  SaveResult *result = g_new0 (SaveResult, 1);

  /* The check first, to learn which setting to point at; the setter
   * checks again, under the station's rules, before it writes. Anyone
   * else is refused by the setter before a file is opened. */
  if (user_is_coordinator (user) &&
      !catd_central_config_check (&config, &result->bad_setting, &result->error))
    return result;
  catd_station_set_central_config (station, user, &config, &result->error);
  return result;
}

/* The sentence for a refused setting: what is wrong and what to do. */
static const char *
refusal_sentence (CatdPreferencesWindow *self,
                  CatdCentralSetting     setting,
                  GtkEntry              *entry)
{
  g_autofree char *text = entry_text (entry);
  gboolean empty = *text == '\0';

  switch (setting)
    {
    case CATD_CENTRAL_SETTING_URL:
      return empty ? _("Write the central site’s address, or empty both files to stop uploading.")
                   : _("The address cannot be used. It must start with https:// (plain http:// "
                       "only to this same computer) and hold no user, password, “?” or “#”. "
                       "Correct it and save again.");
    case CATD_CENTRAL_SETTING_TOKEN_FILE:
      return empty ? _("Choose the station’s token file: the central site takes no uploads "
                       "without it.")
                   : _("The token file cannot be used. Give its full path, and check that it "
                       "exists, that only its owner can read it (chmod 600) and that it holds "
                       "the token alone.");
    case CATD_CENTRAL_SETTING_CA_FILE:
      return _("The CA file cannot be used. Give its full path and check that it holds the "
               "certificate authority of the central site, in PEM format.");
    default:
      g_assert_not_reached ();
    }
}

/* Makes the upload thread read the new settings now (a run with the old
 * ones is cut), rather than when it next looks. */
static void
restart_sync (CatdSession *session)
{
  CatdSyncService *sync = catd_session_get_sync (session);

  if (sync != NULL)
    catd_sync_service_restart (sync);
}

static void
save_central_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CatdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  SaveResult *save = catd_session_run_finish (CATD_SESSION (object), result, &error);
  g_autofree char *url = NULL;

  /* The save is never cancelled: once written, the upload thread must
   * take the new settings even if the window was closed meanwhile. */
  g_assert (save != NULL);
  if (save->error == NULL)
    restart_sync (CATD_SESSION (object));
  if (self->session == NULL)
    {
      /* Closed while saving: nothing left to show it in. */
      save_result_free (save);
      return;
    }
  self->saving = FALSE;

  if (save->error != NULL)
    {
      GtkEntry *entries[] = { self->url_entry, self->token_entry, self->ca_entry };

      if (g_error_matches (save->error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT))
        {
          GtkEntry *entry = entries[save->bad_setting];

          show_central_status (self, refusal_sentence (self, save->bad_setting, entry),
                               save->error->message, TRUE);
          gtk_widget_add_css_class (GTK_WIDGET (entry), "error");
          update_central (self);
          gtk_widget_grab_focus (GTK_WIDGET (entry));
        }
      else
        {
          g_autofree char *sentence = catd_session_describe_error (save->error);

          show_central_status (self, sentence, save->error->message, TRUE);
          update_central (self);
        }
      save_result_free (save);
      return;
    }
  save_result_free (save);

  url = entry_text (self->url_entry);
  g_free (self->stored_url);
  g_free (self->stored_token);
  g_free (self->stored_ca);
  self->stored_url = *url ? g_strdup (url) : NULL;
  self->stored_token = entry_text (self->token_entry);
  self->stored_ca = entry_text (self->ca_entry);
  if (*self->stored_token == '\0')
    g_clear_pointer (&self->stored_token, g_free);
  if (*self->stored_ca == '\0')
    g_clear_pointer (&self->stored_ca, g_free);
  fill_entry (self, self->url_entry, self->stored_url);
  fill_entry (self, self->token_entry, self->stored_token);
  fill_entry (self, self->ca_entry, self->stored_ca);

  if (self->stored_url != NULL)
    {
      g_autofree char *sentence = g_strdup_printf (_("Saved. This station uploads to %s from "
                                                     "now on."), self->stored_url);

      show_central_status (self, sentence, NULL, FALSE);
    }
  else
    show_central_status (self, _("Saved. This station has no central site now: it uploads "
                                 "nothing until one is set."), NULL, FALSE);
  update_central (self);
}

static void
central_save_cb (CatdPreferencesWindow *self)
{
  Central *central;

  if (!self->loaded || self->saving || !is_coordinator (self) || !central_edited (self))
    return;

  clear_central_status (self);
  central = g_new0 (Central, 1);
  central->url = entry_text (self->url_entry);
  central->token_file = entry_text (self->token_entry);
  central->ca_file = entry_text (self->ca_entry);
  self->saving = TRUE;
  update_central (self);
  /* Reads both files and writes the database: off the main loop. No
   * cancellable: see save_central_cb (). */
  catd_session_run_async (self->session, save_central_func, central, central_free,
                          save_result_free, NULL, save_central_cb, g_object_ref (self));
}

/* ---- the file choosers ------------------------------------------------------ */

static void
chooser_response_cb (CatdPreferencesWindow *self,
                     int                    response,
                     GtkFileChooserNative  *chooser)
{
  GtkEntry *entry = g_object_get_data (G_OBJECT (chooser), "catd-entry");

  if (response == GTK_RESPONSE_ACCEPT && is_coordinator (self) && !self->saving)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      if (path == NULL)
        show_central_status (self, _("Choose a file on this computer: the station reads it "
                                     "each time it uploads."), NULL, TRUE);
      else
        {
          gtk_editable_set_text (GTK_EDITABLE (entry), path);
          gtk_widget_grab_focus (self->central_save_button);
        }
    }
  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (chooser));
  if (self->chooser == chooser)
    g_clear_object (&self->chooser);
}

static void
choose_file (CatdPreferencesWindow *self,
             GtkEntry              *entry,
             const char            *title,
             gboolean               certificates)
{
  g_autofree char *current = entry_text (entry);
  GtkFileChooserNative *chooser;

  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }

  /* GTK 4.8 has no GtkFileDialog: the native chooser is the portal's
   * when there is one, GTK's own dialog otherwise. */
  chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "catd-entry", entry);
  if (certificates)
    {
      g_autoptr(GtkFileFilter) pem = gtk_file_filter_new ();
      g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

      gtk_file_filter_set_name (pem, _("Certificates (PEM)"));
      gtk_file_filter_add_pattern (pem, "*.pem");
      gtk_file_filter_add_pattern (pem, "*.crt");
      gtk_file_filter_add_pattern (pem, "*.cer");
      gtk_file_filter_set_name (all, _("All files"));
      gtk_file_filter_add_pattern (all, "*");
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), pem);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
    }
  if (g_path_is_absolute (current) && g_file_test (current, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GFile) file = g_file_new_for_path (current);

      gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, NULL);
    }
  g_signal_connect_object (chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  self->chooser = chooser;
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
choose_token_cb (CatdPreferencesWindow *self)
{
  choose_file (self, self->token_entry, _("Choose the Station’s Token File"), FALSE);
}

static void
choose_ca_cb (CatdPreferencesWindow *self)
{
  choose_file (self, self->ca_entry, _("Choose the Central Site’s CA File"), TRUE);
}

/* ---- the scanner ------------------------------------------------------------ */

static char *
device_label (const CatdScanDevice *device)
{
  g_autofree char *maker = g_strjoin (" ", device->vendor ? device->vendor : "",
                                      device->model ? device->model : "", NULL);

  g_strstrip (maker);
  if (*maker == '\0')
    return g_strdup (device->name);
  /* TRANSLATORS: a scanner: its maker and model, then its SANE device name */
  return g_strdup_printf (_("%s (%s)"), maker, device->name);
}

static void
device_selected_cb (CatdPreferencesWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->device_dropdown);

  if (self->listing || self->session == NULL || selected >= self->device_names->len)
    return;
  g_settings_set_string (catd_session_get_settings (self->session), "scan-device",
                         g_ptr_array_index (self->device_names, selected));
}

/* Fills the device dropdown: the first scanner found, then @devices, and
 * the stored device when it is not among them (unplugged, switched off),
 * so that looking does not change the setting by itself. */
static void
fill_devices (CatdPreferencesWindow *self,
              GPtrArray             *devices)
{
  g_autofree char *stored = g_settings_get_string (catd_session_get_settings (self->session),
                                                   "scan-device");
  guint n_rows = g_list_model_get_n_items (G_LIST_MODEL (self->device_model));
  guint selected = 0;

  self->listing = TRUE;
  gtk_string_list_splice (self->device_model, 0, n_rows, NULL);
  g_ptr_array_set_size (self->device_names, 0);

  gtk_string_list_append (self->device_model, _("The first scanner found"));
  g_ptr_array_add (self->device_names, g_strdup (""));
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    {
      const CatdScanDevice *device = g_ptr_array_index (devices, i);
      g_autofree char *label = device_label (device);

      gtk_string_list_append (self->device_model, label);
      g_ptr_array_add (self->device_names, g_strdup (device->name));
      if (g_strcmp0 (device->name, stored) == 0)
        selected = self->device_names->len - 1;
    }
  if (*stored != '\0' && selected == 0)
    {
      /* TRANSLATORS: a scanner chosen before that is not found now */
      g_autofree char *label = g_strdup_printf (_("%s (not found now)"), stored);

      gtk_string_list_append (self->device_model, label);
      g_ptr_array_add (self->device_names, g_strdup (stored));
      selected = self->device_names->len - 1;
    }
  gtk_drop_down_set_selected (self->device_dropdown, selected);
  self->listing = FALSE;
}

static void
list_devices_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CatdPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = catd_scanner_list_devices_finish (CATD_SCANNER (object),
                                                                   result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED))
    return;
  gtk_stack_set_visible_child_name (self->refresh_stack, "button");
  fill_devices (self, devices);
  if (devices == NULL)
    {
      g_autofree char *sentence = catd_session_describe_error (error);

      gtk_label_set_label (self->device_status_label, sentence);
    }
  else if (devices->len == 0)
    gtk_label_set_label (self->device_status_label,
                         _("No scanner found. Check that it is connected and switched on, then "
                           "look again."));
  else
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%u scanner found.",
                                                            "%u scanners found.",
                                                            devices->len),
                                               devices->len);

      gtk_label_set_label (self->device_status_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->device_status_label), TRUE);
}

static void
refresh_devices_cb (CatdPreferencesWindow *self)
{
  if (self->scanner == NULL)
    self->scanner = catd_scanner_new ();
  gtk_stack_set_visible_child_name (self->refresh_stack, "spinner");
  /* A network backend can take seconds: the scanner's own thread looks. */
  catd_scanner_list_devices_async (self->scanner, self->cancellable, list_devices_cb,
                                   g_object_ref (self));
}

/* ---- GSettings bindings ------------------------------------------------------ */

/* A string key shown as the row of a dropdown: @user_data is the key's
 * values in the dropdown's order. */
static gboolean
nick_to_row (GValue   *value,
             GVariant *variant,
             gpointer  user_data)
{
  const char *const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i] != NULL; i++)
    if (g_strcmp0 (nicks[i], nick) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
row_to_nick (const GValue       *value,
             const GVariantType *expected_type,
             gpointer            user_data)
{
  const char *const *nicks = user_data;
  guint row = g_value_get_uint (value);

  if (row >= g_strv_length ((char **)nicks))
    return NULL;
  return g_variant_new_string (nicks[row]);
}

static gboolean
uint_to_double (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  g_value_set_double (value, g_variant_get_uint32 (variant));
  return TRUE;
}

static GVariant *
double_to_uint (const GValue       *value,
                const GVariantType *expected_type,
                gpointer            user_data)
{
  return g_variant_new_uint32 ((guint32)(g_value_get_double (value) + 0.5));
}

static void
bind_dropdown (GSettings         *settings,
               const char        *key,
               GtkDropDown       *dropdown,
               const char *const *nicks)
{
  g_settings_bind_with_mapping (settings, key, dropdown, "selected", G_SETTINGS_BIND_DEFAULT,
                                nick_to_row, row_to_nick, (gpointer)nicks, NULL);
}

/* ---- the window -------------------------------------------------------------- */

static void
catd_preferences_window_dispose (GObject *object)
{
  CatdPreferencesWindow *self = (CatdPreferencesWindow *)object;

  g_cancellable_cancel (self->cancellable);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->scanner);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (catd_preferences_window_parent_class)->dispose (object);
}

static void
catd_preferences_window_finalize (GObject *object)
{
  CatdPreferencesWindow *self = (CatdPreferencesWindow *)object;

  g_clear_pointer (&self->device_names, g_ptr_array_unref);
  g_free (self->stored_url);
  g_free (self->stored_token);
  g_free (self->stored_ca);

  G_OBJECT_CLASS (catd_preferences_window_parent_class)->finalize (object);
}

static void
catd_preferences_window_class_init (CatdPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_preferences_window_dispose;
  object_class->finalize = catd_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mx/catd/Station/catd-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, url_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, token_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, ca_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, token_button);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, ca_button);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, central_save_button);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, central_spinner);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, central_status_label);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, central_detail_label);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, read_only_box);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, device_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, device_model);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, device_status_label);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, refresh_stack);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, source_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, resolution_spin);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, style_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, central_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, central_save_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_token_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_ca_cb);
  gtk_widget_class_bind_template_callback (widget_class, refresh_devices_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
catd_preferences_window_init (CatdPreferencesWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->device_names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * catd_preferences_window_new:
 *
 * The preferences of @session's station and of this computer. Starts
 * reading the central site's settings and looking for scanners at once;
 * both answer on the main loop.
 */
CatdPreferencesWindow *
catd_preferences_window_new (CatdSession *session)
{
  CatdPreferencesWindow *self;
  GSettings *settings;

  g_return_val_if_fail (CATD_IS_SESSION (session), NULL);

  self = g_object_new (CATD_TYPE_PREFERENCES_WINDOW, NULL);
  self->session = g_object_ref (session);
  settings = catd_session_get_settings (session);

  bind_dropdown (settings, "style", self->style_dropdown, style_nicks);
  bind_dropdown (settings, "scan-source", self->source_dropdown, source_nicks);
  bind_dropdown (settings, "scan-mode", self->mode_dropdown, mode_nicks);
  g_settings_bind_with_mapping (settings, "scan-resolution",
                                gtk_spin_button_get_adjustment (self->resolution_spin), "value",
                                G_SETTINGS_BIND_DEFAULT, uint_to_double, double_to_uint,
                                NULL, NULL);
  fill_devices (self, NULL);
  g_signal_connect_object (self->device_dropdown, "notify::selected",
                           G_CALLBACK (device_selected_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (session, "notify::user", G_CALLBACK (update_central), self,
                           G_CONNECT_SWAPPED);
  update_central (self);
  catd_session_run_async (session, load_central_func, NULL, NULL, central_free,
                          self->cancellable, load_central_cb, g_object_ref (self));
  refresh_devices_cb (self);

  return self;
}
