/* catd-sync-service.c - the station's upload thread, for the GUI
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-sync.h"
#include "catd-sync-service.h"

/* One thread runs catd_sync_run() for as long as the service runs. When the
 * run ends on an error that retrying inside it cannot mend (no central site
 * configured, a refused token, an untrusted certificate), the thread keeps the
 * error for the coordination screen and tries again after a pause, so that a
 * fixed setting takes effect without a restart. */

#define RESTART_PAUSE_US (30 * G_USEC_PER_SEC)

struct _CatdSyncService
{
  GObject       parent_instance;

  CatdStation  *station;
  GThread      *thread;
  GCancellable *cancellable;
  GMainContext *context;
  char         *last_error;
};

G_DEFINE_FINAL_TYPE (CatdSyncService, catd_sync_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_LAST_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  CatdSyncService *self;
  char            *message;
} ErrorReport;

static gboolean
report_error_cb (gpointer data)
{
  ErrorReport *report = data;

  if (catd_set_str (&report->self->last_error, report->message))
    g_object_notify_by_pspec (G_OBJECT (report->self), properties[PROP_LAST_ERROR]);
  return G_SOURCE_REMOVE;
}

static void
error_report_free (gpointer data)
{
  ErrorReport *report = data;

  g_object_unref (report->self);
  g_free (report->message);
  g_free (report);
}

static void
report_error (CatdSyncService *self,
              const char      *message)
{
  ErrorReport *report = g_new0 (ErrorReport, 1);

  report->self = g_object_ref (self);
  report->message = g_strdup (message);
  catd_idle_add_to (self->context, report_error_cb, report, error_report_free);
}

typedef struct
{
  GMutex mutex;
  GCond  cond;
} Pause;

static void
pause_cancelled_cb (GCancellable *cancellable,
                    Pause        *pause)
{
  g_mutex_lock (&pause->mutex);
  g_cond_broadcast (&pause->cond);
  g_mutex_unlock (&pause->mutex);
}

/* Sleeps @us microseconds, or less if @cancellable is cancelled. */
static void
pause_unless_cancelled (GCancellable *cancellable,
                        gint64        us)
{
  Pause pause;
  gint64 until = g_get_monotonic_time () + us;
  gulong id;

  g_mutex_init (&pause.mutex);
  g_cond_init (&pause.cond);
  /* Connected before the lock is taken: on a cancellable already cancelled
   * the callback runs at once, in this thread. */
  id = g_cancellable_connect (cancellable, G_CALLBACK (pause_cancelled_cb), &pause, NULL);
  g_mutex_lock (&pause.mutex);
  while (!g_cancellable_is_cancelled (cancellable)
         && g_cond_wait_until (&pause.cond, &pause.mutex, until))
    ;
  g_mutex_unlock (&pause.mutex);
  /* Disconnecting waits for a callback running on another thread to end. */
  g_cancellable_disconnect (cancellable, id);
  g_cond_clear (&pause.cond);
  g_mutex_clear (&pause.mutex);
}

static gpointer
sync_thread (gpointer data)
{
  CatdSyncService *self = data;
  g_autoptr(GCancellable) cancellable = g_object_ref (self->cancellable);

  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(CatdSync) sync = NULL;
      g_autoptr(GError) error = NULL;
      CatdSyncReport report = { 0 };

      sync = catd_sync_new (self->station, NULL, &error);
      if (sync != NULL && catd_sync_run (sync, cancellable, &report, &error))
        continue;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;
      if (error != NULL)
        {
          g_debug ("sync: %s", error->message);
          report_error (self, error->message);
        }

      pause_unless_cancelled (cancellable, RESTART_PAUSE_US);
    }

  return NULL;
}

static void
catd_sync_service_dispose (GObject *object)
{
  CatdSyncService *self = (CatdSyncService *)object;

  catd_sync_service_stop (self);
  g_clear_object (&self->station);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->last_error, g_free);

  G_OBJECT_CLASS (catd_sync_service_parent_class)->dispose (object);
}

static void
catd_sync_service_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CatdSyncService *self = CATD_SYNC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, catd_sync_service_get_running (self));
      break;

    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_sync_service_class_init (CatdSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = catd_sync_service_dispose;
  object_class->get_property = catd_sync_service_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
catd_sync_service_init (CatdSyncService *self)
{
  self->context = g_main_context_ref_thread_default ();
}

CatdSyncService *
catd_sync_service_new (CatdStation *station)
{
  CatdSyncService *self;

  g_return_val_if_fail (CATD_IS_STATION (station), NULL);

  self = g_object_new (CATD_TYPE_SYNC_SERVICE, NULL);
  self->station = g_object_ref (station);
  return self;
}

/* Starts the upload thread; does nothing if it runs already. */
void
catd_sync_service_start (CatdSyncService *self)
{
  g_return_if_fail (CATD_IS_SYNC_SERVICE (self));

  if (self->thread != NULL)
    return;

  self->cancellable = g_cancellable_new ();
  /* The thread holds no reference: dispose stops and joins it first. */
  self->thread = g_thread_new ("catd-sync", sync_thread, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/* Stops the thread and waits for it: an upload in flight is cut, and the
 * item stays queued (only a 2xx acknowledges it). */
void
catd_sync_service_stop (CatdSyncService *self)
{
  g_return_if_fail (CATD_IS_SYNC_SERVICE (self));

  if (self->thread == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_object (&self->cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
catd_sync_service_get_running (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), FALSE);

  return self->thread != NULL;
}

/* The last error the upload thread met, in English (the engine's words), or %NULL. */
const char *
catd_sync_service_get_last_error (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), NULL);

  return self->last_error;
}
