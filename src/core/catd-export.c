/* catd-export.c - the prep-csv export (DESIGN §9)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "catd-catalog.h"
#include "catd-counting.h"
#include "catd-errors.h"
#include "catd-export.h"
#include "catd-types.h"

/* The export reads only the store's tables (catalog, actas, settled
 * fields), so the central site, whose database holds the same tables, can
 * produce byte-identical files. Rows are in CLAVE_ACTA order. */

typedef struct
{
  gint64 esperadas;
  gint64 registradas;
  gint64 fuera;
  gint64 capturadas;
  gint64 contabilizadas;
  gint64 inconsistencias;
  gint64 lista_nominal;
  gint64 votos_c_cs;
  gint64 votos_s_cs;
  gint64 lista_nominal_s_cs;
} Summary;

/* Percentages are truncated, never rounded, to 4 decimals. */
static char *
percentage (gint64 num,
            gint64 den)
{
  gint64 q;

  if (den <= 0)
    return g_strdup ("0.0000");
  q = (num * 1000000) / den;
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%04" G_GINT64_FORMAT, q / 10000, q % 10000);
}

static void
append_cell (GString    *out,
             const char *text,
             char        delimiter,
             gboolean    first)
{
  if (!first)
    g_string_append_c (out, delimiter);
  if (text == NULL)
    return;
  if (strchr (text, delimiter) || strchr (text, '"') || strchr (text, '\n'))
    {
      g_string_append_c (out, '"');
      for (const char *c = text; *c; c++)
        {
          if (*c == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *c);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, text);
}

static void
append_int_cell (GString *out,
                 gint64   value,
                 char     delimiter)
{
  g_string_append_printf (out, "%c%" G_GINT64_FORMAT, delimiter, value);
}

/* The codes of one contest's fields, cached per contest. */
static GHashTable *
contest_codes (CatdStore   *store,
               GHashTable  *cache,
               gint64       contest,
               GError     **error)
{
  GHashTable *codes = g_hash_table_lookup (cache, &contest);
  sqlite3_stmt *stmt;
  int rc;

  if (codes != NULL)
    return codes;
  stmt = catd_store_prepare (store, "SELECT code FROM contest_field WHERE contest = ?", error);
  if (stmt == NULL)
    return NULL;
  codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (catd_info_field_codes); i++)
    g_hash_table_add (codes, g_strdup (catd_info_field_codes[i]));
  sqlite3_bind_int64 (stmt, 1, contest);
  while ((rc = catd_store_step (store, stmt, error)) == SQLITE_ROW)
    g_hash_table_add (codes, g_strdup (catd_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  g_hash_table_insert (cache, g_memdup2 (&contest, sizeof contest), codes);
  return rc == 0 ? NULL : codes;
}

static gboolean
is_inconsistency (const char *observaciones)
{
  static const char * const flags[] = {
    "Excede lista nominal", "Ilegible", "Sin dato", "Ilegible, Sin dato", NULL
  };

  return observaciones != NULL && g_strv_contains (flags, observaciones);
}

/* One captured field's cell. */
static const char *
field_cell (const char    *code,
            GHashTable    *on_contest,
            CatdActaState  state,
            GHashTable    *values,
            char           buf[16])
{
  CatdValue value;

  if (on_contest == NULL || !g_hash_table_contains (on_contest, code))
    return "-";
  if (state == CATD_ACTA_SIN_ACTA)
    return "SIN ACTA";
  if (state != CATD_ACTA_VERIFIED ||
      !catd_value_from_string (g_hash_table_lookup (values, code), &value))
    return "";
  return catd_value_to_export (&value, buf);
}

/**
 * catd_export_prep_csv:
 * @election: the election's id
 * @delimiter: '|' (the contract) or ','
 * @cutoff_usec: the cut-off time printed on line 1
 *
 * Builds the prep-csv file of @election in memory and returns it. Linear in
 * the number of registered actas. Unknown election:
 * %CATD_STATION_ERROR_INVALID_INPUT.
 */
char *
catd_export_prep_csv (CatdStore   *store,
                      const char  *election,
                      char         delimiter,
                      gint64       cutoff_usec,
                      GError     **error)
{
  g_autoptr(GString) rows = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) vote_codes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                       (GDestroyNotify)g_hash_table_unref);
  g_autofree char *tipo_acta = NULL;
  g_autofree char *entidad = NULL;
  g_autofree char *cutoff = NULL;
  gint64 entidad_id = 0;
  Summary sum = { 0 };
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (delimiter == '|' || delimiter == ',', NULL);

  stmt = catd_store_prepare (store, "SELECT e.tipo_acta, c.entidad_id, c.entidad_nombre, "
                             "(SELECT count(*) FROM catalog_acta WHERE election = e.id) "
                             "FROM election e, catalog c WHERE e.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, election, -1, SQLITE_TRANSIENT);
  rc = catd_store_step (store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      tipo_acta = g_strdup (catd_column_text (stmt, 0));
      entidad_id = sqlite3_column_int64 (stmt, 1);
      entidad = g_strdup (catd_column_text (stmt, 2));
      sum.esperadas = sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;
  if (tipo_acta == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "no election \"%s\" in the catalog", election);
      return NULL;
    }

  /* Vote columns: every vote field of the election, in the catalog order of
   * first appearance. */
  stmt = catd_store_prepare (store, "SELECT f.code FROM contest_field f JOIN contest c "
                             "ON c.id = f.contest WHERE c.election = ? "
                             "ORDER BY c.id, f.position", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, election, -1, SQLITE_TRANSIENT);
  while ((rc = catd_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      const char *code = catd_column_text (stmt, 0);

      if (!g_hash_table_contains (seen, code))
        {
          char *copy = g_strdup (code);

          g_ptr_array_add (vote_codes, copy);
          g_hash_table_add (seen, copy);
        }
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;

  stmt = catd_store_prepare (store,
                             "SELECT a.id, a.clave_acta, a.state, ca.contest, cs.clave, "
                             "cs.distrito, d.nombre, cs.municipio, m.nombre, cs.seccion, "
                             "cs.id_casilla, cs.tipo, cs.ext_contigua, cs.ubicacion, "
                             "cs.lista_nominal, cs.representantes, a.total_calculado, "
                             "a.observaciones, a.contabilizada, a.traslado, a.image_sha256, "
                             "a.acopio_at, a.captura_at, a.verificacion_at, a.digitalizacion, "
                             "a.tipo_documento, a.cotejada, a.settled "
                             "FROM acta a "
                             "LEFT JOIN catalog_acta ca ON ca.clave_acta = a.catalog_acta "
                             "LEFT JOIN casilla cs ON cs.clave = ca.casilla "
                             "LEFT JOIN distrito d ON d.id = cs.distrito "
                             "LEFT JOIN municipio m ON m.id = cs.municipio "
                             "WHERE a.election = ? ORDER BY a.clave_acta", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, election, -1, SQLITE_TRANSIENT);

  while ((rc = catd_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      CatdActaState state = CATD_ACTA_REGISTERED;
      gboolean fuera = sqlite3_column_type (stmt, 3) == SQLITE_NULL;
      gboolean settled;
      GHashTable *on_contest = NULL;
      const char *observaciones = catd_column_text (stmt, 17);
      gboolean especial = !fuera && g_strcmp0 (catd_column_text (stmt, 11), "S") == 0;
      char buf[16];
      g_autofree char *acopio = catd_time_to_mexico (catd_column_text (stmt, 21));
      g_autofree char *captura = catd_time_to_mexico (catd_column_text (stmt, 22));
      g_autofree char *verificacion = catd_time_to_mexico (catd_column_text (stmt, 23));
      g_autoptr(GHashTable) values = NULL;

      catd_acta_state_from_string (catd_column_text (stmt, 2), &state);
      settled = catd_acta_state_is_settled (state);

      if (!fuera && !(on_contest = contest_codes (store, cache, sqlite3_column_int64 (stmt, 3),
                                                  error)))
        break;
      if (state == CATD_ACTA_VERIFIED)
        values = catd_values_parse (catd_column_text (stmt, 27));

      /* The summary counts settled actas only. */
      if (settled)
        {
          gboolean counted = sqlite3_column_int (stmt, 18) == 1;

          sum.registradas++;
          if (fuera)
            sum.fuera++;
          else
            sum.capturadas++;
          if (is_inconsistency (observaciones))
            sum.inconsistencias++;
          if (counted)
            {
              gint64 total = sqlite3_column_int64 (stmt, 16);
              gint64 ln = sqlite3_column_int64 (stmt, 14);

              sum.contabilizadas++;
              sum.lista_nominal += ln;
              sum.votos_c_cs += total;
              if (!especial)
                {
                  sum.votos_s_cs += total;
                  sum.lista_nominal_s_cs += ln;
                }
            }
        }

      append_cell (rows, fuera ? "-" : catd_column_text (stmt, 4), delimiter, TRUE);
      append_cell (rows, catd_column_text (stmt, 1), delimiter, FALSE);
      append_int_cell (rows, entidad_id, delimiter);
      append_cell (rows, entidad, delimiter, FALSE);
      if (fuera)
        {
          for (guint i = 0; i < 9; i++)
            append_cell (rows, "-", delimiter, FALSE);
        }
      else
        {
          append_int_cell (rows, sqlite3_column_int64 (stmt, 5), delimiter);
          append_cell (rows, catd_column_text (stmt, 6), delimiter, FALSE);
          append_int_cell (rows, sqlite3_column_int64 (stmt, 7), delimiter);
          append_cell (rows, catd_column_text (stmt, 8), delimiter, FALSE);
          append_int_cell (rows, sqlite3_column_int64 (stmt, 9), delimiter);
          append_int_cell (rows, sqlite3_column_int64 (stmt, 10), delimiter);
          append_cell (rows, catd_column_text (stmt, 11), delimiter, FALSE);
          append_int_cell (rows, sqlite3_column_int64 (stmt, 12), delimiter);
          append_int_cell (rows, sqlite3_column_int64 (stmt, 13), delimiter);
        }
      append_cell (rows, tipo_acta, delimiter, FALSE);
      for (guint i = 0; i < 4; i++)
        append_cell (rows, field_cell (catd_info_field_codes[i], on_contest, state, values, buf),
                     delimiter, FALSE);
      for (guint i = 0; i < vote_codes->len; i++)
        append_cell (rows, field_cell (g_ptr_array_index (vote_codes, i), on_contest, state,
                                       values, buf), delimiter, FALSE);
      append_cell (rows, field_cell (catd_info_field_codes[4], on_contest, state, values, buf),
                   delimiter, FALSE);

      if (settled)
        append_int_cell (rows, sqlite3_column_int64 (stmt, 16), delimiter);
      else
        append_cell (rows, "", delimiter, FALSE);
      if (fuera)
        {
          append_cell (rows, "-", delimiter, FALSE);
          append_cell (rows, "-", delimiter, FALSE);
        }
      else
        {
          append_int_cell (rows, sqlite3_column_int64 (stmt, 14), delimiter);
          append_int_cell (rows, sqlite3_column_int64 (stmt, 15), delimiter);
        }
      append_cell (rows, settled ? observaciones : "", delimiter, FALSE);
      if (settled)
        append_int_cell (rows, sqlite3_column_int (stmt, 18), delimiter);
      else
        append_cell (rows, "", delimiter, FALSE);
      append_cell (rows, catd_column_text (stmt, 19) ? catd_column_text (stmt, 19) : "-",
                   delimiter, FALSE);
      append_cell (rows, catd_column_text (stmt, 20) ? catd_column_text (stmt, 20) :
                         settled ? "-" : "", delimiter, FALSE);
      append_cell (rows, acopio, delimiter, FALSE);
      append_cell (rows, captura, delimiter, FALSE);
      append_cell (rows, verificacion, delimiter, FALSE);
      append_cell (rows, "CATD", delimiter, FALSE);
      append_cell (rows, catd_column_text (stmt, 24) ? catd_column_text (stmt, 24) :
                         settled ? "-" : "", delimiter, FALSE);
      append_cell (rows, catd_column_text (stmt, 25), delimiter, FALSE);
      append_int_cell (rows, sqlite3_column_int (stmt, 26), delimiter);
      g_string_append_c (rows, '\n');
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return NULL;

  cutoff = catd_time_cutoff (cutoff_usec);
  g_string_append_printf (out, "%s\n", cutoff);
  {
    static const char *names[] = {
      "ACTAS_ESPERADAS", "ACTAS_REGISTRADAS", "ACTAS_FUERA_DE_CATALOGO", "ACTAS_CAPTURADAS",
      "PORCENTAJE_ACTAS_CAPTURADAS", "ACTAS_CONTABILIZADAS", "PORCENTAJE_ACTAS_CONTABILIZADAS",
      "PORCENTAJE_ACTAS_CON_INCONSISTENCIAS", "ACTAS_NO_CONTABILIZADAS",
      "LISTA_NOMINAL_ACTAS_CONTABILIZADAS", "TOTAL_VOTOS_C_CS", "TOTAL_VOTOS_S_CS",
      "PORCENTAJE_PARTICIPACION_CIUDADANA",
    };
    g_autofree char *pct_capturadas = percentage (sum.capturadas, sum.esperadas);
    g_autofree char *pct_contabilizadas = percentage (sum.contabilizadas, sum.esperadas);
    g_autofree char *pct_inconsistencias = percentage (sum.inconsistencias, sum.esperadas);
    g_autofree char *participacion = percentage (sum.votos_s_cs, sum.lista_nominal_s_cs);

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      append_cell (out, names[i], delimiter, i == 0);
    g_string_append_c (out, '\n');
    g_string_append_printf (out, "%" G_GINT64_FORMAT, sum.esperadas);
    append_int_cell (out, sum.registradas, delimiter);
    append_int_cell (out, sum.fuera, delimiter);
    append_int_cell (out, sum.capturadas, delimiter);
    append_cell (out, pct_capturadas, delimiter, FALSE);
    append_int_cell (out, sum.contabilizadas, delimiter);
    append_cell (out, pct_contabilizadas, delimiter, FALSE);
    append_cell (out, pct_inconsistencias, delimiter, FALSE);
    append_int_cell (out, sum.registradas - sum.contabilizadas, delimiter);
    append_int_cell (out, sum.lista_nominal, delimiter);
    append_int_cell (out, sum.votos_c_cs, delimiter);
    append_int_cell (out, sum.votos_s_cs, delimiter);
    append_cell (out, participacion, delimiter, FALSE);
    g_string_append_c (out, '\n');
  }
  {
    static const char *head[] = {
      "CLAVE_CASILLA", "CLAVE_ACTA", "ID_ENTIDAD", "ENTIDAD", "ID_DISTRITO", "DISTRITO",
      "ID_MUNICIPIO", "MUNICIPIO", "SECCION", "ID_CASILLA", "TIPO_CASILLA", "EXT_CONTIGUA",
      "UBICACION_CASILLA", "TIPO_ACTA", "TOTAL_BOLETAS_SOBRANTES", "TOTAL_PERSONAS_VOTARON",
      "TOTAL_REP_PARTIDO_CI_VOTARON", "TOTAL_VOTOS_SACADOS",
    };
    static const char *tail[] = {
      "TOTAL_VOTOS_ASENTADO", "TOTAL_VOTOS_CALCULADO", "LISTA_NOMINAL", "REPRESENTANTES_PP_CI",
      "OBSERVACIONES", "CONTABILIZADA", "MECANISMOS_TRASLADO", "CODIGO_INTEGRIDAD",
      "FECHA_HORA_ACOPIO", "FECHA_HORA_CAPTURA", "FECHA_HORA_VERIFICACION", "ORIGEN",
      "DIGITALIZACION", "TIPO_DOCUMENTO", "COTEJADA",
    };

    for (guint i = 0; i < G_N_ELEMENTS (head); i++)
      append_cell (out, head[i], delimiter, i == 0);
    for (guint i = 0; i < vote_codes->len; i++)
      append_cell (out, g_ptr_array_index (vote_codes, i), delimiter, FALSE);
    for (guint i = 0; i < G_N_ELEMENTS (tail); i++)
      append_cell (out, tail[i], delimiter, FALSE);
    g_string_append_c (out, '\n');
  }
  g_string_append_len (out, rows->str, rows->len);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
write_one (const CatdExportSource  *source,
           const char              *election,
           char                     delimiter,
           const char              *path,
           GError                 **error)
{
  g_autofree char *csv = source->export_csv (source->data, election, delimiter, error);

  if (csv == NULL)
    return FALSE;
  if (path == NULL)
    {
      fputs (csv, stdout);
      return fflush (stdout) == 0;
    }
  /* Atomic and durable: a reader never sees half a file. */
  return g_file_set_contents_full (path, csv, -1, G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_DURABLE, 0644, error);
}

/**
 * catd_export_write:
 * @election: (nullable): one election, or %NULL for every one
 * @out: (nullable): with @election, a file, a directory to hold ID.csv, or
 *   %NULL for standard output; without, the directory for one ID.csv per
 *   election (%NULL: the current one, created if need be)
 * @written: the paths written are appended here
 *
 * Writes prep-csv files as `catdctl export` and `catd-central export`
 * both do, each file atomically and durably. A directory that cannot be
 * made is %CATD_STATION_ERROR_INVALID_INPUT.
 */
gboolean
catd_export_write (const CatdExportSource  *source,
                   const char              *election,
                   const char              *out,
                   char                     delimiter,
                   GPtrArray               *written,
                   GError                 **error)
{
  g_auto(GStrv) elections = NULL;
  const char *dir = out ? out : ".";

  if (election != NULL)
    {
      char *path = NULL;

      if (out && g_file_test (out, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *name = g_strconcat (election, ".csv", NULL);

          path = g_build_filename (out, name, NULL);
        }
      else if (out)
        path = g_strdup (out);
      if (path != NULL)
        g_ptr_array_add (written, path);
      return write_one (source, election, delimiter, path, error);
    }

  if (!(elections = source->elections (source->data, error)))
    return FALSE;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;

      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "cannot create the directory %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  for (guint i = 0; elections[i]; i++)
    {
      g_autofree char *name = g_strconcat (elections[i], ".csv", NULL);
      char *path = g_build_filename (dir, name, NULL);

      g_ptr_array_add (written, path);
      if (!write_one (source, elections[i], delimiter, path, error))
        return FALSE;
    }
  return TRUE;
}
