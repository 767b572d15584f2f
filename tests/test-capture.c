/* test-capture.c - every path of double-blind capture, and blindness
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
  CatdUser      *dig;
  CatdUser      *cap_a;
  CatdUser      *cap_b;
  CatdUser      *cap_c;
  CatdUser      *ver;
  char          *clave;     /* registered and digitized */
  JsonNode      *values_a;  /* pass 1 */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  g_autofree char *tiff = NULL;

  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  f->cap_a = catd_test_add_user (f->station, f->coord, "capA", CATD_ROLE_CAPTURISTA);
  f->cap_b = catd_test_add_user (f->station, f->coord, "capB", CATD_ROLE_CAPTURISTA);
  f->cap_c = catd_test_add_user (f->station, f->coord, "capC", CATD_ROLE_CAPTURISTA);
  f->ver = catd_test_add_user (f->station, f->coord, "ver", CATD_ROLE_VERIFICADOR);

  f->clave = catd_test_catalog_acta (f->station, "ca.election = 'GUB' AND c.tipo = 'B'");
  reg = catd_station_register (f->station, f->aco, f->clave, NULL, &error);
  g_assert_no_error (error);
  tiff = catd_test_write_tiff (f->dir, 1);
  catd_station_import_image (f->station, f->dig, f->clave, tiff, NULL, NULL, &error);
  g_assert_no_error (error);
  f->values_a = catd_test_values (f->station, f->clave, 1);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Whatever a test did, the log and the database must still verify. */
  catd_station_audit_verify (f->station, NULL, &error);
  g_assert_no_error (error);
  catd_station_check (f->station, NULL, &error);
  g_assert_no_error (error);

  g_clear_pointer (&f->values_a, json_node_unref);
  g_clear_object (&f->cap_a);
  g_clear_object (&f->cap_b);
  g_clear_object (&f->cap_c);
  g_clear_object (&f->ver);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  g_free (f->clave);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* What the coordinador sees: the state and settled values of the acta. */
static JsonObject *
coordinator_view (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = catd_station_show (f->station, f->coord, f->clave, &error);
  JsonObject *object;

  g_assert_no_error (error);
  object = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  return object;
}

#define PENDING "SELECT count(*) FROM outbox WHERE kind = ?1 AND state = 'pending'"

static void
assert_settled (Fixture    *f,
                const char *code,
                gint64      expected)
{
  g_autoptr(JsonObject) view = coordinator_view (f);
  JsonObject *settled = json_object_get_object_member (view, "settled_values");

  g_assert_cmpstr (json_object_get_string_member (view, "state"), ==, "verified");
  g_assert_cmpint (json_object_get_int_member (settled, code), ==, expected);
}

static CatdCaptureResult *
pass1 (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  CatdCaptureResult *r = catd_station_capture (f->station, f->cap_a, f->clave, f->values_a,
                                               &error);

  g_assert_no_error (error);
  g_assert_cmpint (r->status, ==, CATD_CAPTURE_AWAITING_PASS2);
  g_assert_cmpint (r->pass, ==, 1);
  g_assert_cmpuint (g_strv_length (r->fields), ==, 0);
  return r;
}

/* Pass 2 by B with PAN (and PRI) changed from A's. */
static CatdCaptureResult *
pass2_with (Fixture    *f,
            const char *pan,
            const char *pri)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) values_b = catd_test_values_copy (f->values_a);
  CatdCaptureResult *r;

  if (pan)
    catd_test_values_set (values_b, "PAN", pan);
  if (pri)
    catd_test_values_set (values_b, "PRI", pri);
  r = catd_station_capture (f->station, f->cap_b, f->clave, values_b, &error);
  g_assert_no_error (error);
  return r;
}

static void
test_match_verifies (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) r2 = pass2_with (f, NULL, NULL);

  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_VERIFIED);
  g_assert_cmpint (r2->pass, ==, 2);
  assert_settled (f, "PAN", json_object_get_int_member (json_node_get_object (f->values_a),
                                                        "PAN"));
  /* Verified means queued, image before record, in the same transaction. */
  g_assert_cmpint (catd_test_query_int (f->station, PENDING, "image"), ==, 1);
  g_assert_cmpint (catd_test_query_int (f->station, PENDING, "record"), ==, 1);
}

static void
test_mismatch_settled_by_rekey (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) r2 = pass2_with (f, "777", NULL);
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(JsonNode) rekey = NULL;
  gint64 a_pan = json_object_get_int_member (json_node_get_object (f->values_a), "PAN");
  g_autofree char *a_pan_text = g_strdup_printf ("%" G_GINT64_FORMAT, a_pan);

  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_REKEY_REQUIRED);
  g_assert_cmpuint (g_strv_length (r2->fields), ==, 1);
  g_assert_cmpstr (r2->fields[0], ==, "PAN");
  g_assert_cmpint (catd_test_query_int (f->station, PENDING, "record"), ==, 0);

  /* B looks again and now keys what A keyed: B mis-keyed. */
  rekey = catd_test_values_only ("PAN", a_pan_text, NULL);
  r3 = catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_VERIFIED);
  assert_settled (f, "PAN", a_pan);
  g_assert_cmpint (catd_test_query_int (f->station, PENDING, "record"), ==, 1);
}

static void
test_rekey_confirms_then_majority (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) r2 = pass2_with (f, "777", "555");
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(CatdCaptureResult) r4 = NULL;
  g_autoptr(JsonNode) rekey = catd_test_values_only ("PAN", "777", "PRI", "555", NULL);
  g_autoptr(JsonNode) arbitration = NULL;
  gint64 a_pri = json_object_get_int_member (json_node_get_object (f->values_a), "PRI");
  g_autofree char *a_pri_text = g_strdup_printf ("%" G_GINT64_FORMAT, a_pri);

  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_REKEY_REQUIRED);
  g_assert_cmpuint (g_strv_length (r2->fields), ==, 2);
  g_assert_cmpstr (r2->fields[0], ==, "PAN");   /* acta order */
  g_assert_cmpstr (r2->fields[1], ==, "PRI");

  /* B confirms both first values: a third person decides. */
  r3 = catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_ARBITRATION);
  g_assert_cmpuint (g_strv_length (r3->fields), ==, 2);

  /* A coordinador may arbitrate too: until arbitration is over, neither
   * show nor the audit export gives them the keyed values. */
  {
    g_autoptr(JsonObject) view = coordinator_view (f);
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autofree char *text = NULL;

    g_assert_false (json_object_has_member (view, "keyed"));
    g_assert_false (json_object_has_member (view, "settled_values"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (view,
                                                                           "pending_fields")),
                      ==, 2);
    g_assert_true (catd_station_audit_export (f->station, f->coord, out, &error));
    g_assert_no_error (error);
    g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
    g_output_stream_close (out, NULL, NULL);
    text = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
    g_assert_null (strstr (text, "\"777\""));
    g_assert_nonnull (strstr (text, "values_withheld"));
    /* Their salt goes with them: without it the hash cannot be used to
     * try the few thousand possible values. */
    {
      g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
      guint withheld = 0;

      for (guint i = 0; lines[i] && lines[i][0]; i++)
        {
          g_autoptr(JsonNode) line = json_from_string (lines[i], NULL);
          JsonObject *row = json_node_get_object (line);
          JsonObject *detail = json_object_get_object_member (row, "detail");

          if (json_object_has_member (detail, "values_withheld"))
            {
              g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (row, "salt")));
              withheld++;
            }
          else
            g_assert_cmpuint (strlen (json_object_get_string_member (row, "salt")), ==, 32);
        }
      g_assert_cmpuint (withheld, ==, 3);   /* pass 1, pass 2, re-key */
    }
  }

  /* The verificador agrees with B on PAN and with A on PRI: majority both. */
  arbitration = catd_test_values_only ("PAN", "777", "PRI", a_pri_text, NULL);
  r4 = catd_station_arbitrate (f->station, f->ver, f->clave, arbitration, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r4->status, ==, CATD_CAPTURE_VERIFIED);
  assert_settled (f, "PAN", 777);
  assert_settled (f, "PRI", a_pri);
}

static void
test_three_values_go_to_coordinator (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) r2 = pass2_with (f, "77", "55");
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(CatdCaptureResult) r4 = NULL;
  g_autoptr(CatdCaptureResult) r5 = NULL;
  g_autoptr(JsonNode) rekey = catd_test_values_only ("PAN", "78", "PRI", "55", NULL);
  g_autoptr(JsonNode) arbitration = catd_test_values_only ("PAN", "79", "PRI", "55", NULL);
  g_autoptr(JsonNode) ruling = catd_test_values_only ("PAN", "ilegible", NULL);
  g_autoptr(JsonObject) view = NULL;

  /* B keys a third value on re-key: that too goes to arbitration. */
  r3 = catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_ARBITRATION);

  /* A fourth value for PAN: only PAN goes to the coordinator. */
  r4 = catd_station_arbitrate (f->station, f->ver, f->clave, arbitration, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r4->status, ==, CATD_CAPTURE_COORDINATOR);
  g_assert_cmpuint (g_strv_length (r4->fields), ==, 1);
  g_assert_cmpstr (r4->fields[0], ==, "PAN");

  /* The coordinator needs a note, and the disputed fields only. */
  r5 = catd_station_resolve (f->station, f->coord, f->clave, ruling, "  ", &error);
  g_assert_null (r5);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  {
    g_autoptr(JsonNode) extra = catd_test_values_only ("PAN", "1", "PRI", "2", NULL);
    g_autoptr(CatdCaptureResult) r = catd_station_resolve (f->station, f->coord, f->clave, extra,
                                                           "nota", &error);
    g_assert_null (r);
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "PRI"));
    g_clear_error (&error);
  }

  r5 = catd_station_resolve (f->station, f->coord, f->clave, ruling,
                             "La imagen está manchada en PAN", &error);
  g_assert_no_error (error);
  g_assert_cmpint (r5->status, ==, CATD_CAPTURE_VERIFIED);

  view = coordinator_view (f);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (view, "settled_values"), "PAN"),
                   ==, "ilegible");
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (view, "settled_values"), "PRI"), ==, 55);
  g_assert_cmpstr (json_object_get_string_member (view, "observaciones"), ==, "Ilegible");
  /* Every keying kept: pass 1, pass 2, re-key, arbitration, resolution. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (view, "keyed")), ==, 5);
}

static void
test_same_user_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) again = catd_station_capture (f->station, f->cap_a, f->clave,
                                                             f->values_a, &error);
  g_autoptr(CatdCaptureResult) r2 = NULL;
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(JsonNode) rekey = catd_test_values_only ("PAN", "777", NULL);

  g_assert_null (again);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_REFUSED);
  g_clear_error (&error);

  r2 = pass2_with (f, "777", NULL);
  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_REKEY_REQUIRED);

  /* Only B re-keys: not A, not a third capturista. */
  g_assert_null (catd_station_rekey (f->station, f->cap_a, f->clave, rekey, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER);
  g_clear_error (&error);
  g_assert_null (catd_station_rekey (f->station, f->cap_c, f->clave, rekey, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER);
  g_clear_error (&error);

  r3 = catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_ARBITRATION);

  /* Capturistas do not arbitrate, not even a third one. */
  g_assert_null (catd_station_arbitrate (f->station, f->cap_c, f->clave, rekey, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);
}

static void
test_arbiter_must_be_third_person (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) r2 = pass2_with (f, "777", NULL);
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(JsonNode) rekey = catd_test_values_only ("PAN", "777", NULL);
  sqlite3 *db = catd_store_get_db (catd_station_get_store (f->station));

  r3 = catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error);
  g_assert_no_error (error);

  /* Make the coordinador the user of pass 1 in the record, as when a
   * coordinador also captures at a small CATD; arbitration must refuse. */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE acta SET pass1_user = 'coord'", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  g_assert_null (catd_station_arbitrate (f->station, f->coord, f->clave, rekey, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER);
  g_clear_error (&error);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE acta SET pass1_user = 'capA'", NULL, NULL, NULL),
                   ==, SQLITE_OK);
}

static void
test_roles_refused (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r = NULL;

  r = catd_station_capture (f->station, f->aco, f->clave, f->values_a, &error);
  g_assert_null (r);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_REFUSED);
  g_clear_error (&error);

  r = catd_station_capture (f->station, f->ver, f->clave, f->values_a, &error);
  g_assert_null (r);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  g_assert_null (catd_station_resolve (f->station, f->ver, f->clave, f->values_a, "x", &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  g_assert_null (catd_station_register (f->station, f->cap_a, "140001B01001", NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  g_assert_null (catd_station_export_prep_csv (f->station, f->cap_a, "GUB", '|', &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  /* No user at all. */
  g_assert_null (catd_station_capture (f->station, NULL, f->clave, f->values_a, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
}

static void
test_wrong_states (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  g_autoptr(CatdCaptureResult) r2 = NULL;
  g_autoptr(JsonNode) rekey = catd_test_values_only ("PAN", "1", NULL);
  g_autofree char *undigitized = catd_test_catalog_acta (f->station, "ca.election = 'DIP'");

  /* Not digitized yet. */
  reg = catd_station_register (f->station, f->aco, undigitized, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (catd_station_capture (f->station, f->cap_a, undigitized, f->values_a, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
  g_clear_error (&error);

  /* Not registered at all, and not in the catalog. */
  g_assert_null (catd_station_capture (f->station, f->cap_a, "140001B01009", f->values_a, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA);
  g_assert_cmpint (catd_error_classify (error), ==, CATD_ERROR_CLASS_INVALID);
  g_clear_error (&error);

  /* Nothing to re-key or arbitrate before pass 2. */
  g_assert_null (catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
  g_clear_error (&error);

  r1 = pass1 (f);
  r2 = pass2_with (f, NULL, NULL);
  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_VERIFIED);
  g_assert_null (catd_station_capture (f->station, f->cap_c, f->clave, f->values_a, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
}

static void
test_bad_values_keep_nothing (Fixture       *f,
                              gconstpointer  data)
{
  static const struct { const char *code; const char *json; } bad[] = {
    { "PAN", "10000" }, { "PAN", "-1" }, { "PAN", "1.5" }, { "PAN", "\"12\"" },
    { "PAN", "null" }, { "PAN", "true" }, { "PAN", "\"ILEGIBLE\"" }, { "FOO", "1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) values = catd_test_values_copy (f->values_a);
      g_autoptr(JsonObject) view = NULL;

      json_object_set_member (json_node_get_object (values), bad[i].code,
                              json_from_string (bad[i].json, NULL));
      g_assert_null (catd_station_capture (f->station, f->cap_a, f->clave, values, &error));
      g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
      if (strstr (error->message, bad[i].code) == NULL)
        g_error ("the error for %s=%s does not name the field: %s", bad[i].code, bad[i].json,
                 error->message);
      view = coordinator_view (f);
      g_assert_cmpstr (json_object_get_string_member (view, "state"), ==, "digitized");
      g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM keying", NULL),
                       ==, 0);
    }

  /* A missing field is named too. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) values = catd_test_values_copy (f->values_a);

    json_object_remove_member (json_node_get_object (values), "NULOS");
    g_assert_null (catd_station_capture (f->station, f->cap_a, f->clave, values, &error));
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "NULOS"));
  }
}

static void
test_statistics (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = pass1 (f);
  g_autoptr(CatdCaptureResult) r2 = pass2_with (f, "777", NULL);
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) rekey = NULL;
  gint64 a_pan = json_object_get_int_member (json_node_get_object (f->values_a), "PAN");
  g_autofree char *a_pan_text = g_strdup_printf ("%" G_GINT64_FORMAT, a_pan);
  guint n_fields = json_object_get_size (json_node_get_object (f->values_a));
  JsonArray *users;

  rekey = catd_test_values_only ("PAN", a_pan_text, NULL);
  r3 = catd_station_rekey (f->station, f->cap_b, f->clave, rekey, &error);
  g_assert_no_error (error);

  status = catd_station_status (f->station, &error);
  g_assert_no_error (error);
  users = json_object_get_array_member (json_node_get_object (status), "users");
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *u = json_array_get_object_element (users, i);
      const char *login = json_object_get_string_member (u, "login");

      if (g_str_equal (login, "capA"))
        {
          g_assert_cmpint (json_object_get_int_member (u, "fields_keyed"), ==, n_fields);
          g_assert_cmpint (json_object_get_int_member (u, "errors"), ==, 0);
          g_assert_cmpint (json_object_get_int_member (u, "actas_keyed"), ==, 1);
        }
      else if (g_str_equal (login, "capB"))
        {
          /* B's pass-2 PAN lost: one error in n_fields + 1 keyed. */
          g_assert_cmpint (json_object_get_int_member (u, "fields_keyed"), ==, n_fields + 1);
          g_assert_cmpint (json_object_get_int_member (u, "errors"), ==, 1);
          g_assert_cmpfloat_with_epsilon (json_object_get_double_member (u,
                                            "errors_per_1000_fields"),
                                          (double)(10000 / (n_fields + 1)) / 10.0, 0.001);
        }
    }
  g_assert_cmpint (json_object_get_int_member (
                     json_object_get_object_member (json_node_get_object (status), "states"),
                     "verified"), ==, 1);
}

/* ---- blindness, through catdctl as B would run it ------------------------ */

typedef struct
{
  char *out;      /* standard output and error: all the user was shown */
  int   status;
} Run;

static Run
collect (CatdTestRun *cli)
{
  Run run = { g_strconcat (cli->out, cli->err, NULL), cli->status };

  catd_test_run_clear (cli);
  return run;
}

/* catdctl --json as @login, in test_blind_session (needs dir and cli). */
#define RUN_CATDCTL(login, stdin_text, ...) \
  (catd_test_run_catdctl (&cli, dir, login, stdin_text, "--json", __VA_ARGS__), collect (&cli))

/* A number standing alone (not inside a hash or a longer number). */
static gboolean
contains_number (const char *text,
                 const char *number)
{
  g_autofree char *pattern = g_strdup_printf ("(?<![0-9A-Za-z])%s(?![0-9A-Za-z])", number);

  return g_regex_match_simple (pattern, text, 0, 0);
}

static void
test_blind_session (Fixture       *f,
                    gconstpointer  data)
{
  /* A keys distinctive values in two fields that B keys differently; they
   * must not reach B by any path: answers, show, status, errors, exports. */
  static const char *secrets[] = { "8713", "6592" };
  g_autoptr(GPtrArray) outputs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  g_autoptr(CatdCaptureResult) r4 = NULL;
  g_autoptr(JsonNode) values_b = catd_test_values_copy (f->values_a);
  g_autoptr(JsonNode) arbitration = NULL;
  g_autofree char *b_json = NULL;
  g_autofree char *b_file = g_build_filename (f->dir, "b.json", NULL);
  const char *dir = catd_store_get_data_dir (catd_station_get_store (f->station));
  CatdTestRun cli = { 0 };
  Run run;

  catd_test_values_set (f->values_a, "PAN", secrets[0]);
  catd_test_values_set (f->values_a, "MORENA", secrets[1]);
  r1 = pass1 (f);

  catd_test_values_set (values_b, "PAN", "731");
  catd_test_values_set (values_b, "MORENA", "947");
  b_json = json_to_string (values_b, FALSE);
  g_assert_true (g_file_set_contents (b_file, b_json, -1, NULL));

  /* B's whole session. The fixture station holds no lock between calls, so
   * the processes share the database like two workstations' tools. */
  run = RUN_CATDCTL ("capB", NULL, "capture", f->clave, "--values", b_file, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "rekey_required"));
  g_assert_nonnull (strstr (run.out, "\"PAN\""));
  g_assert_nonnull (strstr (run.out, "\"MORENA\""));
  g_ptr_array_add (outputs, run.out);

  run = RUN_CATDCTL ("capB", NULL, "show", f->clave, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_ptr_array_add (outputs, run.out);

  /* A mistaken second capture, a wrong re-key field, then the re-key. */
  run = RUN_CATDCTL ("capB", NULL, "capture", f->clave, "--values", b_file, NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_ptr_array_add (outputs, run.out);
  run = RUN_CATDCTL ("capB", "{\"PRI\": 1}", "rekey", f->clave, "--values", "-", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_ptr_array_add (outputs, run.out);
  run = RUN_CATDCTL ("capB", "{\"PAN\": 731, \"MORENA\": 947}", "rekey", f->clave,
                     "--values", "-", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "arbitration"));
  g_ptr_array_add (outputs, run.out);

  run = RUN_CATDCTL ("capB", NULL, "status", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_ptr_array_add (outputs, run.out);
  run = RUN_CATDCTL ("capB", NULL, "export", "--format", "prep-csv", "--election", "GUB",
                     NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_ptr_array_add (outputs, run.out);
  run = RUN_CATDCTL ("capB", NULL, "audit", "export", NULL);
  g_assert_cmpint (run.status, ==, 3);
  g_ptr_array_add (outputs, run.out);

  /* The verificador sides with A; B looks at the settled acta. */
  arbitration = catd_test_values_only ("PAN", secrets[0], "MORENA", secrets[1], NULL);
  r4 = catd_station_arbitrate (f->station, f->ver, f->clave, arbitration, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r4->status, ==, CATD_CAPTURE_VERIFIED);
  run = RUN_CATDCTL ("capB", NULL, "show", f->clave, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_ptr_array_add (outputs, run.out);

  for (guint i = 0; i < outputs->len; i++)
    for (guint s = 0; s < G_N_ELEMENTS (secrets); s++)
      if (contains_number (g_ptr_array_index (outputs, i), secrets[s]))
        g_error ("B was shown A's value %s in:\n%s", secrets[s],
                 (char *)g_ptr_array_index (outputs, i));

  /* The detector works: the coordinador does see the values. */
  run = RUN_CATDCTL ("coord", NULL, "show", f->clave, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (contains_number (run.out, secrets[0]));
  g_assert_true (contains_number (run.out, secrets[1]));
  g_free (run.out);

  /* And A, in turn, never sees B's values. */
  run = RUN_CATDCTL ("capA", NULL, "show", f->clave, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_false (contains_number (run.out, "731"));
  g_assert_false (contains_number (run.out, "947"));
  g_free (run.out);
}

/* ---- the API the GUI uses: worker threads, signals on the main context ---- */

typedef struct
{
  GMainLoop         *loop;
  GThread           *main_thread;
  GPtrArray         *changes;    /* "clave state" strings */
  CatdCaptureResult *result;
  CatdRegistration  *registration;
  GError            *error;
} AsyncState;

static void
acta_changed_cb (CatdStation *station,
                 const char  *clave,
                 const char  *state,
                 AsyncState  *as)
{
  /* Listeners (widgets) are always called on the main thread. */
  g_assert_true (g_thread_self () == as->main_thread);
  g_ptr_array_add (as->changes, g_strdup_printf ("%s %s", clave, state));
}

static void
capture_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  AsyncState *as = data;

  g_assert_true (g_thread_self () == as->main_thread);
  as->result = catd_station_capture_finish (CATD_STATION (source), result, &as->error);
  g_main_loop_quit (as->loop);
}

static void
register_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  AsyncState *as = data;

  as->registration = catd_station_register_finish (CATD_STATION (source), result, &as->error);
  g_main_loop_quit (as->loop);
}

static void
test_async_and_signals (Fixture       *f,
                        gconstpointer  data)
{
  AsyncState as = { 0 };
  g_autofree char *other = catd_test_catalog_acta (f->station, "ca.election = 'MUN'");
  g_autofree char *expected = g_strdup_printf ("%s captured_1", f->clave);
  gulong handler;

  as.loop = g_main_loop_new (NULL, FALSE);
  as.main_thread = g_thread_self ();
  as.changes = g_ptr_array_new_with_free_func (g_free);
  /* Signals are always emitted from the main context, later: the
   * fixture's own actions are delivered here first, unwatched. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  handler = g_signal_connect (f->station, "acta-changed", G_CALLBACK (acta_changed_cb), &as);

  catd_station_capture_async (f->station, f->cap_a, f->clave, f->values_a, NULL,
                              capture_done_cb, &as);
  g_main_loop_run (as.loop);
  g_assert_no_error (as.error);
  g_assert_cmpint (as.result->status, ==, CATD_CAPTURE_AWAITING_PASS2);

  catd_station_register_async (f->station, f->aco, other, NULL, register_done_cb, &as);
  g_main_loop_run (as.loop);
  g_assert_no_error (as.error);
  g_assert_cmpstr (as.registration->clave_acta, ==, other);

  /* Let queued emissions run, then both changes were seen, in order. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (as.changes->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (as.changes, 0), ==, expected);
  g_assert_true (g_str_has_suffix (g_ptr_array_index (as.changes, 1), " registered"));

  g_signal_handler_disconnect (f->station, handler);
  catd_capture_result_free (as.result);
  catd_registration_free (as.registration);
  g_ptr_array_unref (as.changes);
  g_main_loop_unref (as.loop);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/capture/match-verifies", test_match_verifies);
  ADD ("/capture/mismatch-settled-by-rekey", test_mismatch_settled_by_rekey);
  ADD ("/capture/rekey-confirms-then-majority", test_rekey_confirms_then_majority);
  ADD ("/capture/three-values-go-to-coordinator", test_three_values_go_to_coordinator);
  ADD ("/capture/same-user-refused", test_same_user_refused);
  ADD ("/capture/arbiter-must-be-third-person", test_arbiter_must_be_third_person);
  ADD ("/capture/roles-refused", test_roles_refused);
  ADD ("/capture/wrong-states", test_wrong_states);
  ADD ("/capture/bad-values-keep-nothing", test_bad_values_keep_nothing);
  ADD ("/capture/statistics", test_statistics);
  ADD ("/capture/blind-session", test_blind_session);
  ADD ("/capture/async-and-signals", test_async_and_signals);
#undef ADD
  return g_test_run ();
}
