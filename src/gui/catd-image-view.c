/* catd-image-view.c - a scanned acta page: zoom, pan, fit width, rotate
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-image-view.h"

struct _CatdImageView
{
  GtkWidget     parent_instance;

  GtkWidget    *scroller;
  GtkWidget    *picture;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (CatdImageView, catd_image_view, GTK_TYPE_WIDGET)

static void
catd_image_view_dispose (GObject *object)
{
  CatdImageView *self = (CatdImageView *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);

  G_OBJECT_CLASS (catd_image_view_parent_class)->dispose (object);
}

static void
catd_image_view_class_init (CatdImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_image_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "catd-image-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
catd_image_view_init (CatdImageView *self)
{
  self->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), TRUE);
  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), self->picture);
  gtk_widget_set_parent (self->scroller, GTK_WIDGET (self));
}

GtkWidget *
catd_image_view_new (void)
{
  return g_object_new (CATD_TYPE_IMAGE_VIEW, NULL);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_filename (task_data, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture != NULL)
    catd_image_view_set_texture (CATD_IMAGE_VIEW (object), texture);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("image: %s", error->message);
}

/* Decodes @path on a worker thread and shows it; a later call wins. */
void
catd_image_view_load_file (CatdImageView *self,
                           const char    *path)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));
  g_return_if_fail (path != NULL);

  catd_image_view_clear (self);
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, load_cb, NULL);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_thread);
}

void
catd_image_view_set_texture (CatdImageView *self,
                             GdkTexture    *texture)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));

  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
}

/* Forgets the page shown (and a load in flight). */
void
catd_image_view_clear (CatdImageView *self)
{
  g_return_if_fail (CATD_IS_IMAGE_VIEW (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
}
