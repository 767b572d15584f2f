/* test-coordination-page.c - the Coordinación screen on a station with known data,
 * its export against catdctl's, and the upload service against a real catd-central
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>

#include "catd-catalog.h"
#include "catd-coordination-page.h"
#include "catd-gui-test-util.h"
#include "catd-sync-service.h"
#include "catd-test-util.h"
#include "catd-throughput-chart.h"

/* The screen's texts as the user reads them: translated when the build
 * has the translation, English before. */
#define T(msgid) g_dgettext (GETTEXT_PACKAGE, msgid)

typedef struct
{
  char          *dir;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *aco;
  CatdUser      *dig;
  CatdUser      *cap_a;
  CatdUser      *cap_b;
  CatdUser      *ver;
  CatdSession   *session;
  GtkWidget     *page;
  GtkWidget     *window;
  guint          seed;

  /* The known data of the night. */
  char          *counted[2];
  char          *excede;
  char          *sin_acta;
  char          *arbitration;
  char          *dip_registered;
} Fixture;

#define FUERA "14ZZZZB01001"

/* ---- the night ---------------------------------------------------------- */

static CatdCaptureStatus
keyed (CatdCaptureResult *r,
       GError            *error)
{
  g_assert_no_error (error);
  return r->status;
}

/* Registered, scanned, keyed: A keys @a_pan for PAN in pass 1, B keys
 * @b_pan in pass 2, then re-keys @rekey_pan, if given. */
static char *
captured_acta (Fixture    *f,
               const char *where,
               const char *a_pan,
               const char *b_pan,
               const char *rekey_pan)
{
  g_autoptr(GError) error = NULL;
  char *clave = catd_test_unregistered_acta (f->station, where);
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  g_autoptr(CatdCaptureResult) r2 = NULL;

  catd_test_register (f->station, f->aco, clave);
  catd_test_import (f->station, f->dig, clave, f->dir, f->seed++);
  a = catd_test_values_set (catd_test_values (f->station, clave, f->seed++), "PAN", a_pan);
  b = catd_test_values_set (catd_test_values_copy (a), "PAN", b_pan);
  r1 = catd_station_capture (f->station, f->cap_a, clave, a, &error);
  g_assert_cmpint (keyed (r1, error), ==, CATD_CAPTURE_AWAITING_PASS2);
  r2 = catd_station_capture (f->station, f->cap_b, clave, b, &error);
  keyed (r2, error);
  if (rekey_pan != NULL)
    {
      g_autoptr(JsonNode) values = catd_test_values_only ("PAN", rekey_pan, NULL);
      g_autoptr(CatdCaptureResult) r3 = catd_station_rekey (f->station, f->cap_b, clave, values,
                                                            &error);

      keyed (r3, error);
    }
  return clave;
}

static void
script_night (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  CatdRegisterOptions fuera = { .fuera_de_catalogo = TRUE, .election = "GUB" };

  /* GUB: two counted (one after B mis-keyed and re-keyed: an error of
   * B's), one over the nominal list, one without acta, one waiting for
   * arbitration, one outside the catalog. DIP: one registered only. */
  f->counted[0] = captured_acta (f, "ca.election = 'GUB' AND c.tipo = 'B'", "71", "71", NULL);
  f->counted[1] = captured_acta (f, "ca.election = 'GUB' AND c.tipo = 'B'", "71", "72", "71");
  f->excede = captured_acta (f, "ca.election = 'GUB' AND c.tipo = 'B'", "9999", "9999", NULL);
  f->arbitration = captured_acta (f, "ca.election = 'GUB'", "71", "72", "73");
  f->sin_acta = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  {
    g_autoptr(CatdRegistration) r = catd_station_sin_acta (f->station, f->aco, f->sin_acta,
                                                           CATD_SIN_ACTA_SIN_SOBRE, &error);

    g_assert_no_error (error);
  }
  {
    g_autoptr(CatdRegistration) r = catd_station_register (f->station, f->aco, FUERA, &fuera,
                                                           &error);

    g_assert_no_error (error);
  }
  f->dip_registered = catd_test_unregistered_acta (f->station, "ca.election = 'DIP'");
  catd_test_register (f->station, f->aco, f->dip_registered);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  /* The real clock: the export is compared with catdctl's, cut-off line
   * included. */
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", NULL);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  f->cap_a = catd_test_add_user (f->station, f->coord, "capA", CATD_ROLE_CAPTURISTA);
  f->cap_b = catd_test_add_user (f->station, f->coord, "capB", CATD_ROLE_CAPTURISTA);
  f->ver = catd_test_add_user (f->station, f->coord, "ver", CATD_ROLE_VERIFICADOR);
  f->seed = 1;
  if (data != NULL)
    script_night (f);
  f->session = catd_gui_test_session (f->station);
  f->page = g_object_new (CATD_TYPE_COORDINATION_PAGE, "session", f->session, NULL);
  f->window = catd_gui_test_window (f->page);
  catd_session_set_user (f->session, f->coord);
  catd_gui_test_spin (100);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  catd_gui_test_spin (50);
  g_clear_object (&f->session);
  g_clear_object (&f->ver);
  g_clear_object (&f->cap_b);
  g_clear_object (&f->cap_a);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  for (guint i = 0; i < G_N_ELEMENTS (f->counted); i++)
    g_free (f->counted[i]);
  g_free (f->excede);
  g_free (f->sin_acta);
  g_free (f->arbitration);
  g_free (f->dip_registered);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* ---- reading the screen ------------------------------------------------------- */

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
named_text (Fixture    *f,
            const char *name)
{
  GtkWidget *label = find_named (f->page, name);

  return label && GTK_IS_LABEL (label) ? gtk_label_get_text (GTK_LABEL (label)) : NULL;
}

typedef struct
{
  Fixture    *f;
  const char *name;
  const char *text;
} Named;

static gboolean
named_is (gpointer data)
{
  Named *n = data;

  return g_strcmp0 (named_text (n->f, n->name), n->text) == 0;
}

/* Waits until the label named @name shows @value (a count, as the screen
 * formats it), and fails saying what it showed otherwise. */
static void
assert_count (Fixture    *f,
              const char *name,
              gint64      value)
{
  g_autofree char *text = g_strdup_printf ("%'" G_GINT64_FORMAT, value);
  Named n = { f, name, text };

  if (!catd_gui_test_wait (named_is, &n, 8000))
    g_test_fail_printf ("%s shows “%s”, expected “%s”", name,
                        named_text (f, name) ? named_text (f, name) : "(no such label)", text);
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} Shows;

static gboolean
shows (gpointer data)
{
  Shows *s = data;

  return catd_gui_test_contains_text (s->root, s->text);
}

static void
wait_for_text (GtkWidget  *root,
               const char *text)
{
  Shows s = { root, text };

  if (!catd_gui_test_wait (shows, &s, 8000))
    g_test_fail_printf ("the coordination screen never showed “%s”", text);
}

static GtkStack *
sections (Fixture *f)
{
  GtkWidget *stack;

  /* Popovers (a drop-down's) hold stacks of their own. */
  for (guint i = 0; (stack = catd_gui_test_find (f->page, GTK_TYPE_STACK, i)); i++)
    if (gtk_stack_get_child_by_name (GTK_STACK (stack), "summary") != NULL)
      return GTK_STACK (stack);
  g_error ("the coordination screen has no sections");
}

static void
show_section (Fixture    *f,
              const char *name)
{
  gtk_stack_set_visible_child_name (sections (f), name);
  catd_gui_test_spin (100);
}

/* The texts of the mapped labels under @root, in the order they are drawn:
 * a column view's cells row by row. */
static void
collect_texts (GtkWidget *widget,
               GPtrArray *texts)
{
  if (!gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (widget))));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, texts);
}

/* The cells of @view's row whose first cell is @first. */
static GStrv
row_cells (GtkWidget  *view,
           const char *first,
           guint       n_columns)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) row = g_strv_builder_new ();

  collect_texts (view, texts);
  /* Skip the column titles. */
  for (guint i = n_columns; i < texts->len; i++)
    if (g_str_equal (texts->pdata[i], first) && i + n_columns <= texts->len)
      {
        for (guint c = 0; c < n_columns; c++)
          g_strv_builder_add (row, texts->pdata[i + c]);
        return g_strv_builder_end (row);
      }
  return NULL;
}

/* ---- the numbers ------------------------------------------------------------------- */

static void
test_numbers (Fixture       *f,
              gconstpointer  data)
{
  gint64 gub = catd_test_query_int (f->station, "SELECT count(*) FROM catalog_acta "
                                    "WHERE election = 'GUB'", NULL);
  gint64 dip = catd_test_query_int (f->station, "SELECT count(*) FROM catalog_acta "
                                    "WHERE election = 'DIP'", NULL);

  /* Progress against the catalog, per election. */
  assert_count (f, "progress-GUB-esperadas", gub);
  assert_count (f, "progress-GUB-registered", 5);
  assert_count (f, "progress-GUB-digitized", 4);
  assert_count (f, "progress-GUB-captured", 4);
  assert_count (f, "progress-GUB-verified", 3);
  assert_count (f, "progress-GUB-contabilizadas", 2);
  assert_count (f, "progress-GUB-sin_acta", 1);
  assert_count (f, "progress-GUB-fuera_de_catalogo", 1);
  assert_count (f, "progress-DIP-esperadas", dip);
  assert_count (f, "progress-DIP-registered", 1);
  assert_count (f, "progress-DIP-verified", 0);
  assert_count (f, "progress-MUN-registered", 0);

  /* Actas per stage. */
  assert_count (f, "state-registered", 1);
  assert_count (f, "state-verified", 3);
  assert_count (f, "state-arbitration", 1);
  assert_count (f, "state-sin_acta", 1);
  assert_count (f, "state-fuera_de_catalogo", 1);
  assert_count (f, "state-rekey", 0);
  assert_count (f, "state-total", 7);
  assert_count (f, "state-settled", 5);

  /* The upload queue, counted here from the tables. */
  assert_count (f, "queue-pending-images",
                catd_test_query_int (f->station, "SELECT count(*) FROM outbox WHERE "
                                     "kind = 'image' AND state = 'pending'", NULL));
  assert_count (f, "queue-pending-records",
                catd_test_query_int (f->station, "SELECT count(*) FROM outbox WHERE "
                                     "kind = 'record' AND state = 'pending'", NULL));
  assert_count (f, "queue-sent", 0);
  assert_count (f, "queue-dead", 0);
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM outbox", NULL), >, 5);

  /* No upload service in this test: the screen says so. */
  g_assert_cmpstr (named_text (f, "sync-site"), ==, T ("The upload service is stopped."));
}

static void
test_chart (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *chart = catd_gui_test_find (f->page, CATD_TYPE_THROUGHPUT_CHART, 0);
  const CatdThroughput *t;

  g_assert_nonnull (chart);
  assert_count (f, "state-total", 7);
  t = catd_throughput_chart_get_data (CATD_THROUGHPUT_CHART (chart));
  g_assert_nonnull (t);
  /* Everything happened just now, in the last six hours. */
  g_assert_cmpuint (t->n_buckets, ==, 24);
  g_assert_cmpuint (t->totals[CATD_STAGE_ACOPIO], ==, 7);
  g_assert_cmpuint (t->totals[CATD_STAGE_DIGITALIZACION], ==, 4);
  g_assert_cmpuint (t->totals[CATD_STAGE_CAPTURA], ==, 4);
  g_assert_cmpuint (t->totals[CATD_STAGE_VERIFICACION], ==, 3);

  /* Another span reads the counts again. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (catd_gui_test_find (f->page, GTK_TYPE_DROP_DOWN,
                                                                 1)), 0);
  for (guint i = 0; i < 400; i++)
    {
      t = catd_throughput_chart_get_data (CATD_THROUGHPUT_CHART (chart));
      if (t != NULL && t->n_buckets == 12)
        break;
      catd_gui_test_spin (10);
    }
  g_assert_nonnull (t);
  g_assert_cmpuint (t->n_buckets, ==, 12);
  g_assert_cmpuint (t->totals[CATD_STAGE_ACOPIO], ==, 7);
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  GtkWidget *view;
  g_auto(GStrv) b = NULL;
  g_auto(GStrv) a = NULL;

  assert_count (f, "state-total", 7);
  show_section (f, "users");
  view = catd_gui_test_find (f->page, GTK_TYPE_COLUMN_VIEW, 0);
  wait_for_text (view, "capB");
  /* User, name, role, actas keyed, fields keyed, errors, per 1,000, per hour. */
  b = row_cells (view, "capB", 8);
  a = row_cells (view, "capA", 8);
  g_assert_nonnull (b);
  g_assert_nonnull (a);
  g_assert_cmpstr (b[1], ==, "Usuario capB");
  g_assert_cmpstr (b[2], ==, T ("Capture"));
  /* B's 72 lost to A's 71 on the acta B re-keyed (one error); the acta in
   * arbitration charges nobody yet. */
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT fields_lost FROM user_stats "
                                        "WHERE login = 'capB'", NULL), ==, 1);
  g_assert_cmpstr (b[5], ==, "1");
  g_assert_cmpstr (a[5], ==, "0");
  for (guint i = 0; i < 2; i++)
    {
      const char *login = i ? "capB" : "capA";
      char **cells = i ? b : a;
      gint64 actas = catd_test_query_int (f->station, "SELECT actas_keyed FROM user_stats "
                                          "WHERE login = ?1", login);
      gint64 fields = catd_test_query_int (f->station, "SELECT fields_keyed FROM user_stats "
                                           "WHERE login = ?1", login);
      gint64 lost = catd_test_query_int (f->station, "SELECT fields_lost FROM user_stats "
                                         "WHERE login = ?1", login);
      g_autofree char *actas_text = g_strdup_printf ("%'" G_GINT64_FORMAT, actas);
      g_autofree char *fields_text = g_strdup_printf ("%'" G_GINT64_FORMAT, fields);
      /* Errors per 1,000 fields, truncated to a tenth as status gives it. */
      g_autofree char *rate = g_strdup_printf ("%.1f", (double)((lost * 10000) / fields) / 10.0);

      g_assert_cmpint (actas, >=, 4);
      g_assert_cmpstr (cells[3], ==, actas_text);
      g_assert_cmpstr (cells[4], ==, fields_text);
      g_assert_cmpstr (cells[6], ==, rate);
    }
}

static void
test_inconsistencies (Fixture       *f,
                      gconstpointer  data)
{
  GtkWidget *view;
  g_autofree char *count = NULL;

  show_section (f, "inconsistencies");
  view = catd_gui_test_find (f->page, GTK_TYPE_COLUMN_VIEW, 1);
  wait_for_text (view, f->arbitration);
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                        "%u item needs your attention. Activate a row to see "
                                        "the acta's history.",
                                        "%u items need your attention. Activate a row to see "
                                        "the acta's history.", 4), 4);
  g_assert_cmpstr (named_text (f, "inconsistencies-count"), ==, count);
  {
    g_auto(GStrv) arb = row_cells (view, T ("Waiting for arbitration"), 5);
    g_auto(GStrv) sin = row_cells (view, T ("Without acta"), 5);
    g_auto(GStrv) fuera = row_cells (view, T ("Outside the catalog"), 5);
    g_auto(GStrv) excede = row_cells (view, T ("Not counted: exceeds the nominal list"), 5);

    g_assert_nonnull (arb);
    g_assert_cmpstr (arb[1], ==, f->arbitration);
    g_assert_cmpstr (arb[2], ==, "GUB");
    g_assert_nonnull (sin);
    g_assert_cmpstr (sin[1], ==, f->sin_acta);
    g_assert_cmpstr (sin[4], ==, T ("No envelope"));
    g_assert_nonnull (fuera);
    g_assert_cmpstr (fuera[1], ==, FUERA);
    g_assert_nonnull (excede);
    g_assert_cmpstr (excede[1], ==, f->excede);
  }
  /* Counted actas are not listed. */
  g_assert_false (catd_gui_test_contains_text (view, f->counted[0]));
  g_assert_false (catd_gui_test_contains_text (view, f->counted[1]));

  /* A row leads to the acta's history, values withheld while it is in
   * arbitration (the coordinador may arbitrate it). */
  g_signal_emit_by_name (view, "activate", 0);
  catd_gui_test_spin (50);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sections (f)), ==, "actas");
  view = catd_gui_test_find (f->page, GTK_TYPE_COLUMN_VIEW, 3);
  wait_for_text (view, T ("Second capture"));
  wait_for_text (view, T ("keyed values withheld until the acta leaves arbitration"));
  g_assert_false (catd_gui_test_contains_text (view, "PAN="));
}

static void
test_search_and_history (Fixture       *f,
                         gconstpointer  data)
{
  GtkWidget *entry;
  GtkWidget *history;
  g_autofree char *casilla = g_strndup (f->counted[1], 11);
  gint64 n = catd_test_query_int (f->station, "SELECT count(*) FROM catalog_acta "
                                  "WHERE casilla = ?1", casilla);
  g_autofree char *found = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u acta found.",
                                                         "%u actas found.", n), (guint)n);

  show_section (f, "actas");
  /* By name: a drop-down's popover has a search entry of its own. */
  entry = find_named (f->page, "acta-search");
  g_assert_true (GTK_IS_SEARCH_ENTRY (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), casilla);
  g_signal_emit_by_name (entry, "activate");
  wait_for_text (f->page, found);
  wait_for_text (catd_gui_test_find (f->page, GTK_TYPE_COLUMN_VIEW, 2), f->counted[1]);

  /* The whole key: the one acta, its history with who keyed what. */
  gtk_editable_set_text (GTK_EDITABLE (entry), f->counted[1]);
  g_signal_emit_by_name (entry, "activate");
  history = catd_gui_test_find (f->page, GTK_TYPE_COLUMN_VIEW, 3);
  wait_for_text (history, T ("Re-keyed"));
  wait_for_text (history, "capB — Usuario capB");
  wait_for_text (history, "PAN=72");
  wait_for_text (history, "PAN=71");
  wait_for_text (f->page, T ("Verified"));
  g_assert_false (catd_gui_test_contains_text (history, T ("keyed values withheld until the "
                                                           "acta leaves arbitration")));

  /* An acta of the catalog not received yet. */
  {
    g_autofree char *waiting = catd_test_unregistered_acta (f->station, "ca.election = 'MUN'");

    gtk_editable_set_text (GTK_EDITABLE (entry), waiting);
    g_signal_emit_by_name (entry, "activate");
    wait_for_text (f->page, T ("This acta of the catalog has not been received yet."));
  }
}

static void
test_audit_log (Fixture       *f,
                gconstpointer  data)
{
  GtkWidget *view;
  GtkWidget *user_filter;
  gint64 newest = catd_test_query_int (f->station, "SELECT max (seq) FROM audit", NULL);
  g_autofree char *top = g_strdup_printf ("%" G_GINT64_FORMAT, newest);

  show_section (f, "audit");
  view = catd_gui_test_find (f->page, GTK_TYPE_COLUMN_VIEW, 4);
  wait_for_text (view, top);
  wait_for_text (view, T ("Recorded without acta"));
  wait_for_text (view, "capB");

  /* Only B's actions: his pass 2 and re-keys. */
  assert_count (f, "state-total", 7);
  user_filter = catd_gui_test_find (f->page, GTK_TYPE_DROP_DOWN, 2);
  {
    GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (user_filter));
    guint position = G_MAXUINT;

    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

        if (g_str_has_prefix (gtk_string_object_get_string (item), "capB "))
          position = i;
      }
    g_assert_cmpuint (position, !=, G_MAXUINT);
    gtk_drop_down_set_selected (GTK_DROP_DOWN (user_filter), position);
  }
  wait_for_text (view, T ("Re-keyed"));
  catd_gui_test_spin (200);
  g_assert_false (catd_gui_test_contains_text (view, "capA"));
  g_assert_false (catd_gui_test_contains_text (view, T ("Recorded without acta")));
  g_assert_true (catd_gui_test_contains_text (view, "capB"));
}

/* ---- export -------------------------------------------------------------------------- */

typedef struct
{
  GtkWidget *dialog;
} Chooser;

static gboolean
chooser_open (gpointer data)
{
  Chooser *c = data;
  GListModel *toplevels = gtk_window_get_toplevels ();   /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (window))
        {
          c->dialog = window;
          return TRUE;
        }
    }
  return FALSE;
}

/* Clicks Export, and answers the save dialog with @path (a file, or a
 * folder for every election). */
static void
export_through_dialog (Fixture    *f,
                       guint       election,
                       const char *path,
                       gboolean    folder)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *dropdown = catd_gui_test_find (f->page, GTK_TYPE_DROP_DOWN, 0);
  g_autofree char *label = g_strdup (T ("_Export prep-csv…"));
  GtkWidget *button;
  Chooser c = { 0 };
  char *u;

  /* A label's text is shown without its mnemonic underline. */
  if ((u = strchr (label, '_')) != NULL)
    memmove (u, u + 1, strlen (u));
  button = catd_gui_test_find_label (f->page, label);
  g_assert_nonnull (button);
  button = gtk_widget_get_ancestor (button, GTK_TYPE_BUTTON);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), election);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (catd_gui_test_wait (chooser_open, &c, 5000));
  /* Let the dialog settle (it reads its first folder) before it is used. */
  catd_gui_test_spin (500);

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (folder)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (c.dialog), file, &error);
      g_assert_no_error (error);
      g_assert_true (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (c.dialog)) ==
                     GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER);
    }
  else
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *base = g_path_get_basename (path);
      g_autoptr(GFile) parent = g_file_new_for_path (dir);
      g_autofree char *suggested = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (c.dialog));

      /* The suggested name is the election's file, as catdctl names it. */
      g_assert_cmpstr (suggested, ==, "GUB.csv");
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (c.dialog), parent, &error);
      g_assert_no_error (error);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (c.dialog), base);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS

  /* The dialog answers once it has read the folder (asynchronously):
   * "Export" is pressed until it closes, as a user would. */
  g_object_add_weak_pointer (G_OBJECT (c.dialog), (gpointer *)&c.dialog);
  for (guint i = 0; i < 50 && c.dialog && gtk_widget_get_visible (c.dialog); i++)
    {
      catd_gui_test_spin (200);
      if (c.dialog && gtk_widget_get_visible (c.dialog))
        gtk_dialog_response (GTK_DIALOG (c.dialog), GTK_RESPONSE_ACCEPT);
    }
  g_assert_true (c.dialog == NULL || !gtk_widget_get_visible (c.dialog));
  if (c.dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (c.dialog), (gpointer *)&c.dialog);
}

static gboolean
exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
assert_same_file (const char *ours,
                  const char *theirs)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (!g_file_get_contents (ours, &a, NULL, NULL) ||
      !g_file_get_contents (theirs, &b, NULL, NULL))
    {
      g_test_fail_printf ("%s or %s is missing", ours, theirs);
      return;
    }
  if (!g_str_equal (a, b))
    g_test_fail_printf ("%s differs from catdctl's %s", ours, theirs);
}

/* The export's first line is its cut-off minute: both exports run within one. */
static void
wait_for_a_fresh_minute (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  if (g_date_time_get_second (now) >= 45)
    g_usleep ((61 - g_date_time_get_second (now)) * G_USEC_PER_SEC);
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *out = g_build_filename (f->dir, "export", NULL);
  g_autofree char *gub = g_build_filename (out, "GUB-gui.csv", NULL);
  g_autofree char *gub_cli = g_build_filename (out, "GUB-catdctl.csv", NULL);
  g_autofree char *all = g_build_filename (out, "all-gui", NULL);
  g_autofree char *all_cli = g_build_filename (out, "all-catdctl", NULL);
  g_autofree char *feedback = NULL;

  g_assert_cmpint (g_mkdir_with_parents (all, 0700), ==, 0);
  assert_count (f, "state-total", 7);

  /* One election, to the file the save dialog names. */
  wait_for_a_fresh_minute ();
  export_through_dialog (f, 1, gub, FALSE);
  if (!catd_gui_test_wait (exists, gub, 8000))
    g_test_fail_printf ("the export wrote no %s; the screen says “%s”", gub,
                        named_text (f, "export-feedback"));
  {
    g_auto(CatdTestRun) run = { 0 };

    catd_test_run_catdctl (&run, f->dir, "coord", NULL, "export", "--format", "prep-csv",
                           "--election", "GUB", "--out", gub_cli, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  assert_same_file (gub, gub_cli);
  feedback = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u file: %s",
                                           "Exported %u files: %s", 1), 1, gub);
  wait_for_text (f->page, feedback);

  /* Every election: one file each in the folder, as catdctl does. */
  wait_for_a_fresh_minute ();
  export_through_dialog (f, 0, all, TRUE);
  {
    g_autofree char *mun = g_build_filename (all, "MUN.csv", NULL);
    g_auto(CatdTestRun) run = { 0 };

    g_assert_true (catd_gui_test_wait (exists, mun, 8000));
    catd_test_run_catdctl (&run, f->dir, "coord", NULL, "export", "--format", "prep-csv",
                           "--out", all_cli, NULL);
    g_assert_cmpint (run.status, ==, 0);
  }
  for (guint i = 0; i < 3; i++)
    {
      static const char *elections[] = { "GUB", "DIP", "MUN" };
      g_autofree char *name = g_strconcat (elections[i], ".csv", NULL);
      g_autofree char *ours = g_build_filename (all, name, NULL);
      g_autofree char *theirs = g_build_filename (all_cli, name, NULL);

      assert_same_file (ours, theirs);
    }
}

static void
test_switch_user_clears (Fixture       *f,
                         gconstpointer  data)
{
  show_section (f, "inconsistencies");
  wait_for_text (f->page, f->arbitration);
  catd_session_set_user (f->session, NULL);
  catd_gui_test_spin (100);
  g_assert_false (catd_gui_test_contains_text (f->page, f->arbitration));
  g_assert_cmpstr (named_text (f, "queue-pending-images"), ==, "");
  g_assert_null (find_named (f->page, "progress-GUB-verified"));

  /* Nothing is read for nobody: the page stays empty. */
  catd_gui_test_spin (200);
  g_assert_null (find_named (f->page, "progress-GUB-verified"));
}

static void
test_clock_offset (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *clock = find_named (f->page, "sync-clock");

  g_assert_nonnull (clock);
  assert_count (f, "state-total", 7);
  g_assert_false (gtk_widget_get_visible (clock));

  /* An offset of 2 s is tolerated; 5 s is shown. The acta registered
   * with it tells when the screen has read it. */
  catd_station_set_clock_offset (f->station, 2000, &error);
  g_assert_no_error (error);
  {
    g_autofree char *clave = catd_test_unregistered_acta (f->station, "ca.election = 'MUN'");

    catd_test_register (f->station, f->aco, clave);
  }
  assert_count (f, "state-total", 8);
  g_assert_false (gtk_widget_get_visible (clock));
  catd_station_set_clock_offset (f->station, -5300, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 800 && !gtk_widget_get_visible (clock); i++)
    catd_gui_test_spin (10);
  g_assert_true (gtk_widget_get_visible (clock));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (clock)), "-5.3"));
}

/* ---- the upload service against a real catd-central ---------------------------------- */

typedef struct
{
  GSubprocess *central;
  char        *url;
  char        *token_file;
} Central;

static void
central_start (Central    *c,
               const char *dir,
               const char *listen)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *catalog = catd_test_data_path ("data", "demo", "catalog.json", NULL);
  g_autofree char *central_dir = g_build_filename (dir, "central", NULL);
  g_autofree char *tokens = g_build_filename (dir, "tokens", NULL);
  g_autofree char *line = NULL;
  const char *program = g_getenv ("CATD_CENTRAL");

  g_assert_nonnull (program);
  c->token_file = g_build_filename (dir, "station.token", NULL);
  g_assert_true (g_file_set_contents_full (tokens, "CATD-TEST-01 s3cr3t-t0ken-0123456789abcdef\n", -1,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  g_assert_true (g_file_set_contents_full (c->token_file, "s3cr3t-t0ken-0123456789abcdef\n", -1,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  c->central = g_subprocess_launcher_spawn (launcher, &error, program, "--listen",
                                            listen, "--data-dir", central_dir,
                                            "--tokens", tokens, "--catalog", catalog, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (c->central));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on "));
  c->url = g_strstrip (g_strdup (line + strlen ("listening on ")));
}

static void
central_stop (Central *c)
{
  if (c->central != NULL)
    {
      g_subprocess_send_signal (c->central, SIGTERM);
      g_subprocess_wait (c->central, NULL, NULL);
    }
  g_clear_object (&c->central);
  g_clear_pointer (&c->url, g_free);
  g_clear_pointer (&c->token_file, g_free);
}

static gboolean
all_sent (gpointer data)
{
  Fixture *f = data;

  return catd_test_query_int (f->station, "SELECT count(*) FROM outbox WHERE state != 'sent'",
                              NULL) == 0;
}

static void
test_sync_service (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(CatdSyncService) sync = catd_sync_service_new (f->station);
  g_autofree char *listen = NULL;
  Central c = { 0 };
  gint64 total;

  /* A station without a central site: the service says so. */
  catd_session_set_sync (f->session, sync);
  catd_sync_service_start (sync);
  {
    Named n = { f, "sync-site", T ("No central site is configured") };

    if (!catd_gui_test_wait (named_is, &n, 8000))
      g_test_fail_printf ("the site label shows “%s”", named_text (f, "sync-site"));
  }
  g_assert_cmpint (catd_sync_service_get_reachability (sync), ==,
                   CATD_SYNC_REACHABILITY_NOT_CONFIGURED);

  /* The central site is configured meanwhile (as the preferences or
   * catdctl would): the service notices and uploads everything. */
  central_start (&c, f->dir, "127.0.0.1:0");
  {
    g_autoptr(GError) error = NULL;
    CatdStore *store = catd_station_get_store (f->station);

    g_assert_true (catd_store_set_meta (store, "token_file", c.token_file, &error));
    g_assert_true (catd_store_set_meta (store, "central_url", c.url, &error));
    g_assert_no_error (error);
  }
  catd_sync_service_restart (sync);
  g_assert_true (catd_gui_test_wait (all_sent, f, 30000));
  total = catd_test_query_int (f->station, "SELECT count(*) FROM outbox", NULL);
  assert_count (f, "queue-sent", total);
  assert_count (f, "queue-pending-images", 0);
  assert_count (f, "queue-pending-records", 0);
  {
    g_autofree char *reachable = g_strdup_printf (T ("%s (last answer %s)"), T ("Reachable"), "");
    char *cut = strstr (reachable, "(");
    Shows s = { find_named (f->page, "sync-site"), NULL };

    /* "Reachable (last answer dd/mm/yyyy …)" */
    if (cut != NULL)
      cut[1] = '\0';
    s.text = reachable;
    g_assert_true (catd_gui_test_wait (shows, &s, 8000));
  }
  g_assert_cmpint (catd_sync_service_get_reachability (sync), ==,
                   CATD_SYNC_REACHABILITY_REACHABLE);
  g_assert_cmpuint (catd_sync_service_get_uploaded (sync), ==, total);
  g_assert_cmpint (catd_sync_service_get_last_upload (sync), >, 0);
  g_assert_true (catd_sync_service_get_clock_checked (sync));
  g_assert_cmpstr (named_text (f, "sync-last-upload"), !=, T ("never"));
  /* Same machine, same clock: no warning. */
  g_assert_false (gtk_widget_get_visible (find_named (f->page, "sync-clock")));

  /* The site goes away: a new acta waits, the site is unreachable, and
   * the error says so in the user's words. */
  listen = g_strdup (c.url + strlen ("http://"));
  if (strchr (listen, '/'))
    *strchr (listen, '/') = '\0';
  central_stop (&c);
  {
    g_autofree char *clave = catd_test_unregistered_acta (f->station, "ca.election = 'DIP'");
    g_autoptr(GError) error = NULL;
    g_autoptr(CatdRegistration) r = catd_station_sin_acta (f->station, f->aco, clave,
                                                           CATD_SIN_ACTA_SIN_SOBRE, &error);
    Shows s = { find_named (f->page, "sync-last-error"),
                T ("The central site cannot be reached. Uploads wait in the queue and are "
                   "retried.") };

    g_assert_no_error (error);
    g_assert_true (catd_gui_test_wait (shows, &s, 15000));
    g_assert_cmpint (catd_sync_service_get_reachability (sync), ==,
                     CATD_SYNC_REACHABILITY_UNREACHABLE);
    assert_count (f, "queue-pending-records", 1);
    s.root = find_named (f->page, "sync-site");
    s.text = T ("Unreachable: uploads wait in the queue and are retried");
    g_assert_true (catd_gui_test_wait (shows, &s, 8000));
  }

  /* Back at the same address, with the upload deep in its backoff: it
   * waits, until "sync now" sends it at once. The backoff is set while the
   * site is still away: a retry due while it starts up would find it. */
  {
    g_autoptr(GError) error = NULL;
    gint64 id = catd_test_query_int (f->station, "SELECT id FROM outbox WHERE state = "
                                     "'pending'", NULL);

    g_assert_cmpint (id, >, 0);
    catd_station_outbox_retry (f->station, id, g_get_real_time () + 600 * G_USEC_PER_SEC,
                               "a long backoff", &error);
    g_assert_no_error (error);
  }
  central_start (&c, f->dir, listen);
  catd_gui_test_spin (3000);
  g_assert_false (all_sent (f));
  catd_sync_service_sync_now (sync);
  g_assert_true (catd_gui_test_wait (all_sent, f, 10000));
  assert_count (f, "queue-pending-records", 0);

  catd_sync_service_stop (sync);
  catd_session_set_sync (f->session, NULL);
  central_stop (&c);
}

int
main (int   argc,
      char *argv[])
{
  catd_gui_test_init (&argc, &argv);

#define ADD(path, func) g_test_add ("/coordination-page/" path, Fixture, "night", fixture_set_up, \
                                    func, fixture_tear_down)
  ADD ("numbers", test_numbers);
  ADD ("chart", test_chart);
  ADD ("users", test_users);
  ADD ("inconsistencies", test_inconsistencies);
  ADD ("search-and-history", test_search_and_history);
  ADD ("audit-log", test_audit_log);
  ADD ("export", test_export);
  ADD ("switch-user-clears", test_switch_user_clears);
  ADD ("clock-offset", test_clock_offset);
  ADD ("sync-service", test_sync_service);
#undef ADD
  return g_test_run ();
}
