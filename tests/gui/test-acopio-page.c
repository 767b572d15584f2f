/* test-acopio-page.c - the Acopio screen, driven as the acopiador does
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-acopio-page.h"
#include "catd-gui-test-util.h"
#include "catd-test-util.h"

typedef struct
{
  char          *dir;
  CatdTestClock  clock;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *aco;
  CatdSession   *session;
  GtkWidget     *page;
  GtkWidget     *window;
  GtkWidget     *entry;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->session = catd_gui_test_session (f->station);
  f->page = g_object_new (CATD_TYPE_ACOPIO_PAGE, "session", f->session, NULL);
  f->window = catd_gui_test_window (f->page);
  catd_session_set_user (f->session, f->aco);
  f->entry = catd_gui_test_find (f->page, GTK_TYPE_ENTRY, 0);
  g_assert_nonnull (f->entry);
  catd_gui_test_spin (100);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  catd_gui_test_spin (50);
  g_clear_object (&f->session);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
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

/* Types @clave into the always-focused entry and presses Enter. */
static void
type_and_enter (Fixture    *f,
                const char *clave)
{
  gtk_editable_set_text (GTK_EDITABLE (f->entry), clave);
  g_signal_emit_by_name (f->entry, "activate");
}

static void
wait_for (Fixture    *f,
          const char *text)
{
  Shows s = { f, text };

  if (!catd_gui_test_wait (shows, &s, 5000))
    g_test_fail_printf ("the acopio screen never showed “%s”", text);
}

static void
test_register_and_duplicate (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *clave = catd_test_catalog_acta (f->station, "1 = 1");
  g_autofree char *registered = g_strdup_printf ("%s registrada", clave);
  g_autofree char *duplicate = g_strdup_printf ("%s ya estaba registrada", clave);

  g_assert_true (gtk_widget_has_focus (gtk_widget_get_first_child (f->entry)) ||
                 gtk_widget_is_focus (f->entry) ||
                 gtk_widget_has_focus (f->entry) ||
                 gtk_widget_get_focus_child (f->entry) != NULL);

  type_and_enter (f, clave);
  wait_for (f, registered);
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta WHERE "
                                        "clave_acta = ?", clave), ==, 1);
  /* The entry is empty and ready for the next label. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (f->entry)), ==, "");

  type_and_enter (f, clave);
  wait_for (f, duplicate);
  wait_for (f, "aco");
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta WHERE "
                                        "clave_acta = ?", clave), ==, 1);
}

static void
test_burst_of_labels (Fixture       *f,
                      gconstpointer  data)
{
  /* A barcode wedge types label after label faster than a commit: every
   * one is registered, none is dropped. */
  g_autoptr(GPtrArray) claves = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 8; i++)
    {
      g_autofree char *where = g_strdup_printf ("ca.clave_acta = (SELECT clave_acta FROM "
                                                "catalog_acta ORDER BY clave_acta "
                                                "LIMIT 1 OFFSET %u)", i);
      char *clave = catd_test_catalog_acta (f->station, where);

      g_ptr_array_add (claves, clave);
      type_and_enter (f, clave);
    }
  {
    g_autofree char *last = g_strdup_printf ("%s registrada",
                                             (char *)g_ptr_array_index (claves, 7));
    wait_for (f, last);
  }
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta", NULL), ==, 8);
}

static void
test_not_in_catalog (Fixture       *f,
                     gconstpointer  data)
{
  GtkWidget *button;

  type_and_enter (f, "14-NO-EXISTE-99");
  wait_for (f, "14-NO-EXISTE-99 no está en el catálogo");
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta", NULL), ==, 0);

  /* A label's text is shown without its mnemonic underline. */
  button = catd_gui_test_find_label (f->page, "Registrar fuera de catálogo");
  g_assert_nonnull (button);
  button = gtk_widget_get_ancestor (button, GTK_TYPE_BUTTON);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  wait_for (f, "Fuera de catálogo");
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM acta WHERE state = "
                                        "'fuera_de_catalogo'", NULL), ==, 1);
}

static void
test_switch_user_clears (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *clave = catd_test_catalog_acta (f->station, "1 = 1");

  type_and_enter (f, clave);
  wait_for (f, clave);
  catd_session_set_user (f->session, NULL);
  catd_gui_test_spin (50);
  g_assert_false (catd_gui_test_contains_text (f->page, clave));
}

int
main (int   argc,
      char *argv[])
{
  catd_gui_test_init (&argc, &argv);

  g_test_add ("/acopio/register-and-duplicate", Fixture, NULL, fixture_set_up,
              test_register_and_duplicate, fixture_tear_down);
  g_test_add ("/acopio/burst-of-labels", Fixture, NULL, fixture_set_up,
              test_burst_of_labels, fixture_tear_down);
  g_test_add ("/acopio/not-in-catalog", Fixture, NULL, fixture_set_up,
              test_not_in_catalog, fixture_tear_down);
  g_test_add ("/acopio/switch-user-clears", Fixture, NULL, fixture_set_up,
              test_switch_user_clears, fixture_tear_down);
  return g_test_run ();
}
