/* catd-station-capture.c - the double-blind capture engine (DESIGN §5)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-audit.h"
#include "catd-counting.h"
#include "catd-errors.h"
#include "catd-station-private.h"

/* The flow of one acta:
 *
 *   digitized --capture (A)--> captured_1 --capture (B != A)--> verified
 *                                               \--> rekey (B keys the mismatching fields again)
 *   rekey: equal to A settles; B's first value again, or a third value --> arbitration
 *   arbitration (C not A nor B): equal to A's or B's re-keyed value settles --> verified
 *                                otherwise --> coordinator --resolve (note)--> verified
 *
 * Each step is one transaction: the keying (kept forever in the keying
 * table), the audit row that records the same values, the settled values
 * and pending codes of the acta, and when nothing is pending any more the
 * count, the record and its outbox rows.
 *
 * Blindness: a step answers only field codes and a status. Values are read
 * back only by catd_station_show() for a coordinador. */

typedef enum
{
  STEP_PASS1,
  STEP_PASS2,
  STEP_REKEY,
  STEP_ARBITRATION,
  STEP_RESOLUTION,
} Step;

static const char *step_names[] = { "pass1", "pass2", "rekey", "arbitration", "resolution" };

/* The codes of @set in acta order. */
static GPtrArray *
codes_in_order (GPtrArray  *fields,
                GHashTable *set)
{
  GPtrArray *codes = g_ptr_array_new ();

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      if (g_hash_table_contains (set, field->code))
        g_ptr_array_add (codes, g_strdup (field->code));
    }
  return codes;
}

static char *
codes_serialize (GPtrArray  *fields,
                 GHashTable *set)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      if (g_hash_table_contains (set, field->code))
        json_builder_add_string_value (builder, field->code);
    }
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);
  return json_to_string (node, FALSE);
}

/* ---- the engine -------------------------------------------------------- */

typedef struct
{
  GHashTable *keyed[STEP_RESOLUTION + 1];   /* step -> (code -> value), or NULL */
  GHashTable *settled;                      /* code -> value */
  GHashTable *pending;                      /* codes */
} ActaValues;

static void
acta_values_clear (ActaValues *v)
{
  for (guint i = 0; i < G_N_ELEMENTS (v->keyed); i++)
    g_clear_pointer (&v->keyed[i], g_hash_table_unref);
  g_clear_pointer (&v->settled, g_hash_table_unref);
  g_clear_pointer (&v->pending, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ActaValues, acta_values_clear)

/* Everything keyed for the acta, its settled values and pending codes, in
 * two indexed reads. */
static gboolean
load_values (CatdStation  *self,
             CatdActaRow  *row,
             ActaValues   *v,
             GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = catd_store_prepare (self->store, "SELECT step, \"values\" FROM keying WHERE acta = ? "
                             "ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->id);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      const char *step = catd_column_text (stmt, 0);

      for (guint i = 0; i < G_N_ELEMENTS (step_names); i++)
        if (g_str_equal (step, step_names[i]))
          {
            g_clear_pointer (&v->keyed[i], g_hash_table_unref);
            v->keyed[i] = catd_values_parse (catd_column_text (stmt, 1));
          }
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;

  stmt = catd_store_prepare (self->store, "SELECT settled, pending FROM acta WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->id);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      v->settled = catd_values_parse (catd_column_text (stmt, 0));
      v->pending = catd_codes_parse (catd_column_text (stmt, 1));
    }
  sqlite3_reset (stmt);
  return rc == SQLITE_ROW;
}

/* Stores the settled values and the codes still pending. */
static gboolean
save_values (CatdStation  *self,
             CatdActaRow  *row,
             GPtrArray    *fields,
             ActaValues   *v,
             GError      **error)
{
  g_autofree char *settled = catd_values_serialize (fields, v->settled);
  g_autofree char *pending = codes_serialize (fields, v->pending);
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "UPDATE acta SET settled = ?, "
                                           "pending = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, settled, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, pending, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, row->id);
  return catd_store_exec (self->store, stmt, error);
}

static CatdCaptureResult *
result_new (const char        *clave,
            int                pass,
            CatdCaptureStatus  status,
            GPtrArray         *codes)
{
  CatdCaptureResult *result = g_new0 (CatdCaptureResult, 1);

  result->clave_acta = g_strdup (clave);
  result->pass = pass;
  result->status = status;
  if (codes != NULL)
    {
      g_ptr_array_add (codes, NULL);
      result->fields = (GStrv)g_ptr_array_free (codes, FALSE);
    }
  else
    result->fields = g_new0 (char *, 1);
  return result;
}

/* Parses @values (a JSON object, field code -> value) against @fields. With
 * @expected, exactly those codes must be given; without, every field of the
 * acta. Errors name the field. Fills @out (code -> canonical text). */
static gboolean
parse_values (GPtrArray   *fields,
              JsonNode    *values,
              GHashTable  *expected,
              GHashTable  *out,
              GError     **error)
{
  JsonObjectIter iter;
  const char *code;
  JsonNode *node;

  if (values == NULL || !JSON_NODE_HOLDS_OBJECT (values))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "values must be a JSON object of field code to value");
      return FALSE;
    }

  json_object_iter_init (&iter, json_node_get_object (values));
  while (json_object_iter_next (&iter, &code, &node))
    {
      CatdValue value;
      gboolean known = FALSE;

      for (guint i = 0; i < fields->len && !known; i++)
        known = g_str_equal (((CatdField *)g_ptr_array_index (fields, i))->code, code);
      if (!known)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "field %s: not a field of this acta", code);
          return FALSE;
        }
      if (expected != NULL && !g_hash_table_contains (expected, code))
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "field %s: not asked for at this step (give only the fields named)", code);
          return FALSE;
        }
      if (!catd_value_from_json (node, &value))
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "field %s: a value is a whole number from 0 to %d, \"ilegible\" or "
                       "\"sin_dato\"", code, CATD_VALUE_MAX);
          return FALSE;
        }
      g_hash_table_insert (out, g_strdup (code), catd_value_to_string (&value));
    }

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      if (expected != NULL && !g_hash_table_contains (expected, field->code))
        continue;
      if (!g_hash_table_contains (out, field->code))
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "field %s: missing; %s", field->code,
                       expected ? "every field named at this step must be given"
                                : "every field of the acta must be given");
          return FALSE;
        }
    }
  return TRUE;
}

/* Writes one keying: the audit row that records the values, the keying row
 * holding the same text, and the user's statistics. */
static gboolean
record_keyed (CatdStation  *self,
              CatdUser     *user,
              CatdActaRow  *row,
              Step          step,
              GPtrArray    *fields,
              GHashTable   *values,
              const char   *note,
              GError      **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) detail = NULL;
  g_autoptr(JsonNode) node = catd_values_to_node (fields, values);
  g_autofree char *text = json_to_string (node, FALSE);
  g_autofree char *now = catd_store_now_iso (self->store);
  g_autofree char *action = g_strconcat ("captura.", step_names[step], NULL);
  sqlite3_stmt *stmt;
  gint64 seq;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "step");
  json_builder_add_string_value (builder, step_names[step]);
  if (note != NULL)
    {
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, note);
    }
  json_builder_set_member_name (builder, "values");
  json_builder_add_value (builder, json_node_ref (node));
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);

  if (!catd_audit_append (self->store, now, catd_user_get_login (user), action, row->clave_acta,
                          detail, &seq, error))
    return FALSE;

  stmt = catd_store_prepare (self->store, "INSERT INTO keying (acta, step, login, keyed_at, "
                             "audit_seq, \"values\") VALUES (?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->id);
  sqlite3_bind_text (stmt, 2, step_names[step], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, catd_user_get_login (user), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, seq);
  sqlite3_bind_text (stmt, 6, text, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    return FALSE;

  /* The coordinator's ruling is not keying work: it does not count in the
   * per-user statistics. */
  if (step == STEP_RESOLUTION)
    return TRUE;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO user_stats (login, fields_keyed, actas_keyed, "
                             "first_at, last_at) VALUES (?1, ?2, ?3, ?4, ?4) "
                             "ON CONFLICT (login) DO UPDATE SET "
                             "fields_keyed = fields_keyed + ?2, actas_keyed = actas_keyed + ?3, "
                             "last_at = ?4", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, catd_user_get_login (user), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, g_hash_table_size (values));
  sqlite3_bind_int (stmt, 3, step == STEP_PASS1 || step == STEP_PASS2);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  return catd_store_exec (self->store, stmt, error);
}

/* Charges each user, once per field, whose keyed value differs from the
 * settled one. The coordinator's resolution is the ruling, not a keying. */
static gboolean
charge_errors (CatdStation  *self,
               CatdActaRow  *row,
               ActaValues   *v,
               GError      **error)
{
  g_autoptr(GHashTable) lost = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  GHashTableIter iter;
  gpointer login, count;
  int rc;

  stmt = catd_store_prepare (self->store, "SELECT login, \"values\" FROM keying WHERE acta = ? "
                             "AND step != 'resolution' ORDER BY id", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, row->id);
  {
    /* login -> set of codes lost */
    g_autoptr(GHashTable) codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify)g_hash_table_unref);

    while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
      {
        g_autoptr(GHashTable) keyed = catd_values_parse (catd_column_text (stmt, 1));
        const char *who = catd_column_text (stmt, 0);
        GHashTable *mine = g_hash_table_lookup (codes, who);
        GHashTableIter kiter;
        gpointer code, value;

        if (mine == NULL)
          {
            mine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
            g_hash_table_insert (codes, g_strdup (who), mine);
          }
        g_hash_table_iter_init (&kiter, keyed);
        while (g_hash_table_iter_next (&kiter, &code, &value))
          if (g_strcmp0 (value, g_hash_table_lookup (v->settled, code)) != 0)
            g_hash_table_add (mine, g_strdup (code));
      }
    sqlite3_reset (stmt);
    if (rc == 0)
      return FALSE;

    g_hash_table_iter_init (&iter, codes);
    while (g_hash_table_iter_next (&iter, &login, &count))
      if (g_hash_table_size (count) > 0)
        g_hash_table_insert (lost, g_strdup (login), GUINT_TO_POINTER (g_hash_table_size (count)));
  }

  stmt = catd_store_prepare (self->store, "UPDATE user_stats SET fields_lost = fields_lost + ? "
                             "WHERE login = ?", error);
  if (stmt == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, lost);
  while (g_hash_table_iter_next (&iter, &login, &count))
    {
      sqlite3_bind_int (stmt, 1, GPOINTER_TO_UINT (count));
      sqlite3_bind_text (stmt, 2, login, -1, SQLITE_STATIC);
      if (!catd_store_exec (self->store, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* Common opening of every step: role, transaction, the acta, its fields. */
static gboolean
begin_step (CatdStation  *self,
            CatdUser     *user,
            guint         roles,
            const char   *what,
            const char   *clave_acta,
            CatdActaRow  *row,
            GPtrArray   **fields,
            GError      **error)
{
  if (!_catd_station_require_role (user, roles, what, error))
    return FALSE;
  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!_catd_station_load_acta (self, clave_acta, row, error))
    goto fail;
  if (row->contest == 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s is fuera de catálogo: it is never captured", row->clave_acta);
      goto fail;
    }
  if (!(*fields = _catd_station_contest_fields (self, row->contest, error)))
    goto fail;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

static void
wrong_state (GError     **error,
             CatdActaRow *row,
             const char  *what)
{
  g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
               "acta %s is %s: %s", row->clave_acta, catd_acta_state_to_string (row->state),
               what);
}

/* Ends a step that leaves fields pending in @state, or finishes the acta
 * when nothing is pending, then commits. */
static CatdCaptureResult *
end_step (CatdStation        *self,
          CatdUser           *user,
          CatdActaRow        *row,
          GPtrArray          *fields,
          ActaValues         *v,
          int                 pass,
          CatdActaState       state,
          CatdCaptureStatus   status,
          GError            **error)
{
  static const CatdTaskKind kinds[] = {
    [2] = CATD_TASK_CAPTURE, [3] = CATD_TASK_REKEY, [4] = CATD_TASK_ARBITRATION,
    [5] = CATD_TASK_RESOLUTION,
  };
  g_autoptr(CatdCaptureResult) result = NULL;

  g_assert (pass >= 2 && pass < (int)G_N_ELEMENTS (kinds));

  if (!save_values (self, row, fields, v, error))
    return NULL;
  if (g_hash_table_size (v->pending) == 0)
    {
      if (!charge_errors (self, row, v, error) ||
          !_catd_station_finish_acta (self, row->id, v->settled, error))
        return NULL;
      state = CATD_ACTA_VERIFIED;
      result = result_new (row->clave_acta, pass, CATD_CAPTURE_VERIFIED, NULL);
    }
  else
    {
      if (!_catd_station_set_state (self, row->id, state, error))
        return NULL;
      result = result_new (row->clave_acta, pass, status, codes_in_order (fields, v->pending));
    }

  /* The step is saved for real: its draft, and every draft the new state
   * no longer asks for, go in the same transaction. */
  if (!_catd_station_drop_drafts (self, row->id, catd_user_get_login (user), kinds[pass], state,
                                  error))
    return NULL;

  if (!catd_store_commit (self->store, error))
    return NULL;
  _catd_station_emit_changed (self, row->clave_acta, state);
  return g_steal_pointer (&result);
}

static CatdCaptureResult *
capture_pass1 (CatdStation  *self,
               CatdUser     *user,
               CatdActaRow  *row,
               GPtrArray    *fields,
               GHashTable   *values,
               GError      **error)
{
  g_autofree char *now = catd_store_now_iso (self->store);
  sqlite3_stmt *stmt;

  if (!record_keyed (self, user, row, STEP_PASS1, fields, values, NULL, error))
    return NULL;
  stmt = catd_store_prepare (self->store, "UPDATE acta SET state = 'captured_1', pass1_user = ?, "
                             "captura_at = ? WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, catd_user_get_login (user), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, row->id);
  if (!catd_store_exec (self->store, stmt, error) ||
      !_catd_station_drop_drafts (self, row->id, catd_user_get_login (user), CATD_TASK_CAPTURE,
                                  CATD_ACTA_CAPTURED_1, error) ||
      !catd_store_commit (self->store, error))
    return NULL;
  _catd_station_emit_changed (self, row->clave_acta, CATD_ACTA_CAPTURED_1);
  return result_new (row->clave_acta, 1, CATD_CAPTURE_AWAITING_PASS2, NULL);
}

static CatdCaptureResult *
capture_pass2 (CatdStation  *self,
               CatdUser     *user,
               CatdActaRow  *row,
               GPtrArray    *fields,
               GHashTable   *values,
               GError      **error)
{
  g_auto(ActaValues) v = { { 0 } };
  sqlite3_stmt *stmt;

  if (!load_values (self, row, &v, error) || v.keyed[STEP_PASS1] == NULL ||
      !record_keyed (self, user, row, STEP_PASS2, fields, values, NULL, error))
    {
      if (error && *error == NULL)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                     "acta %s has no first capture on record", row->clave_acta);
      return NULL;
    }

  /* Field by field, value and flag: agreement settles, anything else is
   * re-keyed by B, blind. */
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      const char *mine = g_hash_table_lookup (values, field->code);

      if (g_strcmp0 (mine, g_hash_table_lookup (v.keyed[STEP_PASS1], field->code)) == 0)
        g_hash_table_insert (v.settled, g_strdup (field->code), g_strdup (mine));
      else
        g_hash_table_add (v.pending, g_strdup (field->code));
    }

  stmt = catd_store_prepare (self->store, "UPDATE acta SET pass2_user = ? WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, catd_user_get_login (user), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row->id);
  if (!catd_store_exec (self->store, stmt, error))
    return NULL;

  return end_step (self, user, row, fields, &v, 2, CATD_ACTA_REKEY, CATD_CAPTURE_REKEY_REQUIRED,
                   error);
}

/**
 * catd_station_capture:
 * @values: a JSON object with every field of the acta
 *
 * Saves pass 1 or pass 2 of @clave_acta, as the acta's state says. Pass 2
 * by the user of pass 1 is refused (%CATD_STATION_ERROR_SAME_USER). The
 * result names the fields to re-key on a mismatch, never their values.
 */
CatdCaptureResult *
catd_station_capture (CatdStation  *self,
                      CatdUser     *user,
                      const char   *clave_acta,
                      JsonNode     *values,
                      GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  CatdCaptureResult *result = NULL;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!begin_step (self, user, CATD_ROLE_BIT (CATD_ROLE_CAPTURISTA), "capturing an acta",
                   clave_acta, &row, &fields, error))
    return NULL;

  switch (row.state)
    {
    case CATD_ACTA_DIGITIZED:
      if (parse_values (fields, values, NULL, parsed, error))
        result = capture_pass1 (self, user, &row, fields, parsed, error);
      break;

    case CATD_ACTA_CAPTURED_1:
      if (g_strcmp0 (row.pass1_user, catd_user_get_login (user)) == 0)
        g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                     "%s keyed the first capture of acta %s: the second must be keyed by "
                     "another capturista", catd_user_get_login (user), row.clave_acta);
      else if (parse_values (fields, values, NULL, parsed, error))
        result = capture_pass2 (self, user, &row, fields, parsed, error);
      break;

    case CATD_ACTA_REGISTERED:
      wrong_state (error, &row, "it has no image yet; digitize it first");
      break;

    case CATD_ACTA_REKEY:
      wrong_state (error, &row, "its second capture disagreed; the second capturista re-keys "
                   "the fields named (catdctl rekey)");
      break;

    case CATD_ACTA_ARBITRATION:
    case CATD_ACTA_COORDINATOR:
    case CATD_ACTA_VERIFIED:
    case CATD_ACTA_SIN_ACTA:
    case CATD_ACTA_FUERA_DE_CATALOGO:
    default:
      wrong_state (error, &row, "both captures are done");
      break;
    }

  if (result == NULL)
    catd_store_rollback (self->store);
  return result;
}

/* Opening of the steps after pass 2: the acta must be in @state, and its
 * pending fields are what @values must give. */
static gboolean
begin_followup (CatdStation    *self,
                CatdActaRow    *row,
                GPtrArray      *fields,
                CatdActaState   state,
                const char     *nothing_to_do,
                JsonNode       *values,
                ActaValues     *v,
                GHashTable     *parsed,
                GError        **error)
{
  if (row->state != state)
    {
      wrong_state (error, row, nothing_to_do);
      return FALSE;
    }
  return load_values (self, row, v, error) &&
         parse_values (fields, values, v->pending, parsed, error);
}

/**
 * catd_station_rekey:
 * @values: exactly the fields the second pass was asked to re-key
 *
 * The second capturista keys the mismatching fields again, blind. Equal to
 * pass 1 settles a field; anything else sends it to arbitration.
 */
CatdCaptureResult *
catd_station_rekey (CatdStation  *self,
                    CatdUser     *user,
                    const char   *clave_acta,
                    JsonNode     *values,
                    GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_auto(ActaValues) v = { { 0 } };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  CatdCaptureResult *result = NULL;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!begin_step (self, user, CATD_ROLE_BIT (CATD_ROLE_CAPTURISTA), "re-keying an acta",
                   clave_acta, &row, &fields, error))
    return NULL;

  if (row.state == CATD_ACTA_REKEY && g_strcmp0 (row.pass2_user, catd_user_get_login (user)) != 0)
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                 "only the capturista of the second pass re-keys acta %s", row.clave_acta);
  else if (begin_followup (self, &row, fields, CATD_ACTA_REKEY, "there is nothing to re-key",
                           values, &v, parsed, error) &&
           record_keyed (self, user, &row, STEP_REKEY, fields, parsed, NULL, error))
    {
      GHashTableIter iter;
      gpointer code, again;

      /* Equal to pass 1: B mis-keyed and now agrees with A. Else B confirms
       * the first value or keys a third one: a third person decides. */
      g_hash_table_remove_all (v.pending);
      g_hash_table_iter_init (&iter, parsed);
      while (g_hash_table_iter_next (&iter, &code, &again))
        {
          if (g_strcmp0 (again, g_hash_table_lookup (v.keyed[STEP_PASS1], code)) == 0)
            g_hash_table_insert (v.settled, g_strdup (code), g_strdup (again));
          else
            g_hash_table_add (v.pending, g_strdup (code));
        }
      result = end_step (self, user, &row, fields, &v, 3, CATD_ACTA_ARBITRATION,
                         CATD_CAPTURE_ARBITRATION, error);
    }

  if (result == NULL)
    catd_store_rollback (self->store);
  return result;
}

/**
 * catd_station_arbitrate:
 * @values: exactly the disputed fields
 *
 * A verificador or coordinador who keyed neither pass keys the disputed
 * fields, blind. A value equal to A's, or to B's re-keyed one, settles the
 * field (majority); the rest go to the coordinator.
 */
CatdCaptureResult *
catd_station_arbitrate (CatdStation  *self,
                        CatdUser     *user,
                        const char   *clave_acta,
                        JsonNode     *values,
                        GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_auto(ActaValues) v = { { 0 } };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *login = user ? catd_user_get_login (user) : NULL;
  CatdCaptureResult *result = NULL;
  sqlite3_stmt *stmt;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!begin_step (self, user, CATD_ROLE_BIT (CATD_ROLE_VERIFICADOR) |
                   CATD_ROLE_BIT (CATD_ROLE_COORDINADOR), "arbitrating an acta",
                   clave_acta, &row, &fields, error))
    return NULL;

  if (row.state == CATD_ACTA_ARBITRATION &&
      (g_strcmp0 (row.pass1_user, login) == 0 || g_strcmp0 (row.pass2_user, login) == 0))
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                 "%s keyed a capture of acta %s: arbitration needs a third person",
                 login, row.clave_acta);
  else if (begin_followup (self, &row, fields, CATD_ACTA_ARBITRATION,
                           "there is nothing to arbitrate", values, &v, parsed, error) &&
           record_keyed (self, user, &row, STEP_ARBITRATION, fields, parsed, NULL, error) &&
           (stmt = catd_store_prepare (self->store, "UPDATE acta SET arbiter_user = ? "
                                       "WHERE id = ?", error)) != NULL)
    {
      GHashTableIter iter;
      gpointer code, mine;

      sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, row.id);
      if (catd_store_exec (self->store, stmt, error))
        {
          /* Equal to any value already keyed for the field: two people agree. */
          g_hash_table_remove_all (v.pending);
          g_hash_table_iter_init (&iter, parsed);
          while (g_hash_table_iter_next (&iter, &code, &mine))
            {
              gboolean majority = FALSE;

              /* A's value, or B's as it stands after the re-key (a value B
               * keyed once and then replaced is not B's any more). */
              majority = g_strcmp0 (mine, g_hash_table_lookup (v.keyed[STEP_PASS1], code)) == 0 ||
                         (v.keyed[STEP_REKEY] != NULL &&
                          g_strcmp0 (mine, g_hash_table_lookup (v.keyed[STEP_REKEY], code)) == 0);
              if (majority)
                g_hash_table_insert (v.settled, g_strdup (code), g_strdup (mine));
              else
                g_hash_table_add (v.pending, g_strdup (code));
            }
          result = end_step (self, user, &row, fields, &v, 4, CATD_ACTA_COORDINATOR,
                             CATD_CAPTURE_COORDINATOR, error);
        }
    }

  if (result == NULL)
    catd_store_rollback (self->store);
  return result;
}

/**
 * catd_station_resolve:
 * @values: exactly the fields arbitration could not settle
 * @note: why; mandatory
 *
 * The coordinador, who sees the image and every keyed value, sets the final
 * value of each unresolved field. The acta is then verified.
 */
CatdCaptureResult *
catd_station_resolve (CatdStation  *self,
                      CatdUser     *user,
                      const char   *clave_acta,
                      JsonNode     *values,
                      const char   *note,
                      GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_auto(ActaValues) v = { { 0 } };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *clean_note = note ? g_strstrip (g_strdup (note)) : NULL;
  CatdCaptureResult *result = NULL;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "resolving an acta", error))
    return NULL;
  if (clean_note == NULL || *clean_note == '\0' || g_utf8_strlen (clean_note, -1) > 1000 ||
      !g_utf8_validate (clean_note, -1, NULL))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "a resolution needs a note (1 to 1000 characters) saying why");
      return NULL;
    }
  if (!begin_step (self, user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR), "resolving an acta",
                   clave_acta, &row, &fields, error))
    return NULL;

  if (begin_followup (self, &row, fields, CATD_ACTA_COORDINATOR,
                      "there is nothing for the coordinator to resolve", values, &v, parsed,
                      error) &&
      record_keyed (self, user, &row, STEP_RESOLUTION, fields, parsed, clean_note, error))
    {
      GHashTableIter iter;
      gpointer code, ruling;

      g_hash_table_iter_init (&iter, parsed);
      while (g_hash_table_iter_next (&iter, &code, &ruling))
        g_hash_table_insert (v.settled, g_strdup (code), g_strdup (ruling));
      g_hash_table_remove_all (v.pending);
      result = end_step (self, user, &row, fields, &v, 5, CATD_ACTA_COORDINATOR,
                         CATD_CAPTURE_COORDINATOR, error);
    }

  if (result == NULL)
    catd_store_rollback (self->store);
  return result;
}

typedef struct
{
  CatdUser *user;
  char     *clave_acta;
  JsonNode *values;
} CaptureData;

static void
capture_data_free (gpointer data)
{
  CaptureData *cd = data;

  g_object_unref (cd->user);
  g_free (cd->clave_acta);
  json_node_unref (cd->values);
  g_free (cd);
}

static void
capture_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CaptureData *cd = task_data;
  GError *error = NULL;
  CatdCaptureResult *result;

  result = catd_station_capture (source_object, cd->user, cd->clave_acta, cd->values, &error);
  if (result)
    g_task_return_pointer (task, result, (GDestroyNotify)catd_capture_result_free);
  else
    g_task_return_error (task, error);
}

/* catd_station_capture() in a worker thread, for the capture screen. */
void
catd_station_capture_async (CatdStation         *self,
                            CatdUser            *user,
                            const char          *clave_acta,
                            JsonNode            *values,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  CaptureData *cd;

  g_return_if_fail (CATD_IS_STATION (self));
  g_return_if_fail (CATD_IS_USER (user));

  cd = g_new0 (CaptureData, 1);
  cd->user = g_object_ref (user);
  cd->clave_acta = g_strdup (clave_acta);
  cd->values = json_node_ref (values);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, catd_station_capture_async);
  g_task_set_task_data (task, cd, capture_data_free);
  g_task_run_in_thread (task, capture_thread);
}

CatdCaptureResult *
catd_station_capture_finish (CatdStation   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
