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
 *   arbitration (C not A nor B): equal to any earlier value settles --> verified
 *                                otherwise --> coordinator --resolve (note)--> verified
 *
 * Each step is one transaction: the keyed values (kept forever in
 * keyed_value), the audit row that records them, the field and acta state,
 * and when everything is settled the record and its outbox rows.
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
      result->fields = (GStrv)g_ptr_array_steal (codes, NULL);
    }
  else
    result->fields = g_new0 (char *, 1);
  return result;
}

/* Parses @values (a JSON object, field code -> value) against @fields. With
 * @expected, exactly those codes must be given; without, every field of the
 * acta. Errors name the field. Fills @out (code -> CatdValue*). */
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
  JsonObject *object;

  if (values == NULL || !JSON_NODE_HOLDS_OBJECT (values))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "values must be a JSON object of field code to value");
      return FALSE;
    }
  object = json_node_get_object (values);

  json_object_iter_init (&iter, object);
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
      g_hash_table_insert (out, (gpointer)code, g_memdup2 (&value, sizeof value));
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

/* Writes the keyed values of one step, with the audit row that records
 * them and the user's statistics. */
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
  g_autofree char *now = catd_store_now_iso (self->store);
  g_autofree char *action = g_strconcat ("captura.", step_names[step], NULL);
  sqlite3_stmt *stmt;
  gint64 seq;
  guint n = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "step");
  json_builder_add_string_value (builder, step_names[step]);
  if (note != NULL)
    {
      json_builder_set_member_name (builder, "note");
      json_builder_add_string_value (builder, note);
    }
  json_builder_set_member_name (builder, "values");
  json_builder_begin_object (builder);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      const CatdValue *value = g_hash_table_lookup (values, field->code);
      g_autofree char *text = NULL;

      if (value == NULL)
        continue;
      text = catd_value_to_string (value);
      json_builder_set_member_name (builder, field->code);
      json_builder_add_string_value (builder, text);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);

  if (!catd_audit_append (self->store, user ? catd_user_get_login (user) : NULL, action,
                          row->clave_acta, detail, &seq, error))
    return FALSE;

  stmt = catd_store_prepare (self->store, "INSERT INTO keyed_value (acta, step, code, value, "
                             "login, keyed_at, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      const CatdValue *value = g_hash_table_lookup (values, field->code);
      g_autofree char *text = NULL;

      if (value == NULL)
        continue;
      text = catd_value_to_string (value);
      sqlite3_bind_int64 (stmt, 1, row->id);
      sqlite3_bind_text (stmt, 2, step_names[step], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 3, field->code, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, text, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, catd_user_get_login (user), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 6, now, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 7, seq);
      if (!catd_store_exec (self->store, stmt, error))
        return FALSE;
      n++;
    }

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
  sqlite3_bind_int (stmt, 2, n);
  sqlite3_bind_int (stmt, 3, step == STEP_PASS1 || step == STEP_PASS2);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  return catd_store_exec (self->store, stmt, error);
}

static gboolean
set_field (CatdStation  *self,
           gint64        acta_id,
           const char   *code,
           const char   *status,
           const char   *value,
           GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store,
                                           "INSERT INTO acta_field (acta, code, status, value) "
                                           "VALUES (?, ?, ?, ?) ON CONFLICT (acta, code) DO "
                                           "UPDATE SET status = excluded.status, "
                                           "value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  sqlite3_bind_text (stmt, 2, code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, status, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 4, value);
  return catd_store_exec (self->store, stmt, error);
}

/* The codes of the acta's fields in @status, in acta order. */
static GHashTable *
fields_in_status (CatdStation  *self,
                  gint64        acta_id,
                  const char   *status,
                  GError      **error)
{
  g_autoptr(GHashTable) codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "SELECT code FROM acta_field "
                                           "WHERE acta = ? AND status = ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  sqlite3_bind_text (stmt, 2, status, -1, SQLITE_STATIC);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_hash_table_add (codes, g_strdup (catd_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return rc == 0 ? NULL : g_steal_pointer (&codes);
}

/* Every value keyed for one field at the given steps, as canonical text. */
static GPtrArray *
keyed_values (CatdStation  *self,
              gint64        acta_id,
              const char   *code,
              GError      **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "SELECT step, value FROM keyed_value "
                                           "WHERE acta = ? AND code = ? ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  sqlite3_bind_text (stmt, 2, code, -1, SQLITE_STATIC);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (result, g_strdup_printf ("%s=%s", catd_column_text (stmt, 0),
                                              catd_column_text (stmt, 1)));
  sqlite3_reset (stmt);
  return rc == 0 ? NULL : g_steal_pointer (&result);
}

static const char *
keyed_at (GPtrArray  *keyed,
          const char *step)
{
  gsize len = strlen (step);

  for (guint i = 0; i < keyed->len; i++)
    {
      const char *entry = g_ptr_array_index (keyed, i);

      if (strncmp (entry, step, len) == 0 && entry[len] == '=')
        return entry + len + 1;
    }
  return NULL;
}

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

/* Common opening of every step: role, acta, its fields, the transaction. */
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

static gboolean
wrong_state (GError     **error,
             CatdActaRow *row,
             const char  *what)
{
  g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
               "acta %s is %s: %s", row->clave_acta, catd_acta_state_to_string (row->state),
               what);
  return FALSE;
}

static CatdCaptureResult *
commit_step (CatdStation        *self,
             CatdActaRow        *row,
             CatdActaState       state,
             CatdCaptureResult  *result,
             GError            **error)
{
  g_autoptr(CatdCaptureResult) owned = result;

  if (!catd_store_commit (self->store, error))
    return NULL;
  _catd_station_emit_changed (self, row->clave_acta, state);
  return g_steal_pointer (&owned);
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
  if (!catd_store_exec (self->store, stmt, error))
    return NULL;
  return commit_step (self, row, CATD_ACTA_CAPTURED_1,
                      result_new (row->clave_acta, 1, CATD_CAPTURE_AWAITING_PASS2, NULL), error);
}

static CatdCaptureResult *
capture_pass2 (CatdStation  *self,
               CatdUser     *user,
               CatdActaRow  *row,
               GPtrArray    *fields,
               GHashTable   *values,
               GError      **error)
{
  g_autoptr(GHashTable) mismatched = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt;

  if (!record_keyed (self, user, row, STEP_PASS2, fields, values, NULL, error))
    return NULL;

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      g_autoptr(GPtrArray) keyed = keyed_values (self, row->id, field->code, error);
      g_autofree char *mine = NULL;
      const char *first;

      if (keyed == NULL)
        return NULL;
      first = keyed_at (keyed, "pass1");
      mine = catd_value_to_string (g_hash_table_lookup (values, field->code));
      if (g_strcmp0 (first, mine) == 0)
        {
          if (!set_field (self, row->id, field->code, "settled", mine, error))
            return NULL;
        }
      else
        {
          if (!set_field (self, row->id, field->code, "rekey", NULL, error))
            return NULL;
          g_hash_table_add (mismatched, field->code);
        }
    }

  stmt = catd_store_prepare (self->store, "UPDATE acta SET pass2_user = ? WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, catd_user_get_login (user), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row->id);
  if (!catd_store_exec (self->store, stmt, error))
    return NULL;

  if (g_hash_table_size (mismatched) == 0)
    {
      if (!_catd_station_finish_acta (self, row->id, error))
        return NULL;
      return commit_step (self, row, CATD_ACTA_VERIFIED,
                          result_new (row->clave_acta, 2, CATD_CAPTURE_VERIFIED, NULL), error);
    }

  if (!_catd_station_set_state (self, row->id, CATD_ACTA_REKEY, error))
    return NULL;
  return commit_step (self, row, CATD_ACTA_REKEY,
                      result_new (row->clave_acta, 2, CATD_CAPTURE_REKEY_REQUIRED,
                                  codes_in_order (fields, mismatched)),
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
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
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
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(GHashTable) disputed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!begin_step (self, user, CATD_ROLE_BIT (CATD_ROLE_CAPTURISTA), "re-keying an acta",
                   clave_acta, &row, &fields, error))
    return NULL;

  if (row.state != CATD_ACTA_REKEY)
    {
      wrong_state (error, &row, "there is nothing to re-key");
      goto fail;
    }
  if (g_strcmp0 (row.pass2_user, catd_user_get_login (user)) != 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                   "only the capturista of the second pass re-keys acta %s", row.clave_acta);
      goto fail;
    }
  if (!(expected = fields_in_status (self, row.id, "rekey", error)) ||
      !parse_values (fields, values, expected, parsed, error) ||
      !record_keyed (self, user, &row, STEP_REKEY, fields, parsed, NULL, error))
    goto fail;

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      g_autoptr(GPtrArray) keyed = NULL;
      g_autofree char *again = NULL;

      if (!g_hash_table_contains (expected, field->code))
        continue;
      if (!(keyed = keyed_values (self, row.id, field->code, error)))
        goto fail;
      again = catd_value_to_string (g_hash_table_lookup (parsed, field->code));
      if (g_strcmp0 (again, keyed_at (keyed, "pass1")) == 0)
        {
          /* B mis-keyed the first time and now agrees with A. */
          if (!set_field (self, row.id, field->code, "settled", again, error))
            goto fail;
        }
      else
        {
          /* B confirms the first value, or keys a third: a third person decides. */
          if (!set_field (self, row.id, field->code, "arbitration", NULL, error))
            goto fail;
          g_hash_table_add (disputed, field->code);
        }
    }

  if (g_hash_table_size (disputed) == 0)
    {
      if (!_catd_station_finish_acta (self, row.id, error))
        goto fail;
      return commit_step (self, &row, CATD_ACTA_VERIFIED,
                          result_new (row.clave_acta, 3, CATD_CAPTURE_VERIFIED, NULL), error);
    }

  if (!_catd_station_set_state (self, row.id, CATD_ACTA_ARBITRATION, error))
    goto fail;
  return commit_step (self, &row, CATD_ACTA_ARBITRATION,
                      result_new (row.clave_acta, 3, CATD_CAPTURE_ARBITRATION,
                                  codes_in_order (fields, disputed)),
                      error);

fail:
  catd_store_rollback (self->store);
  return NULL;
}

/**
 * catd_station_arbitrate:
 * @values: exactly the disputed fields
 *
 * A verificador or coordinador who keyed neither pass keys the disputed
 * fields, blind. A value equal to one already keyed settles the field
 * (majority); the rest go to the coordinator.
 */
CatdCaptureResult *
catd_station_arbitrate (CatdStation  *self,
                        CatdUser     *user,
                        const char   *clave_acta,
                        JsonNode     *values,
                        GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(GHashTable) unresolved = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  const char *login = user ? catd_user_get_login (user) : NULL;
  sqlite3_stmt *stmt;
  g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex);

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!begin_step (self, user, CATD_ROLE_BIT (CATD_ROLE_VERIFICADOR) |
                   CATD_ROLE_BIT (CATD_ROLE_COORDINADOR), "arbitrating an acta",
                   clave_acta, &row, &fields, error))
    return NULL;

  if (row.state != CATD_ACTA_ARBITRATION)
    {
      wrong_state (error, &row, "there is nothing to arbitrate");
      goto fail;
    }
  if (g_strcmp0 (row.pass1_user, login) == 0 || g_strcmp0 (row.pass2_user, login) == 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                   "%s keyed a capture of acta %s: arbitration needs a third person",
                   login, row.clave_acta);
      goto fail;
    }
  if (!(expected = fields_in_status (self, row.id, "arbitration", error)) ||
      !parse_values (fields, values, expected, parsed, error) ||
      !record_keyed (self, user, &row, STEP_ARBITRATION, fields, parsed, NULL, error))
    goto fail;

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      g_autoptr(GPtrArray) keyed = NULL;
      g_autofree char *mine = NULL;
      const char *first, *second, *again;

      if (!g_hash_table_contains (expected, field->code))
        continue;
      if (!(keyed = keyed_values (self, row.id, field->code, error)))
        goto fail;
      mine = catd_value_to_string (g_hash_table_lookup (parsed, field->code));
      first = keyed_at (keyed, "pass1");
      second = keyed_at (keyed, "pass2");
      again = keyed_at (keyed, "rekey");
      if (g_strcmp0 (mine, first) == 0 || g_strcmp0 (mine, second) == 0 ||
          g_strcmp0 (mine, again) == 0)
        {
          if (!set_field (self, row.id, field->code, "settled", mine, error))
            goto fail;
        }
      else
        {
          if (!set_field (self, row.id, field->code, "coordinator", NULL, error))
            goto fail;
          g_hash_table_add (unresolved, field->code);
        }
    }

  stmt = catd_store_prepare (self->store, "UPDATE acta SET arbiter_user = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row.id);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;

  if (g_hash_table_size (unresolved) == 0)
    {
      if (!_catd_station_finish_acta (self, row.id, error))
        goto fail;
      return commit_step (self, &row, CATD_ACTA_VERIFIED,
                          result_new (row.clave_acta, 4, CATD_CAPTURE_VERIFIED, NULL), error);
    }

  if (!_catd_station_set_state (self, row.id, CATD_ACTA_COORDINATOR, error))
    goto fail;
  return commit_step (self, &row, CATD_ACTA_COORDINATOR,
                      result_new (row.clave_acta, 4, CATD_CAPTURE_COORDINATOR,
                                  codes_in_order (fields, unresolved)),
                      error);

fail:
  catd_store_rollback (self->store);
  return NULL;
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
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) expected = NULL;
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *clean_note = note ? g_strstrip (g_strdup (note)) : NULL;
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

  if (row.state != CATD_ACTA_COORDINATOR)
    {
      wrong_state (error, &row, "there is nothing for the coordinator to resolve");
      goto fail;
    }
  if (!(expected = fields_in_status (self, row.id, "coordinator", error)) ||
      !parse_values (fields, values, expected, parsed, error) ||
      !record_keyed (self, user, &row, STEP_RESOLUTION, fields, parsed, clean_note, error))
    goto fail;

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      g_autofree char *ruling = NULL;

      if (!g_hash_table_contains (expected, field->code))
        continue;
      ruling = catd_value_to_string (g_hash_table_lookup (parsed, field->code));
      if (!set_field (self, row.id, field->code, "settled", ruling, error))
        goto fail;
    }

  if (!_catd_station_finish_acta (self, row.id, error))
    goto fail;
  return commit_step (self, &row, CATD_ACTA_VERIFIED,
                      result_new (row.clave_acta, 5, CATD_CAPTURE_VERIFIED, NULL), error);

fail:
  catd_store_rollback (self->store);
  return NULL;
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
