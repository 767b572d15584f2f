/* crash-worker.c - a station workload that the crash tests kill and restart
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "crash-common.h"

/* The worker plays a whole CATD: the acopiador registers actas (some sin
 * acta), the digitalizador imports an image for each, capturista A keys
 * pass 1 and capturista B pass 2, sometimes with one field different, which
 * then goes through re-keying, arbitration by the verificador and sometimes
 * the coordinator's resolution. Now and then an acta fuera de catálogo
 * arrives (FUERA-NNNNN), final at registration, half of them digitized
 * later (a second revision of their record). Once the catalog is worked
 * through only those keep coming, so the worker never idles. It runs until
 * killed.
 *
 * After each action has returned success, and only then, it writes one
 * line to standard output with a single write(2) (a pipe write of under
 * PIPE_BUF bytes is atomic): "ACTION CLAVE STATE [SHA256]", STATE being the
 * acta's state after the action. The parent kills it with SIGKILL at a
 * random moment and holds the station to every line it read.
 *
 * What to do with each acta follows from the seed and the acta's key alone
 * (its "plan"), and what has been done from the database, so a restarted
 * worker picks up where the killed one stopped, including an action that
 * committed but was killed before it could report.
 *
 *   crash-worker workload DATA_DIR SCRATCH_DIR SEED RUN
 *   crash-worker register DATA_DIR OFFSET STRIDE SECONDS PAUSE_MS [dup]
 *
 * "register" is the concurrent-writer workload: register every STRIDE-th
 * catalog acta from OFFSET for at most SECONDS, PAUSE_MS apart (a barcode
 * wedge, not a tight loop: SQLite's busy handler is not fair, and a process
 * that takes the write lock again at once starves the other), reporting
 * "registered CLAVE T" (T the monotonic time in µs, comparable across
 * processes) and, with "dup", accepting that another process got there
 * first ("duplicate CLAVE T"). */

#define WINDOW      5     /* actas in progress at once */
#define PAGE_WIDTH  160
#define PAGE_HEIGHT 120

G_NORETURN G_GNUC_PRINTF (1, 2) static void
die (const char *format,
     ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("crash-worker[%d]: %s\n", (int)getpid (), message);
  exit (1);
}

/* One line, in one write. */
G_GNUC_PRINTF (1, 2) static void
report (const char *format,
        ...)
{
  g_autofree char *line = NULL;
  va_list args;
  gsize len, done = 0;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  line = g_realloc (line, strlen (line) + 2);
  strcat (line, "\n");
  len = strlen (line);
  while (done < len)
    {
      ssize_t n = write (STDOUT_FILENO, line + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        exit (1);   /* the parent is gone */
      done += n;
    }
}

typedef struct
{
  CatdStation *station;
  CatdUser    *coord;
  CatdUser    *acop;
  CatdUser    *digit;
  CatdUser    *capa;
  CatdUser    *capb;
  CatdUser    *verif;
  char        *scratch;
  guint32      seed;
} Worker;

static void
worker_clear (Worker *w)
{
  g_clear_object (&w->coord);
  g_clear_object (&w->acop);
  g_clear_object (&w->digit);
  g_clear_object (&w->capa);
  g_clear_object (&w->capb);
  g_clear_object (&w->verif);
  g_clear_object (&w->station);
  g_clear_pointer (&w->scratch, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Worker, worker_clear)

static CatdStation *
open_or_create (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCatalog) catalog = NULL;
  g_autofree char *catalog_path = NULL;
  CatdStation *station = catd_station_open (dir, &error);

  if (station != NULL)
    return station;
  if (!g_error_matches (error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED))
    die ("cannot open the station in %s: %s", dir, error->message);
  g_clear_error (&error);

  /* First run, or a run killed while it created the station. */
  catalog_path = catd_test_data_path ("data", "demo", "catalog.json", NULL);
  if (!(catalog = catd_catalog_new_from_file (catalog_path, &error)))
    die ("cannot load %s: %s", catalog_path, error->message);
  if (!(station = catd_station_create (dir, CRASH_STATION_ID, catalog, NULL, &error)))
    die ("cannot create the station in %s: %s", dir, error->message);
  report ("created %s", CRASH_STATION_ID);
  return station;
}

/* Logs @login in, adding the user first when a previous run did not get
 * that far. */
static CatdUser *
ensure_user (Worker     *w,
             CatdUser   *actor,
             const char *login,
             CatdRole    role)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  CatdUser *user = catd_station_authenticate (w->station, login, CATD_TEST_PIN, &error);

  if (user != NULL)
    return user;
  if (!g_error_matches (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH))
    die ("cannot log in %s: %s", login, error->message);
  g_clear_error (&error);

  name = g_strdup_printf ("Usuario %s", login);
  if (!(user = catd_station_add_user (w->station, actor, login, name, role, CATD_TEST_PIN,
                                      &error)))
    die ("cannot add user %s: %s", login, error->message);
  report ("user %s", login);
  return user;
}

static GPtrArray *
query_strings (CatdStation *station,
               const char  *sql)
{
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = catd_store_get_db (catd_station_get_store (station));
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    die ("%s: %s", sql, sqlite3_errmsg (db));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      g_ptr_array_add (result, g_strdup ((const char *)sqlite3_column_text (stmt, i)));
  if (rc != SQLITE_DONE)
    die ("%s: %s", sql, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  return result;
}

/* ---- the plan of one acta --------------------------------------------------- */

typedef enum
{
  PLAN_MATCH,          /* pass 2 equals pass 1 */
  PLAN_REKEY_SETTLES,  /* B mis-keyed one field and agrees with A on re-keying */
  PLAN_ARB_A,          /* B insists; the verificador agrees with A */
  PLAN_ARB_B,          /* B insists; the verificador agrees with B (as re-keyed) */
  PLAN_COORDINATOR,    /* nobody agrees: the coordinator resolves */
  PLAN_SIN_ACTA,
} PlanKind;

typedef struct
{
  PlanKind          kind;
  CatdSinActaReason reason;
  guint             field;        /* which field B keys differently */
  guint32           values_seed;
  guint32           image_seed;
  gboolean          third;        /* on re-keying B keys a third value */
  gboolean          ilegible;     /* B's different value is "ilegible" */
  const char       *election;     /* fuera de catálogo: the election given */
  gboolean          fuera_image;  /* fuera de catálogo: gets an image later */
} Plan;

static Plan
plan_for (guint32     seed,
          const char *clave)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed ^ (g_str_hash (clave) * 2654435761u));
  guint p = g_rand_int_range (rand, 0, 100);
  Plan plan = { 0 };

  plan.kind = p < 8 ? PLAN_SIN_ACTA : p < 50 ? PLAN_MATCH : p < 68 ? PLAN_REKEY_SETTLES :
              p < 80 ? PLAN_ARB_A : p < 90 ? PLAN_ARB_B : PLAN_COORDINATOR;
  plan.reason = g_rand_int_range (rand, CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO,
                                  CATD_SIN_ACTA_SIN_SOBRE + 1);
  plan.field = g_rand_int (rand);
  plan.values_seed = g_rand_int_range (rand, 0, 1000);
  plan.image_seed = g_rand_int (rand);
  plan.third = g_rand_boolean (rand);
  plan.ilegible = g_rand_int_range (rand, 0, 4) == 0;
  plan.election = (const char *[]) { "GUB", "DIP", "MUN" }[g_rand_int_range (rand, 0, 3)];
  plan.fuera_image = g_rand_boolean (rand);
  return plan;
}

/* The values of the plan: pass 1 (A), and for the one field in dispute what
 * B keys first (b), on re-keying (rekey), what the arbiter keys (arb) and
 * the coordinator's ruling. */
typedef struct
{
  JsonNode *pass1;
  JsonNode *pass2;
  char     *code;
  char     *a;
  char     *b;
  char     *rekey;
  char     *arb;
} PlanValues;

static void
plan_values_clear (PlanValues *v)
{
  g_clear_pointer (&v->pass1, json_node_unref);
  g_clear_pointer (&v->pass2, json_node_unref);
  g_clear_pointer (&v->code, g_free);
  g_clear_pointer (&v->a, g_free);
  g_clear_pointer (&v->b, g_free);
  g_clear_pointer (&v->rekey, g_free);
  g_clear_pointer (&v->arb, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PlanValues, plan_values_clear)

/* json_node_copy() shares the object: this copies its members. */
static JsonNode *
copy_values (JsonNode *values)
{
  JsonNode *copy = json_node_init_object (json_node_alloc (), json_object_new ());
  JsonObjectIter iter;
  const char *code;
  JsonNode *node;

  json_object_iter_init (&iter, json_node_get_object (values));
  while (json_object_iter_next (&iter, &code, &node))
    json_object_set_member (json_node_get_object (copy), code, json_node_copy (node));
  return copy;
}

static void
plan_values (Worker     *w,
             const char *clave,
             const Plan *plan,
             PlanValues *v)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fields = catd_station_get_acta_fields (w->station, clave, &error);
  gint64 a;

  if (fields == NULL)
    die ("%s: no fields: %s", clave, error->message);
  v->pass1 = catd_test_values (w->station, clave, plan->values_seed);
  v->code = g_strdup (((CatdField *)g_ptr_array_index (fields, plan->field % fields->len))->code);
  a = json_object_get_int_member (json_node_get_object (v->pass1), v->code);
  v->a = g_strdup_printf ("%" G_GINT64_FORMAT, a);
  v->b = plan->kind == PLAN_MATCH ? g_strdup (v->a) :
         plan->ilegible ? g_strdup ("ilegible") : g_strdup_printf ("%" G_GINT64_FORMAT, a + 1);
  v->rekey = plan->kind == PLAN_REKEY_SETTLES ? g_strdup (v->a) :
             plan->third ? g_strdup_printf ("%" G_GINT64_FORMAT, a + 2) : g_strdup (v->b);
  v->arb = plan->kind == PLAN_ARB_A ? g_strdup (v->a) :
           plan->kind == PLAN_ARB_B ? g_strdup (v->rekey) :
           g_strdup_printf ("%" G_GINT64_FORMAT, a + 5);
  v->pass2 = catd_test_values_set (copy_values (v->pass1), v->code, v->b);
}

/* ---- actions -------------------------------------------------------------------- */

static void
expect_result (CatdCaptureResult *result,
               const char        *clave,
               const char        *step,
               CatdCaptureStatus  status,
               const char        *code)
{
  if (result->status != status)
    die ("%s: %s answered %s, the plan expects %s", clave, step,
         catd_capture_status_to_string (result->status), catd_capture_status_to_string (status));
  if (status == CATD_CAPTURE_VERIFIED || status == CATD_CAPTURE_AWAITING_PASS2)
    {
      if (g_strv_length (result->fields) != 0)
        die ("%s: %s asks for fields although it is done", clave, step);
    }
  else if (g_strv_length (result->fields) != 1 || g_strcmp0 (result->fields[0], code) != 0)
    die ("%s: %s asks for %s fields (first %s), the plan disputes only %s", clave, step,
         result->fields[0] ? "other" : "no", result->fields[0], code);
}

static CatdActaState
state_of (CatdCaptureStatus status)
{
  switch (status)
    {
    case CATD_CAPTURE_AWAITING_PASS2:
      return CATD_ACTA_CAPTURED_1;
    case CATD_CAPTURE_VERIFIED:
      return CATD_ACTA_VERIFIED;
    case CATD_CAPTURE_REKEY_REQUIRED:
      return CATD_ACTA_REKEY;
    case CATD_CAPTURE_ARBITRATION:
      return CATD_ACTA_ARBITRATION;
    case CATD_CAPTURE_COORDINATOR:
      return CATD_ACTA_COORDINATOR;
    default:
      g_assert_not_reached ();
    }
}

static CatdActaState
do_register (Worker     *w,
             const char *clave)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  Plan plan = plan_for (w->seed, clave);

  if (plan.kind == PLAN_SIN_ACTA)
    reg = catd_station_sin_acta (w->station, w->acop, clave, plan.reason, &error);
  else
    reg = catd_station_register (w->station, w->acop, clave, NULL, &error);
  if (reg == NULL)
    die ("%s: registration failed: %s", clave, error->message);
  if (reg->state != (plan.kind == PLAN_SIN_ACTA ? CATD_ACTA_SIN_ACTA : CATD_ACTA_REGISTERED))
    die ("%s: registered as %s", clave, catd_acta_state_to_string (reg->state));
  report ("%s %s %s", plan.kind == PLAN_SIN_ACTA ? "sin_acta" : "registered", clave,
          catd_acta_state_to_string (reg->state));
  return reg->state;
}

static CatdActaState
do_register_fuera (Worker     *w,
                   const char *clave)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  Plan plan = plan_for (w->seed, clave);
  CatdRegisterOptions options = { .fuera_de_catalogo = TRUE, .election = plan.election };

  reg = catd_station_register (w->station, w->acop, clave, &options, &error);
  if (reg == NULL)
    die ("%s: registration fuera de catálogo failed: %s", clave, error->message);
  if (reg->state != CATD_ACTA_FUERA_DE_CATALOGO || g_strcmp0 (reg->clave_casilla, "-") != 0)
    die ("%s: registered as %s, casilla %s", clave, catd_acta_state_to_string (reg->state),
         reg->clave_casilla);
  report ("registered %s %s", clave, catd_acta_state_to_string (reg->state));
  return reg->state;
}

static CatdActaState
do_next_step (Worker        *w,
              const char    *clave,
              CatdActaState  state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) result = NULL;
  g_auto(PlanValues) v = { 0 };
  g_autoptr(JsonNode) one = NULL;
  Plan plan = plan_for (w->seed, clave);
  const char *step = NULL;
  CatdCaptureStatus expected = CATD_CAPTURE_VERIFIED;

  if (state == CATD_ACTA_REGISTERED || state == CATD_ACTA_FUERA_DE_CATALOGO)
    {
      g_autofree char *name = g_strdup_printf ("%s.tif", clave);
      g_autofree char *path = g_build_filename (w->scratch, name, NULL);
      CatdImageInfo info;

      catd_test_write_tiff_file (path, plan.image_seed, PAGE_WIDTH, PAGE_HEIGHT, NULL);
      if (!catd_station_import_image (w->station, w->digit, clave, path, NULL, &info, &error))
        die ("%s: import failed: %s", clave, error->message);
      if (state == CATD_ACTA_REGISTERED)
        state = CATD_ACTA_DIGITIZED;
      report ("digitized %s %s %s", clave, catd_acta_state_to_string (state), info.sha256);
      g_unlink (path);
      return state;
    }

  plan_values (w, clave, &plan, &v);
  switch (state)
    {
    case CATD_ACTA_DIGITIZED:
      step = "pass1";
      expected = CATD_CAPTURE_AWAITING_PASS2;
      result = catd_station_capture (w->station, w->capa, clave, v.pass1, &error);
      break;

    case CATD_ACTA_CAPTURED_1:
      step = "pass2";
      expected = plan.kind == PLAN_MATCH ? CATD_CAPTURE_VERIFIED : CATD_CAPTURE_REKEY_REQUIRED;
      result = catd_station_capture (w->station, w->capb, clave, v.pass2, &error);
      break;

    case CATD_ACTA_REKEY:
      step = "rekeyed";
      expected = plan.kind == PLAN_REKEY_SETTLES ? CATD_CAPTURE_VERIFIED : CATD_CAPTURE_ARBITRATION;
      one = catd_test_values_only (v.code, v.rekey, NULL);
      result = catd_station_rekey (w->station, w->capb, clave, one, &error);
      break;

    case CATD_ACTA_ARBITRATION:
      step = "arbitrated";
      expected = plan.kind == PLAN_COORDINATOR ? CATD_CAPTURE_COORDINATOR : CATD_CAPTURE_VERIFIED;
      one = catd_test_values_only (v.code, v.arb, NULL);
      result = catd_station_arbitrate (w->station, w->verif, clave, one, &error);
      break;

    case CATD_ACTA_COORDINATOR:
      step = "resolved";
      expected = CATD_CAPTURE_VERIFIED;
      one = catd_test_values_only (v.code, v.a, NULL);
      result = catd_station_resolve (w->station, w->coord, clave, one,
                                     "Se consultó el acta original", &error);
      break;

    case CATD_ACTA_REGISTERED:
    case CATD_ACTA_VERIFIED:
    case CATD_ACTA_SIN_ACTA:
    case CATD_ACTA_FUERA_DE_CATALOGO:
    default:
      die ("%s: nothing to do in state %s", clave, catd_acta_state_to_string (state));
    }

  if (result == NULL)
    die ("%s: %s failed: %s", clave, step, error->message);
  expect_result (result, clave, step, expected, v.code);
  report ("%s %s %s", step, clave, catd_acta_state_to_string (state_of (result->status)));
  return state_of (result->status);
}

static int
run_workload (const char *data_dir,
              const char *scratch,
              guint32     seed,
              guint       run)
{
  g_auto(Worker) w = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed ^ (run * 0x9e3779b9u));
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) states = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) busy = g_ptr_array_new ();   /* claves in progress */
  g_autoptr(GArray) busy_states = g_array_new (FALSE, FALSE, sizeof (CatdActaState));
  guint next = 0, n_fuera = 0;

  w.seed = seed;
  w.scratch = g_strdup (scratch);
  w.station = open_or_create (data_dir);
  w.coord = ensure_user (&w, NULL, CRASH_COORD, CATD_ROLE_COORDINADOR);
  w.acop = ensure_user (&w, w.coord, CRASH_ACOP, CATD_ROLE_ACOPIADOR);
  w.digit = ensure_user (&w, w.coord, CRASH_DIGIT, CATD_ROLE_DIGITALIZADOR);
  w.capa = ensure_user (&w, w.coord, CRASH_CAPA, CATD_ROLE_CAPTURISTA);
  w.capb = ensure_user (&w, w.coord, CRASH_CAPB, CATD_ROLE_CAPTURISTA);
  w.verif = ensure_user (&w, w.coord, CRASH_VERIF, CATD_ROLE_VERIFICADOR);
  report ("ready %u", run);

  /* The order of acopio is a shuffle of the catalog fixed by the seed. */
  order = query_strings (w.station, "SELECT clave_acta FROM catalog_acta ORDER BY clave_acta");
  {
    g_autoptr(GRand) shuffle = g_rand_new_with_seed (seed);

    for (guint i = order->len - 1; i > 0; i--)
      {
        guint j = g_rand_int_range (shuffle, 0, i + 1);
        gpointer tmp = order->pdata[i];

        order->pdata[i] = order->pdata[j];
        order->pdata[j] = tmp;
      }
  }

  /* Where the previous runs stopped. */
  rows = query_strings (w.station, "SELECT clave_acta, state, image_sha256 IS NOT NULL "
                        "FROM acta ORDER BY id");
  for (guint i = 0; i + 2 < rows->len; i += 3)
    {
      const char *clave = g_ptr_array_index (rows, i);
      gboolean has_image = g_str_equal (g_ptr_array_index (rows, i + 2), "1");
      CatdActaState state;

      if (!catd_acta_state_from_string (g_ptr_array_index (rows, i + 1), &state))
        die ("acta %s has an unknown state %s", clave, (char *)g_ptr_array_index (rows, i + 1));
      g_hash_table_insert (states, (gpointer)clave, GINT_TO_POINTER (state));
      if (state == CATD_ACTA_FUERA_DE_CATALOGO)
        n_fuera++;
      if (!catd_acta_state_is_settled (state) ||
          (state == CATD_ACTA_FUERA_DE_CATALOGO && !has_image &&
           plan_for (seed, clave).fuera_image))
        {
          g_ptr_array_add (busy, g_ptr_array_index (rows, i));
          g_array_append_val (busy_states, state);
        }
    }
  while (next < order->len && g_hash_table_contains (states, g_ptr_array_index (order, next)))
    next++;

  for (;;)
    {
      gboolean can_register = next < order->len;
      CatdActaState state;

      if (busy->len < 2 || (busy->len < WINDOW && g_rand_boolean (rand)))
        {
          const char *clave;

          if (!can_register || g_rand_int_range (rand, 0, 20) == 0)
            {
              g_autofree char *fuera = g_strdup_printf ("FUERA-%05u", ++n_fuera);

              clave = g_intern_string (fuera);
              state = do_register_fuera (&w, clave);
              if (!plan_for (seed, clave).fuera_image)
                continue;
            }
          else
            {
              clave = g_ptr_array_index (order, next++);
              state = do_register (&w, clave);
              if (catd_acta_state_is_settled (state))
                continue;
            }
          g_ptr_array_add (busy, (gpointer)clave);
          g_array_append_val (busy_states, state);
        }
      else
        {
          guint i = g_rand_int_range (rand, 0, busy->len);

          state = do_next_step (&w, g_ptr_array_index (busy, i),
                                g_array_index (busy_states, CatdActaState, i));
          if (catd_acta_state_is_settled (state))
            {
              g_ptr_array_remove_index (busy, i);
              g_array_remove_index (busy_states, i);
            }
          else
            g_array_index (busy_states, CatdActaState, i) = state;
        }
    }
}

static int
run_register (const char *data_dir,
              guint       offset,
              guint       stride,
              guint       seconds,
              guint       pause_ms,
              gboolean    accept_duplicates)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) station = catd_station_open (data_dir, &error);
  g_autoptr(CatdUser) acop = NULL;
  g_autoptr(GPtrArray) order = NULL;
  gint64 deadline;

  if (station == NULL)
    die ("cannot open the station in %s: %s", data_dir, error->message);
  if (!(acop = catd_station_authenticate (station, CRASH_ACOP, CATD_TEST_PIN, &error)))
    die ("cannot log in %s: %s", CRASH_ACOP, error->message);
  order = query_strings (station, "SELECT clave_acta FROM catalog_acta ORDER BY clave_acta");

  deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  for (guint i = offset; i < order->len && g_get_monotonic_time () < deadline; i += stride)
    {
      const char *clave = g_ptr_array_index (order, i);
      g_autoptr(CatdRegistration) reg = catd_station_register (station, acop, clave, NULL,
                                                               &error);

      if (reg != NULL)
        report ("registered %s %" G_GINT64_FORMAT, clave, g_get_monotonic_time ());
      else if (accept_duplicates &&
               g_error_matches (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE))
        {
          report ("duplicate %s %" G_GINT64_FORMAT, clave, g_get_monotonic_time ());
          g_clear_error (&error);
        }
      else
        die ("%s: registration failed: %s", clave, error->message);
      g_usleep (pause_ms * 1000);
    }
  report ("end");
  return 0;
}

int
main (int    argc,
      char **argv)
{
  if (argc == 6 && g_str_equal (argv[1], "workload"))
    return run_workload (argv[2], argv[3], (guint32)g_ascii_strtoull (argv[4], NULL, 10),
                         (guint)g_ascii_strtoull (argv[5], NULL, 10));
  if ((argc == 7 || argc == 8) && g_str_equal (argv[1], "register"))
    return run_register (argv[2], (guint)g_ascii_strtoull (argv[3], NULL, 10),
                         MAX ((guint)g_ascii_strtoull (argv[4], NULL, 10), 1),
                         (guint)g_ascii_strtoull (argv[5], NULL, 10),
                         (guint)g_ascii_strtoull (argv[6], NULL, 10),
                         argc == 8 && g_str_equal (argv[7], "dup"));

  g_printerr ("usage: crash-worker workload DATA_DIR SCRATCH_DIR SEED RUN\n"
              "       crash-worker register DATA_DIR OFFSET STRIDE SECONDS PAUSE_MS [dup]\n");
  return 2;
}
