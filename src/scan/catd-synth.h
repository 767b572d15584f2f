/* catd-synth.h - synthetic acta pages for drills, demos and tests
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "catd-station.h"

G_BEGIN_DECLS

typedef enum
{
  CATD_SYNTH_PNM,    /* binary PGM (P5), what SANE's pnm backend reads */
  CATD_SYNTH_TIFF,   /* 8-bit grey, Deflate */
} CatdSynthFormat;

typedef struct
{
  guint           dpi;           /* 100 to 600 */
  double          skew_degrees;  /* the page as fed crooked, -5 to 5 */
  gboolean        noise;         /* specks and a grey cast, as a worn scanner */
  guint32         seed;          /* the same seed draws the same numbers and page */
  CatdSynthFormat format;
} CatdSynthOptions;

gboolean  catd_synth_render (CatdStation             *station,
                             const char              *clave_acta,
                             const CatdSynthOptions  *options,
                             const char              *path,
                             JsonNode               **answers,
                             GError                 **error);

G_END_DECLS
