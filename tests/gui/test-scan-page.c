/* test-scan-page.c - the Digitalización screen, driven as the digitalizador does
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

/* The engine's headers first: see src/gui/catd-scan-engine.h. */
#include "catd-scan-engine.h"
#include "catd-fake-scanner.h"

#include "catd-application.h"
#include "catd-gui-test-util.h"
#include "catd-scan-page.h"
#include "catd-synth.h"
#include "catd-test-util.h"

/* Every test scans for real: SANE's test and pnm backends through the
 * catd-scand helper (SANE_CONFIG_DIR=tests/sane), or the test suite's
 * stand-in device behind the same CatdScanner, with pages drawn by
 * catd_synth_render () (their QR label names the acta). */

#define WAIT_MS 60000
#define SYNTH_DPI 200

/* The screen never runs SQL on the main thread: every statement the
 * station's connection runs there while the screen works is counted (the
 * test's own look-ups are not watched). */
static GThread *main_thread;
static int      watching;
static int      main_thread_sql;

static int
trace_cb (unsigned int  type,
          void         *context,
          void         *statement,
          void         *x)
{
  if (type == SQLITE_TRACE_STMT && g_thread_self () == main_thread &&
      g_atomic_int_get (&watching))
    {
      char *sql = sqlite3_expanded_sql (statement);

      g_atomic_int_inc (&main_thread_sql);
      g_test_message ("SQL on the main thread: %s", sql ? sql : "?");
      sqlite3_free (sql);
    }
  return 0;
}

static void
watch (gboolean on)
{
  g_atomic_int_set (&watching, on);
}

static gint64
db_int (CatdStation *station,
        const char  *sql,
        const char  *arg)
{
  gint64 value;

  watch (FALSE);
  value = catd_test_query_int (station, sql, arg);
  watch (TRUE);
  return value;
}

static char *
db_text (CatdStation *station,
         const char  *sql,
         const char  *arg)
{
  char *value;

  watch (FALSE);
  value = catd_test_query_text (station, sql, arg);
  watch (TRUE);
  return value;
}

static char *
db_acta (CatdStation *station,
         const char  *where)
{
  char *value;

  watch (FALSE);
  value = catd_test_catalog_acta (station, where);
  watch (TRUE);
  return value;
}

typedef struct
{
  char          *dir;
  char          *images_dir;
  CatdTestClock  clock;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *aco;
  CatdUser      *dig;
  CatdSession   *session;
  GtkWidget     *page;
  GtkWidget     *window;
  CatdImageView *view;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  gboolean demo = GPOINTER_TO_INT (data);
  g_autoptr(GSettings) settings = g_settings_new (CATD_APPLICATION_ID);

  f->dir = catd_test_make_dir ();
  f->images_dir = g_build_filename (f->dir, "images", NULL);
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  /* Each test starts from the schema's defaults (the feeder, 200 dpi, grey). */
  g_settings_reset (settings, "scan-device");
  g_settings_reset (settings, "scan-source");
  g_settings_reset (settings, "scan-resolution");
  g_settings_reset (settings, "scan-mode");
  f->session = catd_session_new (f->station, settings, demo);
  if (demo)
    {
      g_autofree char *demo_dir = g_build_filename (f->dir, "demo", NULL);
      g_autofree char *pages = g_build_filename (demo_dir, "pages", NULL);

      g_assert_cmpint (g_mkdir_with_parents (pages, 0700), ==, 0);
      catd_session_set_demo_dir (f->session, demo_dir);
    }
  f->page = g_object_new (CATD_TYPE_SCAN_PAGE, "session", f->session, NULL);
  f->view = catd_scan_page_get_image_view (CATD_SCAN_PAGE (f->page));
  f->window = catd_gui_test_window (f->page);
  catd_session_set_user (f->session, f->dig);
  sqlite3_trace_v2 (catd_store_get_db (catd_station_get_store (f->station)), SQLITE_TRACE_STMT,
                    trace_cb, NULL);
  main_thread_sql = 0;
  watch (TRUE);
  catd_gui_test_spin (100);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  watch (FALSE);
  if (main_thread_sql > 0)
    g_test_fail_printf ("the screen ran %d SQL statement(s) on the main thread",
                        main_thread_sql);
  sqlite3_trace_v2 (catd_store_get_db (catd_station_get_store (f->station)), 0, NULL, NULL);
  gtk_window_destroy (GTK_WINDOW (f->window));
  catd_gui_test_spin (50);
  g_clear_object (&f->session);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->images_dir);
  g_free (f->dir);
}

/* ---- finding and driving the screen ------------------------------------------ */

/* The label of a button as shown: @msgid translated, its mnemonic mark gone. */
static char *
shown_label (const char *msgid)
{
  GString *text = g_string_new (_(msgid));

  g_string_replace (text, "_", "", 0);
  return g_string_free (text, FALSE);
}

static GtkWidget *
find_button (Fixture    *f,
             const char *msgid)
{
  g_autofree char *text = shown_label (msgid);
  GtkWidget *label = catd_gui_test_find_label (f->page, text);
  GtkWidget *button = label ? gtk_widget_get_ancestor (label, GTK_TYPE_BUTTON) : NULL;

  if (button == NULL)
    g_test_fail_printf ("no button “%s” is shown", text);
  return button;
}

static void
click (Fixture    *f,
       const char *msgid)
{
  GtkWidget *button = find_button (f, msgid);

  if (button != NULL)
    {
      g_assert_true (gtk_widget_is_sensitive (button));
      g_signal_emit_by_name (button, "clicked");
    }
}

/* The screen's entries, in the order of the template: the acta key, the
 * reason for a replacement, the key to bind a page to by hand. */
static GtkEditable *
entry (Fixture *f,
       guint    nth)
{
  GtkWidget *widget = catd_gui_test_find (f->page, GTK_TYPE_ENTRY, nth);

  g_assert_nonnull (widget);
  return GTK_EDITABLE (widget);
}

/* The screen's drop-downs: scanner, source, resolution, mode. */
static GtkDropDown *
dropdown (Fixture *f,
          guint    nth)
{
  GtkWidget *widget = catd_gui_test_find (f->page, GTK_TYPE_DROP_DOWN, nth);

  g_assert_nonnull (widget);
  return GTK_DROP_DOWN (widget);
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

  return catd_gui_test_contains_text (s->f->page, s->text);
}

static gboolean
wait_for_text (Fixture    *f,
               const char *text)
{
  Shows s = { f, text };

  if (catd_gui_test_wait (shows, &s, WAIT_MS))
    return TRUE;
  g_test_fail_printf ("the scan screen never showed “%s”", text);
  return FALSE;
}

static gboolean
page_idle (gpointer data)
{
  Fixture *f = data;

  return !catd_scan_page_get_busy (CATD_SCAN_PAGE (f->page));
}

static void
wait_idle (Fixture *f)
{
  if (!catd_gui_test_wait (page_idle, f, WAIT_MS))
    g_test_fail_printf ("the scan never ended");
}

static gboolean
devices_listed (gpointer data)
{
  Fixture *f = data;
  GListModel *model = gtk_drop_down_get_model (dropdown (f, 0));

  return model != NULL && g_list_model_get_n_items (model) > 0;
}

typedef struct
{
  Fixture    *f;
  const char *name;
} Device;

/* The position of the device called @name in the scanner list, or -1. */
static int
device_position (Fixture    *f,
                 const char *name)
{
  GListModel *model = gtk_drop_down_get_model (dropdown (f, 0));
  g_autofree char *suffix = g_strdup_printf ("(%s)", name);

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_has_suffix (gtk_string_object_get_string (item), suffix))
        return i;
    }
  return -1;
}

static gboolean
device_listed (gpointer data)
{
  Device *d = data;

  return device_position (d->f, d->name) >= 0;
}

/* Waits for the device called @name to be listed, and selects it. */
static void
select_device (Fixture    *f,
               const char *name)
{
  Device d = { f, name };

  if (!catd_gui_test_wait (device_listed, &d, WAIT_MS))
    {
      g_test_fail_printf ("%s is not in the scanner list", name);
      return;
    }
  gtk_drop_down_set_selected (dropdown (f, 0), device_position (f, name));
}

static void
select_source (Fixture        *f,
               CatdScanSource  source)
{
  /* Flatbed, feeder, feeder both sides: the order of CatdScanSource. */
  gtk_drop_down_set_selected (dropdown (f, 1), source);
}

/* Puts the sheets loaded in @fake in the page's feeder: its scanner is
 * @fake's backend, @device is selected and the source is the feeder. */
static void
use_fake_feeder (Fixture         *f,
                 CatdFakeScanner *fake,
                 const char      *device)
{
  g_autoptr(CatdScanner) scanner =
    catd_scanner_new_for_backend (catd_fake_scanner_create_backend (fake));

  catd_scan_page_set_scanner (CATD_SCAN_PAGE (f->page), scanner);
  catd_scan_page_refresh_devices (CATD_SCAN_PAGE (f->page));
  select_device (f, device);
  select_source (f, CATD_SCAN_SOURCE_ADF);
}

static gboolean
preview_shown (gpointer data)
{
  Fixture *f = data;

  return catd_image_view_get_texture (f->view) != NULL;
}

static gboolean
preview_idle (gpointer data)
{
  Fixture *f = data;

  return catd_image_view_get_texture (f->view) != NULL && !catd_image_view_get_loading (f->view);
}

static char *
register_acta (Fixture    *f,
               const char *where)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  char *clave = db_acta (f->station, where);

  watch (FALSE);
  reg = catd_station_register (f->station, f->aco, clave, NULL, &error);
  watch (TRUE);
  g_assert_no_error (error);
  return clave;
}

static char *
render_page (Fixture     *f,
             CatdStation *station,
             const char  *clave,
             const char  *name,
             CatdSynthFormat format)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);
  CatdSynthOptions options = { .dpi = SYNTH_DPI, .seed = g_str_hash (name), .format = format };

  watch (FALSE);
  catd_synth_render (station, clave, &options, path, NULL, &error);
  watch (TRUE);
  g_assert_no_error (error);
  return path;
}

/* The reason the audit log gives for the replacement of @clave's image. */
static char *
replacement_reason (Fixture    *f,
                    const char *clave)
{
  char *value;

  watch (FALSE);
  value = catd_test_replace_detail (f->station, clave, "reason");
  watch (TRUE);
  return value;
}

static gint64
images_of (Fixture    *f,
           const char *clave)
{
  return db_int (f->station, "SELECT count(*) FROM acta_image ai JOIN acta a "
                              "ON a.id = ai.acta WHERE a.clave_acta = ?", clave);
}

/* ---- the tests -------------------------------------------------------------------- */

typedef struct
{
  Fixture    *f;
  GListModel *old;
} NewList;

static gboolean
new_list (gpointer data)
{
  NewList *l = data;

  return gtk_drop_down_get_model (dropdown (l->f, 0)) != l->old;
}

/* Discovery runs on the scanner's thread and lists the test backend's
 * devices (and pnm's) without the screen waiting for it. */
static void
test_discovery (Fixture       *f,
                gconstpointer  data)
{
  GListModel *model;
  gboolean test0 = FALSE, test1 = FALSE, pnm = FALSE;
  guint n;

  g_assert_true (catd_gui_test_wait (devices_listed, f, WAIT_MS));
  model = gtk_drop_down_get_model (dropdown (f, 0));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);
      const char *label = gtk_string_object_get_string (item);

      test0 |= g_str_has_suffix (label, "(test:0)");
      test1 |= g_str_has_suffix (label, "(test:1)");
      pnm |= g_str_has_suffix (label, "(pnm:0)");
    }
  g_assert_true (test0 && test1);
  g_assert_true (pnm);

  /* Refreshing lists them again, in a new list. */
  n = g_list_model_get_n_items (model);
  catd_scan_page_refresh_devices (CATD_SCAN_PAGE (f->page));
  g_assert_true (catd_gui_test_wait (new_list, &(NewList) { f, model }, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown (f, 0))), ==, n);
}

/* A flatbed scan of an acta typed on the screen, in the demo: the pnm
 * scanner reads the synthetic page of that acta; exactly one image is
 * stored, bound to it (its QR label agrees), and it is shown. */
static void
test_flatbed_demo (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *stored = g_strdup_printf (_("Acta %s stored"), clave);
  g_autofree char *binding = NULL;
  g_autofree char *state = NULL;
  guint width = 0, height = 0;

  select_device (f, "pnm:0");
  select_source (f, CATD_SCAN_SOURCE_FLATBED);
  gtk_editable_set_text (entry (f, 0), clave);
  click (f, "_Scan");
  g_assert_true (catd_scan_page_get_busy (CATD_SCAN_PAGE (f->page)));
  wait_for_text (f, stored);
  wait_idle (f);

  g_assert_cmpint (images_of (f, clave), ==, 1);
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 1);
  state = db_text (f->station, "SELECT state FROM acta WHERE clave_acta = ?", clave);
  g_assert_cmpstr (state, ==, "digitized");
  binding = db_text (f->station, "SELECT json_extract (detail, '$.binding') FROM "
                                  "audit WHERE action = 'digitalizacion.scan' AND "
                                  "clave_acta = ?", clave);
  g_assert_cmpstr (binding, ==, "qr");

  g_assert_true (catd_gui_test_wait (preview_shown, f, WAIT_MS));
  catd_image_view_get_source_size (f->view, &width, &height);
  /* A Letter page at 200 dpi, as the scanner read it. */
  g_assert_cmpuint (width, >=, 1650);
  g_assert_cmpuint (width, <=, 1750);
  g_assert_cmpuint (height, >=, 2150);
  g_assert_cmpuint (height, <=, 2250);
  g_assert_true (catd_gui_test_contains_text (f->page, clave));

  /* The key is cleared for the next acta on the glass. */
  g_assert_cmpstr (gtk_editable_get_text (entry (f, 0)), ==, "");
}

/* In the demo, a flatbed scan with no key typed reads the oldest acta
 * registered without an image, and binds it by its label. */
static void
test_flatbed_demo_identify (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *first = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *second = register_acta (f, "ca.election = 'DIP'");
  g_autofree char *stored = g_strdup_printf (_("Acta %s stored"), first);

  select_device (f, "pnm:0");
  select_source (f, CATD_SCAN_SOURCE_FLATBED);
  click (f, "_Scan");
  wait_for_text (f, stored);
  wait_idle (f);
  g_assert_cmpint (images_of (f, first), ==, 1);
  g_assert_cmpint (images_of (f, second), ==, 0);
}

/* A flatbed page identified by its QR label, the file given to the pnm
 * backend as an option (as `catdctl scan --option filename=…`). */
static void
test_flatbed_identify (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'MUN'");
  g_autofree char *path = render_page (f, f->station, clave, "mun.pnm", CATD_SYNTH_PNM);
  g_autofree char *option = g_strconcat ("filename=", path, NULL);
  const char *options[] = { option, NULL };
  g_autofree char *stored = g_strdup_printf (_("Acta %s stored"), clave);

  catd_scan_page_set_backend_options (CATD_SCAN_PAGE (f->page), options);
  select_device (f, "pnm:0");
  select_source (f, CATD_SCAN_SOURCE_FLATBED);
  click (f, "_Scan");
  wait_for_text (f, stored);
  wait_idle (f);
  g_assert_cmpint (images_of (f, clave), ==, 1);
}

static gboolean
decision_shown (gpointer data)
{
  Fixture *f = data;
  GtkWidget *label = catd_gui_test_find_label (f->page, _("Acta key printed on the paper:"));

  return label != NULL && gtk_widget_get_mapped (label);
}

static gboolean
decision_gone (gpointer data)
{
  return !decision_shown (data);
}

/* A feeder batch: a page whose label names an acta outside the catalog
 * stops the feed with that reason; bound by hand it is stored for the acta
 * typed; a second such page set aside is recorded and not stored; a
 * labelled page after it goes through by its label. */
static void
test_adf_pause_and_decide (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *other_dir = g_build_filename (f->dir, "other", NULL);
  g_autoptr(CatdStation) other = catd_test_station_new (other_dir,
                                                        "tests/catalogs/valid-small.json",
                                                        NULL);
  g_autofree char *foreign = db_acta (other, "c.seccion = 1502");
  g_autofree char *a = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *b = register_acta (f, "ca.election = 'DIP'");
  g_autofree char *foreign_page = render_page (f, other, foreign, "foreign.pnm",
                                               CATD_SYNTH_PNM);
  g_autofree char *foreign_page2 = NULL;
  g_autofree char *b_page = render_page (f, f->station, b, "b.pnm", CATD_SYNTH_PNM);
  g_autofree char *reason = g_strdup_printf (_("The QR label says %s, which is not in the "
                                               "catalog. Check the paper: type its right key to "
                                               "bind it by hand, or set the page aside."),
                                             foreign);
  g_autofree char *stopped = g_strdup_printf (_("The batch stopped at page %u"), 1);
  g_autofree char *stopped2 = g_strdup_printf (_("The batch stopped at page %u"), 2);
  g_autoptr(CatdFakeScanner) fake = catd_fake_scanner_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *a_binding = NULL;
  g_autofree char *b_binding = NULL;
  guint decodes;

  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM catalog_acta "
                                        "WHERE clave_acta = ?", foreign), ==, 0);
  {
    /* The second foreign sheet: the same paper fed again would be the same
     * page, so another drawing of it. */
    CatdSynthOptions options = { .dpi = SYNTH_DPI, .seed = 99, .noise = TRUE,
                                 .format = CATD_SYNTH_PNM };

    foreign_page2 = g_build_filename (f->dir, "foreign2.pnm", NULL);
    watch (FALSE);
    g_assert_true (catd_synth_render (other, foreign, &options, foreign_page2, NULL, &error));
    watch (TRUE);
  }

  catd_fake_scanner_add_device (fake, "fake:usb:001", "Fakon", "FS-1");
  g_assert_true (catd_fake_scanner_feed_pnm (fake, foreign_page, &error));
  g_assert_true (catd_fake_scanner_feed_pnm (fake, foreign_page2, &error));
  g_assert_true (catd_fake_scanner_feed_pnm (fake, b_page, &error));
  g_assert_no_error (error);
  use_fake_feeder (f, fake, "fake:usb:001");
  /* The acta key is for the flatbed: a feeder reads labels. */
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (entry (f, 0))));

  click (f, "_Scan");
  wait_for_text (f, stopped);
  g_assert_true (catd_gui_test_wait (decision_shown, f, WAIT_MS));
  wait_for_text (f, reason);
  /* The page in question is shown with its flags. */
  g_assert_true (catd_gui_test_wait (preview_shown, f, WAIT_MS));
  {
    g_autofree char *qr_flag = g_strdup_printf (_("%s QR label: %s"), "✗", foreign);

    wait_for_text (f, qr_flag);
  }
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 0);

  /* Bound by hand to a key that is not registered: refused, still paused. */
  {
    g_autofree char *unregistered = db_acta (f->station, "ca.election = 'MUN'");
    g_autofree char *refusal = g_strdup_printf (_("Acta %s has not been registered at "
                                                  "reception. Take it to reception first, "
                                                  "then scan it."), unregistered);

    gtk_editable_set_text (entry (f, 2), unregistered);
    click (f, "_Bind to This Acta");
    wait_for_text (f, refusal);
    g_assert_true (decision_shown (f));
    g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 0);
  }

  /* Bound by hand to acta A. The page shown while it waited is the page
   * stored: its preview is not made again (only page 2's is). */
  g_assert_true (catd_gui_test_wait (preview_idle, f, WAIT_MS));
  decodes = catd_image_view_get_n_decodes ();
  gtk_editable_set_text (entry (f, 2), a);
  click (f, "_Bind to This Acta");
  wait_for_text (f, stopped2);
  g_assert_cmpuint (catd_image_view_get_n_decodes () - decodes, ==, 1);
  g_assert_cmpint (images_of (f, a), ==, 1);
  a_binding = db_text (f->station, "SELECT json_extract (detail, '$.binding') FROM "
                                    "audit WHERE action = 'digitalizacion.scan' AND "
                                    "clave_acta = ?", a);
  g_assert_cmpstr (a_binding, ==, "hand");

  /* The second foreign page is set aside: recorded, not stored. */
  g_assert_true (catd_gui_test_wait (decision_shown, f, WAIT_MS));
  click (f, "Set _Aside");
  g_assert_true (catd_gui_test_wait (decision_gone, f, WAIT_MS));
  wait_idle (f);
  wait_for_text (f, _("Batch finished"));

  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM audit WHERE action = "
                                        "'digitalizacion.page_set_aside' AND json_extract "
                                        "(detail, '$.decision') = 'skip'", NULL), ==, 1);
  g_assert_cmpint (images_of (f, b), ==, 1);
  b_binding = db_text (f->station, "SELECT json_extract (detail, '$.binding') FROM "
                                    "audit WHERE action = 'digitalizacion.scan' AND "
                                    "clave_acta = ?", b);
  g_assert_cmpstr (b_binding, ==, "qr");
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 2);
  g_assert_cmpint (catd_fake_scanner_get_n_sheets (fake), ==, 0);
}

/* Cancelling the batch at a page that stopped it: the page is set aside,
 * the sheets behind it are not fed, nothing more is stored. */
static void
test_adf_cancel (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *a = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *a_page = render_page (f, f->station, a, "a.pnm", CATD_SYNTH_PNM);
  g_autoptr(CatdFakeScanner) fake = catd_fake_scanner_new ();
  g_autoptr(GError) error = NULL;

  catd_fake_scanner_add_device (fake, "fake:usb:002", "Fakon", "FS-1");
  catd_fake_scanner_feed_blank (fake, 1700, 2200);
  g_assert_true (catd_fake_scanner_feed_pnm (fake, a_page, &error));
  use_fake_feeder (f, fake, "fake:usb:002");

  click (f, "_Scan");
  g_assert_true (catd_gui_test_wait (decision_shown, f, WAIT_MS));
  wait_for_text (f, _("The page is blank. Check that the sheet was fed face down and the right "
                      "way round, then scan it again."));
  wait_for_text (f, _("✗ Blank page"));
  click (f, "_Cancel Batch");
  wait_idle (f);
  wait_for_text (f, _("Scan cancelled"));
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 0);
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM audit WHERE action = "
                                        "'digitalizacion.page_set_aside' AND json_extract "
                                        "(detail, '$.decision') = 'cancel'", NULL), ==, 1);
  g_assert_cmpint (catd_fake_scanner_get_n_sheets (fake), ==, 1);
}

/* Stop, pressed while a page waits for a decision: the page is set aside
 * with the batch and the question goes away. */
static void
test_stop_while_paused (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *a = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *a_page = render_page (f, f->station, a, "a.pnm", CATD_SYNTH_PNM);
  g_autoptr(CatdFakeScanner) fake = catd_fake_scanner_new ();
  g_autoptr(GError) error = NULL;

  catd_fake_scanner_add_device (fake, "fake:usb:003", "Fakon", "FS-1");
  catd_fake_scanner_feed_blank (fake, 1700, 2200);
  g_assert_true (catd_fake_scanner_feed_pnm (fake, a_page, &error));
  use_fake_feeder (f, fake, "fake:usb:003");

  click (f, "_Scan");
  g_assert_true (catd_gui_test_wait (decision_shown, f, WAIT_MS));
  click (f, "S_top");
  g_assert_false (decision_shown (f));
  wait_idle (f);
  wait_for_text (f, _("Scan cancelled"));
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 0);
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM audit WHERE action = "
                           "'digitalizacion.page_set_aside' AND json_extract "
                           "(detail, '$.decision') = 'cancel'", NULL), ==, 1);
  g_assert_cmpint (catd_fake_scanner_get_n_sheets (fake), ==, 1);
}

/* A jammed scanner: the operator reads the Spanish sentence of the engine's
 * advice table, nothing is stored, and the next scan works. */
static void
test_scanner_error (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'GUB'");
  const char *jammed[] = { "test-picture=Grid", "read-return-value=SANE_STATUS_JAMMED", NULL };
  const char *good[] = { "test-picture=Grid", "read-return-value=Default", NULL };
  g_autoptr(GError) reference = g_error_new_literal (CATD_SCAN_ERROR, CATD_SCAN_ERROR_JAMMED,
                                                     "jammed");
  const char *spanish = catd_scan_error_advice (reference, "es");
  g_autofree char *stored = g_strdup_printf (_("Acta %s stored"), clave);
  g_autoptr(GPtrArray) files = NULL;

  g_assert_cmpstr (spanish, !=, catd_scan_error_advice (reference, "en"));
  catd_scan_page_set_backend_options (CATD_SCAN_PAGE (f->page), jammed);
  select_device (f, "test:0");
  select_source (f, CATD_SCAN_SOURCE_FLATBED);
  gtk_editable_set_text (entry (f, 0), clave);
  click (f, "_Scan");
  wait_idle (f);
  wait_for_text (f, _("The scan stopped"));
  wait_for_text (f, spanish);

  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM image", NULL), ==, 0);
  g_assert_cmpint (db_int (f->station, "SELECT count(*) FROM acta_image", NULL),
                   ==, 0);
  files = catd_image_list_stored (f->images_dir);
  g_assert_cmpuint (files ? files->len : 0, ==, 0);
  g_assert_cmpuint (catd_test_count_temp_files (f->images_dir), ==, 0);
  /* The acta key stays, to scan it again. */
  g_assert_cmpstr (gtk_editable_get_text (entry (f, 0)), ==, clave);

  /* Unjammed, the test pattern (no label) is bound to the acta typed. */
  catd_scan_page_set_backend_options (CATD_SCAN_PAGE (f->page), good);
  click (f, "_Scan");
  wait_for_text (f, stored);
  wait_idle (f);
  g_assert_cmpint (images_of (f, clave), ==, 1);
}

/* Typing an acta that already has its image: refused in words that say how
 * to replace it; a replacement needs its reason, then replaces. */
static void
test_replace (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *stored = g_strdup_printf (_("Acta %s stored"), clave);
  g_autofree char *refusal = g_strdup_printf (_("Acta %s already has an image. To replace it, "
                                                "tick “Replace the acta's current image” and "
                                                "say why."), clave);
  GtkWidget *replace = catd_gui_test_find (f->page, GTK_TYPE_CHECK_BUTTON, 0);
  g_autofree char *reason = NULL;

  select_device (f, "pnm:0");
  select_source (f, CATD_SCAN_SOURCE_FLATBED);
  gtk_editable_set_text (entry (f, 0), clave);
  click (f, "_Scan");
  wait_for_text (f, stored);
  wait_idle (f);

  gtk_editable_set_text (entry (f, 0), clave);
  click (f, "_Scan");
  wait_idle (f);
  wait_for_text (f, refusal);
  g_assert_cmpint (images_of (f, clave), ==, 1);

  gtk_check_button_set_active (GTK_CHECK_BUTTON (replace), TRUE);
  click (f, "_Scan");
  wait_for_text (f, _("Say why the image is replaced."));
  g_assert_false (catd_scan_page_get_busy (CATD_SCAN_PAGE (f->page)));

  gtk_editable_set_text (entry (f, 1), "hoja doblada al escanear");
  click (f, "_Scan");
  wait_idle (f);
  wait_for_text (f, stored);
  g_assert_cmpint (images_of (f, clave), ==, 2);
  reason = replacement_reason (f, clave);
  g_assert_cmpstr (reason, ==, "hoja doblada al escanear");
}

/* Importing a file: stored, bound, shown; a file that is not a TIFF is
 * refused in words. */
static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *other = register_acta (f, "ca.election = 'DIP'");
  g_autofree char *tiff = render_page (f, f->station, clave, "import.tif", CATD_SYNTH_TIFF);
  g_autofree char *junk = g_build_filename (f->dir, "junk.tif", NULL);
  g_autofree char *imported = g_strdup_printf (_("Acta %s: image imported"), clave);
  g_autofree char *source = NULL;
  guint width = 0;

  catd_scan_page_import_file (CATD_SCAN_PAGE (f->page), clave, tiff, NULL);
  wait_for_text (f, imported);
  wait_idle (f);
  g_assert_cmpint (images_of (f, clave), ==, 1);
  source = db_text (f->station, "SELECT digitalizacion FROM acta "
                                 "WHERE clave_acta = ?", clave);
  g_assert_cmpstr (source, ==, "IMPORTADA");
  g_assert_true (catd_gui_test_wait (preview_shown, f, WAIT_MS));
  catd_image_view_get_source_size (f->view, &width, NULL);
  g_assert_cmpuint (width, >, 1600);

  g_assert_true (g_file_set_contents (junk, "this is not an image", -1, NULL));
  catd_scan_page_import_file (CATD_SCAN_PAGE (f->page), other, junk, NULL);
  wait_idle (f);
  wait_for_text (f, _("The file was not imported"));
  wait_for_text (f, _("The file is not a readable TIFF image. Choose another file."));
  g_assert_cmpint (images_of (f, other), ==, 0);
}

/* A file replaces an acta's image as a scan does: the box ticked, the key
 * and a reason typed (refused before the file is chosen without them);
 * both images stay on record and the audit log has the reason. */
static void
test_import_replace (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *first = render_page (f, f->station, clave, "first.tif", CATD_SYNTH_TIFF);
  g_autofree char *second = render_page (f, f->station, clave, "second.tif", CATD_SYNTH_TIFF);
  g_autofree char *imported = g_strdup_printf (_("Acta %s: image imported"), clave);
  g_autofree char *replaced = g_strdup_printf (_("Acta %s: image replaced by the imported file"),
                                               clave);
  GtkWidget *replace = catd_gui_test_find (f->page, GTK_TYPE_CHECK_BUTTON, 0);
  g_autofree char *reason = NULL;

  catd_scan_page_import_file (CATD_SCAN_PAGE (f->page), clave, first, NULL);
  wait_for_text (f, imported);
  wait_idle (f);
  g_assert_cmpint (images_of (f, clave), ==, 1);

  /* Without a reason the chooser does not even open. */
  select_source (f, CATD_SCAN_SOURCE_FLATBED);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (replace), TRUE);
  gtk_editable_set_text (entry (f, 0), clave);
  click (f, "_Import a TIFF File…");
  wait_for_text (f, _("Say why the image is replaced."));
  g_assert_false (catd_scan_page_get_busy (CATD_SCAN_PAGE (f->page)));

  /* The page drawn with another seed: other bytes, a file of its own. */
  catd_scan_page_import_file (CATD_SCAN_PAGE (f->page), clave, second,
                              "la primera copia salió movida");
  wait_idle (f);
  wait_for_text (f, replaced);
  g_assert_cmpint (images_of (f, clave), ==, 2);
  reason = replacement_reason (f, clave);
  g_assert_cmpstr (reason, ==, "la primera copia salió movida");
  g_assert_false (gtk_check_button_get_active (GTK_CHECK_BUTTON (replace)));
}

/* A change of user drops what the previous one saw. */
static void
test_switch_user_clears (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *clave = register_acta (f, "ca.election = 'GUB'");
  g_autofree char *tiff = render_page (f, f->station, clave, "import.tif", CATD_SYNTH_TIFF);

  catd_scan_page_import_file (CATD_SCAN_PAGE (f->page), clave, tiff, NULL);
  wait_idle (f);
  g_assert_true (catd_gui_test_wait (preview_shown, f, WAIT_MS));
  g_assert_true (catd_gui_test_contains_text (f->page, clave));

  catd_session_set_user (f->session, NULL);
  catd_gui_test_spin (50);
  g_assert_false (catd_gui_test_contains_text (f->page, clave));
  g_assert_null (catd_image_view_get_texture (f->view));
}

int
main (int   argc,
      char *argv[])
{
  catd_gui_test_init (&argc, &argv);
  main_thread = g_thread_self ();

  g_test_add ("/scan-page/discovery", Fixture, NULL, fixture_set_up, test_discovery,
              fixture_tear_down);
  g_test_add ("/scan-page/flatbed-demo", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_flatbed_demo, fixture_tear_down);
  g_test_add ("/scan-page/flatbed-demo-identify", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_flatbed_demo_identify, fixture_tear_down);
  g_test_add ("/scan-page/flatbed-identify", Fixture, NULL, fixture_set_up,
              test_flatbed_identify, fixture_tear_down);
  g_test_add ("/scan-page/adf-pause-and-decide", Fixture, NULL, fixture_set_up,
              test_adf_pause_and_decide, fixture_tear_down);
  g_test_add ("/scan-page/adf-cancel", Fixture, NULL, fixture_set_up, test_adf_cancel,
              fixture_tear_down);
  g_test_add ("/scan-page/stop-while-paused", Fixture, NULL, fixture_set_up,
              test_stop_while_paused, fixture_tear_down);
  g_test_add ("/scan-page/scanner-error", Fixture, NULL, fixture_set_up, test_scanner_error,
              fixture_tear_down);
  g_test_add ("/scan-page/replace", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_replace, fixture_tear_down);
  g_test_add ("/scan-page/import-replace", Fixture, NULL, fixture_set_up, test_import_replace,
              fixture_tear_down);
  g_test_add ("/scan-page/import", Fixture, NULL, fixture_set_up, test_import,
              fixture_tear_down);
  g_test_add ("/scan-page/switch-user-clears", Fixture, NULL, fixture_set_up,
              test_switch_user_clears, fixture_tear_down);
  return g_test_run ();
}
