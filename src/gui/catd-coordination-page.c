/* catd-coordination-page.c - the Coordinación screen: progress, queue, throughput, users, audit, export
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-coordination-page.h"

struct _CatdCoordinationPage
{
  GtkWidget    parent_instance;

  CatdSession *session;

  GtkWidget   *content;
};

G_DEFINE_FINAL_TYPE (CatdCoordinationPage, catd_coordination_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
user_changed_cb (CatdCoordinationPage *self)
{
  /* Nothing the previous user saw may survive a change of user. */
}

static void
catd_coordination_page_dispose (GObject *object)
{
  CatdCoordinationPage *self = (CatdCoordinationPage *)object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_COORDINATION_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_coordination_page_parent_class)->dispose (object);
}

static void
catd_coordination_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CatdCoordinationPage *self = CATD_COORDINATION_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_coordination_page_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  CatdCoordinationPage *self = CATD_COORDINATION_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_coordination_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_coordination_page_class_init (CatdCoordinationPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_coordination_page_dispose;
  object_class->get_property = catd_coordination_page_get_property;
  object_class->set_property = catd_coordination_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-coordination-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, content);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
catd_coordination_page_init (CatdCoordinationPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CatdSession *
catd_coordination_page_get_session (CatdCoordinationPage *self)
{
  g_return_val_if_fail (CATD_IS_COORDINATION_PAGE (self), NULL);

  return self->session;
}

void
catd_coordination_page_set_session (CatdCoordinationPage *self,
                                   CatdSession *session)
{
  g_return_if_fail (CATD_IS_COORDINATION_PAGE (self));
  g_return_if_fail (!session || CATD_IS_SESSION (session));

  if (self->session == session)
    return;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    g_signal_connect_object (session, "notify::user", G_CALLBACK (user_changed_cb), self,
                             G_CONNECT_SWAPPED);
  user_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
