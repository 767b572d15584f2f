/* catd-station-query.c - what the station tells: show, status, export, checks
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-audit.h"
#include "catd-counting.h"
#include "catd-errors.h"
#include "catd-export.h"
#include "catd-station-private.h"

#define LOCKED_BLOCK g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex)

static void
member_string (JsonBuilder *builder,
               const char  *name,
               const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
member_time (JsonBuilder *builder,
             const char  *name,
             const char  *iso)
{
  g_autofree char *local = catd_time_to_mexico (iso);

  member_string (builder, name, local);
}

static void
member_int (JsonBuilder *builder,
            const char  *name,
            gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

/* Adds @values as a JSON object of code to value, in acta order. */
static void
add_values_object (JsonBuilder *builder,
                   GPtrArray   *fields,
                   GHashTable  *values)
{
  json_builder_begin_object (builder);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      CatdValue value;

      if (!catd_value_from_string (g_hash_table_lookup (values, field->code), &value))
        continue;
      json_builder_set_member_name (builder, field->code);
      catd_value_to_json (&value, builder);
    }
  json_builder_end_object (builder);
}

/* The codes @user is asked to key next for this acta (a set, possibly
 * empty), from the acta's @pending codes. */
static GHashTable *
pending_for (CatdUser    *user,
             CatdActaRow *row,
             const char  *pending)
{
  const char *login = catd_user_get_login (user);
  CatdRole role = catd_user_get_role (user);
  gboolean mine;

  mine = (row->state == CATD_ACTA_REKEY && g_strcmp0 (row->pass2_user, login) == 0) ||
         (row->state == CATD_ACTA_ARBITRATION &&
          (role == CATD_ROLE_VERIFICADOR || role == CATD_ROLE_COORDINADOR) &&
          g_strcmp0 (row->pass1_user, login) != 0 && g_strcmp0 (row->pass2_user, login) != 0) ||
         (row->state == CATD_ACTA_COORDINATOR && role == CATD_ROLE_COORDINADOR);
  return catd_codes_parse (mine ? pending : NULL);
}

/**
 * catd_station_show:
 *
 * What @user may know of an acta, as a JSON object. Everyone sees its
 * identity, stage, times and image, the fields they are asked to key next
 * (codes only) and the values they keyed themselves. Only a coordinador
 * sees everyone's keyed values, the settled values and the count, and only
 * once arbitration is over (state coordinator, or final): this is what
 * keeps double capture and arbitration blind.
 */
JsonNode *
catd_station_show (CatdStation  *self,
                   CatdUser     *user,
                   const char   *clave_acta,
                   GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GHashTable) settled = NULL;
  g_autoptr(GHashTable) waiting = NULL;
  gboolean coordinator;
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!_catd_station_require_role (user, ~0u, "looking at an acta", error) ||
      !_catd_station_load_acta (self, clave_acta, &row, error))
    return NULL;
  if (row.contest != 0 && !(fields = _catd_station_contest_fields (self, row.contest, error)))
    return NULL;
  /* Even a coordinador sees keyed values only once they are theirs to rule
   * on: a coordinador may also be the blind third person of arbitration. */
  coordinator = catd_user_get_role (user) == CATD_ROLE_COORDINADOR &&
                (row.state == CATD_ACTA_COORDINATOR || catd_acta_state_is_settled (row.state));

  stmt = catd_store_prepare (self->store,
                             "SELECT coalesce (ca.casilla, '-'), a.tipo_documento, a.traslado, "
                             "a.sin_acta_reason, a.acopio_at, a.captura_at, a.verificacion_at, "
                             "a.digitalizacion, a.registered_by, a.total_calculado, "
                             "a.contabilizada, a.observaciones, a.cotejada, a.settled, a.pending "
                             "FROM acta a LEFT JOIN catalog_acta ca "
                             "ON ca.clave_acta = a.catalog_acta WHERE a.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, row.id);
  if (catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return NULL;
    }

  json_builder_begin_object (builder);
  member_string (builder, "clave_acta", row.clave_acta);
  member_string (builder, "clave_casilla", catd_column_text (stmt, 0));
  member_string (builder, "election", row.election);
  member_string (builder, "state", catd_acta_state_to_string (row.state));
  json_builder_set_member_name (builder, "fuera_de_catalogo");
  json_builder_add_boolean_value (builder, row.contest == 0);
  member_string (builder, "tipo_documento", catd_column_text (stmt, 1));
  member_string (builder, "mecanismo_traslado", catd_column_text (stmt, 2));
  member_string (builder, "sin_acta_reason", catd_column_text (stmt, 3));
  member_string (builder, "registered_by", catd_column_text (stmt, 8));
  member_time (builder, "fecha_hora_acopio", catd_column_text (stmt, 4));
  member_time (builder, "fecha_hora_captura", catd_column_text (stmt, 5));
  member_time (builder, "fecha_hora_verificacion", catd_column_text (stmt, 6));
  member_string (builder, "image_sha256", row.image_sha256);
  member_string (builder, "digitalizacion", catd_column_text (stmt, 7));
  member_int (builder, "revision", row.revision);
  if (coordinator && catd_acta_state_is_settled (row.state))
    {
      member_int (builder, "total_votos_calculado", sqlite3_column_int64 (stmt, 9));
      member_int (builder, "contabilizada", sqlite3_column_int (stmt, 10));
      member_string (builder, "observaciones", catd_column_text (stmt, 11));
      member_int (builder, "cotejada", sqlite3_column_int (stmt, 12));
    }
  settled = catd_values_parse (catd_column_text (stmt, 13));
  waiting = catd_codes_parse (catd_column_text (stmt, 14));
  pending = pending_for (user, &row, catd_column_text (stmt, 14));
  sqlite3_reset (stmt);

  json_builder_set_member_name (builder, "fields");
  json_builder_begin_array (builder);
  for (guint i = 0; fields && i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      json_builder_begin_object (builder);
      member_string (builder, "code", field->code);
      member_string (builder, "label", field->label);
      member_string (builder, "kind", catd_field_kind_to_string (field->kind));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "pending_fields");
  json_builder_begin_array (builder);
  for (guint i = 0; fields && i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      if (g_hash_table_contains (pending, field->code))
        json_builder_add_string_value (builder, field->code);
    }
  json_builder_end_array (builder);

  if (fields != NULL)
    {
      g_autoptr(GHashTable) mine = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      int rc;

      /* Keyings in order: a user's own values are their latest for each
       * field; the coordinador sees every keying. */
      stmt = catd_store_prepare (self->store, "SELECT step, login, keyed_at, \"values\" "
                                 "FROM keying WHERE acta = ? ORDER BY id", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, row.id);
      if (coordinator)
        {
          json_builder_set_member_name (builder, "keyed");
          json_builder_begin_array (builder);
        }
      while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
        {
          g_autoptr(GHashTable) keyed = catd_values_parse (catd_column_text (stmt, 3));

          if (g_strcmp0 (catd_column_text (stmt, 1), catd_user_get_login (user)) == 0)
            {
              GHashTableIter iter;
              gpointer code, value;

              g_hash_table_iter_init (&iter, keyed);
              while (g_hash_table_iter_next (&iter, &code, &value))
                g_hash_table_insert (mine, g_strdup (code), g_strdup (value));
            }
          if (coordinator)
            {
              json_builder_begin_object (builder);
              member_string (builder, "step", catd_column_text (stmt, 0));
              member_string (builder, "login", catd_column_text (stmt, 1));
              member_time (builder, "at", catd_column_text (stmt, 2));
              json_builder_set_member_name (builder, "values");
              add_values_object (builder, fields, keyed);
              json_builder_end_object (builder);
            }
        }
      sqlite3_reset (stmt);
      if (rc == 0)
        return NULL;
      if (coordinator)
        json_builder_end_array (builder);

      json_builder_set_member_name (builder, "my_values");
      add_values_object (builder, fields, mine);
    }

  if (coordinator && fields != NULL)
    {
      json_builder_set_member_name (builder, "field_status");
      json_builder_begin_object (builder);
      for (guint i = 0; i < fields->len && (settled != NULL); i++)
        {
          const CatdField *field = g_ptr_array_index (fields, i);

          if (g_hash_table_contains (settled, field->code))
            member_string (builder, field->code, "settled");
          else if (g_hash_table_contains (waiting, field->code))
            member_string (builder, field->code, catd_acta_state_to_string (row.state));
        }
      json_builder_end_object (builder);

      json_builder_set_member_name (builder, "settled_values");
      add_values_object (builder, fields, settled);
    }

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/**
 * catd_station_status:
 *
 * Counts per stage, the upload queue and per-user statistics, as a JSON
 * object. Reveals no values. Costs a handful of indexed queries whatever the
 * size of the election.
 */
JsonNode *
catd_station_status (CatdStation  *self,
                     GError      **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  gint64 counts[CATD_ACTA_STATE_LAST + 1] = { 0 };
  gint64 settled = 0, registered = 0;
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  json_builder_begin_object (builder);
  member_string (builder, "station_id", catd_station_get_id (self));

  stmt = catd_store_prepare (self->store, "SELECT n_actas FROM catalog", error);
  if (stmt == NULL || catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      if (stmt != NULL)
        sqlite3_reset (stmt);
      if (error && *error == NULL)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                     "the station has no catalog");
      return NULL;
    }
  member_int (builder, "actas_esperadas", sqlite3_column_int64 (stmt, 0));
  sqlite3_reset (stmt);

  stmt = catd_store_prepare (self->store, "SELECT state, count(*) FROM acta GROUP BY state",
                             error);
  if (stmt == NULL)
    return NULL;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      CatdActaState state;

      if (catd_acta_state_from_string (catd_column_text (stmt, 0), &state))
        counts[state] = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;

  json_builder_set_member_name (builder, "states");
  json_builder_begin_object (builder);
  for (CatdActaState s = CATD_ACTA_REGISTERED; s <= CATD_ACTA_STATE_LAST; s++)
    {
      member_int (builder, catd_acta_state_to_string (s), counts[s]);
      registered += counts[s];
      if (catd_acta_state_is_settled (s))
        settled += counts[s];
    }
  json_builder_end_object (builder);
  member_int (builder, "registered", registered);
  member_int (builder, "settled", settled);

  json_builder_set_member_name (builder, "queue");
  json_builder_begin_object (builder);
  /* Pending rows through the index; the rest by count alone. */
  stmt = catd_store_prepare (self->store,
                             "SELECT "
                             "(SELECT count(*) FILTER (WHERE kind = 'image') FROM outbox "
                             " WHERE state = 'pending'), "
                             "(SELECT count(*) FILTER (WHERE kind = 'record') FROM outbox "
                             " WHERE state = 'pending'), "
                             "(SELECT count(*) FROM outbox WHERE state = 'sent'), "
                             "(SELECT count(*) FROM outbox WHERE state = 'dead')", error);
  if (stmt == NULL || catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    return NULL;
  member_int (builder, "pending", sqlite3_column_int64 (stmt, 0) + sqlite3_column_int64 (stmt, 1));
  member_int (builder, "pending_images", sqlite3_column_int64 (stmt, 0));
  member_int (builder, "pending_records", sqlite3_column_int64 (stmt, 1));
  member_int (builder, "sent", sqlite3_column_int64 (stmt, 2));
  member_int (builder, "dead", sqlite3_column_int64 (stmt, 3));
  sqlite3_reset (stmt);

  /* The dead letters a coordinador must look at: what the central site
   * refused, and what it said. */
  json_builder_set_member_name (builder, "dead_letters");
  json_builder_begin_array (builder);
  stmt = catd_store_prepare (self->store, "SELECT kind, ref, last_error FROM outbox "
                             "WHERE state = 'dead' ORDER BY id LIMIT 50", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      member_string (builder, "kind", catd_column_text (stmt, 0));
      member_string (builder, "ref", catd_column_text (stmt, 1));
      member_string (builder, "error", catd_column_text (stmt, 2));
      json_builder_end_object (builder);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;
  json_builder_end_array (builder);
  {
    g_autofree char *offset = catd_store_get_meta (self->store, "clock_offset_ms");

    if (offset != NULL)
      member_int (builder, "clock_offset_ms", g_ascii_strtoll (offset, NULL, 10));
  }
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "users");
  json_builder_begin_array (builder);
  stmt = catd_store_prepare (self->store,
                             "SELECT u.login, u.name, u.role, coalesce (s.fields_keyed, 0), "
                             "coalesce (s.fields_lost, 0), coalesce (s.actas_keyed, 0), "
                             "s.first_at, s.last_at FROM user u "
                             "LEFT JOIN user_stats s ON s.login = u.login ORDER BY u.login",
                             error);
  if (stmt == NULL)
    return NULL;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      gint64 keyed = sqlite3_column_int64 (stmt, 3);
      gint64 lost = sqlite3_column_int64 (stmt, 4);
      gint64 actas = sqlite3_column_int64 (stmt, 5);
      gint64 first = 0, last = 0;
      double hours;

      /* A rate over the user's working span, at least a quarter of an hour
       * so that the first two actas do not read as hundreds per hour. */
      catd_time_from_iso (catd_column_text (stmt, 6), &first);
      catd_time_from_iso (catd_column_text (stmt, 7), &last);
      hours = MAX ((double)(last - first) / G_USEC_PER_SEC / 3600.0, 0.25);

      json_builder_begin_object (builder);
      member_string (builder, "login", catd_column_text (stmt, 0));
      member_string (builder, "name", catd_column_text (stmt, 1));
      member_string (builder, "role", catd_column_text (stmt, 2));
      member_int (builder, "fields_keyed", keyed);
      member_int (builder, "errors", lost);
      json_builder_set_member_name (builder, "errors_per_1000_fields");
      json_builder_add_double_value (builder, keyed ? (double)((lost * 10000) / keyed) / 10.0 : 0);
      member_int (builder, "actas_keyed", actas);
      json_builder_set_member_name (builder, "actas_per_hour");
      json_builder_add_double_value (builder, actas ? (double)(gint64)(actas / hours * 10) / 10.0
                                                    : 0);
      json_builder_end_object (builder);
    }
  sqlite3_reset (stmt);
  json_builder_end_array (builder);
  if (rc == 0)
    return NULL;

  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The catalog's election ids in catalog order, or NULL with @error set. */
GStrv
catd_station_list_elections (CatdStation  *self,
                             GError      **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  stmt = catd_store_prepare (self->store, "SELECT id FROM election ORDER BY position", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_strv_builder_add (builder, catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc == 0 ? NULL : g_strv_builder_end (builder);
}

/**
 * catd_station_export_prep_csv:
 *
 * The prep-csv file of @election as of now (coordinador only).
 */
char *
catd_station_export_prep_csv (CatdStation  *self,
                              CatdUser     *user,
                              const char   *election,
                              char          delimiter,
                              GError      **error)
{
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR), "exporting",
                                   error))
    return NULL;
  return catd_export_prep_csv (self->store, election, delimiter, catd_store_now (self->store),
                               error);
}

/* The audit log holds every keyed value: coordinador only. */
gboolean
catd_station_audit_export (CatdStation    *self,
                           CatdUser       *user,
                           GOutputStream  *out,
                           GError        **error)
{
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "exporting the audit log", error))
    return FALSE;
  return catd_audit_export (self->store, out, error);
}

/* Runs a read-only check in one read transaction: one snapshot of the
 * database, however many statements, while other processes write. */
static gboolean
in_snapshot (CatdStation  *self,
             gboolean    (*check) (CatdStation *self, gpointer data, GError **error),
             gpointer      data,
             GError      **error)
{
  gboolean ok;

  if (!catd_store_exec_sql (self->store, "BEGIN", error))
    return FALSE;
  ok = check (self, data, error);
  catd_store_rollback (self->store);
  return ok;
}

static gboolean
verify_cb (CatdStation  *self,
           gpointer      data,
           GError      **error)
{
  return catd_audit_verify (self->store, data, error);
}

gboolean
catd_station_audit_verify (CatdStation  *self,
                           gint64       *n_rows,
                           GError      **error)
{
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  return in_snapshot (self, verify_cb, n_rows, error);
}

/* Runs a consistency query whose rows are problems; the first becomes the
 * error. */
static gboolean
no_rows (CatdStation  *self,
         const char   *sql,
         const char   *what,
         GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT, "%s: %s", what,
                 catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

/* The database part of catd_station_check(), in one snapshot: fills @data
 * (a GHashTable) with the address of every image a row names. */
static gboolean
check_cb (CatdStation  *self,
          gpointer      data,
          GError      **error)
{
  GHashTable *known = data;

  sqlite3_stmt *stmt;
  int rc;

  stmt = catd_store_prepare (self->store, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW && g_strcmp0 (catd_column_text (stmt, 0), "ok") != 0)
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                   "the station database is damaged: %s", catd_column_text (stmt, 0));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;

  if (!no_rows (self, "SELECT \"table\" || ' row ' || rowid FROM pragma_foreign_key_check",
                "a row points at nothing", error) ||
      !no_rows (self,
                "SELECT a.clave_acta FROM acta a WHERE a.catalog_acta IS NOT NULL AND "
                "a.state NOT IN ('registered', 'digitized', 'sin_acta') AND NOT EXISTS "
                "(SELECT 1 FROM keying k WHERE k.acta = a.id AND k.step = 'pass1')",
                "an acta past its first capture has no first capture on record", error) ||
      !no_rows (self,
                "SELECT a.clave_acta FROM acta a JOIN catalog_acta ca "
                "ON ca.clave_acta = a.catalog_acta JOIN keying k ON k.acta = a.id "
                "WHERE k.step IN ('pass1', 'pass2') AND "
                "(SELECT count(*) FROM json_each (k.\"values\")) != "
                "5 + (SELECT count(*) FROM contest_field f WHERE f.contest = ca.contest)",
                "a capture of an acta lacks some of its fields", error) ||
      !no_rows (self,
                "SELECT a.clave_acta FROM acta a JOIN catalog_acta ca "
                "ON ca.clave_acta = a.catalog_acta "
                "WHERE a.state IN ('rekey', 'arbitration', 'coordinator', 'verified') AND "
                "(SELECT count(*) FROM json_each (a.settled)) + "
                "(SELECT count(*) FROM json_each (a.pending)) "
                "!= 5 + (SELECT count(*) FROM contest_field f WHERE f.contest = ca.contest)",
                "an acta past its second capture lacks the state of some field", error) ||
      !no_rows (self,
                "SELECT a.clave_acta FROM acta a WHERE a.state = 'verified' AND "
                "json_array_length (a.pending) != 0",
                "a verified acta has unsettled fields", error) ||
      !no_rows (self,
                "SELECT a.clave_acta FROM acta a WHERE a.state IN ('verified', 'sin_acta', "
                "'fuera_de_catalogo') AND NOT EXISTS (SELECT 1 FROM record r WHERE r.acta = a.id)",
                "a final acta has no record to upload", error) ||
      !no_rows (self,
                "SELECT r.record_id FROM record r LEFT JOIN outbox o "
                "ON o.kind = 'record' AND o.ref = r.record_id WHERE o.id IS NULL",
                "a record is missing from the upload queue", error) ||
      !no_rows (self,
                "SELECT a.clave_acta FROM acta a WHERE a.state = 'digitized' AND "
                "a.image_sha256 IS NULL", "a digitized acta has no image", error))
    return FALSE;

  stmt = catd_store_prepare (self->store, "SELECT sha256 FROM image", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_hash_table_add (known, g_strdup (catd_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  return rc != 0;
}

/**
 * catd_station_check:
 * @warnings: (out) (optional): things worth knowing that are not failures
 *
 * Checks the database's integrity and foreign keys, that every acta's state
 * agrees with what was keyed and queued, and that every stored image is
 * present and hashes to its address. Returns %FALSE on the first failure
 * (%CATD_STORE_ERROR_CORRUPT or %CATD_IMAGE_ERROR_INTEGRITY). Images on disk
 * that no row names are reported in @warnings, never deleted. Reads every
 * image: seconds per gigabyte.
 */
gboolean
catd_station_check (CatdStation  *self,
                    GPtrArray   **warnings,
                    GError      **error)
{
  g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) on_disk = NULL;
  const char *images_dir;
  GHashTableIter iter;
  gpointer sha;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  images_dir = catd_store_get_images_dir (self->store);
  {
    LOCKED_BLOCK;

    if (!in_snapshot (self, check_cb, known, error))
      return FALSE;
  }

  /* Hashing every image takes a while: it holds neither the station nor a
   * read transaction (which would keep the WAL from being checkpointed).
   * Images are never rewritten, so what was named in the snapshot is what
   * must be on disk. */
  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &sha, NULL))
    if (!catd_image_verify (images_dir, sha, error))
      return FALSE;

  on_disk = catd_image_list_stored (images_dir);
  for (guint i = 0; i < on_disk->len; i++)
    if (!g_hash_table_contains (known, g_ptr_array_index (on_disk, i)))
      g_ptr_array_add (notes, g_strdup_printf ("image %s is stored but no acta names it "
                                               "(left in place)",
                                               (char *)g_ptr_array_index (on_disk, i)));
  if (self->removed_temp_files > 0)
    g_ptr_array_add (notes, g_strdup_printf ("removed %u unfinished image file(s) left by an "
                                             "interrupted scan or import",
                                             self->removed_temp_files));

  if (warnings)
    *warnings = g_steal_pointer (&notes);
  return TRUE;
}

/* ---- Coordination ------------------------------------------------------------------------ */

/* The text that sorts after every text beginning with a prefix P is P
 * followed by the last code point: prefix searches use the index on the
 * column through ">= P AND < P || char (1114111)". */
#define PREFIX_END "char (1114111)"

void
catd_election_progress_free (CatdElectionProgress *progress)
{
  if (progress == NULL)
    return;
  g_free (progress->election);
  g_free (progress->nombre);
  g_free (progress);
}

static gboolean
progress_cb (CatdStation  *self,
             gpointer      data,
             GError      **error)
{
  GPtrArray *elections = data;
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3_stmt *stmt;
  int rc;

  stmt = catd_store_prepare (self->store,
                             "SELECT e.id, e.nombre, (SELECT count(*) FROM catalog_acta ca "
                             "WHERE ca.election = e.id) FROM election e ORDER BY e.position",
                             error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      CatdElectionProgress *progress = g_new0 (CatdElectionProgress, 1);

      progress->election = g_strdup (catd_column_text (stmt, 0));
      progress->nombre = g_strdup (catd_column_text (stmt, 1));
      progress->esperadas = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (elections, progress);
      g_hash_table_insert (by_id, progress->election, progress);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;

  /* From the index on (state, contabilizada, election) alone. A catalog
   * acta has an image from digitized on, and its pass 1 from captured_1 on
   * (a sin acta has neither): the stages are read off the states. */
  stmt = catd_store_prepare (self->store,
                             "SELECT state, contabilizada, election, count(*) FROM acta "
                             "GROUP BY state, contabilizada, election", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      CatdElectionProgress *progress = g_hash_table_lookup (by_id, catd_column_text (stmt, 2));
      gint64 n = sqlite3_column_int64 (stmt, 3);
      CatdActaState state;

      if (progress == NULL || !catd_acta_state_from_string (catd_column_text (stmt, 0), &state))
        continue;
      progress->states[state] += n;
      switch (state)
        {
        case CATD_ACTA_FUERA_DE_CATALOGO:
          progress->fuera_de_catalogo += n;
          continue;
        case CATD_ACTA_SIN_ACTA:
          progress->sin_acta += n;
          break;
        case CATD_ACTA_VERIFIED:
          progress->verified += n;
          if (sqlite3_column_int (stmt, 1) == 1)
            progress->contabilizadas += n;
          G_GNUC_FALLTHROUGH;
        case CATD_ACTA_CAPTURED_1:
        case CATD_ACTA_REKEY:
        case CATD_ACTA_ARBITRATION:
        case CATD_ACTA_COORDINATOR:
          progress->captured += n;
          G_GNUC_FALLTHROUGH;
        case CATD_ACTA_DIGITIZED:
          progress->digitized += n;
          break;
        case CATD_ACTA_REGISTERED:
        default:
          break;
        }
      progress->registered += n;
    }
  sqlite3_reset (stmt);
  return rc != 0;
}

/**
 * catd_station_progress:
 *
 * Every election of the catalog, in catalog order, with its actas
 * esperadas and how many of them reached each stage (a
 * #GPtrArray of #CatdElectionProgress). One snapshot; reads an index of the
 * acta table (a few milliseconds for a state's election).
 */
GPtrArray *
catd_station_progress (CatdStation  *self,
                       GError      **error)
{
  g_autoptr(GPtrArray) elections = NULL;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  elections = g_ptr_array_new_with_free_func ((GDestroyNotify)catd_election_progress_free);
  if (!in_snapshot (self, progress_cb, elections, error))
    return NULL;
  return g_steal_pointer (&elections);
}

void
catd_throughput_free (CatdThroughput *throughput)
{
  if (throughput == NULL)
    return;
  for (guint s = 0; s < CATD_N_STAGES; s++)
    g_free (throughput->counts[s]);
  g_free (throughput);
}

const char *
catd_stage_to_string (CatdStage stage)
{
  static const char *names[] = { "acopio", "digitalizacion", "captura", "verificacion" };

  g_return_val_if_fail (stage < CATD_N_STAGES, NULL);
  return names[stage];
}

/**
 * catd_station_throughput:
 * @hours: how far back to look, 1 to 72
 *
 * How many actas passed each stage in each quarter of an hour of the last
 * @hours hours, from the times the engine keeps: acopio and captura (pass 1)
 * from the acta, digitalización from the first image bound to it (a
 * re-scan is not counted again), verificación from the time the values of
 * a verified acta were settled (sin acta and fuera de catálogo are settled
 * at registration and counted only under acopio). Times ahead of the
 * station's clock are left out. Reads the counts kept per quarter of an
 * hour (stage_count, store migration 4): microseconds.
 */
CatdThroughput *
catd_station_throughput (CatdStation  *self,
                         guint         hours,
                         GError      **error)
{
  g_autoptr(CatdThroughput) throughput = NULL;
  sqlite3_stmt *stmt;
  gint64 now;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (hours < 1 || hours > 72)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "the throughput window must be 1 to 72 hours, not %u", hours);
      return NULL;
    }

  throughput = g_new0 (CatdThroughput, 1);
  throughput->n_buckets = hours * 4;
  now = catd_store_now (self->store);
  throughput->start = (now / CATD_THROUGHPUT_BUCKET_USEC - (throughput->n_buckets - 1)) *
                      CATD_THROUGHPUT_BUCKET_USEC;
  for (guint s = 0; s < CATD_N_STAGES; s++)
    throughput->counts[s] = g_new0 (guint, throughput->n_buckets);

  /* stage_count is kept by triggers (store migration 4): a few hundred
   * rows however many actas. */
  stmt = catd_store_prepare (self->store,
                             "SELECT stage, bucket - ?1, n FROM stage_count "
                             "WHERE bucket >= ?1 AND bucket < ?1 + ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, throughput->start / CATD_THROUGHPUT_BUCKET_USEC);
  sqlite3_bind_int64 (stmt, 2, throughput->n_buckets);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      const char *name = catd_column_text (stmt, 0);
      gint64 bucket = sqlite3_column_int64 (stmt, 1);
      guint n = sqlite3_column_int (stmt, 2);
      int stage = -1;

      for (CatdStage s = 0; s < CATD_N_STAGES; s++)
        if (g_strcmp0 (name, catd_stage_to_string (s)) == 0)
          stage = s;
      g_assert (stage >= 0 && bucket >= 0 && bucket < throughput->n_buckets);
      throughput->counts[stage][bucket] += n;
      throughput->totals[stage] += n;
      throughput->max = MAX (throughput->max, throughput->counts[stage][bucket]);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&throughput);
}

void
catd_inconsistency_free (CatdInconsistency *item)
{
  if (item == NULL)
    return;
  g_free (item->clave_acta);
  g_free (item->election);
  g_free (item->at);
  g_free (item->detail);
  g_free (item);
}

const char *
catd_inconsistency_reason_to_string (CatdInconsistencyReason reason)
{
  static const char *names[] = {
    NULL, "arbitration", "coordinator", "excede_lista_nominal", "todos_ilegibles",
    "todos_vacios", "fuera_de_catalogo", "sin_acta", "dead_image", "dead_record",
    "page_set_aside",
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == CATD_INCONSISTENCY_REASON_LAST + 1);
  g_return_val_if_fail (reason >= 1 && reason <= CATD_INCONSISTENCY_REASON_LAST, NULL);
  return names[reason];
}

/* The option spelling of a sin acta reason, from the label the acta keeps. */
static const char *
sin_acta_code (const char *label)
{
  for (CatdSinActaReason r = CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO; r <= CATD_SIN_ACTA_SIN_SOBRE; r++)
    if (g_strcmp0 (label, catd_sin_acta_reason_to_label (r)) == 0)
      return catd_sin_acta_reason_to_string (r);
  return label;
}

static CatdInconsistencyReason
reason_from_string (const char *code)
{
  for (CatdInconsistencyReason r = 1; r <= CATD_INCONSISTENCY_REASON_LAST; r++)
    if (g_strcmp0 (code, catd_inconsistency_reason_to_string (r)) == 0)
      return r;
  g_assert_not_reached ();
}

/* Each row of these queries is one inconsistency: reason (its string
 * form), clave, election, time, detail, ref. */
static gboolean
collect_inconsistencies (CatdStation  *self,
                         const char   *sql,
                         GPtrArray    *items,
                         GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      CatdInconsistency *item = g_new0 (CatdInconsistency, 1);

      item->reason = reason_from_string (catd_column_text (stmt, 0));
      item->clave_acta = g_strdup (catd_column_text (stmt, 1));
      item->election = g_strdup (catd_column_text (stmt, 2));
      item->at = g_strdup (catd_column_text (stmt, 3));
      if (item->reason == CATD_INCONSISTENCY_SIN_ACTA)
        item->detail = g_strdup (sin_acta_code (catd_column_text (stmt, 4)));
      else
        item->detail = g_strdup (catd_column_text (stmt, 4));
      item->ref = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (items, item);
    }
  sqlite3_reset (stmt);
  return rc != 0;
}

static gboolean
inconsistencies_cb (CatdStation  *self,
                    gpointer      data,
                    GError      **error)
{
  GPtrArray *items = data;

  /* Actas waiting for someone: since their last keying. */
  return collect_inconsistencies (self,
           "SELECT state, clave_acta, election, "
           "(SELECT max (keyed_at) FROM keying k WHERE k.acta = acta.id), NULL, 0 "
           "FROM acta WHERE state IN ('arbitration', 'coordinator') ORDER BY state, clave_acta",
           items, error) &&
         /* Verified but not counted (DESIGN §5 rules 2 and 3). */
         collect_inconsistencies (self,
           "SELECT CASE observaciones WHEN 'Excede lista nominal' THEN 'excede_lista_nominal' "
           "WHEN 'Todos los campos vacíos' THEN 'todos_vacios' ELSE 'todos_ilegibles' END, "
           "clave_acta, election, verificacion_at, NULL, 0 FROM acta "
           "WHERE state = 'verified' AND contabilizada = 0 ORDER BY 1, clave_acta",
           items, error) &&
         collect_inconsistencies (self,
           "SELECT state, clave_acta, election, "
           "acopio_at, sin_acta_reason, 0 FROM acta "
           "WHERE state IN ('sin_acta', 'fuera_de_catalogo') ORDER BY state, clave_acta",
           items, error) &&
         /* What the central site refused: the acta each row uploads. */
         collect_inconsistencies (self,
           "SELECT 'dead_image', a.clave_acta, a.election, "
           "o.created_at, o.last_error, o.id FROM outbox o "
           "LEFT JOIN acta_image ai ON ai.id = (SELECT min (id) FROM acta_image "
           " WHERE sha256 = o.ref) "
           "LEFT JOIN acta a ON a.id = ai.acta "
           "WHERE o.state = 'dead' AND o.kind = 'image' "
           "UNION ALL "
           "SELECT 'dead_record', a.clave_acta, a.election, "
           "o.created_at, o.last_error, o.id FROM outbox o "
           "LEFT JOIN record r ON r.record_id = o.ref LEFT JOIN acta a ON a.id = r.acta "
           "WHERE o.state = 'dead' AND o.kind = 'record' ORDER BY 6",
           items, error) &&
         /* Scanned pages that were not stored, unless the page was a blank
          * back, was scanned again at once, or the acta its label names has
          * an image by now. */
         collect_inconsistencies (self,
           "SELECT 'page_set_aside', au.clave_acta, "
           "(SELECT election FROM acta a WHERE a.clave_acta = au.clave_acta), au.at, "
           "json_extract (au.detail, '$.verdict'), au.seq FROM audit au "
           "WHERE au.action = 'digitalizacion.page_set_aside' "
           "AND coalesce (json_extract (au.detail, '$.decision'), '') "
           "  NOT IN ('blank_back', 'rescan') "
           "AND NOT EXISTS (SELECT 1 FROM acta a WHERE a.clave_acta = au.clave_acta "
           "  AND a.image_sha256 IS NOT NULL) ORDER BY au.seq",
           items, error);
}

/**
 * catd_station_inconsistencies:
 *
 * What the coordinador must look at, as a #GPtrArray of
 * #CatdInconsistency grouped by reason: actas waiting for arbitration or
 * for the coordinador; verified actas not counted (excede lista nominal,
 * every vote field illegible or empty); sin acta and fuera de catálogo;
 * uploads the central site refused (dead letters), with its answer; and
 * scanned pages that were set aside and whose acta still has no image.
 * Reveals no value. One snapshot.
 */
GPtrArray *
catd_station_inconsistencies (CatdStation  *self,
                              GError      **error)
{
  g_autoptr(GPtrArray) items = NULL;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  items = g_ptr_array_new_with_free_func ((GDestroyNotify)catd_inconsistency_free);
  if (!in_snapshot (self, inconsistencies_cb, items, error))
    return NULL;
  return g_steal_pointer (&items);
}

void
catd_acta_match_free (CatdActaMatch *match)
{
  if (match == NULL)
    return;
  g_free (match->clave_acta);
  g_free (match->clave_casilla);
  g_free (match->election);
  g_free (match->acopio_at);
  g_free (match);
}

/**
 * catd_station_search_actas:
 * @text: the beginning of a CLAVE_ACTA or CLAVE_CASILLA (any case, spaces
 *   around ignored), or a sección number (one to four digits)
 * @limit: at most this many (0: 100)
 *
 * The actas, registered or only expected by the catalog, whose key begins
 * with @text (a CLAVE_CASILLA is the beginning of its actas' keys), or
 * that belong to the casillas of sección @text; fuera de catálogo actas
 * by the key they were registered with. In key order, as a #GPtrArray of
 * #CatdActaMatch. Uses the key indexes; a sección reads the casillas.
 */
GPtrArray *
catd_station_search_actas (CatdStation  *self,
                           const char   *text,
                           guint         limit,
                           GError      **error)
{
  g_autoptr(GPtrArray) matches = NULL;
  g_autofree char *key = NULL;
  gboolean seccion;
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  key = catd_normalize_clave (text);
  if (key == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "give the beginning of an acta's or casilla's key, or a sección number");
      return NULL;
    }
  seccion = strlen (key) <= 4 && strspn (key, "0123456789") == strlen (key);

  if (seccion)
    stmt = catd_store_prepare (self->store,
                               "SELECT ca.clave_acta, ca.casilla, ca.election, a.state, "
                               "a.acopio_at FROM casilla c "
                               /* A casilla's actas are the keys it begins. */
                               "JOIN catalog_acta ca ON ca.clave_acta >= c.clave "
                               "AND ca.clave_acta < c.clave || " PREFIX_END " "
                               "LEFT JOIN acta a ON a.clave_acta = ca.clave_acta "
                               "WHERE c.seccion = CAST (?1 AS INTEGER) "
                               "ORDER BY ca.clave_acta LIMIT ?2", error);
  else
    stmt = catd_store_prepare (self->store,
                               "SELECT clave_acta, casilla, election, state, acopio_at FROM ("
                               "SELECT ca.clave_acta, ca.casilla, ca.election, a.state, "
                               "a.acopio_at FROM catalog_acta ca "
                               "LEFT JOIN acta a ON a.clave_acta = ca.clave_acta "
                               "WHERE ca.clave_acta >= ?1 AND ca.clave_acta < ?1 || "
                               PREFIX_END " "
                               "UNION ALL "
                               "SELECT a.clave_acta, '-', a.election, a.state, a.acopio_at "
                               "FROM acta a WHERE a.clave_acta >= ?1 AND a.clave_acta < ?1 || "
                               PREFIX_END " AND a.catalog_acta IS NULL) "
                               "ORDER BY clave_acta LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, limit ? limit : 100);

  matches = g_ptr_array_new_with_free_func ((GDestroyNotify)catd_acta_match_free);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      CatdActaMatch *match = g_new0 (CatdActaMatch, 1);
      CatdActaState state = 0;

      match->clave_acta = g_strdup (catd_column_text (stmt, 0));
      match->clave_casilla = g_strdup (catd_column_text (stmt, 1));
      match->election = g_strdup (catd_column_text (stmt, 2));
      if (catd_column_text (stmt, 3) != NULL)
        catd_acta_state_from_string (catd_column_text (stmt, 3), &state);
      match->state = state;
      match->acopio_at = g_strdup (catd_column_text (stmt, 4));
      g_ptr_array_add (matches, match);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&matches);
}

void
catd_audit_entry_free (CatdAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->at);
  g_free (entry->login);
  g_free (entry->user_name);
  g_free (entry->action);
  g_free (entry->clave_acta);
  g_free (entry->detail);
  g_free (entry);
}

/* The columns every audit query below selects, in this order; the last
 * says whether the row's acta is still being captured or arbitrated, when
 * its keyed values stay blind (as in catd_audit_export ()). */
#define AUDIT_COLUMNS \
  "au.seq, au.at, au.login, u.name, au.action, au.clave_acta, au.detail, " \
  "coalesce ((SELECT a.state IN ('captured_1', 'rekey', 'arbitration') FROM acta a " \
  " WHERE a.clave_acta = au.clave_acta), 0) "
#define AUDIT_FROM "FROM audit au LEFT JOIN user u ON u.login = au.login "

static CatdAuditEntry *
audit_entry_from_row (sqlite3_stmt *stmt,
                      JsonParser   *parser)
{
  CatdAuditEntry *entry = g_new0 (CatdAuditEntry, 1);
  const char *detail = catd_column_text (stmt, 6);
  JsonNode *root;

  entry->seq = sqlite3_column_int64 (stmt, 0);
  entry->at = g_strdup (catd_column_text (stmt, 1));
  entry->login = g_strdup (catd_column_text (stmt, 2));
  entry->user_name = g_strdup (catd_column_text (stmt, 3));
  entry->action = g_strdup (catd_column_text (stmt, 4));
  entry->clave_acta = g_strdup (catd_column_text (stmt, 5));

  /* Only rows that record a keying hold values; the text test spares the
   * parse for every other row. */
  if (sqlite3_column_int (stmt, 7) && detail != NULL && strstr (detail, "\"values\"") != NULL &&
      json_parser_load_from_data (parser, detail, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "values"))
    {
      g_autoptr(JsonNode) copy = json_node_copy (root);

      json_object_remove_member (json_node_get_object (copy), "values");
      entry->detail = json_to_string (copy, FALSE);
      entry->withheld = TRUE;
    }
  else
    entry->detail = g_strdup (detail);
  return entry;
}

static GPtrArray *
collect_audit (CatdStation   *self,
               sqlite3_stmt  *stmt,
               guint          limit,
               gboolean      *more,
               GError       **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  int rc;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify)catd_audit_entry_free);
  if (more)
    *more = FALSE;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      if (limit > 0 && entries->len == limit)
        {
          if (more)
            *more = TRUE;
          rc = SQLITE_DONE;
          break;
        }
      g_ptr_array_add (entries, audit_entry_from_row (stmt, parser));
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&entries);
}

/**
 * catd_station_acta_history:
 *
 * Every audit row of @clave_acta, oldest first (a #GPtrArray of
 * #CatdAuditEntry): its registration, images, each keying with who keyed
 * it and the values keyed, arbitration and resolution, and any scanned
 * page whose label named it. Coordinador only; the keyed values of an acta
 * still being captured or arbitrated are withheld (the coordinador may be
 * its blind arbiter). An acta the station never heard of has an empty
 * history.
 */
GPtrArray *
catd_station_acta_history (CatdStation  *self,
                           CatdUser     *user,
                           const char   *clave_acta,
                           GError      **error)
{
  g_autofree char *key = NULL;
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "reading an acta's history", error))
    return NULL;
  key = catd_normalize_clave (clave_acta);
  if (key == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "\"%s\" is not an acta's key", clave_acta ? clave_acta : "");
      return NULL;
    }

  stmt = catd_store_prepare (self->store, "SELECT " AUDIT_COLUMNS AUDIT_FROM
                             "WHERE au.clave_acta = ? ORDER BY au.seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  return collect_audit (self, stmt, 0, NULL, error);
}

/**
 * catd_station_audit_page:
 * @query: which rows: by user, by action (or a family of actions, given
 *   as its prefix ending in '.'), older than a row
 * @more: (out) (optional): whether older rows match too
 *
 * One page of the audit log, newest first (a #GPtrArray of
 * #CatdAuditEntry); the next page is the one before the last row's seq.
 * Coordinador only; the keyed values of an acta still being captured or
 * arbitrated are withheld. Walks the log backwards from @before_seq until
 * the page is full.
 */
GPtrArray *
catd_station_audit_page (CatdStation           *self,
                         CatdUser              *user,
                         const CatdAuditQuery  *query,
                         gboolean              *more,
                         GError               **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT " AUDIT_COLUMNS AUDIT_FROM "WHERE au.seq < ?1");
  sqlite3_stmt *stmt;
  gboolean family;
  guint limit;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "reading the audit log", error))
    return NULL;

  /* One statement per combination of filters (a handful, each cached), so
   * that each is planned for what it filters on. */
  family = query->action != NULL && g_str_has_suffix (query->action, ".");
  if (query->login != NULL)
    g_string_append (sql, " AND au.login = ?2");
  if (query->action != NULL && family)
    g_string_append (sql, " AND au.action >= ?3 AND au.action < ?3 || " PREFIX_END);
  else if (query->action != NULL)
    g_string_append (sql, " AND au.action = ?3");
  g_string_append (sql, " ORDER BY au.seq DESC LIMIT ?4");

  stmt = catd_store_prepare (self->store, sql->str, error);
  if (stmt == NULL)
    return NULL;
  limit = query->limit ? query->limit : 100;
  sqlite3_bind_int64 (stmt, 1, query->before_seq > 0 ? query->before_seq : G_MAXINT64);
  if (query->login != NULL)
    sqlite3_bind_text (stmt, 2, query->login, -1, SQLITE_STATIC);
  if (query->action != NULL)
    sqlite3_bind_text (stmt, 3, query->action, -1, SQLITE_STATIC);
  /* One more row than the page tells whether there are older ones. */
  sqlite3_bind_int64 (stmt, 4, (gint64)limit + 1);
  return collect_audit (self, stmt, limit, more, error);
}

/**
 * catd_station_get_central:
 * @central_url: (out) (optional): the central site's URL, or %NULL when none
 * @token_file: (out) (optional): the file holding the station's token, or %NULL
 * @ca_file: (out) (optional): the CA file the site's certificate must chain
 *   to, or %NULL for the system's
 *
 * The central site the station uploads to, as `catdctl init` (or the
 * preferences) configured it. Each call reads the database, so a changed
 * setting is seen at once.
 */
gboolean
catd_station_get_central (CatdStation  *self,
                          char        **central_url,
                          char        **token_file,
                          char        **ca_file,
                          GError      **error)
{
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ca = NULL;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (!catd_store_lookup_meta (self->store, "central_url", &url, error) ||
      !catd_store_lookup_meta (self->store, "token_file", &token, error) ||
      !catd_store_lookup_meta (self->store, "ca_file", &ca, error))
    return FALSE;
  if (central_url)
    *central_url = g_steal_pointer (&url);
  if (token_file)
    *token_file = g_steal_pointer (&token);
  if (ca_file)
    *ca_file = g_steal_pointer (&ca);
  return TRUE;
}
