/* test-synth.c - synthetic acta pages: readable QR, plausible numbers that
 * capture accepts, deterministic bytes
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <zbar.h>

#include "catd-errors.h"
#include "catd-synth.h"
#include "catd-test-util.h"

/* Reads the first QR code on a grey page, as the digitization checks will. */
static char *
decode_qr (const guint8 *gray,
           guint         width,
           guint         height)
{
  zbar_image_scanner_t *scanner = zbar_image_scanner_create ();
  zbar_image_t *image = zbar_image_create ();
  const zbar_symbol_t *symbol;
  char *text = NULL;

  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config (scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, width, height);
  zbar_image_set_data (image, gray, (unsigned long)width * height, NULL);
  if (zbar_scan_image (scanner, image) > 0)
    {
      symbol = zbar_image_first_symbol (image);
      text = g_strdup (zbar_symbol_get_data (symbol));
    }
  zbar_image_destroy (image);
  zbar_image_scanner_destroy (scanner);
  return text;
}

static guint8 *
read_pnm (const char *path,
          guint      *width,
          guint      *height)
{
  g_autofree char *data = NULL;
  gsize len;
  int consumed = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpint (sscanf (data, "P5\n%u %u\n255\n%n", width, height, &consumed), ==, 2);
  g_assert_cmpuint (len - consumed, ==, (gsize)*width * *height);
  return g_memdup2 (data + consumed, (gsize)*width * *height);
}

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
      gray = read_pnm (pnm, &width, &height);
      g_assert_cmpuint (width, ==, 1275);   /* Letter at 150 dpi */
      g_assert_cmpuint (height, ==, 1650);
      decoded = decode_qr (gray, width, height);
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
      g_assert_true (catd_station_import_image (station, dig, clave, tiff, NULL, &error));
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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/synth/pages", test_pages);
  return g_test_run ();
}
