/* catd-arbitration-page.c - the Arbitraje screen: disputed fields, and the coordinator resolution
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-arbitration-page.h"
#include "catd-work-view.h"

/* The Arbitraje screen: a verificador or coordinador who keyed nothing of
 * an acta keys its disputed fields, blind; a coordinador also resolves what
 * arbitration could not settle, with the image, every value keyed and who
 * keyed it, and a note. All of it is CatdWorkView, asked for those steps. */

struct _CatdArbitrationPage
{
  GtkWidget     parent_instance;

  CatdSession  *session;

  CatdWorkView *work_view;
};

G_DEFINE_FINAL_TYPE (CatdArbitrationPage, catd_arbitration_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
catd_arbitration_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (CATD_ARBITRATION_PAGE (widget)->work_view));
}

static void
catd_arbitration_page_dispose (GObject *object)
{
  CatdArbitrationPage *self = (CatdArbitrationPage *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_ARBITRATION_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_arbitration_page_parent_class)->dispose (object);
}

static void
catd_arbitration_page_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CatdArbitrationPage *self = CATD_ARBITRATION_PAGE (object);

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
catd_arbitration_page_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  CatdArbitrationPage *self = CATD_ARBITRATION_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_arbitration_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_arbitration_page_class_init (CatdArbitrationPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_arbitration_page_dispose;
  object_class->get_property = catd_arbitration_page_get_property;
  object_class->set_property = catd_arbitration_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-arbitration-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdArbitrationPage, work_view);
  widget_class->grab_focus = catd_arbitration_page_grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (CATD_TYPE_WORK_VIEW);
}

static void
catd_arbitration_page_init (CatdArbitrationPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  catd_work_view_set_kinds (self->work_view, CATD_TASK_BIT (CATD_TASK_ARBITRATION) |
                                             CATD_TASK_BIT (CATD_TASK_RESOLUTION));
  catd_work_view_set_title (self->work_view, _("Arbitration"));
}

CatdSession *
catd_arbitration_page_get_session (CatdArbitrationPage *self)
{
  g_return_val_if_fail (CATD_IS_ARBITRATION_PAGE (self), NULL);

  return self->session;
}

void
catd_arbitration_page_set_session (CatdArbitrationPage *self,
                                  CatdSession *session)
{
  g_return_if_fail (CATD_IS_ARBITRATION_PAGE (self));
  g_return_if_fail (!session || CATD_IS_SESSION (session));

  if (self->session == session)
    return;

  g_set_object (&self->session, session);
  /* The view follows the session's user: a change of user wipes it. */
  catd_work_view_set_session (self->work_view, session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
