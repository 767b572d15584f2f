/* catd-work-view.c - one user's capture work: the queue, the acta's image and the form
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-image-view.h"
#include "catd-trace.h"
#include "catd-work-view.h"

/* What the Captura and Arbitraje screens share: the next acta from the
 * engine's queue for this user (catd_station_next_task ()), its image beside
 * the form, saving the step and going on, skipping an acta, opening one by
 * its key, and how much waits. The screens differ only in the steps they
 * ask for (the kinds): capture and re-key, or arbitration and resolution.
 *
 * Blindness: everything shown comes from a CatdTask opened for the user in
 * the session; when the user changes, everything is dropped before anything
 * is shown for the next one, and answers that arrive later for the previous
 * user are thrown away (their work is cancelled, and each task says whose
 * it is). */

struct _CatdWorkView
{
  GtkWidget        parent_instance;

  CatdSession     *session;
  guint            kinds;
  CatdWorkScreen   screen;
  GCancellable    *cancellable;   /* this user's requests */
  GPtrArray       *skipped;       /* claves passed over, for this user */
  guint            timer;
  guint            counts_idle;
  guint            fetching : 1;
  guint            saving : 1;

  GtkWidget       *content;
  GtkLabel        *title_label;
  GtkLabel        *counts_label;
  GtkEditable     *open_entry;
  GtkWidget       *feedback_box;
  GtkLabel        *feedback_label;
  GtkStack        *stack;
  GtkLabel        *empty_title;
  GtkLabel        *empty_detail;
  CatdImageView   *image_view;
  GtkLabel        *acta_label;
  GtkLabel        *acta_detail;
  CatdCaptureForm *form;
};

G_DEFINE_FINAL_TYPE (CatdWorkView, catd_work_view, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (CatdWorkScreen, catd_work_screen,
                    G_DEFINE_ENUM_VALUE (CATD_WORK_SCREEN_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (CATD_WORK_SCREEN_CAPTURE, "capture"),
                    G_DEFINE_ENUM_VALUE (CATD_WORK_SCREEN_ARBITRATION, "arbitration"))

enum {
  PROP_0,
  PROP_SESSION,
  PROP_KINDS,
  PROP_SCREEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define REFRESH_SECONDS 15

static void fetch_next (CatdWorkView *self);

static CatdUser *
current_user (CatdWorkView *self)
{
  return self->session ? catd_session_get_user (self->session) : NULL;
}

/* Whether @login is still the session's user: an answer for anyone else is
 * dropped unread. */
static gboolean
still_user (CatdWorkView *self,
            const char   *login)
{
  CatdUser *user = current_user (self);

  return user != NULL && g_strcmp0 (catd_user_get_login (user), login) == 0;
}

static void
set_feedback (CatdWorkView *self,
              const char   *kind,
              const char   *text)
{
  static const char *kinds[] = { "success", "error", "warning" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_widget_remove_css_class (self->feedback_box, kinds[i]);
  gtk_widget_set_visible (self->feedback_box, text != NULL);
  if (text == NULL)
    return;
  gtk_widget_add_css_class (self->feedback_box, kind);
  gtk_label_set_label (self->feedback_label, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->feedback_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static const char *
pass_label (const CatdTask *task)
{
  switch (task->pass)
    {
    case 1:
      return _("1st capture");
    case 2:
      return _("2nd capture");
    case 3:
      return _("Re-key");
    case 4:
      return _("Arbitration");
    case 5:
    default:
      return _("Coordinator resolution");
    }
}

static void
show_empty (CatdWorkView *self,
            const char   *title,
            const char   *detail)
{
  catd_capture_form_clear (self->form);
  catd_image_view_clear (self->image_view);
  gtk_label_set_label (self->acta_label, "");
  gtk_label_set_label (self->acta_detail, "");
  gtk_label_set_label (self->empty_title, title);
  gtk_label_set_label (self->empty_detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->empty_detail), detail != NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "work.skip", FALSE);
}

/* Shows @task (taking it): the image, who and what, the form. */
static void
show_task (CatdWorkView *self,
           CatdTask     *task)
{
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;

  /* TRANSLATORS: the acta's key, then the step (1st capture, Re-key...) */
  title = g_strdup_printf (_("Acta %s · %s"), task->clave_acta, pass_label (task));
  /* TRANSLATORS: polling station key, election name, when it was scanned */
  detail = g_strdup_printf (_("Polling station %s · %s · digitized %s"), task->clave_casilla,
                            task->election_nombre,
                            task->digitized_at ? task->digitized_at : "—");
  gtk_label_set_label (self->acta_label, title);
  gtk_label_set_label (self->acta_detail, detail);
  if (task->image_path != NULL)
    catd_image_view_load_file (self->image_view, task->image_path);
  else
    catd_image_view_clear (self->image_view);
  gtk_stack_set_visible_child_name (self->stack, "task");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "work.skip", TRUE);
  catd_capture_form_set_task (self->form, task);
  if (catd_trace_enabled ())
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

      /* Ready for the keyboard: the form has the focus in its first field. */
      if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->form)))
        catd_trace_mark_next_frame (GTK_WIDGET (self->form), "capture-ready");
    }
}

/* ---- counts -------------------------------------------------------------- */

static gpointer
counts_func (CatdStation  *station,
             CatdUser     *user,
             gpointer      data,
             GError      **error)
{
  CatdTaskCounts *counts = g_new0 (CatdTaskCounts, 1);

  if (!catd_station_count_tasks (station, user, counts, error))
    {
      g_free (counts);
      return NULL;
    }
  return counts;
}

static void
counts_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(CatdWorkView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree CatdTaskCounts *counts = catd_session_run_finish (CATD_SESSION (object), result,
                                                               &error);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  CatdUser *user;
  CatdRole role;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (counts == NULL)
    {
      /* A role without this screen's steps has nothing to count. */
      gtk_label_set_label (self->counts_label, "");
      return;
    }

  user = current_user (self);
  role = user ? catd_user_get_role (user) : 0;
  /* Only what this user's role takes: a coordinador has no capture to do. */
  if ((self->kinds & CATD_TASK_BIT (CATD_TASK_CAPTURE)) && role == CATD_ROLE_CAPTURISTA)
    {
      g_ptr_array_add (parts, g_strdup_printf (_("%u for 1st capture"), counts->pass1));
      g_ptr_array_add (parts, g_strdup_printf (_("%u for 2nd capture"), counts->pass2));
      if (counts->rekey > 0)
        g_ptr_array_add (parts, g_strdup_printf (_("%u of yours to re-key"), counts->rekey));
    }
  if ((self->kinds & CATD_TASK_BIT (CATD_TASK_ARBITRATION)) &&
      (role == CATD_ROLE_VERIFICADOR || role == CATD_ROLE_COORDINADOR))
    g_ptr_array_add (parts, g_strdup_printf (_("%u in arbitration"), counts->arbitration));
  if ((self->kinds & CATD_TASK_BIT (CATD_TASK_RESOLUTION)) && role == CATD_ROLE_COORDINADOR)
    g_ptr_array_add (parts, g_strdup_printf (_("%u for the coordinator"), counts->resolution));
  if (parts->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (parts, NULL);
      joined = g_strjoinv (", ", (char **)parts->pdata);
      /* TRANSLATORS: a list such as "3 for 1st capture, 1 for 2nd capture" */
      g_string_printf (text, _("Waiting: %s"), joined);
    }
  gtk_label_set_label (self->counts_label, text->str);
}

static void
refresh_counts (CatdWorkView *self)
{
  if (current_user (self) == NULL)
    return;
  catd_session_run_async (self->session, counts_func, NULL, NULL, g_free, self->cancellable,
                          counts_cb, g_object_ref (self));
}

static gboolean
counts_idle_cb (gpointer data)
{
  CatdWorkView *self = data;

  self->counts_idle = 0;
  refresh_counts (self);
  /* Something new may be waiting for a user who had nothing. */
  if (!self->fetching && !self->saving &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "empty") == 0 &&
      gtk_widget_get_mapped (GTK_WIDGET (self)))
    fetch_next (self);
  return G_SOURCE_REMOVE;
}

static void
acta_changed_cb (CatdWorkView *self)
{
  /* Many actas can change in a burst (an ADF batch): count once after it. */
  if (self->counts_idle == 0 && current_user (self) != NULL)
    self->counts_idle = g_timeout_add (300, counts_idle_cb, self);
}

static gboolean
timer_cb (gpointer data)
{
  CatdWorkView *self = data;

  acta_changed_cb (self);
  return G_SOURCE_CONTINUE;
}

/* ---- the next task ------------------------------------------------------- */

typedef struct
{
  guint  kinds;
  GStrv  skip;
  char  *clave;   /* open this one instead of the next */
} Fetch;

static void
fetch_free (gpointer data)
{
  Fetch *fetch = data;

  g_strfreev (fetch->skip);
  g_free (fetch->clave);
  g_free (fetch);
}

static gpointer
fetch_func (CatdStation  *station,
            CatdUser     *user,
            gpointer      data,
            GError      **error)
{
  Fetch *fetch = data;
  g_autoptr(GError) local_error = NULL;
  CatdTask *task;

  if (fetch->clave != NULL)
    return catd_station_open_task (station, user, fetch->clave, error);
  task = catd_station_next_task (station, user, fetch->kinds, (const char * const *)fetch->skip,
                                 &local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return task;
}

static void
empty_for_role (CatdWorkView *self)
{
  if (self->kinds & CATD_TASK_BIT (CATD_TASK_CAPTURE))
    show_empty (self, _("Captures are keyed by capturistas"),
                _("Disputes between captures wait in the Arbitration screen."));
  else
    show_empty (self, _("Arbitration is for verificadores and coordinadores"),
                _("Captures are keyed in the Capture screen."));
}

typedef struct
{
  CatdWorkView *view;
  char         *clave;    /* an acta opened by its key, or NULL for the next */
} FetchReply;

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  FetchReply *reply = user_data;
  g_autoptr(CatdWorkView) self = reply->view;
  g_autofree char *clave = reply->clave;
  g_autoptr(GError) error = NULL;
  CatdTask *task = catd_session_run_finish (CATD_SESSION (object), result, &error);

  g_free (reply);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->fetching = FALSE;
  if (task != NULL && !still_user (self, task->login))
    {
      catd_task_free (task);
      return;
    }

  if (task != NULL && (self->kinds & CATD_TASK_BIT (task->kind)) == 0)
    {
      /* Opened by key: an acta waiting for a step of the other screen. */
      g_autofree char *text =
        g_strdup_printf (_("Acta %s waits for: %s. It is keyed in the other screen."),
                         task->clave_acta, pass_label (task));

      set_feedback (self, "warning", text);
      catd_task_free (task);
      return;
    }
  if (task != NULL)
    show_task (self, task);
  else if (clave != NULL)
    {
      /* An acta asked for by its key that this user cannot key now: say
       * why, and leave what was on screen alone. */
      g_autofree char *sentence = catd_session_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Acta %s cannot be opened: %s"), clave,
                                               sentence);

      gtk_widget_error_bell (GTK_WIDGET (self));
      set_feedback (self, "error", text);
      if (catd_capture_form_get_task (self->form) == NULL)
        fetch_next (self);
      return;
    }
  else if (g_error_matches (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE))
    empty_for_role (self);
  else if (error != NULL)
    {
      g_autofree char *sentence = catd_session_describe_error (error);

      show_empty (self, _("The queue could not be read"), sentence);
    }
  else if (self->skipped->len > 0)
    show_empty (self, _("No other acta is waiting for you"),
                _("Actas you skipped come back with Refresh (F5)."));
  else if (self->kinds & CATD_TASK_BIT (CATD_TASK_CAPTURE))
    show_empty (self, _("No acta is waiting for you"),
                _("New actas appear here as soon as they are digitized."));
  else
    show_empty (self, _("No dispute is waiting for you"),
                _("Actas appear here when two captures disagree."));
  refresh_counts (self);
}

static void
fetch (CatdWorkView *self,
       const char   *clave)
{
  FetchReply *reply;
  Fetch *data;

  if (current_user (self) == NULL)
    return;
  self->fetching = TRUE;
  data = g_new0 (Fetch, 1);
  data->kinds = self->kinds;
  data->clave = g_strdup (clave);
  data->skip = g_new0 (char *, self->skipped->len + 1);
  for (guint i = 0; i < self->skipped->len; i++)
    data->skip[i] = g_strdup (g_ptr_array_index (self->skipped, i));
  reply = g_new0 (FetchReply, 1);
  reply->view = g_object_ref (self);
  reply->clave = g_strdup (clave);
  catd_session_run_async (self->session, fetch_func, data, fetch_free,
                          (GDestroyNotify)catd_task_free, self->cancellable, fetch_cb, reply);
}

static void
fetch_next (CatdWorkView *self)
{
  fetch (self, NULL);
}

/* ---- saving --------------------------------------------------------------- */

typedef struct
{
  char         *clave;
  CatdTaskKind  kind;
  JsonNode     *values;
  char         *note;
  char         *login;
} Save;

static void
save_free (gpointer data)
{
  Save *save = data;

  g_free (save->clave);
  g_clear_pointer (&save->values, json_node_unref);
  g_free (save->note);
  g_free (save->login);
  g_free (save);
}

static gpointer
save_func (CatdStation  *station,
           CatdUser     *user,
           gpointer      data,
           GError      **error)
{
  Save *save = data;

  /* Saved for the user who keyed it, or not at all. */
  if (user == NULL || g_strcmp0 (catd_user_get_login (user), save->login) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the user changed");
      return NULL;
    }
  return catd_station_save_task (station, user, save->clave, save->kind, save->values,
                                 save->note, error);
}

static void
save_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(CatdWorkView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdCaptureResult) answer = catd_session_run_finish (CATD_SESSION (object), result,
                                                                 &error);
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->saving = FALSE;
  catd_capture_form_set_busy (self->form, FALSE);

  if (answer == NULL)
    {
      g_autofree char *sentence = catd_session_describe_error (error);

      gtk_widget_error_bell (GTK_WIDGET (self));
      if (g_error_matches (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE) ||
          g_error_matches (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER))
        text = g_strdup_printf (_("Not saved: this acta was keyed by others meanwhile and is "
                                  "no longer yours to key. Press Ctrl+N for the next acta. (%s)"),
                                sentence);
      else
        text = g_strdup_printf (_("Not saved: %s"), sentence);
      catd_capture_form_show_message (self->form, text);
      return;
    }

  switch (answer->status)
    {
    case CATD_CAPTURE_AWAITING_PASS2:
      text = g_strdup_printf (_("Acta %s saved (1st capture)."), answer->clave_acta);
      set_feedback (self, "success", text);
      break;

    case CATD_CAPTURE_VERIFIED:
      text = g_strdup_printf (_("Acta %s verified."), answer->clave_acta);
      set_feedback (self, "success", text);
      break;

    case CATD_CAPTURE_REKEY_REQUIRED:
      {
        guint n = g_strv_length (answer->fields);

        text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Acta %s: %u field does not match the first "
                                             "capture. Key it again.",
                                             "Acta %s: %u fields do not match the first "
                                             "capture. Key them again.", n),
                                answer->clave_acta, n);
        set_feedback (self, "warning", text);
        /* Straight to the re-key of the same acta: the form clears and
         * highlights only the fields named. */
        fetch (self, answer->clave_acta);
        refresh_counts (self);
        return;
      }

    case CATD_CAPTURE_ARBITRATION:
      text = g_strdup_printf (_("Acta %s goes to arbitration: a third person keys the fields "
                                "in dispute."), answer->clave_acta);
      set_feedback (self, "warning", text);
      break;

    case CATD_CAPTURE_COORDINATOR:
    default:
      text = g_strdup_printf (_("Acta %s goes to the coordinator."), answer->clave_acta);
      set_feedback (self, "warning", text);
      break;
    }
  fetch_next (self);
}

static void
submit_cb (CatdWorkView *self)
{
  const CatdTask *task = catd_capture_form_get_task (self->form);
  g_autoptr(JsonNode) values = NULL;
  Save *save;

  if (task == NULL || self->saving || !still_user (self, task->login))
    return;
  if ((values = catd_capture_form_collect (self->form)) == NULL)
    return;

  self->saving = TRUE;
  catd_capture_form_set_busy (self->form, TRUE);
  save = g_new0 (Save, 1);
  save->clave = g_strdup (task->clave_acta);
  save->kind = task->kind;
  save->values = g_steal_pointer (&values);
  save->login = g_strdup (task->login);
  if (task->kind == CATD_TASK_RESOLUTION)
    save->note = g_strdup (catd_capture_form_get_note (self->form));
  catd_session_run_async (self->session, save_func, save, save_free,
                          (GDestroyNotify)catd_capture_result_free, self->cancellable, save_cb,
                          g_object_ref (self));
}

/* ---- actions ----------------------------------------------------------------- */

static void
skip_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CatdWorkView *self = CATD_WORK_VIEW (widget);
  const CatdTask *task = catd_capture_form_get_task (self->form);

  if (task == NULL || self->saving || self->fetching)
    return;
  /* The draft stays: the user may come back to this acta. */
  g_ptr_array_add (self->skipped, g_strdup (task->clave_acta));
  set_feedback (self, NULL, NULL);
  fetch_next (self);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CatdWorkView *self = CATD_WORK_VIEW (widget);

  if (self->saving || self->fetching)
    return;
  /* Refresh gives the skipped actas another chance, and what is shown is
   * fetched again (the queue may put a re-key first). */
  g_ptr_array_set_size (self->skipped, 0);
  set_feedback (self, NULL, NULL);
  fetch_next (self);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CatdWorkView *self = CATD_WORK_VIEW (widget);

  gtk_widget_grab_focus (GTK_WIDGET (self->open_entry));
}

static void
open_activate_cb (CatdWorkView *self)
{
  g_autofree char *clave = g_strstrip (g_strdup (gtk_editable_get_text (self->open_entry)));

  if (*clave == '\0' || self->saving || self->fetching)
    return;
  gtk_editable_set_text (self->open_entry, "");
  set_feedback (self, NULL, NULL);
  fetch (self, clave);
}

/* ---- the session and the user --------------------------------------------------- */

static void
reset (CatdWorkView *self)
{
  /* Nothing the previous user typed or saw may survive: requests in flight
   * are cancelled and their answers dropped. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->fetching = FALSE;
  self->saving = FALSE;
  g_ptr_array_set_size (self->skipped, 0);
  g_clear_handle_id (&self->counts_idle, g_source_remove);
  gtk_editable_set_text (self->open_entry, "");
  set_feedback (self, NULL, NULL);
  gtk_label_set_label (self->counts_label, "");
  show_empty (self, "", NULL);
}

static void
user_changed_cb (CatdWorkView *self)
{
  reset (self);
  if (current_user (self) != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    fetch_next (self);
}

/* Work starts in the form's first field still to key; with no acta on
 * screen, GTK gives the focus to the first control. */
static gboolean
catd_work_view_grab_focus (GtkWidget *widget)
{
  CatdWorkView *self = CATD_WORK_VIEW (widget);

  if (catd_capture_form_get_task (self->form) == NULL)
    return FALSE;
  catd_capture_form_focus_first (self->form);
  return TRUE;
}

static void
catd_work_view_map (GtkWidget *widget)
{
  CatdWorkView *self = CATD_WORK_VIEW (widget);

  GTK_WIDGET_CLASS (catd_work_view_parent_class)->map (widget);

  if (self->timer == 0)
    self->timer = g_timeout_add_seconds (REFRESH_SECONDS, timer_cb, self);
  if (current_user (self) == NULL)
    return;
  if (catd_capture_form_get_task (self->form) == NULL && !self->fetching && !self->saving)
    fetch_next (self);
  else
    refresh_counts (self);
}

static void
catd_work_view_unmap (GtkWidget *widget)
{
  CatdWorkView *self = CATD_WORK_VIEW (widget);

  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_handle_id (&self->counts_idle, g_source_remove);

  GTK_WIDGET_CLASS (catd_work_view_parent_class)->unmap (widget);
}

static void
catd_work_view_dispose (GObject *object)
{
  CatdWorkView *self = (CatdWorkView *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer, g_source_remove);
  g_clear_handle_id (&self->counts_idle, g_source_remove);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      g_signal_handlers_disconnect_by_data (catd_session_get_station (self->session), self);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_WORK_VIEW);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->skipped, g_ptr_array_unref);

  G_OBJECT_CLASS (catd_work_view_parent_class)->dispose (object);
}

static void
catd_work_view_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CatdWorkView *self = CATD_WORK_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_KINDS:
      g_value_set_uint (value, self->kinds);
      break;

    case PROP_SCREEN:
      g_value_set_enum (value, self->screen);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_work_view_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CatdWorkView *self = CATD_WORK_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_work_view_set_session (self, g_value_get_object (value));
      break;

    case PROP_KINDS:
      catd_work_view_set_kinds (self, g_value_get_uint (value));
      break;

    case PROP_SCREEN:
      catd_work_view_set_screen (self, g_value_get_enum (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_work_view_class_init (CatdWorkViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_work_view_dispose;
  object_class->get_property = catd_work_view_get_property;
  object_class->set_property = catd_work_view_set_property;
  widget_class->map = catd_work_view_map;
  widget_class->unmap = catd_work_view_unmap;
  widget_class->grab_focus = catd_work_view_grab_focus;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The steps this view asks the queue for: CATD_TASK_BIT()s. */
  properties[PROP_KINDS] =
    g_param_spec_uint ("kinds", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Which screen this view is: sets the kinds and the title together. */
  properties[PROP_SCREEN] =
    g_param_spec_enum ("screen", NULL, NULL,
                       CATD_TYPE_WORK_SCREEN, CATD_WORK_SCREEN_NONE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CATD_TYPE_IMAGE_VIEW);
  g_type_ensure (CATD_TYPE_CAPTURE_FORM);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mx/catd/Station/catd-work-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, content);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, title_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, counts_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, open_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, feedback_box);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, feedback_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, stack);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, empty_title);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, empty_detail);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, image_view);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, acta_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, acta_detail);
  gtk_widget_class_bind_template_child (widget_class, CatdWorkView, form);
  gtk_widget_class_bind_template_callback (widget_class, submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, open_activate_cb);

  gtk_widget_class_install_action (widget_class, "work.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "work.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "work.find", NULL, find_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "work.skip", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "work.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "work.find", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
catd_work_view_init (CatdWorkView *self)
{
  self->skipped = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  show_empty (self, "", NULL);
}

CatdSession *
catd_work_view_get_session (CatdWorkView *self)
{
  g_return_val_if_fail (CATD_IS_WORK_VIEW (self), NULL);

  return self->session;
}

void
catd_work_view_set_session (CatdWorkView *self,
                            CatdSession  *session)
{
  g_return_if_fail (CATD_IS_WORK_VIEW (self));
  if (!catd_session_attach (&self->session, session, self, G_CALLBACK (user_changed_cb)))
    return;
  catd_capture_form_set_session (self->form, session);
  if (session != NULL)
    g_signal_connect_object (catd_session_get_station (session), "acta-changed",
                             G_CALLBACK (acta_changed_cb), self, G_CONNECT_SWAPPED);
  user_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

guint
catd_work_view_get_kinds (CatdWorkView *self)
{
  g_return_val_if_fail (CATD_IS_WORK_VIEW (self), 0);

  return self->kinds;
}

void
catd_work_view_set_kinds (CatdWorkView *self,
                          guint         kinds)
{
  g_return_if_fail (CATD_IS_WORK_VIEW (self));

  if (self->kinds == kinds)
    return;
  self->kinds = kinds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KINDS]);
}

CatdWorkScreen
catd_work_view_get_screen (CatdWorkView *self)
{
  g_return_val_if_fail (CATD_IS_WORK_VIEW (self), CATD_WORK_SCREEN_NONE);

  return self->screen;
}

/**
 * catd_work_view_set_screen:
 *
 * Makes this view the Captura screen (pass 1, pass 2 and the re-key) or
 * the Arbitraje screen (arbitration and the coordinator's resolution): the
 * steps it asks the queue for and its title. The window's template sets it.
 */
void
catd_work_view_set_screen (CatdWorkView   *self,
                           CatdWorkScreen  screen)
{
  g_return_if_fail (CATD_IS_WORK_VIEW (self));

  if (self->screen == screen)
    return;
  self->screen = screen;
  switch (screen)
    {
    case CATD_WORK_SCREEN_CAPTURE:
      catd_work_view_set_kinds (self, CATD_TASK_BIT (CATD_TASK_CAPTURE) |
                                      CATD_TASK_BIT (CATD_TASK_REKEY));
      catd_work_view_set_title (self, _("Capture"));
      break;

    case CATD_WORK_SCREEN_ARBITRATION:
      catd_work_view_set_kinds (self, CATD_TASK_BIT (CATD_TASK_ARBITRATION) |
                                      CATD_TASK_BIT (CATD_TASK_RESOLUTION));
      catd_work_view_set_title (self, _("Arbitration"));
      break;

    case CATD_WORK_SCREEN_NONE:
    default:
      catd_work_view_set_kinds (self, 0);
      catd_work_view_set_title (self, "");
      break;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCREEN]);
}

void
catd_work_view_set_title (CatdWorkView *self,
                          const char   *title)
{
  g_return_if_fail (CATD_IS_WORK_VIEW (self));

  gtk_label_set_label (self->title_label, title);
}

CatdCaptureForm *
catd_work_view_get_form (CatdWorkView *self)
{
  g_return_val_if_fail (CATD_IS_WORK_VIEW (self), NULL);

  return self->form;
}

/* Asks the queue again, as F5 does. */
void
catd_work_view_refresh (CatdWorkView *self)
{
  g_return_if_fail (CATD_IS_WORK_VIEW (self));

  refresh_action (GTK_WIDGET (self), "work.refresh", NULL);
}
