/* test-acopio.c - what the acopio screen asks of the engine: lookups and the recent list
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-errors.h"
#include "catd-test-util.h"

typedef struct
{
  char          *dir;
  CatdTestClock  clock;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *aco;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

static void
test_find_registration (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  g_autoptr(CatdRegistration) found = NULL;
  g_autofree char *clave = catd_test_catalog_acta (f->station, "c.tipo = 'B'");
  g_autofree char *lower = g_ascii_strdown (clave, -1);
  g_autofree char *typed = g_strdup_printf ("  %s ", lower);

  found = catd_station_find_registration (f->station, clave, &error);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA);
  g_assert_null (found);
  g_clear_error (&error);

  reg = catd_station_register (f->station, f->aco, clave, NULL, &error);
  g_assert_no_error (error);

  /* Found as a barcode wedge or a hurried hand would type it. */
  found = catd_station_find_registration (f->station, typed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (found->clave_acta, ==, clave);
  g_assert_cmpstr (found->registered_by, ==, "aco");
  g_assert_cmpstr (found->registered_at, ==, reg->registered_at);
  g_assert_cmpstr (found->clave_casilla, ==, reg->clave_casilla);
  g_assert_cmpint (found->state, ==, CATD_ACTA_REGISTERED);

  g_clear_pointer (&found, catd_registration_free);
  found = catd_station_find_registration (f->station, "   ", &error);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_assert_null (found);
}

static void
test_recent_newest_first (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recent = NULL;
  g_autoptr(GPtrArray) claves = g_ptr_array_new_with_free_func (g_free);

  recent = catd_station_recent_registrations (f->station, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 0);
  g_clear_pointer (&recent, g_ptr_array_unref);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *where = g_strdup_printf ("ca.clave_acta = (SELECT clave_acta FROM "
                                                "catalog_acta ORDER BY clave_acta DESC "
                                                "LIMIT 1 OFFSET %u)", i);
      char *clave = catd_test_catalog_acta (f->station, where);
      g_autoptr(CatdRegistration) reg = NULL;

      if (i == 4)
        reg = catd_station_sin_acta (f->station, f->aco, clave, CATD_SIN_ACTA_SIN_SOBRE, &error);
      else
        reg = catd_station_register (f->station, f->aco, clave, NULL, &error);
      g_assert_no_error (error);
      g_ptr_array_add (claves, clave);
    }

  recent = catd_station_recent_registrations (f->station, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (recent->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      CatdRegistration *reg = g_ptr_array_index (recent, i);

      g_assert_cmpstr (reg->clave_acta, ==, g_ptr_array_index (claves, 4 - i));
    }
  g_assert_cmpint (((CatdRegistration *)g_ptr_array_index (recent, 0))->state, ==,
                   CATD_ACTA_SIN_ACTA);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/acopio/find-registration", Fixture, NULL, fixture_set_up,
              test_find_registration, fixture_tear_down);
  g_test_add ("/acopio/recent-newest-first", Fixture, NULL, fixture_set_up,
              test_recent_newest_first, fixture_tear_down);
  return g_test_run ();
}
