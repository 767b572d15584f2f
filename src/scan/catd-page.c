/* catd-page.c - the checks every digitized page passes before it is accepted
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <zbar.h>

#include "catd-errors.h"
#include "catd-page.h"
#include "catd-station-private.h"

/* A page is checked on its 8-bit grey pixels, before it is encoded or
 * stored: is there ink on it, does its QR label read, and does the key it
 * holds name an acta that is waiting for its image. The checks are cheap
 * enough to run on every page of an ADF batch while the next one is fed. */

/* Below this share of dark pixels a page is taken for blank. Dust and a
 * scanner's streaks stay well under it; the sparsest acta is well over. */
#define BLANK_INK 0.003

/* The outer margin ignored by the ink count: a scanner's edge shadow. */
#define MARGIN 0.03

void
catd_page_check_free (CatdPageCheck *check)
{
  if (check == NULL)
    return;
  g_free (check->clave_acta);
  g_free (check);
}

const char *
catd_page_verdict_to_string (CatdPageVerdict verdict)
{
  static const char *names[] = {
    "ok", "blank", "no_qr", "not_in_catalog", "not_registered", "already_digitized",
    "not_digitizable", "wrong_acta",
  };

  g_return_val_if_fail (verdict < G_N_ELEMENTS (names), NULL);
  return names[verdict];
}

/* The share of dark pixels inside the margins, sampling one row in four
 * and one pixel in four: enough to tell an acta from a blank sheet. */
double
catd_page_ink (const guint8 *gray,
               guint         width,
               guint         height,
               gsize         stride)
{
  guint x0 = width * MARGIN, x1 = width - x0, y0 = height * MARGIN, y1 = height - y0;
  guint64 dark = 0, seen = 0;

  for (guint y = y0; y < y1; y += 4)
    {
      const guint8 *row = gray + y * stride;

      for (guint x = x0; x < x1; x += 4)
        {
          dark += row[x] < 128;
          seen++;
        }
    }
  return seen ? (double)dark / seen : 0;
}

static char *
scan_qr (const guint8 *gray,
         guint         width,
         guint         height)
{
  zbar_image_scanner_t *scanner = zbar_image_scanner_create ();
  zbar_image_t *image = zbar_image_create ();
  char *text = NULL;

  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
  zbar_image_scanner_set_config (scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
  /* Every other row and column: a QR finder pattern is seven modules of
   * several pixels each, and half the lines is half the time. */
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, 2);
  zbar_image_scanner_set_config (scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, 2);
  zbar_image_set_format (image, zbar_fourcc ('Y', '8', '0', '0'));
  zbar_image_set_size (image, width, height);
  zbar_image_set_data (image, gray, (unsigned long)width * height, NULL);
  if (zbar_scan_image (scanner, image) > 0)
    text = g_strdup (zbar_symbol_get_data (zbar_image_first_symbol (image)));
  zbar_image_destroy (image);
  zbar_image_scanner_destroy (scanner);
  return text;
}

/**
 * catd_page_read_qr:
 *
 * The text of the first QR code on the page, or %NULL. Pages over 200 dpi
 * are first halved (a QR label's modules stay many pixels wide), which
 * keeps a Letter page at 300 dpi within tens of milliseconds; a label the
 * halved page does not give up is looked for at full size.
 */
char *
catd_page_read_qr (const guint8 *gray,
                   guint         width,
                   guint         height,
                   gsize         stride)
{
  g_autofree guint8 *packed = NULL;
  char *text;

  g_return_val_if_fail (gray != NULL && stride >= width, NULL);

  if (width > 2000)
    {
      guint w = width / 2, h = height / 2;
      g_autofree guint8 *half = g_malloc ((gsize)w * h);

      for (guint y = 0; y < h; y++)
        {
          const guint8 *a = gray + (gsize)(2 * y) * stride;
          const guint8 *b = a + stride;

          for (guint x = 0; x < w; x++)
            half[(gsize)y * w + x] = (a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1]) / 4;
        }
      if ((text = scan_qr (half, w, h)) != NULL)
        return text;
    }

  if (stride == width)
    return scan_qr (gray, width, height);
  packed = g_malloc ((gsize)width * height);
  for (guint y = 0; y < height; y++)
    memcpy (packed + (gsize)y * width, gray + (gsize)y * stride, width);
  return scan_qr (packed, width, height);
}

/**
 * catd_station_check_page:
 *
 * Runs every check on one page and says what it found (never %NULL but on
 * a database failure). The key read from the label is normalized as a
 * typed one is.
 */
CatdPageCheck *
catd_station_check_page (CatdStation   *station,
                         const guint8  *gray,
                         guint          width,
                         guint          height,
                         gsize          stride,
                         GError       **error)
{
  g_autoptr(CatdPageCheck) check = g_new0 (CatdPageCheck, 1);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(CatdActaRow) row = { 0 };
  g_autoptr(GRecMutexLocker) locker = NULL;

  g_return_val_if_fail (CATD_IS_STATION (station), NULL);

  check->ink = catd_page_ink (gray, width, height, stride);
  if (check->ink < BLANK_INK)
    {
      check->verdict = CATD_PAGE_BLANK;
      return g_steal_pointer (&check);
    }

  text = catd_page_read_qr (gray, width, height, stride);
  if (text == NULL || !(check->clave_acta = catd_normalize_clave (text)))
    {
      check->verdict = CATD_PAGE_NO_QR;
      return g_steal_pointer (&check);
    }

  locker = g_rec_mutex_locker_new (&station->mutex);
  if (_catd_station_load_acta (station, check->clave_acta, &row, &local_error))
    {
      if (row.image_sha256 != NULL)
        check->verdict = CATD_PAGE_ALREADY_DIGITIZED;
      else if (row.state == CATD_ACTA_REGISTERED || row.state == CATD_ACTA_FUERA_DE_CATALOGO)
        check->verdict = CATD_PAGE_OK;
      else
        check->verdict = CATD_PAGE_NOT_DIGITIZABLE;
    }
  else if (g_error_matches (local_error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE))
    check->verdict = CATD_PAGE_NOT_REGISTERED;
  else if (g_error_matches (local_error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA) ||
           g_error_matches (local_error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT))
    check->verdict = CATD_PAGE_NOT_IN_CATALOG;
  else
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&check);
}
