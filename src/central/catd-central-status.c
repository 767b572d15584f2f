/* catd-central-status.c - the coordinators' status page of the central site
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-central-private.h"
#include "catd-errors.h"
#include "catd-time.h"

/* One HTML page, no script, read-only: what each station has sent, when it
 * last called, how much it still has queued, and every conflict between
 * stations. Coordinators at the central site read Spanish, so the page is
 * written in Spanish (the engine has no message catalog yet). Every text
 * that comes from a station or the catalog is escaped: a station id, a
 * CLAVE_ACTA fuera de catálogo or a heartbeat is input from the network. */

/* Conflicts listed on the page; the rest are counted. */
#define MAX_CONFLICTS_SHOWN 500

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text ? text : "", -1);

  g_string_append (out, escaped);
}

static void
append_cell (GString    *out,
             const char *text)
{
  g_string_append (out, "<td>");
  append_escaped (out, text);
  g_string_append (out, "</td>");
}

static void
append_int_cell (GString *out,
                 gint64   value)
{
  g_string_append_printf (out, "<td class=\"n\">%" G_GINT64_FORMAT "</td>", value);
}

/* A stored time as central Mexico time, or a dash. */
static void
append_time_cell (GString    *out,
                  const char *iso)
{
  g_autofree char *shown = catd_time_to_mexico (iso);

  append_cell (out, shown ? shown : "—");
}

static gint64
count_of (CatdCentral  *self,
          const char   *sql,
          GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, sql, error);
  gint64 n = -1;

  if (stmt == NULL)
    return -1;
  if (catd_store_step (self->store, stmt, error) == SQLITE_ROW)
    n = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return n;
}

static gboolean
append_summary (CatdCentral  *self,
                GString      *out,
                gint64       *n_conflicts,
                GError      **error)
{
  static const struct { const char *label; const char *sql; } rows[] = {
    { "Actas esperadas", "SELECT count(*) FROM catalog_acta" },
    { "Actas recibidas", "SELECT count(*) FROM central_acta" },
    { "Registros recibidos (todas las revisiones)", "SELECT count(*) FROM central_record" },
    { "Imágenes", "SELECT count(*) FROM image" },
    { "Conflictos", "SELECT count(*) FROM central_conflict" },
  };

  g_string_append (out, "<h2>Resumen</h2>\n<table>\n");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      gint64 n = count_of (self, rows[i].sql, error);

      if (n < 0)
        return FALSE;
      if (i == G_N_ELEMENTS (rows) - 1)
        *n_conflicts = n;
      g_string_append (out, "<tr><th>");
      append_escaped (out, rows[i].label);
      g_string_append (out, "</th>");
      append_int_cell (out, n);
      g_string_append (out, "</tr>\n");
    }
  g_string_append (out, "</table>\n");
  return TRUE;
}

static gboolean
append_stations (CatdCentral  *self,
                 GString      *out,
                 GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = catd_store_prepare (self->store,
                             "SELECT s.station_id, "
                             "(SELECT count(*) FROM central_record r "
                             " WHERE r.station_id = s.station_id), "
                             "(SELECT count(*) FROM central_acta a "
                             " WHERE a.station_id = s.station_id), "
                             "(SELECT count(*) FROM central_image i "
                             " WHERE i.station_id = s.station_id), "
                             "(SELECT max(received_at) FROM central_record r "
                             " WHERE r.station_id = s.station_id), "
                             "s.last_heartbeat_at, s.queue_depth, s.clock_offset_ms "
                             "FROM central_station s ORDER BY s.station_id", error);
  if (stmt == NULL)
    return FALSE;

  g_string_append (out, "<h2>Estaciones</h2>\n<table>\n<tr><th>Estación</th>"
                   "<th>Registros</th><th>Actas vigentes</th><th>Imágenes</th>"
                   "<th>Último registro</th><th>Último latido</th>"
                   "<th>En cola (según la estación)</th><th>Desfase del reloj</th></tr>\n");
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      g_string_append_printf (out, "<tr id=\"station-");
      append_escaped (out, catd_column_text (stmt, 0));
      g_string_append (out, "\">");
      append_cell (out, catd_column_text (stmt, 0));
      append_int_cell (out, sqlite3_column_int64 (stmt, 1));
      append_int_cell (out, sqlite3_column_int64 (stmt, 2));
      append_int_cell (out, sqlite3_column_int64 (stmt, 3));
      append_time_cell (out, catd_column_text (stmt, 4));
      append_time_cell (out, catd_column_text (stmt, 5));
      if (sqlite3_column_type (stmt, 6) == SQLITE_NULL)
        append_cell (out, "—");
      else
        append_int_cell (out, sqlite3_column_int64 (stmt, 6));
      if (sqlite3_column_type (stmt, 7) == SQLITE_NULL)
        append_cell (out, "—");
      else
        {
          /* A station's clock matters: FECHA_HORA_ACOPIO is its time. */
          g_autofree char *offset = g_strdup_printf ("%+.1f s",
                                                     sqlite3_column_int64 (stmt, 7) / 1000.0);
          append_cell (out, offset);
        }
      g_string_append (out, "</tr>\n");
    }
  sqlite3_reset (stmt);
  g_string_append (out, "</table>\n");
  return rc == SQLITE_DONE;
}

static gboolean
append_conflicts (CatdCentral  *self,
                  GString      *out,
                  gint64        n_conflicts,
                  GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_string_append (out, "<h2>Conflictos</h2>\n");
  if (n_conflicts == 0)
    {
      g_string_append (out, "<p>Ninguno.</p>\n");
      return TRUE;
    }
  g_string_append (out, "<p>Registros de un acta que no coinciden con el vigente. El vigente "
                   "(el primero recibido) sigue en la exportación; nada se mezcla. "
                   "Resuélvalos con las estaciones.</p>\n");
  if (n_conflicts > MAX_CONFLICTS_SHOWN)
    g_string_append_printf (out, "<p>Se muestran los %d más recientes de %" G_GINT64_FORMAT
                            ".</p>\n", MAX_CONFLICTS_SHOWN, n_conflicts);

  stmt = catd_store_prepare (self->store,
                             "SELECT c.clave_acta, cur.station_id, cur.revision, "
                             "cur.record_id, new.station_id, new.revision, new.record_id, "
                             "c.detected_at FROM central_conflict c "
                             "JOIN central_record cur ON cur.id = c.current_record "
                             "JOIN central_record new ON new.id = c.record "
                             "ORDER BY c.id DESC LIMIT " G_STRINGIFY (MAX_CONFLICTS_SHOWN), error);
  if (stmt == NULL)
    return FALSE;
  g_string_append (out, "<table>\n<tr><th>Acta</th><th>Vigente: estación</th><th>revisión</th>"
                   "<th>registro</th><th>Distinto: estación</th><th>revisión</th>"
                   "<th>registro</th><th>Detectado</th></tr>\n");
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      g_string_append (out, "<tr class=\"conflict\">");
      append_cell (out, catd_column_text (stmt, 0));
      append_cell (out, catd_column_text (stmt, 1));
      append_int_cell (out, sqlite3_column_int64 (stmt, 2));
      append_cell (out, catd_column_text (stmt, 3));
      append_cell (out, catd_column_text (stmt, 4));
      append_int_cell (out, sqlite3_column_int64 (stmt, 5));
      append_cell (out, catd_column_text (stmt, 6));
      append_time_cell (out, catd_column_text (stmt, 7));
      g_string_append (out, "</tr>\n");
    }
  sqlite3_reset (stmt);
  g_string_append (out, "</table>\n");
  return rc == SQLITE_DONE;
}

/**
 * catd_central_status_html:
 *
 * The status page as of now, read in one snapshot. Costs a count per
 * station over indexed columns and at most 500 conflict rows.
 */
char *
catd_central_status_html (CatdCentral  *self,
                          GError      **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *process = NULL;
  g_autofree char *now = NULL;
  g_autofree char *now_shown = NULL;
  sqlite3_stmt *stmt;
  gint64 n_conflicts = 0;
  gboolean ok;

  g_return_val_if_fail (CATD_IS_CENTRAL (self), NULL);

  if (!catd_store_exec_sql (self->store, "BEGIN", error))
    return NULL;

  stmt = catd_store_prepare (self->store, "SELECT process FROM catalog WHERE id = 1", error);
  if (stmt != NULL && catd_store_step (self->store, stmt, error) == SQLITE_ROW)
    process = g_strdup (catd_column_text (stmt, 0));
  if (stmt != NULL)
    sqlite3_reset (stmt);
  now = catd_store_now_iso (self->store);
  now_shown = catd_time_to_mexico (now);

  g_string_append (out, "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta http-equiv=\"refresh\" content=\"30\">\n"
                   "<title>CATD central: estado</title>\n<style>\n"
                   "body { font-family: sans-serif; margin: 2em; }\n"
                   "table { border-collapse: collapse; margin-bottom: 1.5em; }\n"
                   "th, td { border: 1px solid #999; padding: 0.25em 0.6em; text-align: left; }\n"
                   "td.n { text-align: right; }\n"
                   "tr.conflict td { background: #fde8e8; }\n"
                   "</style>\n</head>\n<body>\n<h1>CATD central: ");
  append_escaped (out, process ? process : "sin catálogo");
  g_string_append (out, "</h1>\n<p>Estado al ");
  append_escaped (out, now_shown);
  g_string_append (out, " (hora del centro de México). La página se actualiza cada 30 s.</p>\n");

  ok = process != NULL &&
       append_summary (self, out, &n_conflicts, error) &&
       append_stations (self, out, error) &&
       append_conflicts (self, out, n_conflicts, error);
  catd_store_rollback (self->store);
  if (!ok)
    {
      if (error && *error == NULL)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                     "the central database has no catalog");
      return NULL;
    }

  g_string_append (out, "</body>\n</html>\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
