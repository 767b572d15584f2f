/* test-synth.c - synthetic acta pages: readable QR, plausible numbers that
 * capture accepts, deterministic bytes
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"


#include "catd-errors.h"
#include "catd-page.h"
#include "catd-synth.h"
#include "catd-tiff.h"
#include <tiffio.h>
#include "catd-test-util.h"

static void
test_pages (void)
{
  g_autofree char *dir = catd_test_make_dir ();
  CatdTestClock clock = { 0 };
  g_autoptr(CatdStation) station = catd_test_station_new (dir, "data/demo/catalog.json", &clock);
  g_autoptr(CatdUser) coord = catd_test_add_user (station, NULL, "coord", CATD_ROLE_COORDINADOR);
  g_autoptr(CatdUser) aco = catd_test_add_user (station, coord, "aco", CATD_ROLE_ACOPIADOR);
  g_autoptr(CatdUser) dig = catd_test_add_user (station, coord, "dig", CATD_ROLE_DIGITALIZADOR);
  g_autoptr(CatdUser) cap = catd_test_add_user (station, coord, "cap", CATD_ROLE_CAPTURISTA);
  static const char *wheres[] = {
    "ca.election = 'GUB' AND c.tipo = 'B'", "ca.election = 'MUN' AND c.tipo = 'S'",
    "ca.election = 'DIP' AND c.tipo = 'C'",
  };

  for (guint i = 0; i < G_N_ELEMENTS (wheres); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *clave = catd_test_catalog_acta (station, wheres[i]);
      g_autofree char *pnm = g_build_filename (dir, "page.pnm", NULL);
      g_autofree char *again = g_build_filename (dir, "again.pnm", NULL);
      g_autofree char *tiff = g_build_filename (dir, "page.tif", NULL);
      g_autofree char *decoded = NULL;
      g_autofree guint8 *gray = NULL;
      g_autofree char *a = NULL, *b = NULL;
      g_autoptr(JsonNode) answers = NULL;
      g_autoptr(JsonNode) answers_tiff = NULL;
      g_autoptr(CatdRegistration) reg = NULL;
      g_autoptr(CatdCaptureResult) result = NULL;
      CatdSynthOptions options = { .dpi = 150, .seed = 11 * i, .format = CATD_SYNTH_PNM,
                                   .skew_degrees = i == 1 ? 2.5 : 0, .noise = i == 1 };
      CatdImageInfo info;
      guint width, height;
      gsize la, lb;

      g_assert_true (catd_synth_render (station, clave, &options, pnm, &answers, &error));
      g_assert_no_error (error);

      /* The label reads back as the acta's key, skew and dust included. */
      gray = catd_test_read_pnm (pnm, &width, &height);
      g_assert_cmpuint (width, ==, 1275);   /* Letter at 150 dpi */
      g_assert_cmpuint (height, ==, 1650);
      decoded = catd_page_read_qr (gray, width, height, width);
      g_assert_cmpstr (decoded, ==, clave);

      /* The same seed draws the same page. */
      g_assert_true (catd_synth_render (station, clave, &options, again, NULL, &error));
      g_assert_true (g_file_get_contents (pnm, &a, &la, NULL));
      g_assert_true (g_file_get_contents (again, &b, &lb, NULL));
      g_assert_true (la == lb && memcmp (a, b, la) == 0);

      /* As TIFF, the page is what the station stores, at its resolution,
       * and the answer key is the same. */
      options.format = CATD_SYNTH_TIFF;
      g_assert_true (catd_synth_render (station, clave, &options, tiff, &answers_tiff, &error));
      g_assert_no_error (error);
      g_assert_true (json_node_equal (answers, answers_tiff));
      g_assert_true (catd_image_check_tiff (tiff, &info, &error));
      g_assert_cmpfloat_with_epsilon (info.dpi, 150.0, 0.01);

      /* The answer key is a values file capture accepts, and a count that
       * the counting rules accept (no more votes than could be cast). */
      reg = catd_station_register (station, aco, clave, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (catd_station_import_image (station, dig, clave, tiff, NULL, NULL, &error));
      g_assert_no_error (error);
      result = catd_station_capture (station, cap, clave, answers, &error);
      g_assert_no_error (error);
      g_assert_cmpint (result->status, ==, CATD_CAPTURE_AWAITING_PASS2);
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename (dir, "x.pnm", NULL);
    CatdSynthOptions options = { .dpi = 150 };

    g_assert_false (catd_synth_render (station, "149999B01001", &options, path, NULL, &error));
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA);
    g_clear_error (&error);
    options.dpi = 50;
    g_assert_false (catd_synth_render (station, "140004B01001", &options, path, NULL, &error));
    g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
  }

  g_clear_object (&station);
  catd_test_remove_dir (dir);
}

static CatdPageVerdict
verdict_of (CatdStation *station,
            const char  *pnm)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdPageCheck) check = NULL;
  g_autofree guint8 *gray = NULL;
  guint width, height;

  gray = catd_test_read_pnm (pnm, &width, &height);
  check = catd_station_check_page (station, gray, width, height, width, &error);
  g_assert_no_error (error);
  return check->verdict;
}

/* Every check a page passes before it is accepted, on synthetic pages. */
static void
test_page_checks (void)
{
  g_autofree char *dir = catd_test_make_dir ();
  g_autofree char *other_dir = g_build_filename (dir, "other", NULL);
  g_autofree char *station_dir = g_build_filename (dir, "station", NULL);
  g_autoptr(CatdStation) station = catd_test_station_new (station_dir, "data/demo/catalog.json",
                                                          NULL);
  g_autoptr(CatdStation) other = catd_test_station_new (other_dir,
                                                        "tests/catalogs/valid-small.json", NULL);
  g_autoptr(CatdUser) coord = catd_test_add_user (station, NULL, "coord", CATD_ROLE_COORDINADOR);
  g_autoptr(CatdUser) aco = catd_test_add_user (station, coord, "aco", CATD_ROLE_ACOPIADOR);
  g_autoptr(CatdUser) dig = catd_test_add_user (station, coord, "dig", CATD_ROLE_DIGITALIZADOR);
  g_autoptr(GError) error = NULL;
  g_autofree char *clave = catd_test_catalog_acta (station, "ca.election = 'GUB'");
  g_autofree char *sin = catd_test_catalog_acta (station, "ca.election = 'DIP'");
  g_autofree char *foreign = catd_test_catalog_acta (other, "c.seccion = 1502");
  g_autofree char *page = g_build_filename (dir, "page.pnm", NULL);
  g_autofree char *sin_page = g_build_filename (dir, "sin.pnm", NULL);
  g_autofree char *foreign_page = g_build_filename (dir, "foreign.pnm", NULL);
  g_autofree char *blank = g_build_filename (dir, "blank.pnm", NULL);
  g_autofree char *tiff = g_build_filename (dir, "page.tif", NULL);
  g_autofree guint8 *white = g_malloc (1275 * 1650);
  g_autofree char *header = g_strdup ("P5\n1275 1650\n255\n");
  g_autoptr(GByteArray) blank_bytes = g_byte_array_new ();
  g_autoptr(CatdRegistration) reg = NULL;
  g_autoptr(CatdRegistration) sin_reg = NULL;
  CatdSynthOptions options = { .dpi = 150, .seed = 3, .noise = TRUE, .skew_degrees = -1.5 };
  guint64 t0;

  g_assert_true (catd_synth_render (station, clave, &options, page, NULL, &error));
  g_assert_true (catd_synth_render (station, sin, &options, sin_page, NULL, &error));
  g_assert_true (catd_synth_render (other, foreign, &options, foreign_page, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (catd_test_query_int (station, "SELECT count(*) FROM catalog_acta WHERE "
                                        "clave_acta = ?1", foreign), ==, 0);

  /* A blank sheet: only the grey of the glass and some dust. */
  memset (white, 245, 1275 * 1650);
  for (guint i = 0; i < 400; i++)
    white[g_random_int_range (0, 1275 * 1650)] = 30;
  g_byte_array_append (blank_bytes, (const guint8 *)header, strlen (header));
  g_byte_array_append (blank_bytes, white, 1275 * 1650);
  g_assert_true (g_file_set_contents (blank, (const char *)blank_bytes->data, blank_bytes->len,
                                      NULL));

  g_assert_cmpint (verdict_of (station, blank), ==, CATD_PAGE_BLANK);
  g_assert_cmpint (verdict_of (station, foreign_page), ==, CATD_PAGE_NOT_IN_CATALOG);
  g_assert_cmpint (verdict_of (station, page), ==, CATD_PAGE_NOT_REGISTERED);

  reg = catd_station_register (station, aco, clave, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (verdict_of (station, page), ==, CATD_PAGE_OK);

  sin_reg = catd_station_sin_acta (station, aco, sin, CATD_SIN_ACTA_SIN_SOBRE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (verdict_of (station, sin_page), ==, CATD_PAGE_NOT_DIGITIZABLE);

  options.format = CATD_SYNTH_TIFF;
  g_assert_true (catd_synth_render (station, clave, &options, tiff, NULL, &error));
  g_assert_true (catd_station_import_image (station, dig, clave, tiff, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (verdict_of (station, page), ==, CATD_PAGE_ALREADY_DIGITIZED);

  /* A page without a label: the QR corner cut away. */
  {
    g_autofree guint8 *gray = NULL;
    g_autoptr(CatdPageCheck) check = NULL;
    guint width, height;

    gray = catd_test_read_pnm (page, &width, &height);
    for (guint y = 0; y < height / 4; y++)
      memset (gray + (gsize)y * width + width / 2, 245, width / 2);
    check = catd_station_check_page (station, gray, width, height, width, &error);
    g_assert_no_error (error);
    g_assert_cmpint (check->verdict, ==, CATD_PAGE_NO_QR);
  }

  /* At 300 dpi, the speed of the checks (reported; bench.sh judges speed). */
  {
    g_autofree char *big = g_build_filename (dir, "big.pnm", NULL);
    g_autofree guint8 *gray = NULL;
    g_autoptr(CatdPageCheck) check = NULL;
    guint width, height;

    options.format = CATD_SYNTH_PNM;
    options.dpi = 300;
    g_assert_true (catd_synth_render (station, clave, &options, big, NULL, &error));
    gray = catd_test_read_pnm (big, &width, &height);
    t0 = g_get_monotonic_time ();
    check = catd_station_check_page (station, gray, width, height, width, &error);
    g_test_message ("checks of a 300 dpi Letter page: %.1f ms",
                    (g_get_monotonic_time () - t0) / 1000.0);
    g_assert_no_error (error);
    g_assert_cmpstr (check->clave_acta, ==, clave);
  }

  g_clear_object (&station);
  g_clear_object (&other);
  catd_test_remove_dir (dir);
}

/* The TIFF the station stores: lossless grey round trip with its tags,
 * JPEG for colour, refused for grey. */
static void
test_tiff_encode (void)
{
  g_autofree char *dir = catd_test_make_dir ();
  g_autofree char *path = g_build_filename (dir, "page.tif", NULL);
  g_autofree guint8 *gray = g_malloc (300 * 200);
  g_autofree guint8 *rgb = g_malloc (300 * 200 * 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  CatdTiffParams params = {
    .width = 300, .height = 200, .channels = 1, .dpi = 300, .make = "Fujitsu",
    .model = "fi-7160", .description = "140004B01001",
    .time_usec = G_GINT64_CONSTANT (1717372800) * G_USEC_PER_SEC,
  };
  CatdImageInfo info;
  char *make = NULL, *model = NULL, *software = NULL, *datetime = NULL;
  guint16 compression = 0, predictor = 0;
  TIFF *tif;

  for (guint i = 0; i < 300 * 200; i++)
    gray[i] = (guint8)(i * 7 + i / 300);
  for (guint i = 0; i < 300 * 200 * 3; i++)
    rgb[i] = (guint8)(i * 13);

  bytes = catd_tiff_encode (gray, 300, &params, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
  g_assert_true (catd_image_check_tiff (path, &info, &error));
  g_assert_cmpuint (info.width, ==, 300);
  g_assert_cmpfloat_with_epsilon (info.dpi, 300.0, 0.01);

  tif = TIFFOpen (path, "r");
  g_assert_nonnull (tif);
  g_assert_true (TIFFGetField (tif, TIFFTAG_MAKE, &make));
  g_assert_true (TIFFGetField (tif, TIFFTAG_MODEL, &model));
  g_assert_true (TIFFGetField (tif, TIFFTAG_SOFTWARE, &software));
  g_assert_true (TIFFGetField (tif, TIFFTAG_DATETIME, &datetime));
  g_assert_true (TIFFGetField (tif, TIFFTAG_COMPRESSION, &compression));
  g_assert_true (TIFFGetField (tif, TIFFTAG_PREDICTOR, &predictor));
  g_assert_cmpstr (make, ==, "Fujitsu");
  g_assert_cmpstr (model, ==, "fi-7160");
  g_assert_true (g_str_has_prefix (software, "CATD Station"));
  g_assert_cmpuint (strlen (datetime), ==, 19);
  g_assert_cmpuint (compression, ==, COMPRESSION_ADOBE_DEFLATE);
  g_assert_cmpuint (predictor, ==, PREDICTOR_HORIZONTAL);
  for (guint y = 0; y < 200; y++)
    {
      guint8 row[300];

      g_assert_cmpint (TIFFReadScanline (tif, row, y, 0), ==, 1);
      g_assert_cmpmem (row, 300, gray + y * 300, 300);   /* lossless */
    }
  TIFFClose (tif);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Deflate strips are compressed on several threads and written in
   * order: every shape of page decodes to its pixels, colour (the predictor
   * works per channel), rows with padding after them, a page shorter than
   * one strip, and one of a whole number of strips. */
  {
    static const struct { guint channels, height, pad; } shapes[] = {
      { 3, 200, 0 }, { 1, 200, 5 }, { 3, 130, 7 }, { 1, 40, 0 }, { 3, 128, 0 },
    };

    for (guint k = 0; k < G_N_ELEMENTS (shapes); k++)
      {
        guint channels = shapes[k].channels, height = shapes[k].height;
        gsize row_bytes = 300 * channels, stride = row_bytes + shapes[k].pad;
        g_autofree guint8 *pixels = g_malloc (stride * height);
        g_autofree guint8 *row = g_malloc (row_bytes);
        CatdTiffParams p = params;
        guint32 strips_height = 0;

        for (gsize i = 0; i < stride * height; i++)
          pixels[i] = (guint8)(i * 31 + i / 97);
        p.channels = channels;
        p.height = height;
        bytes = catd_tiff_encode (pixels, stride, &p, &error);
        g_assert_no_error (error);
        g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                            g_bytes_get_size (bytes), NULL));
        tif = TIFFOpen (path, "r");
        g_assert_nonnull (tif);
        g_assert_true (TIFFGetField (tif, TIFFTAG_ROWSPERSTRIP, &strips_height));
        g_assert_cmpuint (TIFFNumberOfStrips (tif), ==,
                          (height + strips_height - 1) / strips_height);
        for (guint y = 0; y < height; y++)
          {
            g_assert_cmpint (TIFFReadScanline (tif, row, y, 0), ==, 1);
            g_assert_cmpmem (row, row_bytes, pixels + y * stride, row_bytes);
          }
        TIFFClose (tif);
        g_clear_pointer (&bytes, g_bytes_unref);
      }
  }

  params.channels = 3;
  params.compression = CATD_TIFF_JPEG;
  bytes = catd_tiff_encode (rgb, 900, &params, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL),
                                      g_bytes_get_size (bytes), NULL));
  g_assert_true (catd_image_check_tiff (path, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.height, ==, 200);
  g_clear_pointer (&bytes, g_bytes_unref);

  params.channels = 1;
  bytes = catd_tiff_encode (gray, 300, &params, &error);
  g_assert_null (bytes);
  g_assert_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID);

  catd_test_remove_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/synth/pages", test_pages);
  g_test_add_func ("/synth/page-checks", test_page_checks);
  g_test_add_func ("/synth/tiff-encode", test_tiff_encode);
  return g_test_run ();
}
