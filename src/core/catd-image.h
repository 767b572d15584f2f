/* catd-image.h - content-addressed TIFF images on disk
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <tiffio.h>

G_BEGIN_DECLS

typedef struct
{
  char    sha256[65];
  gsize   size;
  guint   width;
  guint   height;
  double  dpi;     /* 0 when the file does not say */
} CatdImageInfo;

/* Largest image accepted: a Letter page at 600 dpi in 24-bit colour,
 * uncompressed, is about 100 MiB. */
#define CATD_IMAGE_MAX_SIZE (256 * 1024 * 1024)

char     *catd_sha256_hex               (gconstpointer   data,
                                         gsize           len);
char     *catd_sha256_bytes             (GBytes         *bytes);
TIFF     *catd_image_tiff_open          (const char     *path,
                                         GString        *first_error);
char     *catd_image_path               (const char     *images_dir,
                                         const char     *sha256);
gboolean  catd_image_check_tiff         (const char     *path,
                                         CatdImageInfo  *info,
                                         GError        **error);
gboolean  catd_image_store              (const char     *images_dir,
                                         GBytes         *bytes,
                                         CatdImageInfo  *info,
                                         GError        **error);
gboolean  catd_image_store_hashed       (const char     *images_dir,
                                         GBytes         *bytes,
                                         const char     *sha256,
                                         CatdImageInfo  *info,
                                         GError        **error);
gboolean  catd_image_store_encoded      (const char           *images_dir,
                                         GBytes               *bytes,
                                         const CatdImageInfo  *encoded,
                                         CatdImageInfo        *info,
                                         GError              **error);
gboolean  catd_image_verify             (const char     *images_dir,
                                         const char     *sha256,
                                         GError        **error);
guint     catd_image_remove_temp_files  (const char     *images_dir);
GPtrArray *catd_image_list_stored       (const char     *images_dir);

G_END_DECLS
