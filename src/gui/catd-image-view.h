/* catd-image-view.h - a scanned acta page: zoom, pan, fit width, rotate
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CATD_TYPE_IMAGE_VIEW (catd_image_view_get_type ())
G_DECLARE_FINAL_TYPE (CatdImageView, catd_image_view, CATD, IMAGE_VIEW, GtkWidget)

GtkWidget  *catd_image_view_new         (void);
void        catd_image_view_load_file   (CatdImageView *self,
                                         const char    *path);
void        catd_image_view_set_texture (CatdImageView *self,
                                         GdkTexture    *texture);
void        catd_image_view_clear       (CatdImageView *self);

G_END_DECLS
