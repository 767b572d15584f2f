/* catd-acopio-page.c - the Acopio screen: registration of arriving actas
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-acopio-page.h"

struct _CatdAcopioPage
{
  GtkWidget    parent_instance;

  CatdSession *session;

  GtkWidget    *content;
  GtkEntry     *clave_entry;
  GtkWidget    *feedback_box;
  GtkLabel     *feedback_title;
  GtkLabel     *feedback_detail;
  GtkWidget    *fuera_box;
  GtkDropDown  *election_dropdown;
  GtkDropDown  *reason_dropdown;
  GtkListBox   *recent_list;
  GCancellable *cancellable;
  char         *unknown_clave;   /* the key "not in the catalog" answered for */
  char         *running_clave;   /* the key of the request in flight */
  GQueue        pending;         /* Request*: a barcode wedge can be faster than a commit */
  guint         busy : 1;
};

#define RECENT_ROWS 30

typedef enum
{
  ACTION_REGISTER,
  ACTION_FUERA,
  ACTION_SIN_ACTA,
  ACTION_RECENT,
} Action;

typedef struct
{
  Action             action;
  char              *clave;
  char              *election;
  CatdSinActaReason  reason;
} Request;

typedef struct
{
  CatdRegistration *registration;   /* what was registered */
  CatdRegistration *earlier;        /* on a duplicate: the first registration */
  GPtrArray        *recent;
} Answer;

static const CatdSinActaReason reasons[] = {
  CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO,
  CATD_SIN_ACTA_CASILLA_NO_INSTALADA,
  CATD_SIN_ACTA_SIN_SOBRE,
};

G_DEFINE_FINAL_TYPE (CatdAcopioPage, catd_acopio_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->clave);
  g_free (request->election);
  g_free (request);
}

static void
answer_free (gpointer data)
{
  Answer *answer = data;

  g_clear_pointer (&answer->registration, catd_registration_free);
  g_clear_pointer (&answer->earlier, catd_registration_free);
  g_clear_pointer (&answer->recent, g_ptr_array_unref);
  g_free (answer);
}

static const char *
reason_label (CatdSinActaReason reason)
{
  switch (reason)
    {
    case CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO:
      return _("Package not delivered");
    case CATD_SIN_ACTA_CASILLA_NO_INSTALADA:
      return _("Polling station not installed");
    case CATD_SIN_ACTA_SIN_SOBRE:
      return _("No envelope");
    default:
      return "";
    }
}

/* Runs on a worker thread: the action, then the recent list to show. */
static gpointer
acopio_func (CatdStation  *station,
             CatdUser     *user,
             gpointer      data,
             GError      **error)
{
  Request *request = data;
  g_autoptr(GError) local_error = NULL;
  Answer *answer = g_new0 (Answer, 1);

  switch (request->action)
    {
    case ACTION_REGISTER:
      answer->registration = catd_station_register (station, user, request->clave, NULL,
                                                    &local_error);
      break;

    case ACTION_FUERA:
      {
        CatdRegisterOptions options = {
          .fuera_de_catalogo = TRUE,
          .election = request->election,
        };

        answer->registration = catd_station_register (station, user, request->clave, &options,
                                                      &local_error);
      }
      break;

    case ACTION_SIN_ACTA:
      answer->registration = catd_station_sin_acta (station, user, request->clave,
                                                    request->reason, &local_error);
      break;

    case ACTION_RECENT:
    default:
      break;
    }

  /* A duplicate is answered with the first registration, so that the
   * acopiador sees when and by whom. */
  if (g_error_matches (local_error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE))
    answer->earlier = catd_station_find_registration (station, request->clave, NULL);

  if (local_error == NULL || answer->earlier != NULL)
    answer->recent = catd_station_recent_registrations (station, RECENT_ROWS, NULL);

  if (local_error != NULL && answer->earlier == NULL)
    {
      answer_free (answer);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return answer;
}

static void
set_feedback (CatdAcopioPage *self,
              const char     *kind,
              const char     *title,
              const char     *detail)
{
  static const char *kinds[] = { "success", "error", "warning" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_widget_remove_css_class (self->feedback_box, kinds[i]);
  gtk_widget_set_visible (self->feedback_box, title != NULL);
  if (title == NULL)
    return;
  gtk_widget_add_css_class (self->feedback_box, kind);
  gtk_label_set_label (self->feedback_title, title);
  gtk_label_set_label (self->feedback_detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->feedback_detail), detail != NULL);
  /* Screen readers announce the answer without a focus change. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->feedback_title),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title, -1);
}

static char *
describe_registration (const CatdRegistration *reg)
{
  if (reg->state == CATD_ACTA_FUERA_DE_CATALOGO)
    /* TRANSLATORS: election name, then the time (dd/mm/yyyy hh:mm:ss) */
    return g_strdup_printf (_("Outside the catalog · %s · %s"), reg->election_nombre,
                            reg->registered_at);
  /* TRANSLATORS: polling station key, election name, time */
  return g_strdup_printf (_("Polling station %s · %s · %s"), reg->clave_casilla,
                          reg->election_nombre, reg->registered_at);
}

static void
fill_recent (CatdAcopioPage *self,
             GPtrArray      *recent)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->recent_list))))
    gtk_list_box_remove (self->recent_list, child);
  if (recent == NULL)
    return;

  for (guint i = 0; i < recent->len; i++)
    {
      const CatdRegistration *reg = g_ptr_array_index (recent, i);
      g_autofree char *detail = describe_registration (reg);
      g_autofree char *accessible = NULL;
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *clave = gtk_label_new (reg->clave_acta);
      GtkWidget *what = gtk_label_new (detail);
      GtkWidget *state = gtk_label_new (catd_acta_state_label (reg->state));

      gtk_widget_set_margin_start (row, 12);
      gtk_widget_set_margin_end (row, 12);
      gtk_widget_set_margin_top (row, 6);
      gtk_widget_set_margin_bottom (row, 6);
      gtk_widget_add_css_class (clave, "monospace");
      gtk_label_set_xalign (GTK_LABEL (what), 0);
      gtk_widget_set_hexpand (what, TRUE);
      gtk_label_set_ellipsize (GTK_LABEL (what), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (state, "dim-label");
      gtk_box_append (GTK_BOX (row), clave);
      gtk_box_append (GTK_BOX (row), what);
      gtk_box_append (GTK_BOX (row), state);
      gtk_list_box_append (self->recent_list, row);
      accessible = g_strdup_printf ("%s, %s, %s", reg->clave_acta, detail,
                                    catd_acta_state_label (reg->state));
      gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_widget_get_parent (row)),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
    }
}

static void run_next (CatdAcopioPage *self);

static void
acopio_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CatdAcopioPage) self = user_data;
  g_autoptr(GError) error = NULL;
  Answer *answer;

  answer = catd_session_run_finish (CATD_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  g_clear_object (&self->cancellable);
  gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));

  if (answer == NULL)
    {
      g_autofree char *message = catd_session_describe_error (error);
      const char *typed = self->running_clave ? self->running_clave : "";

      gtk_widget_error_bell (GTK_WIDGET (self));
      if (g_error_matches (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA))
        {
          g_autofree char *title = g_strdup_printf (_("%s is not in the catalog"), typed);

          set_feedback (self, "error", title,
                        _("Check the key. If it is right, choose the election and register it "
                          "outside the catalog: it is kept but never counted."));
          catd_set_str (&self->unknown_clave, typed);
          gtk_widget_set_visible (self->fuera_box, TRUE);
        }
      else
        set_feedback (self, "error", _("Not registered"), message);
      /* The refused key comes back into the entry, to be corrected. */
      if (*gtk_editable_get_text (GTK_EDITABLE (self->clave_entry)) == '\0')
        {
          gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), typed);
          gtk_editable_select_region (GTK_EDITABLE (self->clave_entry), 0, -1);
        }
      run_next (self);
      return;
    }

  gtk_widget_set_visible (self->fuera_box, FALSE);
  g_clear_pointer (&self->unknown_clave, g_free);
  if (answer->earlier != NULL)
    {
      g_autofree char *title = g_strdup_printf (_("%s was already registered"),
                                                answer->earlier->clave_acta);
      /* TRANSLATORS: the time of the first registration, then who made it */
      g_autofree char *detail = g_strdup_printf (_("First registered on %s by %s. This copy was "
                                                   "not registered again."),
                                                 answer->earlier->registered_at,
                                                 answer->earlier->registered_by);

      gtk_widget_error_bell (GTK_WIDGET (self));
      set_feedback (self, "warning", title, detail);
    }
  else if (answer->registration != NULL)
    {
      const CatdRegistration *reg = answer->registration;
      g_autofree char *title = NULL;
      g_autofree char *detail = describe_registration (reg);

      if (reg->state == CATD_ACTA_SIN_ACTA)
        title = g_strdup_printf (_("%s recorded without acta"), reg->clave_acta);
      else
        title = g_strdup_printf (_("%s registered"), reg->clave_acta);
      set_feedback (self, "success", title, detail);
    }
  fill_recent (self, answer->recent);
  answer_free (answer);
  run_next (self);
}

/* Requests run one at a time, in the order they were made. */
static void
run_next (CatdAcopioPage *self)
{
  Request *request;

  if (self->busy || self->session == NULL || catd_session_get_user (self->session) == NULL)
    return;
  if (!(request = g_queue_pop_head (&self->pending)))
    return;
  self->busy = TRUE;
  catd_set_str (&self->running_clave, request->clave);
  self->cancellable = g_cancellable_new ();
  catd_session_run_async (self->session, acopio_func, request, request_free, answer_free,
                          self->cancellable, acopio_cb, g_object_ref (self));
}

static void
run (CatdAcopioPage *self,
     Request        *request)
{
  g_queue_push_tail (&self->pending, request);
  run_next (self);
}

static char *
typed_clave (CatdAcopioPage *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->clave_entry)));

  g_strstrip (text);
  if (*text == '\0')
    {
      set_feedback (self, "error", _("Type or read an acta key first."), NULL);
      gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));
      return NULL;
    }
  return g_steal_pointer (&text);
}

static void
register_cb (CatdAcopioPage *self)
{
  Request *request;
  char *clave = typed_clave (self);

  if (clave == NULL)
    return;
  request = g_new0 (Request, 1);
  request->action = ACTION_REGISTER;
  request->clave = clave;
  /* The entry is free at once for the next label. */
  gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), "");
  run (self, request);
}

static void
register_fuera_cb (CatdAcopioPage *self)
{
  GtkStringObject *election = gtk_drop_down_get_selected_item (self->election_dropdown);
  Request *request;

  if (self->unknown_clave == NULL || election == NULL)
    return;
  request = g_new0 (Request, 1);
  request->action = ACTION_FUERA;
  request->clave = g_strdup (self->unknown_clave);
  request->election = g_strdup (gtk_string_object_get_string (election));
  run (self, request);
}

static void
sin_acta_cb (CatdAcopioPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->reason_dropdown);
  Request *request;
  char *clave;

  if (selected >= G_N_ELEMENTS (reasons) || !(clave = typed_clave (self)))
    return;
  request = g_new0 (Request, 1);
  request->action = ACTION_SIN_ACTA;
  request->clave = clave;
  request->reason = reasons[selected];
  gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), "");
  run (self, request);
}

static gpointer
elections_func (CatdStation  *station,
                CatdUser     *user,
                gpointer      data,
                GError      **error)
{
  return catd_station_list_elections (station, error);
}

static void
elections_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(CatdAcopioPage) self = user_data;
  g_auto(GStrv) elections = catd_session_run_finish (CATD_SESSION (object), result, NULL);

  if (elections != NULL)
    gtk_drop_down_set_model (self->election_dropdown,
                             G_LIST_MODEL (gtk_string_list_new ((const char * const *)elections)));
}

static void
user_changed_cb (CatdAcopioPage *self)
{
  /* Nothing the previous user saw may survive a change of user. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->busy = FALSE;
  g_queue_clear_full (&self->pending, request_free);
  g_clear_pointer (&self->unknown_clave, g_free);
  g_clear_pointer (&self->running_clave, g_free);
  gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), "");
  set_feedback (self, NULL, NULL, NULL);
  gtk_widget_set_visible (self->fuera_box, FALSE);
  fill_recent (self, NULL);

  if (self->session != NULL && catd_session_get_user (self->session) != NULL)
    {
      Request *request = g_new0 (Request, 1);

      request->action = ACTION_RECENT;
      run (self, request);
      catd_session_run_async (self->session, elections_func, NULL, NULL,
                              (GDestroyNotify)g_strfreev, NULL, elections_cb,
                              g_object_ref (self));
    }
}

static void
catd_acopio_page_map (GtkWidget *widget)
{
  CatdAcopioPage *self = CATD_ACOPIO_PAGE (widget);

  GTK_WIDGET_CLASS (catd_acopio_page_parent_class)->map (widget);
  /* The entry is where a barcode wedge types: it always has the focus. */
  gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));
}

static gboolean
catd_acopio_page_grab_focus (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (CATD_ACOPIO_PAGE (widget)->clave_entry));
}

static void
catd_acopio_page_dispose (GObject *object)
{
  CatdAcopioPage *self = (CatdAcopioPage *)object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->unknown_clave, g_free);
  g_clear_pointer (&self->running_clave, g_free);
  g_queue_clear_full (&self->pending, request_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_ACOPIO_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_acopio_page_parent_class)->dispose (object);
}

static void
catd_acopio_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CatdAcopioPage *self = CATD_ACOPIO_PAGE (object);

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
catd_acopio_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CatdAcopioPage *self = CATD_ACOPIO_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_acopio_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_acopio_page_class_init (CatdAcopioPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_acopio_page_dispose;
  object_class->get_property = catd_acopio_page_get_property;
  object_class->set_property = catd_acopio_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-acopio-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, content);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, clave_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, feedback_box);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, feedback_title);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, feedback_detail);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, fuera_box);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, election_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, reason_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdAcopioPage, recent_list);
  gtk_widget_class_bind_template_callback (widget_class, register_cb);
  gtk_widget_class_bind_template_callback (widget_class, register_fuera_cb);
  gtk_widget_class_bind_template_callback (widget_class, sin_acta_cb);
  widget_class->map = catd_acopio_page_map;
  widget_class->grab_focus = catd_acopio_page_grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
catd_acopio_page_init (CatdAcopioPage *self)
{
  g_autoptr(GtkStringList) reason_labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    gtk_string_list_append (reason_labels, reason_label (reasons[i]));
  gtk_drop_down_set_model (self->reason_dropdown, G_LIST_MODEL (reason_labels));
}

CatdSession *
catd_acopio_page_get_session (CatdAcopioPage *self)
{
  g_return_val_if_fail (CATD_IS_ACOPIO_PAGE (self), NULL);

  return self->session;
}

void
catd_acopio_page_set_session (CatdAcopioPage *self,
                             CatdSession *session)
{
  g_return_if_fail (CATD_IS_ACOPIO_PAGE (self));
  if (!catd_session_attach (&self->session, session, self, G_CALLBACK (user_changed_cb)))
    return;
  user_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
