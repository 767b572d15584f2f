/* catd-preferences-window.c - central site, certificates, scanner defaults, style
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-preferences-window.h"

struct _CatdPreferencesWindow
{
  GtkWindow    parent_instance;

  CatdSession *session;
  GtkDropDown *style_dropdown;
};

G_DEFINE_FINAL_TYPE (CatdPreferencesWindow, catd_preferences_window, GTK_TYPE_WINDOW)

static const char *styles[] = { "system", "light", "dark" };

static void
style_selected_cb (CatdPreferencesWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->style_dropdown);

  if (self->session != NULL && selected < G_N_ELEMENTS (styles))
    g_settings_set_string (catd_session_get_settings (self->session), "style", styles[selected]);
}

static void
catd_preferences_window_dispose (GObject *object)
{
  CatdPreferencesWindow *self = (CatdPreferencesWindow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_preferences_window_parent_class)->dispose (object);
}

static void
catd_preferences_window_class_init (CatdPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mx/catd/Station/catd-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdPreferencesWindow, style_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, style_selected_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
catd_preferences_window_init (CatdPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CatdPreferencesWindow *
catd_preferences_window_new (CatdSession *session)
{
  CatdPreferencesWindow *self;
  g_autofree char *style = NULL;

  g_return_val_if_fail (CATD_IS_SESSION (session), NULL);

  self = g_object_new (CATD_TYPE_PREFERENCES_WINDOW, NULL);
  self->session = g_object_ref (session);
  style = g_settings_get_string (catd_session_get_settings (session), "style");
  for (guint i = 0; i < G_N_ELEMENTS (styles); i++)
    if (g_strcmp0 (style, styles[i]) == 0)
      gtk_drop_down_set_selected (self->style_dropdown, i);
  return self;
}
