/* catd-session.c - what every screen of the station shares: engine, user, settings, sync
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-errors.h"
#include "catd-scanner.h"
#include "catd-session.h"

/* The session is the one object the window hands to every page. The engine is
 * thread-safe behind its own lock, so the session's worker threads call it
 * directly; the pages never touch SQLite from the main thread. */

struct _CatdSession
{
  GObject          parent_instance;

  CatdStation     *station;
  CatdUser        *user;
  GSettings       *settings;
  GObject         *sync;
  char            *demo_dir;
  gboolean         demo;
};

G_DEFINE_FINAL_TYPE (CatdSession, catd_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USER,
  PROP_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
catd_session_dispose (GObject *object)
{
  CatdSession *self = (CatdSession *)object;

  g_clear_object (&self->sync);
  g_clear_object (&self->user);
  g_clear_object (&self->settings);
  g_clear_object (&self->station);
  g_clear_pointer (&self->demo_dir, g_free);

  G_OBJECT_CLASS (catd_session_parent_class)->dispose (object);
}

static void
catd_session_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CatdSession *self = CATD_SESSION (object);

  switch (prop_id)
    {
    case PROP_USER:
      g_value_set_object (value, self->user);
      break;

    case PROP_SYNC:
      g_value_set_object (value, self->sync);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_session_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  CatdSession *self = CATD_SESSION (object);

  switch (prop_id)
    {
    case PROP_USER:
      catd_session_set_user (self, g_value_get_object (value));
      break;

    case PROP_SYNC:
      catd_session_set_sync (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_session_class_init (CatdSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = catd_session_dispose;
  object_class->get_property = catd_session_get_property;
  object_class->set_property = catd_session_set_property;

  properties[PROP_USER] =
    g_param_spec_object ("user", NULL, NULL,
                         CATD_TYPE_USER,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SYNC] =
    g_param_spec_object ("sync", NULL, NULL,
                         G_TYPE_OBJECT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
catd_session_init (CatdSession *self)
{
}

/**
 * catd_session_new:
 * @station: the open engine
 * @settings: the application's settings
 * @demo: whether this is the demo station (logins shown, demo scanners)
 *
 * Returns: (transfer full): a session with no user logged in.
 */
CatdSession *
catd_session_new (CatdStation *station,
                  GSettings   *settings,
                  gboolean     demo)
{
  CatdSession *self;

  g_return_val_if_fail (CATD_IS_STATION (station), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (CATD_TYPE_SESSION, NULL);
  self->station = g_object_ref (station);
  self->settings = g_object_ref (settings);
  self->demo = !!demo;

  return self;
}

CatdStation *
catd_session_get_station (CatdSession *self)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), NULL);

  return self->station;
}

/**
 * catd_session_attach:
 * @slot: where a screen keeps its session
 * @session: (nullable): the session the screen is given
 * @screen: the screen, the data of the handlers it connects
 * @user_changed: (nullable): called (swapped) on @screen whenever the
 *   session's user changes
 *
 * What every screen's set_session() does first: forgets the old session
 * (every handler @screen connected on it or on its station), keeps a
 * reference to @session and follows its user. Returns %FALSE, doing
 * nothing, when @session is the one @slot already holds.
 */
gboolean
catd_session_attach (CatdSession **slot,
                     CatdSession  *session,
                     gpointer      screen,
                     GCallback     user_changed)
{
  g_return_val_if_fail (slot != NULL && G_IS_OBJECT (screen), FALSE);
  g_return_val_if_fail (!session || CATD_IS_SESSION (session), FALSE);

  if (*slot == session)
    return FALSE;
  if (*slot != NULL)
    {
      g_signal_handlers_disconnect_by_data (*slot, screen);
      g_signal_handlers_disconnect_by_data ((*slot)->station, screen);
    }
  g_set_object (slot, session);
  if (session != NULL && user_changed != NULL)
    g_signal_connect_object (session, "notify::user", user_changed, screen, G_CONNECT_SWAPPED);
  return TRUE;
}

/* The user logged in, or %NULL on the login screen. */
CatdUser *
catd_session_get_user (CatdSession *self)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), NULL);

  return self->user;
}

/* Setting a new user (or %NULL) tells every page, through notify::user, to
 * drop what the previous one typed or saw. */
void
catd_session_set_user (CatdSession *self,
                       CatdUser    *user)
{
  g_return_if_fail (CATD_IS_SESSION (self));
  g_return_if_fail (!user || CATD_IS_USER (user));

  if (g_set_object (&self->user, user))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
}

GSettings *
catd_session_get_settings (CatdSession *self)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), NULL);

  return self->settings;
}

gboolean
catd_session_get_demo (CatdSession *self)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), FALSE);

  return self->demo;
}

/* The upload service, or %NULL when no central site is configured. */
CatdSyncService *
catd_session_get_sync (CatdSession *self)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), NULL);

  return (CatdSyncService *)self->sync;
}

void
catd_session_set_sync (CatdSession     *self,
                       CatdSyncService *sync)
{
  g_return_if_fail (CATD_IS_SESSION (self));
  g_return_if_fail (!sync || G_IS_OBJECT (sync));

  if (g_set_object (&self->sync, (GObject *)sync))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
}

/* Where the demo keeps its synthetic pages and its central site, or %NULL. */
const char *
catd_session_get_demo_dir (CatdSession *self)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), NULL);

  return self->demo_dir;
}

void
catd_session_set_demo_dir (CatdSession *self,
                           const char  *demo_dir)
{
  g_return_if_fail (CATD_IS_SESSION (self));

  catd_set_str (&self->demo_dir, demo_dir);
}

typedef struct
{
  CatdStation     *station;
  CatdUser        *user;
  CatdSessionFunc  func;
  gpointer         data;
  GDestroyNotify   data_free;
  GDestroyNotify   result_free;
} Work;

static void
work_free (Work *work)
{
  if (work->data_free != NULL && work->data != NULL)
    work->data_free (work->data);
  g_clear_object (&work->station);
  g_clear_object (&work->user);
  g_free (work);
}

static void
work_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Work *work = task_data;
  GError *error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (task))
    return;

  result = work->func (work->station, work->user, work->data, &error);
  if (error != NULL)
    {
      g_assert (result == NULL);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, result, work->result_free);
}

/**
 * catd_session_run_async:
 * @func: the work; it runs on a worker thread with the station and the user
 *   logged in when the call was made (so a user switch in between cannot
 *   make it act for somebody else)
 * @data: (transfer full): handed to @func; freed with @data_free afterwards
 * @result_free: frees @func's result when nobody collects it
 *
 * Runs engine work off the main loop. The callback runs on the calling
 * thread's main context; collect with catd_session_run_finish(). If
 * @cancellable is cancelled before the callback, the callback still runs and
 * the result is %G_IO_ERROR_CANCELLED (the work itself, once started, is not
 * interrupted: every engine action is one short transaction).
 */
void
catd_session_run_async (CatdSession         *self,
                        CatdSessionFunc      func,
                        gpointer             data,
                        GDestroyNotify       data_free,
                        GDestroyNotify       result_free,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Work *work;

  g_return_if_fail (CATD_IS_SESSION (self));
  g_return_if_fail (func != NULL);

  work = g_new0 (Work, 1);
  work->station = g_object_ref (self->station);
  work->user = self->user ? g_object_ref (self->user) : NULL;
  work->func = func;
  work->data = data;
  work->data_free = data_free;
  work->result_free = result_free;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, catd_session_run_async);
  g_task_set_task_data (task, work, (GDestroyNotify)work_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, work_thread);
}

gpointer
catd_session_run_finish (CatdSession   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (CATD_IS_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static const char *
station_sentence (int code)
{
  switch ((CatdStationError)code)
    {
    case CATD_STATION_ERROR_INVALID_INPUT:
      return _("The data is not valid. Check what you typed and try again.");
    case CATD_STATION_ERROR_UNKNOWN_ACTA:
      return _("This acta is not in the catalog. Check the key; if it is right, register it as outside the catalog.");
    case CATD_STATION_ERROR_DUPLICATE:
      return _("This acta was already registered.");
    case CATD_STATION_ERROR_WRONG_STATE:
      return _("This acta is not at the stage this step needs. Look it up to see where it is.");
    case CATD_STATION_ERROR_SAME_USER:
      return _("You already keyed this acta. A different person must key it again.");
    case CATD_STATION_ERROR_ROLE:
      return _("Your role does not allow this action. Ask a coordinator.");
    case CATD_STATION_ERROR_AUTH:
      return _("Unknown user or wrong PIN. Try again.");
    case CATD_STATION_ERROR_LOCKED:
      return _("Too many wrong PINs. Wait a few minutes or ask a coordinator.");
    default:
      return NULL;
    }
}

static const char *
store_sentence (int code)
{
  switch ((CatdStoreError)code)
    {
    case CATD_STORE_ERROR_FULL:
      return _("The disk is full. Nothing was saved. Call a coordinator to free space.");
    case CATD_STORE_ERROR_BUSY:
      return _("The database is busy. Try again in a moment.");
    case CATD_STORE_ERROR_CORRUPT:
      return _("The station database failed its integrity check. Stop and call a coordinator.");
    case CATD_STORE_ERROR_NOT_INITIALIZED:
      return _("There is no station in this data folder.");
    case CATD_STORE_ERROR_TOO_NEW:
      return _("This data folder was written by a newer version of the station. Update the program.");
    case CATD_STORE_ERROR_IO:
    case CATD_STORE_ERROR_ALREADY_INITIALIZED:
    default:
      return _("The station could not read or write its data. Nothing was saved. Try again; if it happens again, call a coordinator.");
    }
}

static const char *
sync_sentence (int code)
{
  switch ((CatdSyncError)code)
    {
    case CATD_SYNC_ERROR_NOT_CONFIGURED:
      return _("No central site is configured. Set its address and token in Preferences.");
    case CATD_SYNC_ERROR_UNREACHABLE:
      return _("The central site cannot be reached. Uploads wait in the queue and are retried.");
    case CATD_SYNC_ERROR_TLS:
      return _("The central site's certificate is not trusted. Check the CA file in Preferences.");
    case CATD_SYNC_ERROR_AUTH:
      return _("The central site refused this station's token. Check the token file in Preferences.");
    case CATD_SYNC_ERROR_GAVE_UP:
    default:
      return _("Some uploads keep failing. They stay in the queue; see the coordination screen.");
    }
}

/**
 * catd_session_describe_error:
 * @error: an error from the engine, the scanner or the sync client
 *
 * Returns: (transfer full): a sentence for the operator, in the user's
 *   language, that says what happened and what to do. The engine's own
 *   (English) message is kept for the log, never shown alone.
 */
char *
catd_session_describe_error (const GError *error)
{
  const char *sentence = NULL;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == CATD_STATION_ERROR)
    sentence = station_sentence (error->code);
  else if (error->domain == CATD_STORE_ERROR)
    sentence = store_sentence (error->code);
  else if (error->domain == CATD_SYNC_ERROR)
    sentence = sync_sentence (error->code);
  else if (error->domain == CATD_SCAN_ERROR)
    {
      const char *language = g_get_language_names ()[0];

      return g_strdup (catd_scan_error_advice (error,
                                               g_str_has_prefix (language, "es") ? "es" : "en"));
    }
  else if (error->domain == CATD_IMAGE_ERROR)
    sentence = error->code == CATD_IMAGE_ERROR_INVALID
             ? _("The file is not a readable TIFF image. Choose another file.")
             : _("An image could not be read or written. Check the disk and try again; if it happens again, call a coordinator.");
  else if (error->domain == CATD_AUDIT_ERROR)
    sentence = _("The audit log does not verify. Stop and call a coordinator.");
  else if (error->domain == CATD_CATALOG_ERROR)
    sentence = _("The catalog file is not valid. Ask for the right catalog file.");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    sentence = _("Cancelled.");

  if (sentence == NULL)
    sentence = _("Something failed. Try again; if it happens again, call a coordinator.");

  g_debug ("%s (%s)", sentence, error->message);
  return g_strdup (sentence);
}

/* The name of an acta's stage, as the screens show it. */
const char *
catd_acta_state_label (CatdActaState state)
{
  switch (state)
    {
    case CATD_ACTA_REGISTERED:
      return _("Registered");
    case CATD_ACTA_DIGITIZED:
      return _("Digitized");
    case CATD_ACTA_CAPTURED_1:
      return _("First capture");
    case CATD_ACTA_REKEY:
      return _("Re-key");
    case CATD_ACTA_ARBITRATION:
      return _("Arbitration");
    case CATD_ACTA_COORDINATOR:
      return _("With the coordinator");
    case CATD_ACTA_VERIFIED:
      return _("Verified");
    case CATD_ACTA_SIN_ACTA:
      return _("Without acta");
    case CATD_ACTA_FUERA_DE_CATALOGO:
      return _("Outside the catalog");
    default:
      return "";
    }
}

/* The name of a role, as the screens show it. */
const char *
catd_role_label (CatdRole role)
{
  switch (role)
    {
    case CATD_ROLE_ACOPIADOR:
      return _("Reception");
    case CATD_ROLE_DIGITALIZADOR:
      return _("Digitization");
    case CATD_ROLE_CAPTURISTA:
      return _("Capture");
    case CATD_ROLE_VERIFICADOR:
      return _("Verification");
    case CATD_ROLE_COORDINADOR:
      return _("Coordination");
    default:
      return "";
    }
}

/* g_set_str() of GLib 2.76, which Debian 12 does not have: replaces the
 * string *@str_pointer with a copy of @new_str; %TRUE if it changed. */
gboolean
catd_set_str (char       **str_pointer,
              const char  *new_str)
{
  char *copy;

  if (*str_pointer == new_str || g_strcmp0 (*str_pointer, new_str) == 0)
    return FALSE;
  copy = g_strdup (new_str);
  g_free (*str_pointer);
  *str_pointer = copy;
  return TRUE;
}
