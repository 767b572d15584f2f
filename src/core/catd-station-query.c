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
