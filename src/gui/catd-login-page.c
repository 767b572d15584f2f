/* catd-login-page.c - the login screen: user and PIN
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "catd-demo.h"
#include "catd-login-page.h"
#include "catd-trace.h"

struct _CatdLoginPage
{
  GtkWidget    parent_instance;

  CatdSession *session;

  GtkWidget    *content;
  GtkEntry     *login_entry;
  GtkEditable  *pin_entry;
  GtkLabel     *error_label;
  GtkWidget    *sign_in_button;
  GtkWidget    *demo_frame;
  GtkLabel     *demo_label;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (CatdLoginPage, catd_login_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_error (CatdLoginPage *self,
            const char    *message)
{
  gtk_label_set_label (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
user_changed_cb (CatdLoginPage *self)
{
  gboolean demo = self->session && catd_session_get_demo (self->session);

  /* Back on the login screen: nothing of the last sign-in stays. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_editable_set_text (GTK_EDITABLE (self->login_entry), "");
  gtk_editable_set_text (self->pin_entry, "");
  show_error (self, NULL);
  gtk_widget_set_sensitive (self->sign_in_button, TRUE);
  gtk_widget_set_visible (self->demo_frame, demo);
  if (demo)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      const CatdDemoUser *users;
      guint n_users;

      users = catd_demo_users (&n_users);
      for (guint i = 0; i < n_users; i++)
        g_string_append_printf (text, "%s%-13s %s  %s", i ? "\n" : "", users[i].login,
                                users[i].pin, catd_role_to_string (users[i].role));
      gtk_label_set_label (self->demo_label, text->str);
    }
  if (self->session != NULL && catd_session_get_user (self->session) == NULL)
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->login_entry));
      catd_trace_mark_next_frame (GTK_WIDGET (self->login_entry), "login-ready");
    }
}

typedef struct
{
  char *login;
  char *pin;
} Credentials;

static void
credentials_free (gpointer data)
{
  Credentials *credentials = data;

  g_free (credentials->login);
  /* The PIN does not linger in freed memory. */
  if (credentials->pin != NULL)
    memset (credentials->pin, 0, strlen (credentials->pin));
  g_free (credentials->pin);
  g_free (credentials);
}

static gpointer
authenticate_func (CatdStation  *station,
                   CatdUser     *user,
                   gpointer      data,
                   GError      **error)
{
  Credentials *credentials = data;

  return catd_station_authenticate (station, credentials->login, credentials->pin, error);
}

static void
authenticate_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(CatdLoginPage) self = user_data;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = catd_session_run_finish (CATD_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  gtk_widget_set_sensitive (self->sign_in_button, TRUE);
  if (user == NULL)
    {
      g_autofree char *message = catd_session_describe_error (error);

      show_error (self, message);
      gtk_editable_set_text (self->pin_entry, "");
      gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
      return;
    }
  catd_trace_mark ("signed-in");
  catd_session_set_user (self->session, user);
}

static void
sign_in_clicked_cb (CatdLoginPage *self)
{
  const char *login = gtk_editable_get_text (GTK_EDITABLE (self->login_entry));
  const char *pin = gtk_editable_get_text (self->pin_entry);
  Credentials *credentials;

  if (self->session == NULL || self->cancellable != NULL)
    return;
  if (*login == '\0')
    {
      show_error (self, _("Type your user."));
      gtk_widget_grab_focus (GTK_WIDGET (self->login_entry));
      return;
    }
  if (*pin == '\0')
    {
      show_error (self, _("Type your PIN."));
      gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
      return;
    }

  credentials = g_new0 (Credentials, 1);
  credentials->login = g_strstrip (g_utf8_strdown (login, -1));
  credentials->pin = g_strdup (pin);
  show_error (self, NULL);
  gtk_widget_set_sensitive (self->sign_in_button, FALSE);
  self->cancellable = g_cancellable_new ();
  catd_trace_mark ("sign-in");
  /* PIN hashing is slow on purpose: it runs on a worker thread. */
  catd_session_run_async (self->session, authenticate_func, credentials, credentials_free,
                          g_object_unref, self->cancellable, authenticate_cb,
                          g_object_ref (self));
}

static void
login_activate_cb (CatdLoginPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->pin_entry));
}

static void
pin_activate_cb (CatdLoginPage *self)
{
  sign_in_clicked_cb (self);
}

static void
catd_login_page_dispose (GObject *object)
{
  CatdLoginPage *self = (CatdLoginPage *)object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_LOGIN_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_login_page_parent_class)->dispose (object);
}

static void
catd_login_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CatdLoginPage *self = CATD_LOGIN_PAGE (object);

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
catd_login_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CatdLoginPage *self = CATD_LOGIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_login_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_login_page_class_init (CatdLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_login_page_dispose;
  object_class->get_property = catd_login_page_get_property;
  object_class->set_property = catd_login_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, content);
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, login_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, demo_frame);
  gtk_widget_class_bind_template_child (widget_class, CatdLoginPage, demo_label);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, login_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, pin_activate_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
catd_login_page_init (CatdLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CatdSession *
catd_login_page_get_session (CatdLoginPage *self)
{
  g_return_val_if_fail (CATD_IS_LOGIN_PAGE (self), NULL);

  return self->session;
}

void
catd_login_page_set_session (CatdLoginPage *self,
                            CatdSession *session)
{
  g_return_if_fail (CATD_IS_LOGIN_PAGE (self));
  if (!catd_session_attach (&self->session, session, self, G_CALLBACK (user_changed_cb)))
    return;
  user_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
