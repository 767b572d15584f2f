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

GtkWidget  *catd_image_view_new          (void);
void        catd_image_view_load_file    (CatdImageView *self,
                                          const char    *path);
void        catd_image_view_set_pixels   (CatdImageView *self,
                                          GBytes        *pixels,
                                          guint          width,
                                          guint          height,
                                          guint          channels,
                                          gsize          stride,
                                          const char    *path);
void        catd_image_view_set_texture  (CatdImageView *self,
                                          GdkTexture    *texture);
void        catd_image_view_clear        (CatdImageView *self);

GdkTexture *catd_image_view_get_texture  (CatdImageView *self);
gboolean    catd_image_view_get_loading  (CatdImageView *self);
const char *catd_image_view_get_error    (CatdImageView *self);
void        catd_image_view_get_source_size (CatdImageView *self,
                                          guint         *width,
                                          guint         *height);
double      catd_image_view_get_zoom     (CatdImageView *self);
void        catd_image_view_set_zoom     (CatdImageView *self,
                                          double         zoom);
gboolean    catd_image_view_get_fit_width (CatdImageView *self);
void        catd_image_view_set_fit_width (CatdImageView *self,
                                          gboolean       fit_width);
guint       catd_image_view_get_rotation (CatdImageView *self);
void        catd_image_view_set_rotation (CatdImageView *self,
                                          guint          degrees);
GdkTexture *catd_image_view_get_drawn_level (CatdImageView *self);

guint       catd_image_view_get_n_decodes (void);

G_END_DECLS
