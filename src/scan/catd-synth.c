/* catd-synth.c - synthetic acta pages for drills, demos and tests
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <cairo.h>
#include <glib/gstdio.h>
#include <math.h>
#include <qrencode.h>

#include "catd-errors.h"
#include "catd-station-private.h"
#include "catd-synth.h"
#include "catd-tiff.h"

/* A synthetic acta is a Letter page drawn with cairo the way an Acta PREP
 * looks: the process and election, the casilla's identification in boxes,
 * one row per field in acta order with its number written in, and a QR
 * label carrying the CLAVE_ACTA. The numbers are drawn from the seed so
 * that they are plausible for the casilla (no more votes than its lista
 * nominal allows) and are returned as the answer key, in the form
 * `catdctl capture --values` takes. Pages feed SANE's pnm backend in drills
 * and tests; nothing here needs a display. */

typedef struct
{
  char   *process;
  gint64  entidad_id;
  char   *entidad;
  gint64  distrito_id;
  char   *distrito;
  gint64  municipio_id;
  char   *municipio;
  gint64  seccion;
  char   *tipo;
  gint64  id_casilla;
  gint64  ext_contigua;
  gint64  lista_nominal;
  gint64  representantes;
  gint64  max_boletas;
  char   *election;
  gint64  contest;
} ActaInfo;

static void
acta_info_clear (ActaInfo *info)
{
  g_free (info->process);
  g_free (info->entidad);
  g_free (info->distrito);
  g_free (info->municipio);
  g_free (info->tipo);
  g_free (info->election);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ActaInfo, acta_info_clear)

static gboolean
load_info (CatdStation  *station,
           const char   *clave,
           ActaInfo     *info,
           GError      **error)
{
  CatdStore *store = catd_station_get_store (station);
  sqlite3_stmt *stmt;
  int rc;

  stmt = catd_store_prepare (store,
                             "SELECT cat.process, cat.entidad_id, cat.entidad_nombre, c.distrito, "
                             "d.nombre, c.municipio, m.nombre, c.seccion, c.tipo, c.id_casilla, "
                             "c.ext_contigua, c.lista_nominal, c.representantes, "
                             "coalesce (c.max_boletas, 0), e.nombre, ca.contest "
                             "FROM catalog_acta ca JOIN casilla c ON c.clave = ca.casilla "
                             "JOIN election e ON e.id = ca.election "
                             "JOIN distrito d ON d.id = c.distrito "
                             "JOIN municipio m ON m.id = c.municipio, catalog cat "
                             "WHERE ca.clave_acta = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_STATIC);
  rc = catd_store_step (store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      info->process = g_strdup (catd_column_text (stmt, 0));
      info->entidad_id = sqlite3_column_int64 (stmt, 1);
      info->entidad = g_strdup (catd_column_text (stmt, 2));
      info->distrito_id = sqlite3_column_int64 (stmt, 3);
      info->distrito = g_strdup (catd_column_text (stmt, 4));
      info->municipio_id = sqlite3_column_int64 (stmt, 5);
      info->municipio = g_strdup (catd_column_text (stmt, 6));
      info->seccion = sqlite3_column_int64 (stmt, 7);
      info->tipo = g_strdup (catd_column_text (stmt, 8));
      info->id_casilla = sqlite3_column_int64 (stmt, 9);
      info->ext_contigua = sqlite3_column_int64 (stmt, 10);
      info->lista_nominal = sqlite3_column_int64 (stmt, 11);
      info->representantes = sqlite3_column_int64 (stmt, 12);
      info->max_boletas = sqlite3_column_int64 (stmt, 13);
      info->election = g_strdup (catd_column_text (stmt, 14));
      info->contest = sqlite3_column_int64 (stmt, 15);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;
  if (rc != SQLITE_ROW)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA,
                   "acta %s is not in the catalog", clave);
      return FALSE;
    }
  return TRUE;
}

/* Plausible numbers: some three quarters of those who could vote did, the
 * votes spread over the fields with parties weighing most, and the
 * informative fields consistent with them. */
static GArray *
draw_values (GRand      *rand,
             ActaInfo   *info,
             GPtrArray  *fields)
{
  GArray *values = g_array_sized_new (FALSE, TRUE, sizeof (gint64), fields->len);
  gint64 cap = (g_str_equal (info->tipo, "S") ? info->max_boletas : info->lista_nominal);
  gint64 reps = info->representantes ? g_rand_int_range (rand, 0, info->representantes + 1) : 0;
  gint64 voters = MAX (1, cap * g_rand_int_range (rand, 40, 76) / 100);
  gint64 left = voters + reps, total = 0, weight_sum = 0;
  g_autoptr(GArray) weights = g_array_sized_new (FALSE, TRUE, sizeof (gint64), fields->len);
  guint last_vote = 0;

  g_array_set_size (values, fields->len);
  g_array_set_size (weights, fields->len);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      gint64 w = 0;

      switch (field->kind)
        {
        case CATD_FIELD_PARTY: w = g_rand_int_range (rand, 10, 100); break;
        case CATD_FIELD_INDEPENDENT: w = g_rand_int_range (rand, 5, 40); break;
        case CATD_FIELD_COALITION: w = g_rand_int_range (rand, 0, 6); break;
        case CATD_FIELD_NO_REGISTRADAS: w = g_rand_int_range (rand, 0, 2); break;
        case CATD_FIELD_NULOS: w = g_rand_int_range (rand, 1, 5); break;
        case CATD_FIELD_INFO:
        default: w = 0; break;
        }
      g_array_index (weights, gint64, i) = w;
      weight_sum += w;
      if (field->kind != CATD_FIELD_INFO)
        last_vote = i;
    }

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      gint64 v;

      if (field->kind == CATD_FIELD_INFO)
        continue;
      v = i == last_vote ? left : (voters + reps) * g_array_index (weights, gint64, i) /
                                  MAX (weight_sum, 1);
      v = MIN (v, left);
      left -= v;
      total += v;
      g_array_index (values, gint64, i) = v;
    }

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      gint64 *v = &g_array_index (values, gint64, i);

      if (g_str_equal (field->code, "TOTAL_BOLETAS_SOBRANTES"))
        *v = MAX (cap - voters, 0);
      else if (g_str_equal (field->code, "TOTAL_PERSONAS_VOTARON"))
        *v = voters;
      else if (g_str_equal (field->code, "TOTAL_REP_PARTIDO_CI_VOTARON"))
        *v = reps;
      else if (g_str_equal (field->code, "TOTAL_VOTOS_SACADOS") ||
               g_str_equal (field->code, "TOTAL_VOTOS_ASENTADO"))
        *v = total;
      *v = CLAMP (*v, 0, 9999);
    }
  return values;
}

static void
show_text (cairo_t    *cr,
           double      x,
           double      y,
           double      size,
           gboolean    bold,
           const char *text)
{
  cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, text);
}

static void
labelled_box (cairo_t    *cr,
              double      x,
              double      y,
              double      w,
              const char *label,
              const char *value)
{
  cairo_rectangle (cr, x, y, w, 30);
  cairo_stroke (cr);
  show_text (cr, x + 3, y + 9, 6.5, FALSE, label);
  show_text (cr, x + 4, y + 25, 11, TRUE, value);
}

/* The QR label: modules of @module points, with the four-module quiet zone
 * a reader needs. Returns FALSE when libqrencode cannot encode the text. */
static gboolean
draw_qr (cairo_t    *cr,
         const char *text,
         double      x,
         double      y,
         double      module)
{
  QRcode *qr = QRcode_encodeString (text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

  if (qr == NULL)
    return FALSE;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x, y, (qr->width + 8) * module, (qr->width + 8) * module);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 0, 0, 0);
  for (int r = 0; r < qr->width; r++)
    for (int c = 0; c < qr->width; c++)
      if (qr->data[r * qr->width + c] & 1)
        cairo_rectangle (cr, x + (c + 4) * module, y + (r + 4) * module, module, module);
  cairo_fill (cr);
  QRcode_free (qr);
  return TRUE;
}

static void
draw_page (cairo_t    *cr,
           const char *clave,
           ActaInfo   *info,
           GPtrArray  *fields,
           GArray     *values,
           GRand      *rand)
{
  char buf[128];
  double y, row_h;

  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_line_width (cr, 0.8);

  show_text (cr, 40, 50, 9, FALSE, info->process);
  show_text (cr, 40, 68, 13, TRUE, "ACTA DE ESCRUTINIO Y CÓMPUTO DE CASILLA");
  g_snprintf (buf, sizeof buf, "%s — PREP", info->election);
  show_text (cr, 40, 84, 11, TRUE, buf);

  g_snprintf (buf, sizeof buf, "%02" G_GINT64_FORMAT " %s", info->entidad_id, info->entidad);
  labelled_box (cr, 40, 100, 150, "ENTIDAD", buf);
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT " %s", info->distrito_id, info->distrito);
  labelled_box (cr, 195, 100, 150, "DISTRITO", buf);
  g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT " %s", info->municipio_id, info->municipio);
  labelled_box (cr, 40, 135, 150, "MUNICIPIO", buf);
  g_snprintf (buf, sizeof buf, "%04" G_GINT64_FORMAT, info->seccion);
  labelled_box (cr, 195, 135, 60, "SECCIÓN", buf);
  g_snprintf (buf, sizeof buf, "%s %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT, info->tipo,
              info->id_casilla, info->ext_contigua);
  labelled_box (cr, 260, 135, 85, "CASILLA", buf);

  /* The label in the top-right corner, and its text beneath it. */
  draw_qr (cr, clave, 430, 36, 3.2);
  show_text (cr, 440, 190, 8, TRUE, clave);

  show_text (cr, 40, 190, 8, TRUE, "RESULTADOS DE LA VOTACIÓN (con número)");
  y = 200;
  row_h = MIN (24.0, (760.0 - y) / MAX (fields->len, 1));
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      g_autofree char *label = g_utf8_substring (field->label, 0,
                                                 MIN (g_utf8_strlen (field->label, -1), 48));
      double jitter_x = g_rand_double_range (rand, -3, 3);
      double jitter_y = g_rand_double_range (rand, -1.5, 1.5);

      cairo_rectangle (cr, 40, y, 532, row_h);
      cairo_stroke (cr);
      show_text (cr, 46, y + row_h * 0.65, MIN (9, row_h * 0.45), FALSE, label);
      show_text (cr, 330, y + row_h * 0.65, MIN (7, row_h * 0.35), FALSE, field->code);
      cairo_rectangle (cr, 470, y + 2, 96, row_h - 4);
      cairo_stroke (cr);
      g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, g_array_index (values, gint64, i));
      show_text (cr, 482 + jitter_x, y + row_h * 0.72 + jitter_y, MIN (15, row_h * 0.62), TRUE,
                 buf);
      y += row_h;
    }
}

static gboolean
write_pnm (const char   *path,
           const guint8 *gray,
           guint         width,
           guint         height,
           GError      **error)
{
  g_autofree char *header = g_strdup_printf ("P5\n%u %u\n255\n", width, height);
  g_autoptr(GByteArray) data = g_byte_array_sized_new (strlen (header) + width * height);

  g_byte_array_append (data, (const guint8 *)header, strlen (header));
  g_byte_array_append (data, gray, width * height);
  return g_file_set_contents_full (path, (const char *)data->data, data->len,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

static gboolean
write_tiff (const char   *path,
            const char   *clave,
            const guint8 *gray,
            guint         width,
            guint         height,
            guint         dpi,
            GError      **error)
{
  CatdTiffParams params = {
    .width = width, .height = height, .channels = 1, .dpi = dpi,
    .compression = CATD_TIFF_DEFLATE, .make = "CATD Station", .model = "synthetic acta",
    .description = clave, .time_usec = g_get_real_time (),
  };
  g_autoptr(GBytes) bytes = catd_tiff_encode (gray, width, &params, error);
  gsize len;
  const char *data;

  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &len);
  return g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

/**
 * catd_synth_render:
 * @clave_acta: an acta of the station's catalog (registered or not)
 * @path: where the page goes (PNM or TIFF, per @options)
 * @answers: (out) (optional): a JSON object, field code -> number, of what
 *   the page shows
 *
 * Draws one synthetic acta page. Deterministic for a given seed. An acta
 * not in the catalog is %CATD_STATION_ERROR_UNKNOWN_ACTA.
 */
gboolean
catd_synth_render (CatdStation             *station,
                   const char              *clave_acta,
                   const CatdSynthOptions  *options,
                   const char              *path,
                   JsonNode               **answers,
                   GError                 **error)
{
  g_auto(ActaInfo) info = { 0 };
  g_autofree char *clave = catd_normalize_clave (clave_acta);
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GArray) values = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autofree guint8 *gray = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint width, height, stride;
  const guint8 *pixels;
  gboolean ok;

  g_return_val_if_fail (CATD_IS_STATION (station), FALSE);
  g_return_val_if_fail (options != NULL && path != NULL, FALSE);

  if (options->dpi < 100 || options->dpi > 600 || fabs (options->skew_degrees) > 5)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "a synthetic page takes 100 to 600 dpi and at most 5 degrees of skew");
      return FALSE;
    }
  if (clave == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "the acta key (CLAVE_ACTA) is empty or malformed");
      return FALSE;
    }
  {
    /* The station's connection is shared with its other threads. */
    g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&station->mutex);

    if (!load_info (station, clave, &info, error) ||
        !(fields = _catd_station_contest_fields (station, info.contest, error)))
      return FALSE;
  }

  rand = g_rand_new_with_seed (options->seed ^ g_str_hash (clave));
  values = draw_values (rand, &info, fields);

  width = (guint)(8.5 * options->dpi);
  height = 11 * options->dpi;
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_scale (cr, options->dpi / 72.0, options->dpi / 72.0);
  /* A page fed crooked turns about its centre. */
  cairo_translate (cr, 306, 396);
  cairo_rotate (cr, options->skew_degrees * G_PI / 180.0);
  cairo_translate (cr, -306, -396);
  draw_page (cr, clave, &info, fields, values, rand);
  cairo_destroy (cr);
  cairo_surface_flush (surface);

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_IO, "cannot draw the page: %s",
                   cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return FALSE;
    }

  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  gray = g_malloc ((gsize)width * height);
  for (guint y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *)(gconstpointer)(pixels + (gsize)y * stride);

      for (guint x = 0; x < width; x++)
        {
          guint32 p = row[x];
          guint v = (((p >> 16) & 0xff) * 30 + ((p >> 8) & 0xff) * 59 + (p & 0xff) * 11) / 100;

          gray[(gsize)y * width + x] = (guint8)v;
        }
    }
  cairo_surface_destroy (surface);

  if (options->noise)
    {
      /* A grey cast and specks of dust, as from a worn glass. */
      for (gsize i = 0; i < (gsize)width * height; i++)
        gray[i] = (guint8)MIN (gray[i], 238 + g_rand_int_range (rand, 0, 18));
      for (gsize n = (gsize)width * height / 2000; n > 0; n--)
        gray[g_rand_int_range (rand, 0, width * height)] = (guint8)g_rand_int_range (rand, 0, 90);
    }

  ok = options->format == CATD_SYNTH_TIFF
         ? write_tiff (path, clave, gray, width, height, options->dpi, error)
         : write_pnm (path, gray, width, height, error);
  if (!ok)
    return FALSE;

  if (answers != NULL)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      for (guint i = 0; i < fields->len; i++)
        {
          const CatdField *field = g_ptr_array_index (fields, i);

          json_builder_set_member_name (builder, field->code);
          json_builder_add_int_value (builder, g_array_index (values, gint64, i));
        }
      json_builder_end_object (builder);
      *answers = json_builder_get_root (builder);
    }
  return TRUE;
}
