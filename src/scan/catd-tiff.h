/* catd-tiff.h - encoding a page as the TIFF the station stores
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CATD_TIFF_DEFLATE,   /* lossless, with the horizontal predictor: the default */
  CATD_TIFF_JPEG,      /* colour only, quality 90: a quarter of the size */
} CatdTiffCompression;

typedef struct
{
  guint                width;
  guint                height;
  guint                channels;      /* 1 grey, 3 RGB */
  double               dpi;           /* as read back from the device */
  CatdTiffCompression  compression;
  const char          *make;          /* the device's vendor, or NULL */
  const char          *model;         /* the device's model, or NULL */
  const char          *description;   /* e.g. the CLAVE_ACTA, or NULL */
  gint64               time_usec;     /* when the page was scanned */
} CatdTiffParams;

/* A TIFF file in memory, for libtiff (catd_tiff_memory_open ()). */
typedef struct
{
  GByteArray *data;
  guint64     pos;
} CatdTiffMemory;

struct tiff;

struct tiff *catd_tiff_memory_open (CatdTiffMemory *memory,
                                    const char     *mode);

GBytes *catd_tiff_encode (const guint8          *pixels,
                          gsize                  stride,
                          const CatdTiffParams  *params,
                          GError               **error);

G_END_DECLS
