/* test-work.c - the capture queue and capture drafts
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "catd-errors.h"
#include "catd-test-util.h"

#define N_ACTAS 4

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
  /* GUB actas in key order; 0..2 digitized in the order 2, 0, 1, and 3
   * only registered (no image: never offered). */
  char          *clave[N_ACTAS];
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static const guint digitize_order[] = { 2, 0, 1 };
  g_autoptr(GError) error = NULL;

  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  f->cap_a = catd_test_add_user (f->station, f->coord, "capA", CATD_ROLE_CAPTURISTA);
  f->cap_b = catd_test_add_user (f->station, f->coord, "capB", CATD_ROLE_CAPTURISTA);
  f->cap_c = catd_test_add_user (f->station, f->coord, "capC", CATD_ROLE_CAPTURISTA);
  f->ver = catd_test_add_user (f->station, f->coord, "ver", CATD_ROLE_VERIFICADOR);

  for (guint i = 0; i < N_ACTAS; i++)
    {
      g_autofree char *where = g_strdup_printf ("ca.election = 'GUB' AND ca.clave_acta > '%s'",
                                                i == 0 ? "" : f->clave[i - 1]);

      f->clave[i] = catd_test_catalog_acta (f->station, where);
    }
  /* Registered in reverse order, so that registration order and
   * digitization order differ and the queue must follow the second. */
  for (guint i = N_ACTAS; i-- > 0;)
    {
      g_autoptr(CatdRegistration) reg = catd_station_register (f->station, f->aco, f->clave[i],
                                                               NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (digitize_order); i++)
    {
      g_autofree char *tiff = catd_test_write_tiff (f->dir, 10 + i);

      catd_station_import_image (f->station, f->dig, f->clave[digitize_order[i]], tiff, NULL, NULL,
                                 &error);
      g_assert_no_error (error);
    }
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  catd_station_audit_verify (f->station, NULL, &error);
  g_assert_no_error (error);
  catd_station_check (f->station, NULL, &error);
  g_assert_no_error (error);

  g_clear_object (&f->cap_a);
  g_clear_object (&f->cap_b);
  g_clear_object (&f->cap_c);
  g_clear_object (&f->ver);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  for (guint i = 0; i < N_ACTAS; i++)
    g_free (f->clave[i]);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* The clave of the next task of @user (NULL when none), skipping @skip. */
static char *
next_clave (Fixture            *f,
            CatdUser           *user,
            guint               kinds,
            const char * const *skip,
            CatdTaskKind       *kind)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdTask) task = catd_station_next_task (f->station, user, kinds, skip, &error);

  g_assert_no_error (error);
  if (task == NULL)
    return NULL;
  g_assert_cmpstr (task->login, ==, catd_user_get_login (user));
  if (kind != NULL)
    *kind = task->kind;
  return g_strdup (task->clave_acta);
}

static CatdCaptureResult *
save (Fixture      *f,
      CatdUser     *user,
      guint         acta,
      CatdTaskKind  kind,
      JsonNode     *values)
{
  g_autoptr(GError) error = NULL;
  CatdCaptureResult *r = catd_station_save_task (f->station, user, f->clave[acta], kind, values,
                                                 kind == CATD_TASK_RESOLUTION ? "visto" : NULL,
                                                 &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* Acta @acta through pass 1 by A and a pass 2 by B that differs in PAN:
 * B now owes a re-key of PAN alone. */
static void
to_rekey (Fixture *f,
          guint    acta)
{
  g_autoptr(JsonNode) a = catd_test_values (f->station, f->clave[acta], 1);
  g_autoptr(JsonNode) b = catd_test_values_set (catd_test_values_copy (a), "PAN", "777");
  g_autoptr(CatdCaptureResult) r1 = save (f, f->cap_a, acta, CATD_TASK_CAPTURE, a);
  g_autoptr(CatdCaptureResult) r2 = save (f, f->cap_b, acta, CATD_TASK_CAPTURE, b);

  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_REKEY_REQUIRED);
}

/* ... then B confirms 777: a third person arbitrates PAN. */
static void
to_arbitration (Fixture *f,
                guint    acta)
{
  g_autoptr(JsonNode) again = catd_test_values_only ("PAN", "777", NULL);
  g_autoptr(CatdCaptureResult) r3 = NULL;

  to_rekey (f, acta);
  r3 = save (f, f->cap_b, acta, CATD_TASK_REKEY, again);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_ARBITRATION);
}

static void
assert_refused (Fixture    *f,
                CatdUser   *user,
                guint       acta,
                int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdTask) task = catd_station_open_task (f->station, user, f->clave[acta], &error);

  g_assert_null (task);
  g_assert_error (error, CATD_STATION_ERROR, code);
}

/* ---- the queue ------------------------------------------------------------ */

/* Oldest digitization first, whatever the registration order; an acta with
 * no image is never offered; the skip list walks the queue. */
static void
test_queue_order (Fixture       *f,
                  gconstpointer  data)
{
  const char *skip[N_ACTAS + 1] = { NULL };
  const guint expected[] = { 2, 0, 1 };
  g_autoptr(GError) error = NULL;
  CatdTaskCounts counts;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      CatdTaskKind kind = 0;
      g_autofree char *clave = next_clave (f, f->cap_a, CATD_TASK_ANY, skip, &kind);

      g_assert_cmpstr (clave, ==, f->clave[expected[i]]);
      g_assert_cmpint (kind, ==, CATD_TASK_CAPTURE);
      skip[i] = f->clave[expected[i]];
    }
  g_assert_null (next_clave (f, f->cap_a, CATD_TASK_ANY, skip, NULL));

  /* What the capture screen shows. */
  {
    g_autoptr(CatdTask) task = catd_station_next_task (f->station, f->cap_a, CATD_TASK_ANY, NULL,
                                                       &error);
    g_assert_no_error (error);
    g_assert_cmpint (task->pass, ==, 1);
    g_assert_cmpstr (task->election, ==, "GUB");
    g_assert_nonnull (task->election_nombre);
    g_assert_cmpuint (strlen (task->clave_casilla), ==, 11);
    g_assert_true (g_str_has_prefix (task->clave_acta, task->clave_casilla));
    g_assert_true (g_file_test (task->image_path, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_str_has_suffix (task->image_path, ".tif"));
    g_assert_nonnull (strstr (task->image_path, task->image_sha256));
    g_assert_nonnull (task->digitized_at);
    /* Every field of the acta, all of them to key, in acta order: the
     * four informative fields, the votes, TOTAL_VOTOS_ASENTADO. */
    g_assert_cmpuint (task->fields->len, ==, g_strv_length (task->codes));
    g_assert_cmpstr (task->codes[0], ==, "TOTAL_BOLETAS_SOBRANTES");
    g_assert_cmpstr (task->codes[task->fields->len - 1], ==, "TOTAL_VOTOS_ASENTADO");
    g_assert_cmpuint (g_hash_table_size (task->own_values), ==, 0);
    g_assert_null (task->draft);
    g_assert_null (task->keyings);
  }

  /* The registered acta without an image says why it is not offered. */
  assert_refused (f, f->cap_a, 3, CATD_STATION_ERROR_WRONG_STATE);

  g_assert_true (catd_station_count_tasks (f->station, f->cap_a, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.pass1, ==, 3);
  g_assert_cmpuint (counts.pass2 + counts.rekey + counts.arbitration + counts.resolution, ==, 0);

  /* Roles without capture work are refused; a verificador has none yet. */
  g_assert_null (catd_station_next_task (f->station, f->aco, CATD_TASK_ANY, NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);
  g_assert_null (next_clave (f, f->ver, CATD_TASK_ANY, NULL, NULL));
  assert_refused (f, f->ver, 2, CATD_STATION_ERROR_ROLE);
}

/* A never gets the pass 2 of an acta A keyed; B gets it, oldest first. */
static void
test_queue_never_own_pass2 (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = catd_test_values (f->station, f->clave[2], 1);
  g_autoptr(CatdCaptureResult) r1 = save (f, f->cap_a, 2, CATD_TASK_CAPTURE, a);
  const char *skip_rest[] = { f->clave[0], f->clave[1], NULL };
  g_autofree char *a_next = next_clave (f, f->cap_a, CATD_TASK_ANY, NULL, NULL);
  g_autofree char *a_last = next_clave (f, f->cap_a, CATD_TASK_ANY, skip_rest, NULL);
  g_autoptr(CatdTask) b_task = catd_station_next_task (f->station, f->cap_b, CATD_TASK_ANY, NULL,
                                                       &error);
  CatdTaskCounts counts;

  /* A's oldest is now acta 0: acta 2 is only for someone else, and with the
   * other two skipped A has nothing at all. */
  g_assert_cmpstr (a_next, ==, f->clave[0]);
  g_assert_null (a_last);
  assert_refused (f, f->cap_a, 2, CATD_STATION_ERROR_SAME_USER);

  g_assert_no_error (error);
  g_assert_cmpstr (b_task->clave_acta, ==, f->clave[2]);
  g_assert_cmpint (b_task->kind, ==, CATD_TASK_CAPTURE);
  g_assert_cmpint (b_task->pass, ==, 2);
  /* Blind: nothing of A's comes with B's task. */
  g_assert_cmpuint (g_hash_table_size (b_task->own_values), ==, 0);
  g_assert_null (b_task->keyings);
  g_assert_null (b_task->draft);

  g_assert_true (catd_station_count_tasks (f->station, f->cap_a, &counts, &error));
  g_assert_cmpuint (counts.pass1, ==, 2);
  g_assert_cmpuint (counts.pass2, ==, 0);
  g_assert_true (catd_station_count_tasks (f->station, f->cap_b, &counts, &error));
  g_assert_cmpuint (counts.pass1, ==, 2);
  g_assert_cmpuint (counts.pass2, ==, 1);
}

/* After a pass-2 mismatch the re-key is B's, first in B's queue, and no
 * one else's; B's task carries B's own values, never A's. */
static void
test_queue_rekey_first (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdTask) task = NULL;
  g_autofree char *a_next = NULL;
  g_autofree char *c_next = NULL;
  const char *skip_others[] = { f->clave[0], f->clave[2], NULL };
  CatdTaskCounts counts;

  to_rekey (f, 1);   /* the newest acta: the re-key still comes first */

  task = catd_station_next_task (f->station, f->cap_b, CATD_TASK_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (task->clave_acta, ==, f->clave[1]);
  g_assert_cmpint (task->kind, ==, CATD_TASK_REKEY);
  g_assert_cmpint (task->pass, ==, 3);
  g_assert_cmpuint (g_strv_length (task->codes), ==, 1);
  g_assert_cmpstr (task->codes[0], ==, "PAN");
  g_assert_cmpstr (g_hash_table_lookup (task->own_values, "PAN"), ==, "777");
  g_assert_cmpuint (g_hash_table_size (task->own_values), ==, task->fields->len);

  a_next = next_clave (f, f->cap_a, CATD_TASK_ANY, skip_others, NULL);
  c_next = next_clave (f, f->cap_c, CATD_TASK_ANY, skip_others, NULL);
  g_assert_null (a_next);
  g_assert_null (c_next);
  assert_refused (f, f->cap_c, 1, CATD_STATION_ERROR_SAME_USER);
  assert_refused (f, f->cap_a, 1, CATD_STATION_ERROR_SAME_USER);

  g_assert_true (catd_station_count_tasks (f->station, f->cap_b, &counts, &error));
  g_assert_cmpuint (counts.rekey, ==, 1);
  g_assert_true (catd_station_count_tasks (f->station, f->cap_c, &counts, &error));
  g_assert_cmpuint (counts.rekey, ==, 0);
}

/* Arbitration goes to a third person only: neither A nor B even after a
 * promotion to verificador, and a coordinador who arbitrates sees no
 * keyed value of anyone. */
static void
test_queue_arbitration (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdTask) ver_task = NULL;
  g_autoptr(CatdTask) coord_task = NULL;
  g_autoptr(CatdUser) a_promoted = NULL;
  g_autoptr(CatdUser) b_promoted = NULL;
  CatdTaskCounts counts;

  to_arbitration (f, 0);

  ver_task = catd_station_next_task (f->station, f->ver, CATD_TASK_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ver_task->clave_acta, ==, f->clave[0]);
  g_assert_cmpint (ver_task->kind, ==, CATD_TASK_ARBITRATION);
  g_assert_cmpint (ver_task->pass, ==, 4);
  g_assert_cmpuint (g_strv_length (ver_task->codes), ==, 1);
  g_assert_cmpstr (ver_task->codes[0], ==, "PAN");
  g_assert_cmpuint (g_hash_table_size (ver_task->own_values), ==, 0);
  g_assert_null (ver_task->keyings);

  coord_task = catd_station_next_task (f->station, f->coord, CATD_TASK_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (coord_task->clave_acta, ==, f->clave[0]);
  g_assert_cmpint (coord_task->kind, ==, CATD_TASK_ARBITRATION);
  g_assert_null (coord_task->keyings);
  g_assert_cmpuint (g_hash_table_size (coord_task->own_values), ==, 0);

  /* A and B made verificadores in the middle of the night are still A and B. */
  catd_test_exec (f->station, "UPDATE user SET role = 'verificador' WHERE login IN "
                  "('capA', 'capB')");
  a_promoted = catd_station_authenticate (f->station, "capA", CATD_TEST_PIN, &error);
  g_assert_no_error (error);
  b_promoted = catd_station_authenticate (f->station, "capB", CATD_TEST_PIN, &error);
  g_assert_no_error (error);
  g_assert_null (next_clave (f, a_promoted, CATD_TASK_ANY, NULL, NULL));
  g_assert_null (next_clave (f, b_promoted, CATD_TASK_ANY, NULL, NULL));
  assert_refused (f, a_promoted, 0, CATD_STATION_ERROR_SAME_USER);
  assert_refused (f, b_promoted, 0, CATD_STATION_ERROR_SAME_USER);
  g_assert_true (catd_station_count_tasks (f->station, a_promoted, &counts, &error));
  g_assert_cmpuint (counts.arbitration, ==, 0);
  g_assert_true (catd_station_count_tasks (f->station, f->ver, &counts, &error));
  g_assert_cmpuint (counts.arbitration, ==, 1);
  g_assert_cmpuint (counts.pass1 + counts.pass2, ==, 0);   /* not a verificador's step */

  /* A capturista is refused by role, not offered it. */
  assert_refused (f, f->cap_c, 0, CATD_STATION_ERROR_ROLE);
}

/* The coordinador's queue: resolutions before arbitrations; a resolution
 * carries every keying with who keyed it; a verificador never gets one. */
static void
test_queue_coordinator (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) third = catd_test_values_only ("PAN", "555", NULL);
  g_autoptr(CatdCaptureResult) r4 = NULL;
  g_autoptr(CatdTask) task = NULL;
  g_autofree char *arb_only = NULL;
  g_autofree char *ver_next = NULL;
  CatdTaskKind kind = 0;
  CatdTaskCounts counts;

  to_arbitration (f, 1);
  r4 = save (f, f->ver, 1, CATD_TASK_ARBITRATION, third);
  g_assert_cmpint (r4->status, ==, CATD_CAPTURE_COORDINATOR);
  /* An older acta waits for arbitration meanwhile. */
  to_arbitration (f, 2);

  task = catd_station_next_task (f->station, f->coord, CATD_TASK_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (task->clave_acta, ==, f->clave[1]);
  g_assert_cmpint (task->kind, ==, CATD_TASK_RESOLUTION);
  g_assert_cmpint (task->pass, ==, 5);
  g_assert_cmpuint (g_strv_length (task->codes), ==, 1);
  g_assert_cmpstr (task->codes[0], ==, "PAN");
  g_assert_nonnull (task->keyings);
  g_assert_cmpuint (task->keyings->len, ==, 4);
  {
    static const char *steps[] = { "pass1", "pass2", "rekey", "arbitration" };
    static const char *logins[] = { "capA", "capB", "capB", "ver" };
    static const char *pans[] = { NULL, "777", "777", "555" };

    for (guint i = 0; i < 4; i++)
      {
        CatdKeying *k = g_ptr_array_index (task->keyings, i);

        g_assert_cmpstr (k->step, ==, steps[i]);
        g_assert_cmpstr (k->login, ==, logins[i]);
        g_assert_nonnull (k->name);
        g_assert_true (g_str_has_prefix (k->name, "Usuario "));
        g_assert_nonnull (k->keyed_at);
        if (pans[i] != NULL)
          g_assert_cmpstr (g_hash_table_lookup (k->values, "PAN"), ==, pans[i]);
        else
          g_assert_nonnull (g_hash_table_lookup (k->values, "PAN"));
      }
  }

  arb_only = next_clave (f, f->coord, CATD_TASK_BIT (CATD_TASK_ARBITRATION), NULL, &kind);
  g_assert_cmpstr (arb_only, ==, f->clave[2]);
  g_assert_cmpint (kind, ==, CATD_TASK_ARBITRATION);

  /* The verificador who arbitrated acta 1 has only acta 2. */
  ver_next = next_clave (f, f->ver, CATD_TASK_ANY, NULL, &kind);
  g_assert_cmpstr (ver_next, ==, f->clave[2]);
  assert_refused (f, f->ver, 1, CATD_STATION_ERROR_ROLE);
  g_assert_null (catd_station_next_task (f->station, f->ver,
                                         CATD_TASK_BIT (CATD_TASK_RESOLUTION), NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  g_clear_error (&error);

  g_assert_true (catd_station_count_tasks (f->station, f->coord, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.resolution, ==, 1);
  g_assert_cmpuint (counts.arbitration, ==, 1);
  g_assert_true (catd_station_count_tasks (f->station, f->ver, &counts, &error));
  g_assert_cmpuint (counts.resolution, ==, 0);
  g_assert_cmpuint (counts.arbitration, ==, 1);

  /* Resolving empties the coordinador's resolution queue. */
  {
    g_autoptr(JsonNode) ruling = catd_test_values_only ("PAN", "555", NULL);
    g_autoptr(CatdCaptureResult) r5 = save (f, f->coord, 1, CATD_TASK_RESOLUTION, ruling);

    g_assert_cmpint (r5->status, ==, CATD_CAPTURE_VERIFIED);
    g_assert_true (catd_station_count_tasks (f->station, f->coord, &counts, &error));
    g_assert_cmpuint (counts.resolution, ==, 0);
  }
}

/* ---- drafts ------------------------------------------------------------- */

static gint64
count_drafts (Fixture    *f,
              const char *login)
{
  return catd_test_query_int (f->station, "SELECT count(*) FROM capture_draft "
                              "WHERE login = ?1 OR ?1 IS NULL", login);
}

static void
save_draft_ok (Fixture      *f,
               CatdUser     *user,
               guint         acta,
               CatdTaskKind  kind,
               const char   *json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) values = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (catd_station_save_draft (f->station, user, f->clave[acta], kind, values,
                                          &error));
  g_assert_no_error (error);
}

static void
save_draft_refused (Fixture      *f,
                    CatdUser     *user,
                    guint         acta,
                    CatdTaskKind  kind,
                    const char   *json,
                    int           code,
                    const char   *named)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) values = json_from_string (json, NULL);

  g_assert_false (catd_station_save_draft (f->station, user, f->clave[acta], kind, values,
                                           &error));
  g_assert_error (error, CATD_STATION_ERROR, code);
  if (named != NULL)
    g_assert_nonnull (strstr (error->message, named));
}

/* Saved, replaced, read back, kept across a restart of the station, first
 * in the queue, removed by an empty form; never audited. */
static void
test_draft_round_trip (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) draft = NULL;
  g_autoptr(CatdStation) reopened = NULL;
  g_autofree char *first = NULL;
  gint64 audit_rows = catd_test_query_int (f->station, "SELECT count(*) FROM audit", NULL);
  gint64 t0;

  save_draft_ok (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{\"PAN\": 12}");
  save_draft_ok (f, f->cap_a, 1, CATD_TASK_CAPTURE,
                 "{\"PAN\": 4817, \"PRI\": \"ilegible\", \"NULOS\": \"sin_dato\", "
                 "\"TOTAL_BOLETAS_SOBRANTES\": 0}");
  draft = catd_station_load_draft (f->station, f->cap_a, f->clave[1], CATD_TASK_CAPTURE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (draft);
  g_assert_cmpuint (g_hash_table_size (draft), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (draft, "PAN"), ==, "4817");
  g_assert_cmpstr (g_hash_table_lookup (draft, "PRI"), ==, "ilegible");
  g_assert_cmpstr (g_hash_table_lookup (draft, "NULOS"), ==, "sin_dato");
  g_assert_cmpstr (g_hash_table_lookup (draft, "TOTAL_BOLETAS_SOBRANTES"), ==, "0");
  g_clear_pointer (&draft, g_hash_table_unref);

  /* Refused: a value out of range, a field not on the acta, a step that is
   * not the acta's, a draft for someone who may not key it. The old draft
   * stands. */
  save_draft_refused (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{\"PAN\": 10000}",
                      CATD_STATION_ERROR_INVALID_INPUT, "PAN");
  save_draft_refused (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{\"PAN\": \"12\"}",
                      CATD_STATION_ERROR_INVALID_INPUT, "PAN");
  save_draft_refused (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{\"MORENA_X\": 1}",
                      CATD_STATION_ERROR_INVALID_INPUT, "MORENA_X");
  save_draft_refused (f, f->cap_a, 1, CATD_TASK_REKEY, "{\"PAN\": 1}",
                      CATD_STATION_ERROR_WRONG_STATE, NULL);
  save_draft_refused (f, f->cap_a, 3, CATD_TASK_CAPTURE, "{\"PAN\": 1}",
                      CATD_STATION_ERROR_WRONG_STATE, NULL);
  save_draft_refused (f, f->ver, 1, CATD_TASK_CAPTURE, "{\"PAN\": 1}",
                      CATD_STATION_ERROR_ROLE, NULL);
  g_assert_cmpint (count_drafts (f, NULL), ==, 1);

  /* The half-keyed acta comes first in A's queue (acta 1 is the newest),
   * with the draft in the task. */
  {
    g_autoptr(CatdTask) task = catd_station_next_task (f->station, f->cap_a, CATD_TASK_ANY, NULL,
                                                       &error);
    g_assert_no_error (error);
    g_assert_cmpstr (task->clave_acta, ==, f->clave[1]);
    g_assert_nonnull (task->draft);
    g_assert_cmpstr (g_hash_table_lookup (task->draft, "PAN"), ==, "4817");
  }

  /* A crash is a station opened again on the same directory. */
  reopened = catd_station_open (f->dir, &error);
  g_assert_no_error (error);
  draft = catd_station_load_draft (reopened, f->cap_a, f->clave[1], CATD_TASK_CAPTURE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (draft, "PAN"), ==, "4817");
  g_clear_pointer (&draft, g_hash_table_unref);

  /* A draft is not a keying: not one audit row for all of the above. */
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM audit", NULL), ==,
                   audit_rows);

  /* Clearing the form clears the draft; discarding one twice is harmless. */
  save_draft_ok (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{}");
  g_assert_null (catd_station_load_draft (f->station, f->cap_a, f->clave[1], CATD_TASK_CAPTURE,
                                          &error));
  g_assert_no_error (error);
  save_draft_ok (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{\"PAN\": 3}");
  g_assert_true (catd_station_discard_draft (f->station, f->cap_a, f->clave[1],
                                             CATD_TASK_CAPTURE, &error));
  g_assert_true (catd_station_discard_draft (f->station, f->cap_a, f->clave[1],
                                             CATD_TASK_CAPTURE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_drafts (f, NULL), ==, 0);
  first = next_clave (f, f->cap_a, CATD_TASK_ANY, NULL, NULL);
  g_assert_cmpstr (first, ==, f->clave[2]);   /* back to oldest first */

  /* The cost of one save, as the form pays it on every change. */
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"PAN\": %u, \"PRI\": %u}", i, i * 2);

      save_draft_ok (f, f->cap_a, 1, CATD_TASK_CAPTURE, json);
    }
  g_test_message ("one draft save: %.2f ms on average",
                  (g_get_monotonic_time () - t0) / 50.0 / 1000.0);
}

/* Whether @number is in @text as a number of its own: not as digits of a
 * longer number or of a hash, where any four digits turn up now and then. */
static gboolean
mentions (const char *text,
          const char *number)
{
  gsize n = strlen (number);

  for (const char *at = strstr (text, number); at != NULL; at = strstr (at + 1, number))
    if ((at == text || !g_ascii_isalnum (at[-1])) && !g_ascii_isalnum (at[n]))
      return TRUE;
  return FALSE;
}

/* B never reads A's draft: not by asking for it, not in B's task, not in
 * show, status or the audit export, whoever reads them. */
static void
test_draft_isolation (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdTask) b_task = NULL;
  g_autoptr(GHashTable) b_draft = NULL;
  g_autoptr(GHashTable) a_draft = NULL;
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autofree char *audit = NULL;
  CatdUser *readers[] = { f->cap_b, f->ver, f->coord };

  save_draft_ok (f, f->cap_a, 2, CATD_TASK_CAPTURE, "{\"PAN\": 4817, \"PRI\": 3907}");

  g_assert_null (catd_station_load_draft (f->station, f->cap_b, f->clave[2], CATD_TASK_CAPTURE,
                                          &error));
  g_assert_no_error (error);
  b_task = catd_station_open_task (f->station, f->cap_b, f->clave[2], &error);
  g_assert_no_error (error);
  g_assert_null (b_task->draft);
  g_assert_cmpuint (g_hash_table_size (b_task->own_values), ==, 0);

  /* B's own draft of the same acta is B's; A's stays A's. */
  save_draft_ok (f, f->cap_b, 2, CATD_TASK_CAPTURE, "{\"PAN\": 18}");
  b_draft = catd_station_load_draft (f->station, f->cap_b, f->clave[2], CATD_TASK_CAPTURE,
                                     &error);
  a_draft = catd_station_load_draft (f->station, f->cap_a, f->clave[2], CATD_TASK_CAPTURE,
                                     &error);
  g_assert_cmpuint (g_hash_table_size (b_draft), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (b_draft, "PAN"), ==, "18");
  g_assert_cmpstr (g_hash_table_lookup (a_draft, "PAN"), ==, "4817");

  for (guint i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      g_autoptr(JsonNode) shown = catd_station_show (f->station, readers[i], f->clave[2], &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = json_to_string (shown, FALSE);
      g_assert_false (mentions (text, "4817"));
      g_assert_false (mentions (text, "3907"));
    }
  {
    g_autoptr(JsonNode) status = catd_station_status (f->station, &error);
    g_autofree char *text = json_to_string (status, FALSE);

    g_assert_no_error (error);
    g_assert_false (mentions (text, "4817"));
    g_assert_false (mentions (text, "3907"));
  }
  g_assert_true (catd_station_audit_export (f->station, f->coord, out, &error));
  g_assert_no_error (error);
  g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
  g_output_stream_close (out, NULL, NULL);
  audit = g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_false (mentions (audit, "4817"));
  g_assert_false (mentions (audit, "3907"));
}

/* The real save of a step takes the user's draft of it in the same
 * transaction, and the drafts the acta's new stage no longer asks for; a
 * save that fails leaves the draft alone. */
static void
test_draft_discard_on_submit (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = catd_test_values (f->station, f->clave[0], 1);
  g_autoptr(JsonNode) b = catd_test_values_set (catd_test_values_copy (a), "PAN", "777");
  g_autoptr(JsonNode) incomplete = catd_test_values_only ("PAN", "1", NULL);
  g_autoptr(JsonNode) rekey = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  g_autoptr(CatdCaptureResult) r2 = NULL;
  g_autoptr(CatdCaptureResult) r3 = NULL;
  g_autoptr(CatdCaptureResult) failed = NULL;
  gint64 a_pan = json_object_get_int_member (json_node_get_object (a), "PAN");
  g_autofree char *a_pan_text = g_strdup_printf ("%" G_GINT64_FORMAT, a_pan);

  save_draft_ok (f, f->cap_a, 0, CATD_TASK_CAPTURE, "{\"PAN\": 1}");
  save_draft_ok (f, f->cap_b, 0, CATD_TASK_CAPTURE, "{\"PAN\": 2}");
  save_draft_ok (f, f->cap_c, 0, CATD_TASK_CAPTURE, "{\"PAN\": 3}");
  save_draft_ok (f, f->cap_a, 1, CATD_TASK_CAPTURE, "{\"PAN\": 4}");

  /* A failed save (a field missing) changes nothing. */
  failed = catd_station_save_task (f->station, f->cap_a, f->clave[0], CATD_TASK_CAPTURE,
                                   incomplete, NULL, &error);
  g_assert_null (failed);
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_cmpint (count_drafts (f, "capA"), ==, 2);

  /* Pass 1 by A: A's draft of acta 0 goes; B's and C's stay (either may
   * still key pass 2), and so does A's draft of another acta. */
  r1 = save (f, f->cap_a, 0, CATD_TASK_CAPTURE, a);
  g_assert_null (catd_station_load_draft (f->station, f->cap_a, f->clave[0], CATD_TASK_CAPTURE,
                                          &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_drafts (f, "capA"), ==, 1);
  g_assert_cmpint (count_drafts (f, "capB"), ==, 1);
  g_assert_cmpint (count_drafts (f, "capC"), ==, 1);

  /* Pass 2 by B, a mismatch: B's capture draft goes, and C's, whose pass
   * 2 can no longer happen. */
  r2 = save (f, f->cap_b, 0, CATD_TASK_CAPTURE, b);
  g_assert_cmpint (r2->status, ==, CATD_CAPTURE_REKEY_REQUIRED);
  g_assert_cmpint (count_drafts (f, "capB"), ==, 0);
  g_assert_cmpint (count_drafts (f, "capC"), ==, 0);

  /* B's re-key: only the field asked for may be drafted. */
  save_draft_refused (f, f->cap_b, 0, CATD_TASK_REKEY, "{\"PRI\": 1}",
                      CATD_STATION_ERROR_INVALID_INPUT, "PRI");
  save_draft_refused (f, f->cap_c, 0, CATD_TASK_REKEY, "{\"PAN\": 1}",
                      CATD_STATION_ERROR_SAME_USER, NULL);
  save_draft_ok (f, f->cap_b, 0, CATD_TASK_REKEY, "{\"PAN\": 9}");
  {
    g_autoptr(CatdTask) task = catd_station_next_task (f->station, f->cap_b, CATD_TASK_ANY, NULL,
                                                       &error);
    g_assert_no_error (error);
    g_assert_cmpint (task->kind, ==, CATD_TASK_REKEY);
    g_assert_cmpstr (g_hash_table_lookup (task->draft, "PAN"), ==, "9");
  }
  rekey = catd_test_values_only ("PAN", a_pan_text, NULL);
  r3 = save (f, f->cap_b, 0, CATD_TASK_REKEY, rekey);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_VERIFIED);
  g_assert_cmpint (count_drafts (f, "capB"), ==, 0);
  g_assert_cmpint (count_drafts (f, NULL), ==, 1);   /* A's of acta 1 */

  /* Saving a step that is not the acta's current one is refused. */
  {
    g_autoptr(JsonNode) values = catd_test_values (f->station, f->clave[1], 2);
    g_autoptr(CatdCaptureResult) wrong = catd_station_save_task (f->station, f->cap_a,
                                                                 f->clave[1], CATD_TASK_REKEY,
                                                                 values, NULL, &error);
    g_assert_null (wrong);
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE);
  }
}

/* A station made by schema version 2 opens with the draft table and the
 * queue's index added, its data untouched, and the queue and drafts work. */
static void
test_migration_3 (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) reopened = NULL;
  g_autoptr(JsonNode) a = catd_test_values (f->station, f->clave[2], 1);
  g_autoptr(CatdCaptureResult) r1 = save (f, f->cap_a, 2, CATD_TASK_CAPTURE, a);
  g_autoptr(CatdTask) task = NULL;
  g_autoptr(GHashTable) draft = NULL;
  g_autoptr(JsonNode) values = json_from_string ("{\"PAN\": 7}", NULL);

  catd_test_exec (f->station, "DROP TABLE capture_draft; DROP INDEX acta_image_by_acta; "
                  "PRAGMA user_version = 2");
  g_clear_object (&f->station);

  reopened = catd_station_open (f->dir, &error);
  g_assert_no_error (error);
  f->station = g_object_ref (reopened);
  /* Migration 3, and the later ones after it. */
  g_assert_cmpint (catd_test_query_int (reopened, "PRAGMA user_version", NULL), ==,
                   CATD_STORE_SCHEMA_VERSION);
  g_assert_cmpint (CATD_STORE_SCHEMA_VERSION, >=, 3);
  g_assert_cmpint (catd_test_query_int (reopened, "SELECT count(*) FROM sqlite_schema WHERE "
                                        "(type = 'table' AND name = 'capture_draft') OR "
                                        "(type = 'index' AND name IN ('capture_draft_by_acta', "
                                        "'acta_image_by_acta'))", NULL), ==, 3);
  g_assert_cmpint (catd_test_query_int (reopened, "SELECT count(*) FROM acta", NULL), ==,
                   N_ACTAS);
  g_assert_cmpint (catd_test_query_int (reopened, "SELECT count(*) FROM keying", NULL), ==, 1);

  task = catd_station_next_task (reopened, f->cap_b, CATD_TASK_ANY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (task->clave_acta, ==, f->clave[2]);
  g_assert_cmpint (task->pass, ==, 2);
  g_assert_true (catd_station_save_draft (reopened, f->cap_b, f->clave[2], CATD_TASK_CAPTURE,
                                          values, &error));
  g_assert_no_error (error);
  draft = catd_station_load_draft (reopened, f->cap_b, f->clave[2], CATD_TASK_CAPTURE, &error);
  g_assert_cmpstr (g_hash_table_lookup (draft, "PAN"), ==, "7");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/work/queue/order", test_queue_order);
  ADD ("/work/queue/never-own-pass2", test_queue_never_own_pass2);
  ADD ("/work/queue/rekey-first", test_queue_rekey_first);
  ADD ("/work/queue/arbitration", test_queue_arbitration);
  ADD ("/work/queue/coordinator", test_queue_coordinator);
  ADD ("/work/draft/round-trip", test_draft_round_trip);
  ADD ("/work/draft/isolation", test_draft_isolation);
  ADD ("/work/draft/discard-on-submit", test_draft_discard_on_submit);
  ADD ("/work/migration-3", test_migration_3);

  return g_test_run ();
}
