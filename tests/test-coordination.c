/* test-coordination.c - the coordinador's queries: progress, throughput,
 * inconsistencies, acta search and history, the audit log's pages
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-errors.h"
#include "catd-test-util.h"

/* 2024-06-03 00:00:00 UTC, a multiple of 15 minutes. */
#define T0 (G_GINT64_CONSTANT (1717372800) * G_USEC_PER_SEC)
#define MINUTES(m) ((gint64)(m) * 60 * G_USEC_PER_SEC)

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
  CatdUser      *ver;
  guint          seed;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  f->cap_a = catd_test_add_user (f->station, f->coord, "capA", CATD_ROLE_CAPTURISTA);
  f->cap_b = catd_test_add_user (f->station, f->coord, "capB", CATD_ROLE_CAPTURISTA);
  f->ver = catd_test_add_user (f->station, f->coord, "ver", CATD_ROLE_VERIFICADOR);
  f->seed = 1;
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* The queries only read: the log and the database still verify. */
  catd_station_audit_verify (f->station, NULL, &error);
  g_assert_no_error (error);
  catd_station_check (f->station, NULL, &error);
  g_assert_no_error (error);

  g_clear_object (&f->cap_a);
  g_clear_object (&f->cap_b);
  g_clear_object (&f->ver);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

typedef enum
{
  NORMAL,
  ALL_ILEGIBLE,
  ALL_SIN_DATO,
  EXCEDE,
} Mode;

static JsonNode *
values_for (Fixture    *f,
            const char *clave,
            Mode        mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fields = catd_station_get_acta_fields (f->station, clave, &error);
  JsonNode *values = catd_test_values (f->station, clave, f->seed++);

  g_assert_no_error (error);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      if (field->kind == CATD_FIELD_INFO || mode == NORMAL)
        continue;
      if (mode == ALL_ILEGIBLE)
        catd_test_values_set (values, field->code, "ilegible");
      else if (mode == ALL_SIN_DATO)
        catd_test_values_set (values, field->code, "sin_dato");
      else if (g_str_equal (field->code, "PAN"))
        catd_test_values_set (values, field->code, "9999");
    }
  return values;
}

static CatdCaptureStatus
do_capture (Fixture    *f,
            CatdUser   *user,
            const char *clave,
            JsonNode   *values)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) r = catd_station_capture (f->station, user, clave, values, &error);

  g_assert_no_error (error);
  return r->status;
}

/* Registered, scanned, keyed twice alike: verified. */
static char *
verified_acta (Fixture    *f,
               const char *where,
               Mode        mode)
{
  char *clave = catd_test_unregistered_acta (f->station, where);
  g_autoptr(JsonNode) values = NULL;

  catd_test_register (f->station, f->aco, clave);
  catd_test_import (f->station, f->dig, clave, f->dir, f->seed++);
  values = values_for (f, clave, mode);
  g_assert_cmpint (do_capture (f, f->cap_a, clave, values), ==, CATD_CAPTURE_AWAITING_PASS2);
  g_assert_cmpint (do_capture (f, f->cap_b, clave, values), ==, CATD_CAPTURE_VERIFIED);
  return clave;
}

/* Registered, scanned, pass 2 differing in PAN: waiting for B's re-key.
 * Pass 1 keyed PAN as 71, pass 2 as 72. */
static char *
rekey_acta (Fixture    *f,
            const char *where)
{
  char *clave = catd_test_unregistered_acta (f->station, where);
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  catd_test_register (f->station, f->aco, clave);
  catd_test_import (f->station, f->dig, clave, f->dir, f->seed++);
  a = catd_test_values_set (values_for (f, clave, NORMAL), "PAN", "71");
  b = catd_test_values_set (catd_test_values_copy (a), "PAN", "72");
  g_assert_cmpint (do_capture (f, f->cap_a, clave, a), ==, CATD_CAPTURE_AWAITING_PASS2);
  g_assert_cmpint (do_capture (f, f->cap_b, clave, b), ==, CATD_CAPTURE_REKEY_REQUIRED);
  return clave;
}

static CatdCaptureStatus
do_rekey (Fixture    *f,
          const char *clave,
          const char *pan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) values = catd_test_values_only ("PAN", pan, NULL);
  g_autoptr(CatdCaptureResult) r = catd_station_rekey (f->station, f->cap_b, clave, values,
                                                       &error);

  g_assert_no_error (error);
  return r->status;
}

static CatdCaptureStatus
do_arbitrate (Fixture    *f,
              const char *clave,
              const char *pan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) values = catd_test_values_only ("PAN", pan, NULL);
  g_autoptr(CatdCaptureResult) r = catd_station_arbitrate (f->station, f->ver, clave, values,
                                                           &error);

  g_assert_no_error (error);
  return r->status;
}

static void
do_sin_acta (Fixture           *f,
             const char        *clave,
             CatdSinActaReason  reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = catd_station_sin_acta (f->station, f->aco, clave, reason,
                                                           &error);

  g_assert_no_error (error);
}

static void
do_fuera (Fixture    *f,
          const char *text,
          const char *election)
{
  g_autoptr(GError) error = NULL;
  CatdRegisterOptions options = { .fuera_de_catalogo = TRUE, .election = election };
  g_autoptr(CatdRegistration) reg = catd_station_register (f->station, f->aco, text, &options,
                                                           &error);

  g_assert_no_error (error);
}

static CatdElectionProgress *
find_progress (GPtrArray  *progress,
               const char *election)
{
  for (guint i = 0; i < progress->len; i++)
    {
      CatdElectionProgress *p = g_ptr_array_index (progress, i);

      if (g_str_equal (p->election, election))
        return p;
    }
  g_error ("election %s is missing from the progress", election);
}

/* Field @index of line @line of the election's prep-csv export: an oracle
 * written apart from the progress query. */
static gint64
export_summary (Fixture    *f,
                const char *election,
                guint       index)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = catd_station_export_prep_csv (f->station, f->coord, election, '|',
                                                       &error);
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) cells = NULL;

  g_assert_no_error (error);
  lines = g_strsplit (csv, "\n", 4);
  cells = g_strsplit (lines[2], "|", -1);
  g_assert_cmpuint (index, <, g_strv_length (cells));
  return g_ascii_strtoll (cells[index], NULL, 10);
}

static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) progress = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autofree char *registered = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  g_autofree char *digitized = NULL;
  g_autofree char *captured = NULL;
  g_autofree char *counted = NULL;
  g_autofree char *excede = NULL;
  g_autofree char *sin_acta = NULL;
  g_autofree char *dip = NULL;
  CatdElectionProgress *gub, *dip_p, *mun;
  gint64 total = 0;

  catd_test_register (f->station, f->aco, registered);
  digitized = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  catd_test_register (f->station, f->aco, digitized);
  catd_test_import (f->station, f->dig, digitized, f->dir, f->seed++);
  captured = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  catd_test_register (f->station, f->aco, captured);
  catd_test_import (f->station, f->dig, captured, f->dir, f->seed++);
  {
    g_autoptr(JsonNode) values = values_for (f, captured, NORMAL);

    do_capture (f, f->cap_a, captured, values);
  }
  counted = verified_acta (f, "ca.election = 'GUB' AND c.tipo = 'B'", NORMAL);
  excede = verified_acta (f, "ca.election = 'GUB' AND c.tipo = 'B'", EXCEDE);
  sin_acta = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  do_sin_acta (f, sin_acta, CATD_SIN_ACTA_SIN_SOBRE);
  do_fuera (f, "14ZZZZB01001", "GUB");
  dip = verified_acta (f, "ca.election = 'DIP'", NORMAL);

  progress = catd_station_progress (f->station, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (progress->len, ==, 3);
  /* Catalog order. */
  g_assert_cmpstr (((CatdElectionProgress *)progress->pdata[0])->election, ==, "GUB");
  g_assert_cmpstr (((CatdElectionProgress *)progress->pdata[1])->election, ==, "DIP");
  g_assert_cmpstr (((CatdElectionProgress *)progress->pdata[2])->election, ==, "MUN");

  gub = find_progress (progress, "GUB");
  g_assert_cmpstr (gub->nombre, ==, "Gubernatura");
  g_assert_cmpint (gub->esperadas, ==, export_summary (f, "GUB", 0));
  g_assert_cmpint (gub->esperadas, >, 0);
  g_assert_cmpint (gub->registered, ==, 6);
  g_assert_cmpint (gub->digitized, ==, 4);
  g_assert_cmpint (gub->captured, ==, 3);
  g_assert_cmpint (gub->verified, ==, 2);
  g_assert_cmpint (gub->contabilizadas, ==, 1);
  g_assert_cmpint (gub->contabilizadas, ==, export_summary (f, "GUB", 5));
  g_assert_cmpint (gub->sin_acta, ==, 1);
  g_assert_cmpint (gub->fuera_de_catalogo, ==, 1);
  g_assert_cmpint (gub->fuera_de_catalogo, ==, export_summary (f, "GUB", 2));
  g_assert_cmpint (gub->states[CATD_ACTA_REGISTERED], ==, 1);
  g_assert_cmpint (gub->states[CATD_ACTA_DIGITIZED], ==, 1);
  g_assert_cmpint (gub->states[CATD_ACTA_CAPTURED_1], ==, 1);
  g_assert_cmpint (gub->states[CATD_ACTA_REKEY], ==, 0);
  g_assert_cmpint (gub->states[CATD_ACTA_VERIFIED], ==, 2);
  g_assert_cmpint (gub->states[CATD_ACTA_SIN_ACTA], ==, 1);
  g_assert_cmpint (gub->states[CATD_ACTA_FUERA_DE_CATALOGO], ==, 1);

  dip_p = find_progress (progress, "DIP");
  g_assert_cmpint (dip_p->esperadas, ==, export_summary (f, "DIP", 0));
  g_assert_cmpint (dip_p->registered, ==, 1);
  g_assert_cmpint (dip_p->digitized, ==, 1);
  g_assert_cmpint (dip_p->captured, ==, 1);
  g_assert_cmpint (dip_p->verified, ==, 1);
  g_assert_cmpint (dip_p->contabilizadas, ==, 1);
  g_assert_cmpint (dip_p->states[CATD_ACTA_VERIFIED], ==, 1);
  g_assert_cmpint (dip_p->fuera_de_catalogo, ==, 0);

  mun = find_progress (progress, "MUN");
  g_assert_cmpint (mun->esperadas, ==, export_summary (f, "MUN", 0));
  g_assert_cmpint (mun->registered, ==, 0);
  for (CatdActaState s = CATD_ACTA_REGISTERED; s <= CATD_ACTA_STATE_LAST; s++)
    g_assert_cmpint (mun->states[s], ==, 0);

  /* The elections' actas esperadas add up to the catalog's. */
  status = catd_station_status (f->station, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < progress->len; i++)
    total += ((CatdElectionProgress *)progress->pdata[i])->esperadas;
  g_assert_cmpint (total, ==, json_object_get_int_member (json_node_get_object (status),
                                                          "actas_esperadas"));
}

/* Bucket index of a time in a window of 8 buckets ending at 01:00. */
#define BUCKET(minutes) ((guint)(((minutes) + 45) / 15))

static void
assert_counts (CatdThroughput *t,
               CatdStage       stage,
               const guint    *expected)
{
  for (guint i = 0; i < t->n_buckets; i++)
    if (t->counts[stage][i] != expected[i])
      g_error ("stage %s, bucket %u (from %+d min): %u actas, expected %u",
               catd_stage_to_string (stage), i, (int)i * 15 - 45, t->counts[stage][i],
               expected[i]);
}

static void
test_throughput (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdThroughput) t = NULL;
  g_autofree char *old = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  g_autofree char *late = NULL;
  guint acopio[8] = { 0 }, digi[8] = { 0 }, captura[8] = { 0 }, verif[8] = { 0 };

  /* Four hours before: outside a two-hour window. */
  f->clock.usec = T0 - MINUTES (240);
  catd_test_register (f->station, f->aco, old);
  catd_test_import (f->station, f->dig, old, f->dir, f->seed++);

  f->clock.usec = T0 + MINUTES (2);
  a = catd_test_unregistered_acta (f->station, "ca.election = 'GUB' AND c.tipo = 'B'");
  catd_test_register (f->station, f->aco, a);
  b = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  catd_test_register (f->station, f->aco, b);

  f->clock.usec = T0 + MINUTES (17);
  catd_test_import (f->station, f->dig, a, f->dir, f->seed++);
  c = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  catd_test_register (f->station, f->aco, c);

  f->clock.usec = T0 + MINUTES (33);
  {
    g_autoptr(JsonNode) values = values_for (f, a, NORMAL);
    g_autofree char *tiff = catd_test_write_tiff (f->dir, 999);
    g_autoptr(GBytes) bytes = NULL;
    g_autofree char *contents = NULL;
    gsize len;
    CatdBindOptions replace = { .source = "IMPORTADA", .replace = TRUE,
                                .reason = "la primera salió borrosa" };

    g_assert_cmpint (do_capture (f, f->cap_a, a, values), ==, CATD_CAPTURE_AWAITING_PASS2);
    /* A re-scan is not a second acta digitized. */
    g_assert_true (g_file_get_contents (tiff, &contents, &len, NULL));
    bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
    catd_station_bind_image (f->station, f->dig, a, bytes, &replace, NULL, &error);
    g_assert_no_error (error);

    f->clock.usec = T0 + MINUTES (47);
    g_assert_cmpint (do_capture (f, f->cap_b, a, values), ==, CATD_CAPTURE_VERIFIED);
  }
  /* Sin acta is settled at registration: acopio, not verificación. */
  d = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  do_sin_acta (f, d, CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO);

  /* A time ahead of the clock (the clock was set back) is left out. */
  f->clock.usec = T0 + MINUTES (100);
  late = catd_test_unregistered_acta (f->station, "ca.election = 'GUB'");
  catd_test_register (f->station, f->aco, late);

  f->clock.usec = T0 + MINUTES (61);
  t = catd_station_throughput (f->station, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n_buckets, ==, 8);
  g_assert_cmpint (t->start, ==, T0 - MINUTES (45));
  g_assert_cmpint (t->start % CATD_THROUGHPUT_BUCKET_USEC, ==, 0);

  acopio[BUCKET (0)] = 2;
  acopio[BUCKET (15)] = 1;
  acopio[BUCKET (45)] = 1;
  digi[BUCKET (15)] = 1;
  captura[BUCKET (30)] = 1;
  verif[BUCKET (45)] = 1;
  assert_counts (t, CATD_STAGE_ACOPIO, acopio);
  assert_counts (t, CATD_STAGE_DIGITALIZACION, digi);
  assert_counts (t, CATD_STAGE_CAPTURA, captura);
  assert_counts (t, CATD_STAGE_VERIFICACION, verif);
  g_assert_cmpuint (t->totals[CATD_STAGE_ACOPIO], ==, 4);
  g_assert_cmpuint (t->totals[CATD_STAGE_DIGITALIZACION], ==, 1);
  g_assert_cmpuint (t->totals[CATD_STAGE_CAPTURA], ==, 1);
  g_assert_cmpuint (t->totals[CATD_STAGE_VERIFICACION], ==, 1);
  g_assert_cmpuint (t->max, ==, 2);
  g_clear_pointer (&t, catd_throughput_free);

  /* A six-hour window (24 buckets from 19:15) reaches the old acta: 20:00
   * is bucket 3. */
  f->clock.usec = T0 + MINUTES (61);
  t = catd_station_throughput (f->station, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (t->n_buckets, ==, 24);
  g_assert_cmpuint (t->counts[CATD_STAGE_ACOPIO][3], ==, 1);
  g_assert_cmpuint (t->counts[CATD_STAGE_DIGITALIZACION][3], ==, 1);
  g_assert_cmpuint (t->totals[CATD_STAGE_ACOPIO], ==, 5);
  g_assert_cmpuint (t->totals[CATD_STAGE_DIGITALIZACION], ==, 2);

  /* The counts the triggers kept are the ones store migration 4 computes
   * from the actas of a station made before it. */
  catd_test_exec (f->station,
                  "DROP TRIGGER stage_acopio; DROP TRIGGER stage_digitalizacion; "
                  "DROP TRIGGER stage_captura; DROP TRIGGER stage_verificacion; "
                  "DROP TABLE stage_count; DROP INDEX acta_by_state_count; "
                  "DROP INDEX audit_set_aside; CREATE INDEX acta_by_state ON acta (state); "
                  "PRAGMA user_version = 3");
  {
    g_autoptr(CatdStation) reopened = catd_station_open (f->dir, &error);
    g_autoptr(CatdThroughput) again = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (catd_test_query_int (reopened, "PRAGMA user_version", NULL), ==, 4);
    catd_station_set_clock (reopened, catd_test_clock_read, &f->clock);
    f->clock.usec = T0 + MINUTES (61);
    again = catd_station_throughput (reopened, 6, &error);
    g_assert_no_error (error);
    g_assert_cmpint (again->start, ==, t->start);
    for (CatdStage s = 0; s < CATD_N_STAGES; s++)
      for (guint i = 0; i < t->n_buckets; i++)
        if (again->counts[s][i] != t->counts[s][i])
          g_error ("stage %s, bucket %u: %u actas counted by the triggers, %u by the migration",
                   catd_stage_to_string (s), i, t->counts[s][i], again->counts[s][i]);
  }
  g_clear_pointer (&t, catd_throughput_free);

  g_assert_null (catd_station_throughput (f->station, 0, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_null (catd_station_throughput (f->station, 73, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
}

static void
set_page_aside (Fixture    *f,
                const char *qr,
                const char *decision,
                const char *verdict)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) detail = json_from_string ("{}", NULL);
  JsonObject *object = json_node_get_object (detail);

  json_object_set_int_member (object, "page", 1);
  json_object_set_string_member (object, "decision", decision);
  json_object_set_string_member (object, "verdict", verdict);
  json_object_set_string_member (object, "problem", "test");
  json_object_set_string_member (object, "device", "test:0");
  catd_station_set_page_aside (f->station, f->dig, qr, detail, &error);
  g_assert_no_error (error);
}

/* The outbox row that uploads @clave's image (@image) or its record. */
static gint64
outbox_row (Fixture    *f,
            const char *clave,
            gboolean    image)
{
  gint64 id = catd_test_query_int (f->station, image
                                   ? "SELECT o.id FROM outbox o JOIN acta a "
                                     "ON a.image_sha256 = o.ref WHERE a.clave_acta = ?1"
                                   : "SELECT o.id FROM outbox o JOIN record r "
                                     "ON r.record_id = o.ref JOIN acta a ON a.id = r.acta "
                                     "WHERE a.clave_acta = ?1", clave);

  g_assert_cmpint (id, >, 0);
  return id;
}

static char *
describe (CatdInconsistency *item)
{
  return g_strdup_printf ("%s %s %s %s", catd_inconsistency_reason_to_string (item->reason),
                          item->clave_acta ? item->clave_acta : "(none)",
                          item->election ? item->election : "(none)",
                          item->detail ? item->detail : "(none)");
}

static void
test_inconsistencies (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) actual = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *arb = NULL;
  g_autofree char *coord = NULL;
  g_autofree char *majority = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *excede = NULL;
  g_autofree char *ilegible = NULL;
  g_autofree char *vacio = NULL;
  g_autofree char *counted = NULL;
  g_autofree char *sin_acta = NULL;
  g_autofree char *dead_img = NULL;
  g_autofree char *dead_rec = NULL;
  g_autofree char *unscanned = NULL;
  g_autofree char *rescanned = NULL;
  g_autofree char *last_keying = NULL;
  gint64 dead_img_id, dead_rec_id;
  gint64 first_aside;

  /* Empty on a fresh station. */
  items = catd_station_inconsistencies (f->station, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 0);
  g_clear_pointer (&items, g_ptr_array_unref);

  arb = rekey_acta (f, "ca.election = 'GUB'");
  g_assert_cmpint (do_rekey (f, arb, "73"), ==, CATD_CAPTURE_ARBITRATION);
  coord = rekey_acta (f, "ca.election = 'GUB'");
  g_assert_cmpint (do_rekey (f, coord, "73"), ==, CATD_CAPTURE_ARBITRATION);
  g_assert_cmpint (do_arbitrate (f, coord, "74"), ==, CATD_CAPTURE_COORDINATOR);
  majority = rekey_acta (f, "ca.election = 'GUB'");
  g_assert_cmpint (do_rekey (f, majority, "73"), ==, CATD_CAPTURE_ARBITRATION);
  g_assert_cmpint (do_arbitrate (f, majority, "71"), ==, CATD_CAPTURE_VERIFIED);
  /* Waiting for B's re-key is not yet anyone else's concern. */
  waiting = rekey_acta (f, "ca.election = 'GUB'");

  excede = verified_acta (f, "ca.election = 'GUB' AND c.tipo = 'B'", EXCEDE);
  ilegible = verified_acta (f, "ca.election = 'DIP'", ALL_ILEGIBLE);
  vacio = verified_acta (f, "ca.election = 'MUN'", ALL_SIN_DATO);
  counted = verified_acta (f, "ca.election = 'MUN'", NORMAL);
  sin_acta = catd_test_unregistered_acta (f->station, "ca.election = 'DIP'");
  do_sin_acta (f, sin_acta, CATD_SIN_ACTA_CASILLA_NO_INSTALADA);
  do_fuera (f, "14ZZZZB01002", "DIP");

  /* The central site refuses an image and a record. */
  dead_img = verified_acta (f, "ca.election = 'GUB' AND c.tipo = 'C'", NORMAL);
  dead_rec = verified_acta (f, "ca.election = 'GUB' AND c.tipo = 'C'", NORMAL);
  dead_img_id = outbox_row (f, dead_img, TRUE);
  dead_rec_id = outbox_row (f, dead_rec, FALSE);
  catd_station_outbox_dead (f->station, dead_img_id, "400: the bytes do not hash to the name",
                            &error);
  g_assert_no_error (error);
  catd_station_outbox_dead (f->station, dead_rec_id, "422: a different body for this id",
                            &error);
  g_assert_no_error (error);

  /* Pages set aside: listed unless a blank back, re-scanned at once, or
   * the acta their label names has an image by now. */
  unscanned = catd_test_unregistered_acta (f->station, "ca.election = 'MUN'");
  catd_test_register (f->station, f->aco, unscanned);
  rescanned = catd_test_unregistered_acta (f->station, "ca.election = 'MUN'");
  catd_test_register (f->station, f->aco, rescanned);
  set_page_aside (f, NULL, "skip", "no_qr");
  first_aside = catd_test_query_int (f->station, "SELECT max (seq) FROM audit", NULL);
  set_page_aside (f, unscanned, "cancel", "ok");
  set_page_aside (f, "14QQQQB01001", "skip", "not_in_catalog");
  set_page_aside (f, NULL, "blank_back", "blank");
  set_page_aside (f, NULL, "rescan", "no_qr");
  set_page_aside (f, rescanned, "skip", "ok");
  catd_test_import (f->station, f->dig, rescanned, f->dir, f->seed++);

  items = catd_station_inconsistencies (f->station, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < items->len; i++)
    {
      CatdInconsistency *item = g_ptr_array_index (items, i);

      g_ptr_array_add (actual, describe (item));
      if (item->at == NULL)
        g_error ("%s has no time", (char *)actual->pdata[i]);
      /* Grouped by reason, in the order of the enumeration. */
      if (i > 0)
        g_assert_cmpint (((CatdInconsistency *)items->pdata[i - 1])->reason, <=, item->reason);
      switch ((int)item->reason)
        {
        case CATD_INCONSISTENCY_DEAD_IMAGE:
          g_assert_cmpint (item->ref, ==, dead_img_id);
          break;
        case CATD_INCONSISTENCY_DEAD_RECORD:
          g_assert_cmpint (item->ref, ==, dead_rec_id);
          break;
        case CATD_INCONSISTENCY_PAGE_SET_ASIDE:
          g_assert_cmpint (item->ref, >=, first_aside);
          break;
        default:
          g_assert_cmpint (item->ref, ==, 0);
        }
    }

#define EXPECT(...) g_ptr_array_add (expected, g_strdup_printf (__VA_ARGS__))
  EXPECT ("arbitration %s GUB (none)", arb);
  EXPECT ("coordinator %s GUB (none)", coord);
  EXPECT ("excede_lista_nominal %s GUB (none)", excede);
  EXPECT ("todos_ilegibles %s DIP (none)", ilegible);
  EXPECT ("todos_vacios %s MUN (none)", vacio);
  EXPECT ("fuera_de_catalogo 14ZZZZB01002 DIP (none)");
  EXPECT ("sin_acta %s DIP casilla-no-instalada", sin_acta);
  EXPECT ("dead_image %s GUB 400: the bytes do not hash to the name", dead_img);
  EXPECT ("dead_record %s GUB 422: a different body for this id", dead_rec);
  EXPECT ("page_set_aside (none) (none) no_qr");
  EXPECT ("page_set_aside %s MUN ok", unscanned);
  EXPECT ("page_set_aside 14QQQQB01001 (none) not_in_catalog");
#undef EXPECT
  for (guint i = 0; i < MAX (expected->len, actual->len); i++)
    {
      const char *want = i < expected->len ? expected->pdata[i] : "(nothing)";
      const char *got = i < actual->len ? actual->pdata[i] : "(nothing)";

      if (!g_str_equal (want, got))
        g_error ("inconsistency %u: expected \"%s\", got \"%s\"", i, want, got);
    }

  /* An acta waiting for someone dates from its last keying. */
  last_keying = catd_test_query_text (f->station, "SELECT max (k.keyed_at) FROM keying k "
                                      "JOIN acta a ON a.id = k.acta WHERE a.clave_acta = ?1",
                                      coord);
  g_assert_cmpstr (((CatdInconsistency *)items->pdata[1])->at, ==, last_keying);
  g_clear_pointer (&items, g_ptr_array_unref);

  /* Settling the acta in arbitration takes it off the list. */
  g_assert_cmpint (do_arbitrate (f, arb, "71"), ==, CATD_CAPTURE_VERIFIED);
  items = catd_station_inconsistencies (f->station, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, expected->len - 1);
  for (guint i = 0; i < items->len; i++)
    g_assert_cmpstr (((CatdInconsistency *)items->pdata[i])->clave_acta, !=, arb);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autofree char *clave = catd_test_unregistered_acta (f->station,
                                                        "ca.election = 'GUB' AND c.tipo = 'B'");
  g_autofree char *casilla = g_strndup (clave, 11);
  g_autofree char *lower = NULL;
  g_autofree char *seccion = NULL;
  gint64 n_casilla, n_seccion;

  catd_test_register (f->station, f->aco, clave);
  do_fuera (f, "14ZZZZB01001", "GUB");

  /* A casilla's key finds each of its actas, registered or not. */
  n_casilla = catd_test_query_int (f->station, "SELECT count(*) FROM catalog_acta "
                                   "WHERE casilla = ?1", casilla);
  g_assert_cmpint (n_casilla, >=, 2);
  found = catd_station_search_actas (f->station, casilla, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, n_casilla);
  for (guint i = 0; i < found->len; i++)
    {
      CatdActaMatch *m = g_ptr_array_index (found, i);

      g_assert_cmpstr (m->clave_casilla, ==, casilla);
      g_assert_true (g_str_has_prefix (m->clave_acta, casilla));
      if (i > 0)
        g_assert_cmpstr (((CatdActaMatch *)found->pdata[i - 1])->clave_acta, <, m->clave_acta);
      if (g_str_equal (m->clave_acta, clave))
        {
          g_assert_cmpint (m->state, ==, CATD_ACTA_REGISTERED);
          g_assert_cmpstr (m->election, ==, "GUB");
          g_assert_nonnull (m->acopio_at);
        }
      else
        {
          g_assert_cmpint (m->state, ==, 0);
          g_assert_null (m->acopio_at);
        }
    }
  g_clear_pointer (&found, g_ptr_array_unref);

  /* The whole key, typed in lower case with spaces around. */
  lower = g_strdup_printf ("  %s ", clave);
  for (char *c = lower; *c; c++)
    *c = g_ascii_tolower (*c);
  found = catd_station_search_actas (f->station, lower, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((CatdActaMatch *)found->pdata[0])->clave_acta, ==, clave);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* A sección number. */
  seccion = catd_test_query_text (f->station, "SELECT seccion FROM casilla WHERE clave = ?1",
                                  casilla);
  n_seccion = catd_test_query_int (f->station, "SELECT count(*) FROM catalog_acta ca "
                                   "JOIN casilla c ON c.clave = ca.casilla "
                                   "WHERE c.seccion = CAST (?1 AS INTEGER)", seccion);
  g_assert_cmpint (n_seccion, >=, n_casilla);
  found = catd_station_search_actas (f->station, seccion, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, n_seccion);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* Fuera de catálogo, by the key it was registered with. */
  found = catd_station_search_actas (f->station, "14zz", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (((CatdActaMatch *)found->pdata[0])->clave_acta, ==, "14ZZZZB01001");
  g_assert_cmpstr (((CatdActaMatch *)found->pdata[0])->clave_casilla, ==, "-");
  g_assert_cmpint (((CatdActaMatch *)found->pdata[0])->state, ==, CATD_ACTA_FUERA_DE_CATALOGO);
  g_clear_pointer (&found, g_ptr_array_unref);

  /* The limit, in key order. */
  found = catd_station_search_actas (f->station, "14000", 5, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 5);
  for (guint i = 1; i < found->len; i++)
    g_assert_cmpstr (((CatdActaMatch *)found->pdata[i - 1])->clave_acta, <,
                     ((CatdActaMatch *)found->pdata[i])->clave_acta);
  g_clear_pointer (&found, g_ptr_array_unref);

  found = catd_station_search_actas (f->station, "15000", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 0);
  g_clear_pointer (&found, g_ptr_array_unref);

  g_assert_null (catd_station_search_actas (f->station, "   ", 0, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
}

static CatdAuditEntry *
entry (GPtrArray *entries,
       guint      i)
{
  g_assert_cmpuint (i, <, entries->len);
  return g_ptr_array_index (entries, i);
}

static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *clave = rekey_acta (f, "ca.election = 'GUB'");
  static const char *actions[] = {
    "acopio.register", "digitalizacion.import", "captura.pass1", "captura.pass2",
    "digitalizacion.page_set_aside", "captura.rekey",
  };
  static const char *logins[] = { "aco", "dig", "capA", "capB", "dig", "capB" };

  set_page_aside (f, clave, "skip", "already_digitized");

  /* While B must re-key, even the coordinador does not see the values. */
  history = catd_station_acta_history (f->station, f->coord, clave, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 5);
  for (guint i = 0; i < history->len; i++)
    {
      CatdAuditEntry *e = entry (history, i);

      g_assert_cmpstr (e->action, ==, actions[i]);
      g_assert_cmpstr (e->login, ==, logins[i]);
      g_assert_cmpstr (e->clave_acta, ==, clave);
      g_assert_nonnull (e->at);
      if (i > 0)
        g_assert_cmpint (entry (history, i - 1)->seq, <, e->seq);
      g_assert_cmpint (e->withheld, ==, g_str_has_prefix (e->action, "captura."));
      g_assert_null (strstr (e->detail, "\"values\""));
      g_assert_null (strstr (e->detail, "\"PAN\""));
    }
  g_assert_cmpstr (entry (history, 2)->user_name, ==, "Usuario capA");
  g_clear_pointer (&history, g_ptr_array_unref);

  /* Once settled, every keying shows its values and who keyed them. */
  g_assert_cmpint (do_rekey (f, clave, "71"), ==, CATD_CAPTURE_VERIFIED);
  history = catd_station_acta_history (f->station, f->coord, clave, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 6);
  for (guint i = 0; i < history->len; i++)
    {
      CatdAuditEntry *e = entry (history, i);

      g_assert_cmpstr (e->action, ==, actions[i]);
      g_assert_cmpstr (e->login, ==, logins[i]);
      g_assert_false (e->withheld);
    }
  g_assert_nonnull (strstr (entry (history, 2)->detail, "\"PAN\":\"71\""));
  g_assert_nonnull (strstr (entry (history, 3)->detail, "\"PAN\":\"72\""));
  g_assert_nonnull (strstr (entry (history, 5)->detail, "\"PAN\":\"71\""));
  g_clear_pointer (&history, g_ptr_array_unref);

  /* Lower case finds it; an acta never seen has no history. */
  {
    g_autofree char *lower = g_ascii_strdown (clave, -1);

    history = catd_station_acta_history (f->station, f->coord, lower, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (history->len, ==, 6);
    g_clear_pointer (&history, g_ptr_array_unref);
  }
  history = catd_station_acta_history (f->station, f->coord, "14ZZZZB01001", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 0);
  g_clear_pointer (&history, g_ptr_array_unref);

  /* Only a coordinador. */
  g_assert_null (catd_station_acta_history (f->station, f->cap_a, clave, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);
  g_assert_null (catd_station_acta_history (f->station, f->ver, clave, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);
  g_assert_null (catd_station_acta_history (f->station, f->coord, "", &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
}

/* Every row of the log that the query matches, page after page. */
static GArray *
all_pages (Fixture              *f,
           const CatdAuditQuery *query,
           guint                *n_pages)
{
  GArray *seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  CatdAuditQuery q = *query;
  gboolean more = TRUE;

  *n_pages = 0;
  while (more)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = catd_station_audit_page (f->station, f->coord, &q, &more,
                                                           &error);

      g_assert_no_error (error);
      (*n_pages)++;
      g_assert_cmpuint (page->len, <=, q.limit);
      if (more)
        g_assert_cmpuint (page->len, ==, q.limit);
      for (guint i = 0; i < page->len; i++)
        {
          CatdAuditEntry *e = entry (page, i);

          if (query->login)
            g_assert_cmpstr (e->login, ==, query->login);
          if (query->action && g_str_has_suffix (query->action, "."))
            g_assert_true (g_str_has_prefix (e->action, query->action));
          else if (query->action)
            g_assert_cmpstr (e->action, ==, query->action);
          /* Newest first, across pages. */
          if (seqs->len > 0)
            g_assert_cmpint (g_array_index (seqs, gint64, seqs->len - 1), >, e->seq);
          g_array_append_val (seqs, e->seq);
        }
      if (page->len > 0)
        q.before_seq = entry (page, page->len - 1)->seq;
      g_assert_cmpuint (*n_pages, <, 1000);
    }
  return seqs;
}

static void
test_audit_page (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seqs = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autofree char *settled = verified_acta (f, "ca.election = 'GUB'", NORMAL);
  g_autofree char *open = rekey_acta (f, "ca.election = 'DIP'");
  CatdAuditQuery query = { .limit = 7 };
  gint64 n_rows;
  guint n_pages;
  gboolean more;

  n_rows = catd_test_query_int (f->station, "SELECT count(*) FROM audit", NULL);
  g_assert_cmpint (n_rows, >, 14);
  seqs = all_pages (f, &query, &n_pages);
  g_assert_cmpuint (seqs->len, ==, n_rows);
  g_assert_cmpuint (n_pages, ==, (n_rows + 6) / 7 + (n_rows % 7 == 0));
  g_assert_cmpint (g_array_index (seqs, gint64, 0), ==,
                   catd_test_query_int (f->station, "SELECT max (seq) FROM audit", NULL));
  g_clear_pointer (&seqs, g_array_unref);

  query.login = "capA";
  seqs = all_pages (f, &query, &n_pages);
  g_assert_cmpuint (seqs->len, ==, 2);
  g_clear_pointer (&seqs, g_array_unref);

  query.login = NULL;
  query.action = "captura.pass2";
  seqs = all_pages (f, &query, &n_pages);
  g_assert_cmpuint (seqs->len, ==, 2);
  g_clear_pointer (&seqs, g_array_unref);

  query.action = "captura.";
  seqs = all_pages (f, &query, &n_pages);
  g_assert_cmpuint (seqs->len, ==, catd_test_query_int (f->station, "SELECT count(*) FROM audit "
                                                        "WHERE action LIKE 'captura.%'", NULL));
  g_assert_cmpuint (seqs->len, ==, 4);
  g_clear_pointer (&seqs, g_array_unref);

  query.login = "capB";
  query.action = "acopio.";
  seqs = all_pages (f, &query, &n_pages);
  g_assert_cmpuint (seqs->len, ==, 0);
  g_assert_cmpuint (n_pages, ==, 1);
  g_clear_pointer (&seqs, g_array_unref);

  /* The values of the acta still being captured are withheld; the
   * settled acta's are shown. */
  query = (CatdAuditQuery) { .action = "captura.", .limit = 0 };
  page = catd_station_audit_page (f->station, f->coord, &query, &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  g_assert_cmpuint (page->len, ==, 4);
  for (guint i = 0; i < page->len; i++)
    {
      CatdAuditEntry *e = entry (page, i);
      gboolean is_open = g_str_equal (e->clave_acta, open);

      g_assert_true (is_open || g_str_equal (e->clave_acta, settled));
      g_assert_cmpint (e->withheld, ==, is_open);
      g_assert_cmpint (strstr (e->detail, "\"values\"") != NULL, ==, !is_open);
    }
  g_clear_pointer (&page, g_ptr_array_unref);

  g_assert_null (catd_station_audit_page (f->station, f->cap_b, &query, &more, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
}

static void
test_outbox_due_now (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *clave = verified_acta (f, "ca.election = 'GUB'", NORMAL);
  gint64 image = outbox_row (f, clave, TRUE);
  gint64 record = outbox_row (f, clave, FALSE);
  guint n = 99;
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ca = NULL;

  /* The image waits out a backoff; the record is refused for good. */
  catd_station_outbox_retry (f->station, image, T0 + MINUTES (5), "HTTP 503", &error);
  g_assert_no_error (error);
  catd_station_outbox_dead (f->station, record, "HTTP 422 Unprocessable", &error);
  g_assert_no_error (error);

  g_assert_true (catd_station_outbox_due_now (f->station, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT next_attempt_at FROM outbox "
                                        "WHERE kind = 'image'", NULL), ==, 0);
  /* Dead letters stay dead: sending them again is a choice of its own. */
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM outbox "
                                        "WHERE state = 'dead'", NULL), ==, 1);
  g_assert_true (catd_station_outbox_due_now (f->station, &n, &error));
  g_assert_cmpuint (n, ==, 0);

  /* No central site on a station made without one. */
  g_assert_true (catd_station_get_central (f->station, &url, &token, &ca, &error));
  g_assert_no_error (error);
  g_assert_null (url);
  g_assert_null (token);
  g_assert_null (ca);
  catd_test_exec (f->station, "INSERT INTO meta VALUES ('central_url', 'https://c.example'), "
                  "('token_file', '/t')");
  g_assert_true (catd_station_get_central (f->station, &url, &token, NULL, &error));
  g_assert_cmpstr (url, ==, "https://c.example");
  g_assert_cmpstr (token, ==, "/t");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add ("/coordination/" path, Fixture, NULL, fixture_set_up, \
                                    func, fixture_tear_down)
  ADD ("progress", test_progress);
  ADD ("throughput", test_throughput);
  ADD ("inconsistencies", test_inconsistencies);
  ADD ("search", test_search);
  ADD ("history", test_history);
  ADD ("audit-page", test_audit_page);
  ADD ("outbox-due-now", test_outbox_due_now);
#undef ADD
  return g_test_run ();
}
