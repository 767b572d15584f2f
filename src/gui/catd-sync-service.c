/* catd-sync-service.c - the station's upload thread, for the GUI
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-sync.h"
#include "catd-sync-service.h"

/* One thread runs catd_sync_run () for as long as the service runs; the
 * client tells it what happens (catd_sync_set_observer ()), and the thread
 * hands that to the main thread, where it becomes properties: whether the
 * central site answers, the last error, the clock offset, the last upload.
 *
 * Each run uses the central site's settings as they were when it began.
 * While it runs, the thread looks at the settings every few seconds (and
 * at once when catd_sync_service_restart () asks): when the URL, the token
 * file or the CA file changed, in the preferences or with catdctl, the run
 * is cancelled and a new one starts with the new settings. A run that ends
 * on an error retrying cannot mend (no central site, a refused token, an
 * untrusted certificate) is started again after a pause, or at once when
 * the settings change or the coordinador asks to sync now.
 *
 * What the thread learns goes into @shared under @lock; one idle callback
 * at a time copies it to @shown on the main thread and notifies what
 * changed, so that a burst of uploads costs a handful of notifications. */

#define RESTART_PAUSE_US  (30 * G_USEC_PER_SEC)
#define CONFIG_CHECK_US   (3 * G_USEC_PER_SEC)

G_DEFINE_ENUM_TYPE (CatdSyncReachability, catd_sync_reachability,
  G_DEFINE_ENUM_VALUE (CATD_SYNC_REACHABILITY_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (CATD_SYNC_REACHABILITY_REACHABLE, "reachable"),
  G_DEFINE_ENUM_VALUE (CATD_SYNC_REACHABILITY_UNREACHABLE, "unreachable"),
  G_DEFINE_ENUM_VALUE (CATD_SYNC_REACHABILITY_NOT_CONFIGURED, "not-configured"),
  G_DEFINE_ENUM_VALUE (CATD_SYNC_REACHABILITY_REFUSED, "refused"))

typedef struct
{
  CatdSyncReachability  reachability;
  GError               *error;
  gint64                error_time;     /* unix µs */
  gint64                last_contact;   /* unix µs; 0: never */
  gint64                last_upload;    /* unix µs; 0: never */
  guint                 uploaded;
  gboolean              clock_checked;
  gint64                clock_offset_ms;
} State;

struct _CatdSyncService
{
  GObject       parent_instance;

  CatdStation  *station;
  GMainContext *context;
  GThread      *thread;
  GCancellable *cancellable;      /* the service's; cancelled by stop */

  GMutex        lock;             /* guards what follows, up to @shown */
  GCond         cond;             /* a pause ends early */
  GCancellable *run_cancellable;  /* the run in progress, if any */
  gboolean      kick;             /* sync now: make the queue due and run */
  gboolean      restart;          /* read the settings again */
  gboolean      posted;           /* an update of @shown is on its way */
  State         shared;

  State         shown;            /* the main thread's copy: the properties */
};

G_DEFINE_FINAL_TYPE (CatdSyncService, catd_sync_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  PROP_REACHABILITY,
  PROP_LAST_ERROR,
  PROP_LAST_ERROR_TIME,
  PROP_LAST_CONTACT,
  PROP_LAST_UPLOAD,
  PROP_UPLOADED,
  PROP_CLOCK_CHECKED,
  PROP_CLOCK_OFFSET_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- from the thread to the main thread ------------------------------------ */

static gboolean
update_cb (gpointer data)
{
  CatdSyncService *self = data;
  State state = { 0 };
  State *old = &self->shown;

  g_mutex_lock (&self->lock);
  self->posted = FALSE;
  state = self->shared;
  state.error = self->shared.error ? g_error_copy (self->shared.error) : NULL;
  g_mutex_unlock (&self->lock);

  g_object_freeze_notify (G_OBJECT (self));
  if (old->reachability != state.reachability)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REACHABILITY]);
  if ((old->error == NULL) != (state.error == NULL) ||
      (old->error && g_strcmp0 (old->error->message, state.error->message) != 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
  if (old->error_time != state.error_time)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR_TIME]);
  if (old->last_contact != state.last_contact)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CONTACT]);
  if (old->last_upload != state.last_upload)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_UPLOAD]);
  if (old->uploaded != state.uploaded)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPLOADED]);
  if (old->clock_checked != state.clock_checked)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_CHECKED]);
  if (old->clock_offset_ms != state.clock_offset_ms)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK_OFFSET_MS]);
  g_clear_error (&old->error);
  *old = state;
  g_object_thaw_notify (G_OBJECT (self));
  return G_SOURCE_REMOVE;
}

/* Called with @lock held, after @shared changed. */
static void
post_locked (CatdSyncService *self)
{
  if (self->posted)
    return;
  self->posted = TRUE;
  catd_idle_add_to (self->context, update_cb, g_object_ref (self), g_object_unref);
}

static void
set_error_locked (CatdSyncService *self,
                  GQuark           domain,
                  int              code,
                  const char      *message)
{
  g_clear_error (&self->shared.error);
  self->shared.error = g_error_new_literal (domain, code, message);
  self->shared.error_time = g_get_real_time ();
}

/* ---- the thread ------------------------------------------------------------ */

/* The settings a run depends on, as one string to compare. */
static char *
config_key (CatdStation *station)
{
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ca = NULL;
  g_autoptr(GError) error = NULL;

  if (!catd_station_get_central (station, &url, &token, &ca, &error))
    return NULL;
  return g_strdup_printf ("%s\n%s\n%s", url ? url : "", token ? token : "", ca ? ca : "");
}

typedef struct
{
  CatdSyncService *self;
  char            *config;        /* the settings this run started with */
  gint64           next_check;    /* monotonic */
  gboolean         no_answer;     /* the last request got none */
} Run;

static void
make_due (CatdSyncService *self)
{
  g_autoptr(GError) error = NULL;

  if (!catd_station_outbox_due_now (self->station, NULL, &error))
    g_debug ("sync now: %s", error->message);
}

/* Whether the run must end for new settings; also serves "sync now". */
static gboolean
settings_changed (Run *run)
{
  CatdSyncService *self = run->self;
  gboolean kick, restart;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  kick = self->kick;
  restart = self->restart;
  self->kick = self->restart = FALSE;
  g_mutex_unlock (&self->lock);

  if (kick)
    make_due (self);
  if (restart || now >= run->next_check)
    {
      g_autofree char *config = config_key (self->station);

      run->next_check = now + CONFIG_CHECK_US;
      if (config != NULL && g_strcmp0 (config, run->config) != 0)
        return TRUE;
    }
  return FALSE;
}

static void
observer_cb (const CatdSyncEvent *event,
             gpointer             data)
{
  Run *run = data;
  CatdSyncService *self = run->self;
  gint64 now = g_get_real_time ();

  if (event->kind == CATD_SYNC_EVENT_IDLE)
    {
      if (settings_changed (run))
        {
          g_autoptr(GCancellable) cancellable = NULL;

          /* New settings: what waited out a backoff against the old ones
           * goes at once. */
          g_mutex_lock (&self->lock);
          self->kick = TRUE;
          cancellable = self->run_cancellable ? g_object_ref (self->run_cancellable) : NULL;
          g_mutex_unlock (&self->lock);
          /* Cancelled outside the lock: cancelling runs its handlers. */
          g_cancellable_cancel (cancellable);
        }
      return;
    }

  g_mutex_lock (&self->lock);
  switch (event->kind)
    {
    case CATD_SYNC_EVENT_ANSWERED:
      run->no_answer = FALSE;
      /* A 5xx is a proxy or a site in trouble: not the site at work. */
      self->shared.last_contact = now;
      self->shared.reachability = event->status >= 500 ? CATD_SYNC_REACHABILITY_UNREACHABLE
                                                       : CATD_SYNC_REACHABILITY_REACHABLE;
      break;

    case CATD_SYNC_EVENT_NO_ANSWER:
      run->no_answer = TRUE;
      self->shared.reachability = CATD_SYNC_REACHABILITY_UNREACHABLE;
      set_error_locked (self, CATD_SYNC_ERROR, CATD_SYNC_ERROR_UNREACHABLE, event->message);
      break;

    case CATD_SYNC_EVENT_CLOCK:
      self->shared.clock_checked = TRUE;
      self->shared.clock_offset_ms = event->clock_offset_ms;
      break;

    case CATD_SYNC_EVENT_SENT:
      self->shared.last_upload = now;
      self->shared.uploaded++;
      break;

    case CATD_SYNC_EVENT_RETRY:
      /* A retry for want of an answer: NO_ANSWER said it better. */
      if (run->no_answer)
        break;
      G_GNUC_FALLTHROUGH;
    case CATD_SYNC_EVENT_DEAD:
      if (event->message != NULL)
        set_error_locked (self, CATD_SYNC_ERROR, CATD_SYNC_ERROR_GAVE_UP, event->message);
      break;

    case CATD_SYNC_EVENT_IDLE:
    default:
      break;
    }
  post_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
cancel_run_cb (GCancellable *service,
               GCancellable *run)
{
  g_cancellable_cancel (run);
}

/* Waits @us microseconds, or until the service stops, the coordinador
 * asks to sync now, or the settings change. */
static void
pause_run (CatdSyncService *self,
           const char      *config,
           gint64           us)
{
  gint64 until = g_get_monotonic_time () + us;

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      gint64 now = g_get_monotonic_time ();
      gboolean wake;

      if (now >= until)
        break;
      g_mutex_lock (&self->lock);
      if (!self->kick && !self->restart && !g_cancellable_is_cancelled (self->cancellable))
        g_cond_wait_until (&self->cond, &self->lock, MIN (until, now + CONFIG_CHECK_US));
      wake = self->kick || self->restart;
      g_mutex_unlock (&self->lock);
      if (wake)
        break;
      {
        g_autofree char *current = config_key (self->station);

        if (current != NULL && g_strcmp0 (current, config) != 0)
          {
            /* New settings: nothing waits out a backoff earned with the old. */
            g_mutex_lock (&self->lock);
            self->kick = TRUE;
            g_mutex_unlock (&self->lock);
            break;
          }
      }
    }
}

static void
stop_cb (GCancellable    *cancellable,
         CatdSyncService *self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gpointer
sync_thread (gpointer data)
{
  CatdSyncService *self = data;
  gulong stop_id;

  /* Connected before the loop: a stop wakes a pause. */
  stop_id = g_cancellable_connect (self->cancellable, G_CALLBACK (stop_cb), self, NULL);

  while (!g_cancellable_is_cancelled (self->cancellable))
    {
      g_autoptr(CatdSync) sync = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GCancellable) run_cancellable = g_cancellable_new ();
      Run run = { self, config_key (self->station), g_get_monotonic_time () + CONFIG_CHECK_US,
                  FALSE };
      CatdSyncReport report = { 0 };
      gboolean kick;
      gulong id;

      g_mutex_lock (&self->lock);
      kick = self->kick;
      self->kick = self->restart = FALSE;
      g_mutex_unlock (&self->lock);
      if (kick)
        make_due (self);

      sync = catd_sync_new (self->station, NULL, &error);
      if (sync != NULL)
        {
          g_mutex_lock (&self->lock);
          g_set_object (&self->run_cancellable, run_cancellable);
          g_mutex_unlock (&self->lock);
          id = g_cancellable_connect (self->cancellable, G_CALLBACK (cancel_run_cb),
                                      run_cancellable, NULL);
          catd_sync_set_observer (sync, observer_cb, &run);
          catd_sync_run (sync, run_cancellable, &report, &error);
          g_cancellable_disconnect (self->cancellable, id);
          g_mutex_lock (&self->lock);
          g_clear_object (&self->run_cancellable);
          g_mutex_unlock (&self->lock);
        }

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* A stop, or new settings: the loop tells which. */
          g_free (run.config);
          continue;
        }
      if (error != NULL)
        {
          g_debug ("sync: %s", error->message);
          g_mutex_lock (&self->lock);
          if (g_error_matches (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED))
            self->shared.reachability = CATD_SYNC_REACHABILITY_NOT_CONFIGURED;
          else if (g_error_matches (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_AUTH) ||
                   g_error_matches (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_TLS))
            self->shared.reachability = CATD_SYNC_REACHABILITY_REFUSED;
          else if (g_error_matches (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_UNREACHABLE))
            self->shared.reachability = CATD_SYNC_REACHABILITY_UNREACHABLE;
          set_error_locked (self, error->domain, error->code, error->message);
          post_locked (self);
          g_mutex_unlock (&self->lock);
        }
      pause_run (self, run.config, RESTART_PAUSE_US);
      g_free (run.config);
    }

  g_cancellable_disconnect (self->cancellable, stop_id);
  return NULL;
}

/* ---- the object ------------------------------------------------------------ */

static void
catd_sync_service_dispose (GObject *object)
{
  CatdSyncService *self = (CatdSyncService *)object;

  catd_sync_service_stop (self);
  g_clear_object (&self->station);

  G_OBJECT_CLASS (catd_sync_service_parent_class)->dispose (object);
}

static void
catd_sync_service_finalize (GObject *object)
{
  CatdSyncService *self = (CatdSyncService *)object;

  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->shared.error);
  g_clear_error (&self->shown.error);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (catd_sync_service_parent_class)->finalize (object);
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

    case PROP_REACHABILITY:
      g_value_set_enum (value, self->shown.reachability);
      break;

    case PROP_LAST_ERROR:
      g_value_set_string (value, catd_sync_service_get_last_error (self));
      break;

    case PROP_LAST_ERROR_TIME:
      g_value_set_int64 (value, self->shown.error_time);
      break;

    case PROP_LAST_CONTACT:
      g_value_set_int64 (value, self->shown.last_contact);
      break;

    case PROP_LAST_UPLOAD:
      g_value_set_int64 (value, self->shown.last_upload);
      break;

    case PROP_UPLOADED:
      g_value_set_uint (value, self->shown.uploaded);
      break;

    case PROP_CLOCK_CHECKED:
      g_value_set_boolean (value, self->shown.clock_checked);
      break;

    case PROP_CLOCK_OFFSET_MS:
      g_value_set_int64 (value, self->shown.clock_offset_ms);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_sync_service_class_init (CatdSyncServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = catd_sync_service_dispose;
  object_class->finalize = catd_sync_service_finalize;
  object_class->get_property = catd_sync_service_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE, flags);
  properties[PROP_REACHABILITY] =
    g_param_spec_enum ("reachability", NULL, NULL, CATD_TYPE_SYNC_REACHABILITY,
                       CATD_SYNC_REACHABILITY_UNKNOWN, flags);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL, flags);
  properties[PROP_LAST_ERROR_TIME] =
    g_param_spec_int64 ("last-error-time", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_LAST_CONTACT] =
    g_param_spec_int64 ("last-contact", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_LAST_UPLOAD] =
    g_param_spec_int64 ("last-upload", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_UPLOADED] =
    g_param_spec_uint ("uploaded", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_CLOCK_CHECKED] =
    g_param_spec_boolean ("clock-checked", NULL, NULL, FALSE, flags);
  properties[PROP_CLOCK_OFFSET_MS] =
    g_param_spec_int64 ("clock-offset-ms", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
catd_sync_service_init (CatdSyncService *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_ref_thread_default ();
}

/* A service for @station; nothing runs until catd_sync_service_start (). */
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

/**
 * catd_sync_service_restart:
 *
 * Reads the central site's settings again now (the thread also notices a
 * change by itself within seconds): call it after changing them. A run
 * with the old settings is cut; an upload in flight stays queued.
 */
void
catd_sync_service_restart (CatdSyncService *self)
{
  g_return_if_fail (CATD_IS_SYNC_SERVICE (self));

  if (self->thread == NULL)
    {
      catd_sync_service_start (self);
      return;
    }
  g_mutex_lock (&self->lock);
  self->restart = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/**
 * catd_sync_service_sync_now:
 *
 * The coordinador's "sync now": every queued upload is made due at once
 * (not after its backoff), and a run paused after an error starts again.
 * Dead letters stay dead. Returns at once; the thread does the work.
 */
void
catd_sync_service_sync_now (CatdSyncService *self)
{
  g_return_if_fail (CATD_IS_SYNC_SERVICE (self));

  g_mutex_lock (&self->lock);
  self->kick = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  catd_sync_service_start (self);
}

gboolean
catd_sync_service_get_running (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), FALSE);

  return self->thread != NULL;
}

CatdSyncReachability
catd_sync_service_get_reachability (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), CATD_SYNC_REACHABILITY_UNKNOWN);

  return self->shown.reachability;
}

/* The last error the upload thread met, in English (the engine's words),
 * or %NULL; catd_sync_service_dup_error () gives it for
 * catd_session_describe_error (). */
const char *
catd_sync_service_get_last_error (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), NULL);

  return self->shown.error ? self->shown.error->message : NULL;
}

/* Returns: (transfer full) (nullable): the last error, with its domain and code. */
GError *
catd_sync_service_dup_error (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), NULL);

  return self->shown.error ? g_error_copy (self->shown.error) : NULL;
}

/* When the last error happened (unix µs), or 0. */
gint64
catd_sync_service_get_last_error_time (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), 0);

  return self->shown.error_time;
}

/* When the central site last answered (unix µs), or 0. */
gint64
catd_sync_service_get_last_contact (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), 0);

  return self->shown.last_contact;
}

/* When the central site last acknowledged an upload (unix µs), or 0. */
gint64
catd_sync_service_get_last_upload (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), 0);

  return self->shown.last_upload;
}

/* Uploads acknowledged since the service was made. */
guint
catd_sync_service_get_uploaded (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), 0);

  return self->shown.uploaded;
}

gboolean
catd_sync_service_get_clock_checked (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), FALSE);

  return self->shown.clock_checked;
}

/* The central site's clock minus this station's, at the last check. */
gint64
catd_sync_service_get_clock_offset_ms (CatdSyncService *self)
{
  g_return_val_if_fail (CATD_IS_SYNC_SERVICE (self), 0);

  return self->shown.clock_offset_ms;
}
