/* test-preferences-window.c - the preferences: central site for coordinators, scanner, style
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "catd-gui-test-util.h"
#include "catd-preferences-window.h"
#include "catd-sync-service.h"
#include "catd-test-util.h"

/* A self-signed CA certificate (EC P-256, valid until 2126). */
static const char test_ca_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBhTCCASugAwIBAgIUPy9+LDam3/sMQ9mFMTAdFUM4w5QwCgYIKoZIzj0EAwIw\n"
  "FzEVMBMGA1UEAwwMQ0FURCB0ZXN0IENBMCAXDTI2MTEyNjE5MDY0MFoYDzIxMjYx\n"
  "MTAyMTkwNjQwWjAXMRUwEwYDVQQDDAxDQVREIHRlc3QgQ0EwWTATBgcqhkjOPQIB\n"
  "BggqhkjOPQMBBwNCAAQS4UmoMmteN6wRIe1tllr05W9FC1O+pmkYY0bQeuHdolCF\n"
  "ZmDEY2XztDxbZzOagxNOT69EWI8HrP9DO8XCuyewo1MwUTAdBgNVHQ4EFgQUy1bl\n"
  "AwkudLC3HQ5RwCFJgQYSdmwwHwYDVR0jBBgwFoAUy1blAwkudLC3HQ5RwCFJgQYS\n"
  "dmwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAzTJx3AgEDr+h\n"
  "FymzwExCVMB6uG85FwwX+guzhp9BuOQCIEhGXOl4dEwt4h1eeRmkU2//JJVfjCWk\n"
  "mWNURORpQSgS\n"
  "-----END CERTIFICATE-----\n";

/* Nothing listens here: the sync thread's uploads fail at once, quietly. */
#define NOWHERE_URL "http://127.0.0.1:9"

typedef struct
{
  char            *dir;
  CatdTestClock    clock;
  CatdStation     *station;
  CatdUser        *coord;
  CatdUser        *cap;
  CatdSession     *session;
  CatdSyncService *sync;
  GSettings       *settings;
  GtkWidget       *window;
  char            *token;
  char            *ca;
  guint            sync_notifies;
} Fixture;

static void
running_notify_cb (GObject    *object,
                   GParamSpec *pspec,
                   Fixture    *f)
{
  f->sync_notifies++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const char *const keys[] = { "style", "scan-device", "scan-source", "scan-resolution",
                                      "scan-mode" };

  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->cap = catd_test_add_user (f->station, f->coord, "cap", CATD_ROLE_CAPTURISTA);
  f->token = catd_test_write_file (f->dir, "token", "t0ken\n", 0600);
  f->ca = catd_test_write_file (f->dir, "ca.pem", test_ca_pem, 0644);
  f->session = catd_gui_test_session (f->station);
  f->settings = g_object_ref (catd_session_get_settings (f->session));
  /* The memory backend lives as long as the process: each test starts
   * from the schema's defaults. */
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (f->settings, keys[i]);
  /* Not started: a save restarts it (catd_sync_service_restart () starts
   * a stopped service), which the tests see as it running. */
  f->sync = catd_sync_service_new (f->station);
  catd_session_set_sync (f->session, f->sync);
  g_signal_connect (f->sync, "notify::running", G_CALLBACK (running_notify_cb), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  catd_gui_test_spin (50);
  catd_sync_service_stop (f->sync);
  g_clear_object (&f->sync);
  g_clear_object (&f->settings);
  g_clear_object (&f->session);
  g_clear_object (&f->cap);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->token);
  g_free (f->ca);
}

/* The window's widgets, in the order of ui/catd-preferences-window.ui. */
static GtkWidget *
entry (Fixture *f,
       guint    nth)   /* 0 address, 1 token file, 2 CA file */
{
  GtkWidget *widget = catd_gui_test_find (f->window, GTK_TYPE_ENTRY, nth);

  g_assert_nonnull (widget);
  return widget;
}

static GtkDropDown *
dropdown (Fixture *f,
          guint    nth)   /* 0 device, 1 source, 2 mode, 3 style */
{
  GtkWidget *widget = catd_gui_test_find (f->window, GTK_TYPE_DROP_DOWN, nth);

  g_assert_nonnull (widget);
  return GTK_DROP_DOWN (widget);
}

static GtkWidget *
button_labelled (Fixture    *f,
                 const char *label,
                 guint       nth)
{
  guint seen = 0;

  for (guint i = 0;; i++)
    {
      GtkWidget *button = catd_gui_test_find (f->window, GTK_TYPE_BUTTON, i);
      const char *text;

      if (button == NULL)
        break;
      text = gtk_button_get_label (GTK_BUTTON (button));
      if (text != NULL && g_str_equal (text, label) && seen++ == nth)
        return button;
    }
  g_test_fail_printf ("no button “%s” (%u)", label, nth);
  return NULL;
}

static GtkWidget *
save_button (Fixture *f)
{
  return button_labelled (f, _("_Save Central Site"), 0);
}

static void
open_window (Fixture  *f,
             CatdUser *user)
{
  catd_session_set_user (f->session, user);
  f->window = GTK_WIDGET (catd_preferences_window_new (f->session));
  gtk_window_present (GTK_WINDOW (f->window));
}

static gboolean
loaded (gpointer data)
{
  Fixture *f = data;

  /* The entries turn sensitive once the settings are read. */
  return gtk_widget_get_sensitive (entry (f, 0));
}

static void
wait_loaded (Fixture *f)
{
  if (!catd_gui_test_wait (loaded, f, 5000))
    g_test_fail_printf ("the central site's settings were never shown");
}

typedef struct
{
  Fixture    *f;
  const char *text;
} Shows;

static gboolean
shows (gpointer data)
{
  Shows *s = data;

  return catd_gui_test_contains_text (s->f->window, s->text);
}

static void
wait_for_text (Fixture    *f,
               const char *text)
{
  Shows s = { f, text };

  if (!catd_gui_test_wait (shows, &s, 5000))
    g_test_fail_printf ("the preferences never showed “%s”", text);
}

/* Whether a "Detail: …" line (the engine's message) is shown. */
static gboolean
shows_detail (Fixture *f)
{
  g_autofree char *prefix = g_strdup (_("Detail: %s"));

  *strstr (prefix, "%s") = '\0';
  for (guint i = 0;; i++)
    {
      GtkWidget *label = catd_gui_test_find (f->window, GTK_TYPE_LABEL, i);

      if (label == NULL)
        return FALSE;
      if (gtk_widget_get_mapped (label) &&
          g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), prefix) &&
          strlen (gtk_label_get_text (GTK_LABEL (label))) > strlen (prefix))
        return TRUE;
    }
}

static void
set_text (Fixture    *f,
          guint       nth,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (entry (f, nth)), text);
}

static void
click (GtkWidget *button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static void
assert_stored (Fixture    *f,
               const char *url,
               const char *token_file,
               const char *ca_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got_url = NULL;
  g_autofree char *got_token = NULL;
  g_autofree char *got_ca = NULL;

  g_assert_true (catd_station_get_central_config (f->station, &got_url, &got_token, &got_ca,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got_url, ==, url);
  g_assert_cmpstr (got_token, ==, token_file);
  g_assert_cmpstr (got_ca, ==, ca_file);
}

static gint64
audit_rows (Fixture *f)
{
  return catd_test_query_int (f->station, "SELECT count(*) FROM audit WHERE action = ?",
                              "station.central_config");
}

/* The coordinador sets the central site: a bad address is refused with a
 * sentence and the entry marked; a good one is stored, audited, and the
 * upload thread restarted on it. */
static void
test_coordinator_saves (Fixture       *f,
                        gconstpointer  data)
{
  GtkWidget *save;

  open_window (f, f->coord);
  wait_loaded (f);
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (entry (f, 0))));
  save = save_button (f);
  /* Nothing edited, nothing to save. */
  g_assert_false (gtk_widget_get_sensitive (save));

  set_text (f, 0, "http://central.example.org");
  set_text (f, 1, f->token);
  click (save);
  wait_for_text (f, _("The address cannot be used. It must start with https:// (plain http:// "
                      "only to this same computer) and hold no user, password, “?” or “#”. "
                      "Correct it and save again."));
  g_assert_true (gtk_widget_has_css_class (entry (f, 0), "error"));
  assert_stored (f, NULL, NULL, NULL);
  g_assert_cmpint (audit_rows (f), ==, 0);

  /* Typing again clears the complaint. */
  set_text (f, 0, "  " NOWHERE_URL "\n");
  g_assert_false (gtk_widget_has_css_class (entry (f, 0), "error"));
  set_text (f, 2, f->ca);
  f->sync_notifies = 0;
  click (save);
  {
    g_autofree char *saved = g_strdup_printf (_("Saved. This station uploads to %s from now on."),
                                              NOWHERE_URL);
    wait_for_text (f, saved);
  }
  assert_stored (f, NOWHERE_URL, f->token, f->ca);
  g_assert_cmpint (audit_rows (f), ==, 1);
  /* Restarted: it reads the new settings now. */
  g_assert_cmpuint (f->sync_notifies, ==, 1);
  g_assert_true (catd_sync_service_get_running (f->sync));
  /* The entry shows what is stored, trimmed; nothing is left to save. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry (f, 0))), ==, NOWHERE_URL);
  g_assert_false (gtk_widget_get_sensitive (save));

  /* Emptying all three stops uploading. */
  set_text (f, 0, "");
  set_text (f, 1, "");
  set_text (f, 2, "");
  click (save);
  wait_for_text (f, _("Saved. This station has no central site now: it uploads nothing until "
                      "one is set."));
  assert_stored (f, NULL, NULL, NULL);
  g_assert_cmpint (audit_rows (f), ==, 2);
}

static gboolean
sync_restarted (gpointer data)
{
  Fixture *f = data;

  return catd_sync_service_get_running (f->sync);
}

/* A save the window does not live to show still reaches the upload thread. */
static void
test_close_while_saving (Fixture       *f,
                         gconstpointer  data)
{
  open_window (f, f->coord);
  wait_loaded (f);
  set_text (f, 0, NOWHERE_URL);
  set_text (f, 1, f->token);
  click (save_button (f));
  gtk_window_destroy (GTK_WINDOW (f->window));
  f->window = NULL;
  if (!catd_gui_test_wait (sync_restarted, f, 5000))
    g_test_fail_printf ("the upload thread was not restarted after the window closed");
  assert_stored (f, NOWHERE_URL, f->token, NULL);
  g_assert_true (catd_sync_service_get_running (f->sync));
}

/* Each refusal points at the setting to mend. */
static void
test_refusals_name_the_setting (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *readable = catd_test_write_file (f->dir, "token-644", "t0ken\n", 0644);
  g_autofree char *garbage = catd_test_write_file (f->dir, "not-a-ca.pem", "nothing\n", 0644);
  const struct
  {
    const char *url;
    const char *token;
    const char *ca;
    guint       bad_entry;
    const char *sentence;
  } cases[] = {
    { NOWHERE_URL, "", "", 1,
      N_("Choose the station’s token file: the central site takes no uploads without it.") },
    { NOWHERE_URL, readable, "", 1,
      N_("The token file cannot be used. Give its full path, and check that it exists, that "
         "only its owner can read it (chmod 600) and that it holds the token alone.") },
    { NOWHERE_URL, "token", "", 1,
      N_("The token file cannot be used. Give its full path, and check that it exists, that "
         "only its owner can read it (chmod 600) and that it holds the token alone.") },
    { NOWHERE_URL, f->token, garbage, 2,
      N_("The CA file cannot be used. Give its full path and check that it holds the "
         "certificate authority of the central site, in PEM format.") },
    { "", f->token, "", 0,
      N_("Write the central site’s address, or empty both files to stop uploading.") },
  };

  open_window (f, f->coord);
  wait_loaded (f);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      set_text (f, 0, cases[i].url);
      set_text (f, 1, cases[i].token);
      set_text (f, 2, cases[i].ca);
      click (save_button (f));
      wait_for_text (f, _(cases[i].sentence));
      for (guint e = 0; e < 3; e++)
        g_assert_true (gtk_widget_has_css_class (entry (f, e), "error") == (e == cases[i].bad_entry));
      /* The engine's own words are there too, for whoever mends it. */
      g_assert_true (shows_detail (f));
    }
  assert_stored (f, NULL, NULL, NULL);
  g_assert_cmpint (audit_rows (f), ==, 0);
}

/* Anyone else reads the settings and cannot change them. */
static void
test_others_read_only (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CatdCentralConfig config = { NOWHERE_URL, f->token, NULL };

  g_assert_true (catd_station_set_central_config (f->station, f->coord, &config, &error));
  g_assert_no_error (error);

  open_window (f, f->cap);
  wait_loaded (f);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry (f, 0))), ==, NOWHERE_URL);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry (f, 1))), ==, f->token);
  wait_for_text (f, _("Only a coordinator can change the central site. Sign in as a coordinator "
                      "to change it."));
  for (guint i = 0; i < 3; i++)
    g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (entry (f, i))));
  g_assert_false (gtk_widget_get_sensitive (save_button (f)));
  g_assert_false (gtk_widget_get_sensitive (button_labelled (f, _("Choose…"), 0)));
  g_assert_false (gtk_widget_get_sensitive (button_labelled (f, _("Choose…"), 1)));
  /* Enter in the address does not save either. */
  g_signal_emit_by_name (entry (f, 0), "activate");
  catd_gui_test_spin (200);
  assert_stored (f, NOWHERE_URL, f->token, NULL);

  /* Nobody signed in (the preferences opened from the login screen): the same. */
  catd_session_set_user (f->session, NULL);
  catd_gui_test_spin (20);
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (entry (f, 0))));

  /* A coordinador signing in while it is open may change them. */
  catd_session_set_user (f->session, f->coord);
  catd_gui_test_spin (20);
  g_assert_true (gtk_editable_get_editable (GTK_EDITABLE (entry (f, 0))));
  g_assert_true (gtk_widget_get_sensitive (button_labelled (f, _("Choose…"), 0)));
  g_assert_false (catd_gui_test_contains_text (f->window, _("Only a coordinator can change the "
                                                            "central site. Sign in as a "
                                                            "coordinator to change it.")));
}

static GtkWidget *
file_chooser_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WIDGET (window);
    }
  return NULL;
}

static gboolean
chooser_shown (gpointer data)
{
  return file_chooser_dialog () != NULL;
}

static gboolean
entry_is (gpointer data)
{
  Shows *s = data;

  return g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (entry (s->f, 1))), s->text) == 0;
}

/* Choose… opens a file chooser (GTK 4.8's native one, GTK's own dialog
 * without a portal) and puts the chosen file's full path in the entry. */
static void
test_choose_token_file (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path (f->token);
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  Shows s = { f, f->token };

#if defined(__SANITIZE_ADDRESS__)
  /* GTK's file chooser watches the folder it shows, and GIO's inotify
   * backend keeps tables it never frees (reported as leaks in libgio, with
   * no frame of ours). The normal build runs this test. */
  g_test_skip ("GIO's inotify file monitor leaks under LeakSanitizer");
  return;
#endif

  open_window (f, f->coord);
  wait_loaded (f);
  click (button_labelled (f, _("Choose…"), 0));
  g_assert_true (catd_gui_test_wait (chooser_shown, NULL, 5000));
  dialog = file_chooser_dialog ();
  gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), file, &error);
  g_assert_no_error (error);
  catd_gui_test_spin (300);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  if (!catd_gui_test_wait (entry_is, &s, 5000))
    g_test_fail_printf ("the token entry shows “%s”, not the chosen file",
                        gtk_editable_get_text (GTK_EDITABLE (entry (f, 1))));
  g_assert_false (chooser_shown (NULL));
}

/* Whether the device list holds one of SANE's test backend devices. */
static gboolean
devices_listed (gpointer data)
{
  Fixture *f = data;
  GListModel *model = gtk_drop_down_get_model (dropdown (f, 0));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (strstr (gtk_string_list_get_string (GTK_STRING_LIST (model), i), "test:") != NULL)
      return TRUE;
  return FALSE;
}

static const char *
row_text (GtkDropDown *dropdown,
          guint        row)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);

  return gtk_string_list_get_string (GTK_STRING_LIST (model), row);
}

/* Scanner defaults and style are this computer's GSettings, set as they
 * are chosen, and anyone may change them. */
static void
test_scanner_and_style (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *device = NULL;
  g_autofree char *style = NULL;
  GtkSpinButton *spin;
  guint test_row = 0;

  open_window (f, f->cap);
  if (!catd_gui_test_wait (devices_listed, f, 15000))
    g_test_fail_printf ("SANE's test backend never appeared in the scanner list");
  g_assert_cmpstr (row_text (dropdown (f, 0), 0), ==, _("The first scanner found"));
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown (f, 0)), ==, 0);
  /* Every scanner SANE finds (here its test and pnm backends' devices). */
  for (guint i = 1; i < g_list_model_get_n_items (gtk_drop_down_get_model (dropdown (f, 0))); i++)
    if (strstr (row_text (dropdown (f, 0), i), "(test:0)") != NULL)
      test_row = i;
  g_assert_cmpuint (test_row, >, 0);
  gtk_drop_down_set_selected (dropdown (f, 0), test_row);
  device = g_settings_get_string (f->settings, "scan-device");
  g_assert_cmpstr (device, ==, "test:0");
  gtk_drop_down_set_selected (dropdown (f, 0), 0);
  g_clear_pointer (&device, g_free);
  device = g_settings_get_string (f->settings, "scan-device");
  g_assert_cmpstr (device, ==, "");

  /* Defaults: ADF, grey, 200 dpi, following the system. */
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown (f, 1)), ==, 1);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown (f, 2)), ==, 0);
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown (f, 3)), ==, 0);
  spin = GTK_SPIN_BUTTON (catd_gui_test_find (f->window, GTK_TYPE_SPIN_BUTTON, 0));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 200);

  gtk_drop_down_set_selected (dropdown (f, 1), 0);
  g_assert_cmpint (g_settings_get_enum (f->settings, "scan-source"), ==, 0);
  gtk_drop_down_set_selected (dropdown (f, 1), 2);
  g_assert_cmpint (g_settings_get_enum (f->settings, "scan-source"), ==, 2);
  gtk_drop_down_set_selected (dropdown (f, 2), 1);
  g_assert_cmpint (g_settings_get_enum (f->settings, "scan-mode"), ==, 1);
  gtk_spin_button_set_value (spin, 300);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "scan-resolution"), ==, 300);
  gtk_drop_down_set_selected (dropdown (f, 3), 2);
  style = g_settings_get_string (f->settings, "style");
  g_assert_cmpstr (style, ==, "dark");

  /* And the other way: a setting changed elsewhere shows here. */
  g_settings_set_string (f->settings, "style", "light");
  g_assert_cmpuint (gtk_drop_down_get_selected (dropdown (f, 3)), ==, 1);
  g_settings_set_uint (f->settings, "scan-resolution", 150);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (spin), ==, 150);
}

/* A scanner chosen before and not found now stays chosen, shown as such:
 * looking for scanners never changes the setting by itself. */
static void
test_missing_scanner_kept (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *device = NULL;
  g_autofree char *label = NULL;

  g_settings_set_string (f->settings, "scan-device", "epson2:net:192.0.2.7");
  open_window (f, f->cap);
  if (!catd_gui_test_wait (devices_listed, f, 15000))
    g_test_fail_printf ("the scanner list was never filled");
  label = g_strdup_printf (_("%s (not found now)"), "epson2:net:192.0.2.7");
  {
    GtkDropDown *devices = dropdown (f, 0);
    guint selected = gtk_drop_down_get_selected (devices);

    g_assert_cmpstr (row_text (devices, selected), ==, label);
  }
  device = g_settings_get_string (f->settings, "scan-device");
  g_assert_cmpstr (device, ==, "epson2:net:192.0.2.7");
}

int
main (int   argc,
      char *argv[])
{
  catd_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_set_up, (func), fixture_tear_down)
  ADD ("/preferences/coordinator-saves", test_coordinator_saves);
  ADD ("/preferences/close-while-saving", test_close_while_saving);
  ADD ("/preferences/refusals-name-the-setting", test_refusals_name_the_setting);
  ADD ("/preferences/others-read-only", test_others_read_only);
  ADD ("/preferences/choose-token-file", test_choose_token_file);
  ADD ("/preferences/scanner-and-style", test_scanner_and_style);
  ADD ("/preferences/missing-scanner-kept", test_missing_scanner_kept);
#undef ADD

  return g_test_run ();
}
