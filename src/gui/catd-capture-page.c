/* catd-capture-page.c - the Captura screen: the next acta, its image beside the capture form
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-capture-page.h"
#include "catd-work-view.h"

/* The Captura screen: the capturista's queue (their own re-key first, an
 * acta they left half keyed, then the oldest digitized), the acta's image
 * beside the keyboard-only form. All of it is CatdWorkView, asked for the
 * capture steps; see catd-work-view.c and catd-capture-form.c. */

struct _CatdCapturePage
{
  GtkWidget     parent_instance;

  CatdSession  *session;

  CatdWorkView *work_view;
};

G_DEFINE_FINAL_TYPE (CatdCapturePage, catd_capture_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
catd_capture_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (CATD_CAPTURE_PAGE (widget)->work_view));
}

static void
catd_capture_page_dispose (GObject *object)
{
  CatdCapturePage *self = (CatdCapturePage *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_CAPTURE_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_capture_page_parent_class)->dispose (object);
}

static void
catd_capture_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  CatdCapturePage *self = CATD_CAPTURE_PAGE (object);

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
catd_capture_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  CatdCapturePage *self = CATD_CAPTURE_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_capture_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_capture_page_class_init (CatdCapturePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_capture_page_dispose;
  object_class->get_property = catd_capture_page_get_property;
  object_class->set_property = catd_capture_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-capture-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdCapturePage, work_view);
  widget_class->grab_focus = catd_capture_page_grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  g_type_ensure (CATD_TYPE_WORK_VIEW);
}

static void
catd_capture_page_init (CatdCapturePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  catd_work_view_set_kinds (self->work_view, CATD_TASK_BIT (CATD_TASK_CAPTURE) |
                                             CATD_TASK_BIT (CATD_TASK_REKEY));
  catd_work_view_set_title (self->work_view, _("Capture"));
}

CatdSession *
catd_capture_page_get_session (CatdCapturePage *self)
{
  g_return_val_if_fail (CATD_IS_CAPTURE_PAGE (self), NULL);

  return self->session;
}

void
catd_capture_page_set_session (CatdCapturePage *self,
                              CatdSession *session)
{
  g_return_if_fail (CATD_IS_CAPTURE_PAGE (self));
  g_return_if_fail (!session || CATD_IS_SESSION (session));

  if (self->session == session)
    return;

  g_set_object (&self->session, session);
  /* The view follows the session's user: a change of user wipes it. */
  catd_work_view_set_session (self->work_view, session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
