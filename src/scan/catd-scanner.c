/* catd-scanner.c - the scanner: one worker thread that owns the device
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-errors.h"
#include "catd-scan-backend.h"
#include "catd-scanner.h"
#include "catd-types.h"

/* SANE is not thread-safe and its calls block (a feeder takes seconds to
 * pull a sheet), so one worker thread owns the device and does every call,
 * as GNOME Simple Scan does. Callers on the main context send requests
 * through a queue; the worker sends events back to the context the scanner
 * was made on. Every event carries its job's number: once a job is
 * cancelled, its late progress and pages are dropped and only its
 * "finished" arrives, so a screen never shows a page from a scan the
 * operator gave up on.
 *
 * The worker does not hold the scanner object: it shares a Worker with it
 * and reaches the object through a weak reference, so dropping the last
 * reference stops the thread (the current page is cancelled first). */

typedef enum
{
  REQUEST_LIST,
  REQUEST_SCAN,
  REQUEST_CONTINUE,
  REQUEST_CANCEL,
  REQUEST_QUIT,
} RequestKind;

typedef struct
{
  RequestKind        kind;
  guint              job;
  GTask             *task;          /* REQUEST_LIST */
  CatdScanSettings  *settings;      /* REQUEST_SCAN */
  GCancellable      *cancellable;   /* REQUEST_SCAN */
  gboolean           hold;          /* REQUEST_SCAN */
} Request;

typedef enum
{
  EVENT_PAGE_STARTED,
  EVENT_PROGRESS,
  EVENT_PAGE_DONE,
  EVENT_FINISHED,
} EventKind;

typedef struct _Worker Worker;

typedef struct
{
  Worker        *worker;
  EventKind      kind;
  guint          job;
  guint          number;
  double         fraction;
  CatdScanPage  *page;
  GError        *error;
} Event;

/* Shared between the scanner object, its thread and pending events. */
struct _Worker
{
  CatdScanBackend *backend;        /* worker thread only */
  GAsyncQueue     *requests;
  GMainContext    *context;
  GWeakRef         scanner;

  /* Worker thread only: the device asked for, and what it was found as. */
  char            *wanted;
  CatdScanDevice  *device;
  gboolean         open;
};

struct _CatdScanner
{
  GObject        parent_instance;

  Worker        *worker;
  GThread       *thread;

  /* Main context only. */
  guint          next_job;
  guint          active_job;
  GCancellable  *active_cancellable;
  guint          dropped_job;
};

G_DEFINE_FINAL_TYPE (CatdScanner, catd_scanner, G_TYPE_OBJECT)

enum
{
  PAGE_STARTED,
  PROGRESS,
  PAGE_DONE,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Progress is sent when it moved by this much, so a fast device does not
 * flood the main loop with thousands of events a page. */
#define PROGRESS_STEP 0.01

static void
request_free (Request *request)
{
  g_clear_object (&request->task);
  g_clear_pointer (&request->settings, catd_scan_settings_free);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static void
push_request (Worker      *worker,
              RequestKind  kind,
              guint        job)
{
  Request *request = g_new0 (Request, 1);

  request->kind = kind;
  request->job = job;
  g_async_queue_push (worker->requests, request);
}

/* The advice an operator reads for each error, in English and Spanish.
 * Each says what happened and what to do next. */
static const struct
{
  CatdScanError  code;
  const char    *en;
  const char    *es;
} advice[] = {
  { CATD_SCAN_ERROR_NO_DEVICE,
    "No scanner was found. Check that it is plugged in and switched on, then search again.",
    "No se encontró el escáner. Verifique que esté conectado y encendido, y vuelva a buscar." },
  { CATD_SCAN_ERROR_INVALID,
    "The scanner does not accept this setting. Choose another value and try again.",
    "El escáner no acepta este ajuste. Elija otro valor e intente de nuevo." },
  { CATD_SCAN_ERROR_UNSUPPORTED,
    "This scanner cannot do that. Choose another source or another scanner.",
    "Este escáner no puede hacer eso. Elija otra fuente u otro escáner." },
  { CATD_SCAN_ERROR_FEEDER_EMPTY,
    "The document feeder is empty. Load the actas in the feeder and scan again.",
    "El alimentador de documentos está vacío. Coloque las actas en el alimentador y vuelva a digitalizar." },
  { CATD_SCAN_ERROR_JAMMED,
    "The paper is jammed. Open the feeder, remove the sheet carefully without tearing it, "
    "and scan that acta again.",
    "El papel se atascó. Abra el alimentador, retire la hoja con cuidado sin romperla "
    "y vuelva a digitalizar esa acta." },
  { CATD_SCAN_ERROR_COVER_OPEN,
    "The scanner cover is open. Close it and scan again.",
    "La tapa del escáner está abierta. Ciérrela y vuelva a digitalizar." },
  { CATD_SCAN_ERROR_BUSY,
    "The scanner is in use by another program or station. Wait a moment and try again.",
    "El escáner está en uso por otro programa o estación. Espere un momento e intente de nuevo." },
  { CATD_SCAN_ERROR_IO,
    "The scanner stopped answering. Check its cable and power, then scan the page again.",
    "El escáner dejó de responder. Revise su cable y su alimentación, y vuelva a digitalizar la hoja." },
  { CATD_SCAN_ERROR_NO_MEMORY,
    "The scanner ran out of memory. Lower the resolution or restart the scanner, then try again.",
    "El escáner se quedó sin memoria. Baje la resolución o reinicie el escáner, e intente de nuevo." },
  { CATD_SCAN_ERROR_ACCESS_DENIED,
    "This station may not use the scanner. Ask technical support to grant access to it.",
    "Esta estación no tiene permiso para usar el escáner. Pida al soporte técnico que le dé acceso." },
  { CATD_SCAN_ERROR_DEVICE_GONE,
    "The scanner was disconnected. Connect it again; the station finds it again by its name.",
    "El escáner se desconectó. Vuelva a conectarlo; la estación lo encontrará de nuevo por su nombre." },
  { CATD_SCAN_ERROR_CANCELLED,
    "The scan was cancelled. Nothing was stored from the page being read.",
    "Se canceló la digitalización. No se guardó nada de la hoja que se estaba leyendo." },
  { CATD_SCAN_ERROR_FAILED,
    "The scanner reported an error. Scan the page again; if it happens again, call technical "
    "support.",
    "El escáner reportó un error. Vuelva a digitalizar la hoja; si vuelve a ocurrir, llame al "
    "soporte técnico." },
};

/**
 * catd_scan_error_advice:
 * @language: "es" or "en"
 *
 * What the operator should do about @error, as a sentence in @language
 * (English for any language but Spanish), or %NULL when @error is not a
 * scanner error.
 */
const char *
catd_scan_error_advice (const GError *error,
                        const char   *language)
{
  gboolean spanish = language != NULL && g_str_has_prefix (language, "es");

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != CATD_SCAN_ERROR)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (advice); i++)
    if ((int) advice[i].code == error->code)
      return spanish ? advice[i].es : advice[i].en;
  return NULL;
}

/**
 * catd_scan_set_error:
 * @device: (nullable): the device's name
 * @detail: (nullable): what the device said, for whoever reads a log
 *
 * Sets a CATD_SCAN_ERROR whose message names the device, what happened,
 * and the English advice, all on one line.
 */
void
catd_scan_set_error (GError        **error,
                     CatdScanError   code,
                     const char     *device,
                     const char     *detail)
{
  GError probe = { CATD_SCAN_ERROR, code, NULL };
  const char *what = catd_scan_error_advice (&probe, "en");

  g_set_error (error, CATD_SCAN_ERROR, code, "%s%s%s%s%s",
               device ? device : "", device ? ": " : "",
               detail ? detail : "", detail ? ". " : "", what);
}

CatdScanDevice *
catd_scan_device_new (const char *name,
                      const char *vendor,
                      const char *model,
                      const char *type)
{
  CatdScanDevice *device = g_new0 (CatdScanDevice, 1);

  g_return_val_if_fail (name != NULL, NULL);

  device->name = g_strdup (name);
  device->vendor = g_strdup (vendor ? vendor : "");
  device->model = g_strdup (model ? model : "");
  device->type = g_strdup (type ? type : "");
  return device;
}

CatdScanDevice *
catd_scan_device_copy (const CatdScanDevice *device)
{
  return catd_scan_device_new (device->name, device->vendor, device->model, device->type);
}

void
catd_scan_device_free (CatdScanDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->name);
  g_free (device->vendor);
  g_free (device->model);
  g_free (device->type);
  g_free (device);
}

CatdScanSettings *
catd_scan_settings_new (void)
{
  CatdScanSettings *settings = g_new0 (CatdScanSettings, 1);

  settings->source = CATD_SCAN_SOURCE_FLATBED;
  settings->mode = CATD_SCAN_MODE_GRAY;
  settings->dpi = 300;
  settings->page_size = CATD_PAGE_SIZE_LETTER;
  return settings;
}

CatdScanSettings *
catd_scan_settings_copy (const CatdScanSettings *settings)
{
  CatdScanSettings *copy = g_memdup2 (settings, sizeof *settings);

  copy->device = g_strdup (settings->device);
  copy->options = g_strdupv (settings->options);
  return copy;
}

void
catd_scan_settings_free (CatdScanSettings *settings)
{
  if (settings == NULL)
    return;
  g_free (settings->device);
  g_strfreev (settings->options);
  g_free (settings);
}

typedef struct
{
  CatdScanPage  page;
  guint8       *gray;     /* made on first use for colour pages */
  gsize         gray_stride;
  GMutex        lock;
} PageBox;

CatdScanPage *
catd_scan_page_new (guint    width,
                    guint    height,
                    guint    channels,
                    gsize    stride,
                    GBytes  *pixels)
{
  PageBox *box = g_atomic_rc_box_new0 (PageBox);

  g_return_val_if_fail (channels == 1 || channels == 3, NULL);
  g_return_val_if_fail (stride >= (gsize)width * channels, NULL);
  g_return_val_if_fail (g_bytes_get_size (pixels) >= stride * height, NULL);

  box->page.width = width;
  box->page.height = height;
  box->page.channels = channels;
  box->page.stride = stride;
  box->page.pixels = g_bytes_ref (pixels);
  g_mutex_init (&box->lock);
  return &box->page;
}

CatdScanPage *
catd_scan_page_ref (CatdScanPage *page)
{
  return g_atomic_rc_box_acquire (page);
}

static void
page_box_clear (gpointer data)
{
  PageBox *box = data;

  g_bytes_unref (box->page.pixels);
  g_free (box->page.device);
  g_free (box->page.vendor);
  g_free (box->page.model);
  g_free (box->gray);
  g_mutex_clear (&box->lock);
}

void
catd_scan_page_unref (CatdScanPage *page)
{
  g_atomic_rc_box_release_full (page, page_box_clear);
}

/**
 * catd_scan_page_get_gray:
 * @stride: (out): the returned rows' stride
 *
 * The page's 8-bit grey rows, which the page checks read: the pixels
 * themselves for a grey page, or a luminance copy made once (and kept with
 * the page) for a colour one. Safe from any thread.
 */
const guint8 *
catd_scan_page_get_gray (CatdScanPage *page,
                         gsize        *stride)
{
  PageBox *box = (PageBox *) page;
  g_autoptr(GMutexLocker) locker = NULL;
  const guint8 *rgb;

  if (page->channels == 1)
    {
      *stride = page->stride;
      return g_bytes_get_data (page->pixels, NULL);
    }

  locker = g_mutex_locker_new (&box->lock);
  if (box->gray == NULL)
    {
      rgb = g_bytes_get_data (page->pixels, NULL);
      box->gray = g_malloc ((gsize)page->width * page->height);
      for (guint y = 0; y < page->height; y++)
        {
          const guint8 *in = rgb + (gsize)y * page->stride;
          guint8 *out = box->gray + (gsize)y * page->width;

          /* ITU-R BT.601 weights, in integers. */
          for (guint x = 0; x < page->width; x++)
            out[x] = (77 * in[3 * x] + 150 * in[3 * x + 1] + 29 * in[3 * x + 2]) >> 8;
        }
      box->gray_stride = page->width;
    }
  *stride = box->gray_stride;
  return box->gray;
}

static const char *source_names[] = { "flatbed", "adf", "duplex" };
static const char *mode_names[] = { "gray", "color" };
static const char *size_names[] = { "letter", "legal", "a4" };

/* Settings as operators type them: any case. */
static gboolean
enum_from_string (const char   *text,
                  const char  **names,
                  guint         n_names,
                  int          *value)
{
  g_autofree char *lower = text ? g_ascii_strdown (text, -1) : NULL;

  return catd_name_lookup (names, n_names, lower, value);
}

const char *
catd_scan_source_to_string (CatdScanSource source)
{
  g_return_val_if_fail (source < G_N_ELEMENTS (source_names), NULL);
  return source_names[source];
}

const char *
catd_scan_mode_to_string (CatdScanMode mode)
{
  g_return_val_if_fail (mode < G_N_ELEMENTS (mode_names), NULL);
  return mode_names[mode];
}

const char *
catd_page_size_to_string (CatdPageSize size)
{
  g_return_val_if_fail (size < G_N_ELEMENTS (size_names), NULL);
  return size_names[size];
}

gboolean
catd_scan_source_from_string (const char     *text,
                              CatdScanSource *source)
{
  int value;

  if (!enum_from_string (text, source_names, G_N_ELEMENTS (source_names), &value))
    return FALSE;
  *source = value;
  return TRUE;
}

gboolean
catd_scan_mode_from_string (const char   *text,
                            CatdScanMode *mode)
{
  int value;

  /* "grey" and "colour" are what half the operators will type. */
  if (g_strcmp0 (text, "grey") == 0)
    text = "gray";
  else if (g_strcmp0 (text, "colour") == 0)
    text = "color";
  if (!enum_from_string (text, mode_names, G_N_ELEMENTS (mode_names), &value))
    return FALSE;
  *mode = value;
  return TRUE;
}

gboolean
catd_page_size_from_string (const char   *text,
                            CatdPageSize *size)
{
  int value;

  if (!enum_from_string (text, size_names, G_N_ELEMENTS (size_names), &value))
    return FALSE;
  *size = value;
  return TRUE;
}

void
catd_page_size_get_mm (CatdPageSize  size,
                       double       *width,
                       double       *height)
{
  static const double mm[][2] = { { 215.9, 279.4 }, { 215.9, 355.6 }, { 210.0, 297.0 } };

  g_return_if_fail (size < G_N_ELEMENTS (mm));
  *width = mm[size][0];
  *height = mm[size][1];
}

/* Events, from the worker to the main context. */

static void worker_clear (Worker *worker);

static void
event_free (Event *event)
{
  if (event->worker != NULL)
    g_atomic_rc_box_release_full (event->worker, (GDestroyNotify) worker_clear);
  g_clear_pointer (&event->page, catd_scan_page_unref);
  g_clear_error (&event->error);
  g_free (event);
}

static gboolean
deliver_event_cb (gpointer data)
{
  Event *event = data;
  g_autoptr(CatdScanner) self = g_weak_ref_get (&event->worker->scanner);

  if (self == NULL)
    return G_SOURCE_REMOVE;

  if (event->kind == EVENT_FINISHED)
    {
      if (self->active_job == event->job)
        {
          self->active_job = 0;
          g_clear_object (&self->active_cancellable);
        }
      g_signal_emit (self, signals[FINISHED], 0, event->job, event->error);
      return G_SOURCE_REMOVE;
    }

  /* A cancelled job's late events would show the operator a page from a
   * scan they gave up on. */
  if (event->job == self->dropped_job)
    return G_SOURCE_REMOVE;

  switch (event->kind)
    {
    case EVENT_PAGE_STARTED:
      g_signal_emit (self, signals[PAGE_STARTED], 0, event->job, event->number);
      break;
    case EVENT_PROGRESS:
      g_signal_emit (self, signals[PROGRESS], 0, event->job, event->fraction);
      break;
    case EVENT_PAGE_DONE:
      g_signal_emit (self, signals[PAGE_DONE], 0, event->job, event->page);
      break;
    case EVENT_FINISHED:
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static Event *
new_event (EventKind kind,
           guint     job)
{
  Event *event = g_new0 (Event, 1);

  event->kind = kind;
  event->job = job;
  return event;
}

static void
post_event (Worker *worker,
            Event  *event)
{
  /* The event holds the worker, not the scanner: a strong reference
   * taken here could be the last one, and finalize would join this
   * very thread. */
  event->worker = g_atomic_rc_box_acquire (worker);
  catd_idle_add_to (worker->context, deliver_event_cb, event, (GDestroyNotify) event_free);
}

/* The worker thread. */

typedef struct
{
  Worker   *worker;
  guint     job;
  double    last;
  gboolean  sent_unknown;
} ProgressState;

static void
progress_cb (double   fraction,
             gpointer data)
{
  ProgressState *state = data;
  Event *event;

  if (fraction >= 0 && fraction < 1 && fraction - state->last < PROGRESS_STEP)
    return;
  if (fraction >= 1 && state->last >= 1)
    return;
  /* A page of unknown length is said to be so once. */
  if (fraction < 0 && state->sent_unknown)
    return;
  state->sent_unknown |= fraction < 0;
  state->last = fraction;
  event = new_event (EVENT_PROGRESS, state->job);
  event->fraction = fraction;
  post_event (state->worker, event);
}

static void
close_device (Worker *worker)
{
  if (worker->open)
    worker->backend->close (worker->backend);
  worker->open = FALSE;
}

/* The device that is @wanted now: the one by that name, or, when it came
 * back from a reconnection under another name (a USB scanner's name holds
 * its bus address), the only one of the same backend, vendor and model as
 * the device last opened under that name. */
static CatdScanDevice *
find_device (Worker      *worker,
             const char  *wanted,
             GError     **error)
{
  g_autoptr(GPtrArray) devices = worker->backend->list_devices (worker->backend, error);
  CatdScanDevice *match = NULL;
  guint n_matches = 0;

  if (devices == NULL)
    return NULL;

  if (wanted == NULL)
    {
      if (devices->len == 0)
        {
          catd_scan_set_error (error, CATD_SCAN_ERROR_NO_DEVICE, NULL, NULL);
          return NULL;
        }
      return catd_scan_device_copy (g_ptr_array_index (devices, 0));
    }

  for (guint i = 0; i < devices->len; i++)
    {
      CatdScanDevice *device = g_ptr_array_index (devices, i);

      if (g_str_equal (device->name, wanted))
        return catd_scan_device_copy (device);
    }

  if (worker->device != NULL && g_strcmp0 (worker->wanted, wanted) == 0)
    {
      const char *colon = strchr (worker->device->name, ':');
      gsize prefix = colon ? (gsize)(colon - worker->device->name) : strlen (worker->device->name);

      for (guint i = 0; i < devices->len; i++)
        {
          CatdScanDevice *device = g_ptr_array_index (devices, i);

          if (strncmp (device->name, worker->device->name, prefix) == 0 &&
              g_str_equal (device->vendor, worker->device->vendor) &&
              g_str_equal (device->model, worker->device->model))
            {
              match = device;
              n_matches++;
            }
        }
      if (n_matches == 1)
        {
          g_message ("scanner %s is back as %s", wanted, match->name);
          return catd_scan_device_copy (match);
        }
      catd_scan_set_error (error, CATD_SCAN_ERROR_DEVICE_GONE, wanted, NULL);
      return NULL;
    }

  {
    g_autofree char *detail = g_strdup_printf ("there is no scanner named %s", wanted);

    catd_scan_set_error (error, CATD_SCAN_ERROR_NO_DEVICE, NULL, detail);
  }
  return NULL;
}

static gboolean
ensure_open (Worker      *worker,
             const char  *wanted,
             GError     **error)
{
  g_autoptr(CatdScanDevice) device = NULL;

  if (worker->open && (wanted == NULL || g_strcmp0 (wanted, worker->wanted) == 0 ||
                       g_strcmp0 (wanted, worker->device->name) == 0))
    return TRUE;

  close_device (worker);
  if (!(device = find_device (worker, wanted, error)))
    return FALSE;
  if (!worker->backend->open (worker->backend, device->name, error))
    return FALSE;

  worker->open = TRUE;
  g_free (worker->wanted);
  worker->wanted = g_strdup (wanted ? wanted : device->name);
  g_clear_pointer (&worker->device, catd_scan_device_free);
  worker->device = g_steal_pointer (&device);
  return TRUE;
}

/* After an I/O failure: is the device still there? A device that is not
 * is reported gone, and the next job looks for it again by name. */
static void
check_still_present (Worker  *worker,
                     GError **error)
{
  g_autoptr(GPtrArray) devices = NULL;
  gboolean present = FALSE;

  if (*error == NULL || (*error)->domain != CATD_SCAN_ERROR ||
      ((*error)->code != CATD_SCAN_ERROR_IO && (*error)->code != CATD_SCAN_ERROR_DEVICE_GONE))
    return;

  close_device (worker);
  if (worker->device == NULL)
    return;
  devices = worker->backend->list_devices (worker->backend, NULL);
  for (guint i = 0; devices != NULL && i < devices->len; i++)
    present |= g_str_equal (((CatdScanDevice *) g_ptr_array_index (devices, i))->name,
                            worker->device->name);
  if (!present && (*error)->code != CATD_SCAN_ERROR_DEVICE_GONE)
    {
      g_clear_error (error);
      catd_scan_set_error (error, CATD_SCAN_ERROR_DEVICE_GONE, worker->device->name, NULL);
    }
}

static void
answer_list (Worker  *worker,
             Request *request)
{
  GError *error = NULL;
  GPtrArray *devices = worker->backend->list_devices (worker->backend, &error);

  if (devices)
    g_task_return_pointer (request->task, devices, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (request->task, error);
}

/* Waits, between two pages of a held job, for the caller to say go on or
 * stop. Device listings asked for meanwhile are answered. */
static gboolean
wait_for_continue (Worker       *worker,
                   guint         job,
                   GCancellable *cancellable,
                   gboolean     *quit)
{
  for (;;)
    {
      Request *request = g_async_queue_pop (worker->requests);
      RequestKind kind = request->kind;
      guint request_job = request->job;

      if (kind == REQUEST_LIST)
        answer_list (worker, request);
      request_free (request);

      if (kind == REQUEST_QUIT)
        {
          *quit = TRUE;
          return FALSE;
        }
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      if (kind == REQUEST_CONTINUE && request_job == job)
        return TRUE;
    }
}

static void
run_job (Worker   *worker,
         Request  *request,
         gboolean *quit)
{
  g_autoptr(GError) error = NULL;
  double dpi = 0;
  Event *event;

  /* A device that cannot be found or opened says so itself. */
  if (!ensure_open (worker, request->settings->device, &error))
    goto done;
  if (!worker->backend->configure (worker->backend, request->settings, &dpi, &error))
    {
      check_still_present (worker, &error);
      goto done;
    }

  for (guint number = 1; ; number++)
    {
      ProgressState progress = { worker, request->job, -1, FALSE };
      g_autoptr(CatdScanPage) page = NULL;
      gint64 started = g_get_real_time ();

      if (g_cancellable_set_error_if_cancelled (request->cancellable, &error))
        {
          g_clear_error (&error);
          catd_scan_set_error (&error, CATD_SCAN_ERROR_CANCELLED, worker->device->name, NULL);
          break;
        }

      event = new_event (EVENT_PAGE_STARTED, request->job);
      event->number = number;
      post_event (worker, event);

      page = worker->backend->acquire (worker->backend, progress_cb, &progress,
                                       request->cancellable, &error);
      if (page == NULL)
        {
          /* An empty feeder after the first page is the end of the batch. */
          if (number > 1 && g_error_matches (error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_FEEDER_EMPTY))
            g_clear_error (&error);
          check_still_present (worker, &error);
          break;
        }

      page->number = number;
      page->dpi = dpi;
      page->device = g_strdup (worker->device->name);
      page->vendor = g_strdup (worker->device->vendor);
      page->model = g_strdup (worker->device->model);
      page->time_usec = started;

      event = new_event (EVENT_PAGE_DONE, request->job);
      event->page = g_steal_pointer (&page);
      post_event (worker, event);

      if (request->settings->source == CATD_SCAN_SOURCE_FLATBED)
        break;
      if (request->hold && !wait_for_continue (worker, request->job, request->cancellable, quit))
        {
          catd_scan_set_error (&error, CATD_SCAN_ERROR_CANCELLED, worker->device->name, NULL);
          break;
        }
    }

  if (worker->open)
    worker->backend->end_job (worker->backend);

done:
  event = new_event (EVENT_FINISHED, request->job);
  event->error = g_steal_pointer (&error);
  post_event (worker, event);
}

static void
worker_clear (Worker *worker)
{
  g_async_queue_unref (worker->requests);
  g_main_context_unref (worker->context);
  g_weak_ref_clear (&worker->scanner);
  g_free (worker->wanted);
  catd_scan_device_free (worker->device);
}

static gpointer
worker_thread (gpointer data)
{
  Worker *worker = data;
  gboolean quit = FALSE;

  while (!quit)
    {
      Request *request = g_async_queue_pop (worker->requests);

      switch (request->kind)
        {
        case REQUEST_LIST:
          answer_list (worker, request);
          break;
        case REQUEST_SCAN:
          run_job (worker, request, &quit);
          break;
        case REQUEST_QUIT:
          quit = TRUE;
          break;
        case REQUEST_CONTINUE:
        case REQUEST_CANCEL:
        default:
          /* Meant for a job that has already ended. */
          break;
        }
      request_free (request);
    }

  close_device (worker);
  worker->backend->free (worker->backend);
  g_atomic_rc_box_release_full (worker, (GDestroyNotify) worker_clear);
  return NULL;
}

/* The object, on the main context. */

static void
catd_scanner_finalize (GObject *object)
{
  CatdScanner *self = (CatdScanner *)object;

  if (self->active_cancellable)
    g_cancellable_cancel (self->active_cancellable);
  g_clear_object (&self->active_cancellable);
  push_request (self->worker, REQUEST_QUIT, 0);
  /* The worker may drop the last reference itself (a GTask's source
   * object): it then quits on its own after this request. */
  if (g_thread_self () == self->thread)
    g_thread_unref (self->thread);
  else
    g_thread_join (self->thread);

  G_OBJECT_CLASS (catd_scanner_parent_class)->finalize (object);
}

static void
catd_scanner_class_init (CatdScannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = catd_scanner_finalize;

  /**
   * CatdScanner::page-started:
   * @job: the job
   * @number: the page about to be acquired, from 1
   */
  signals[PAGE_STARTED] = g_signal_new ("page-started", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
  /**
   * CatdScanner::progress:
   * @fraction: the share of the page read, or negative when the device
   *   does not tell the page's length
   */
  signals[PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_DOUBLE);
  /**
   * CatdScanner::page-done:
   * @page: (type gpointer): a CatdScanPage; take a reference to keep it
   *
   * A held job then waits for catd_scanner_continue ().
   */
  signals[PAGE_DONE] = g_signal_new ("page-done", G_TYPE_FROM_CLASS (klass),
                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                     G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_POINTER);
  /**
   * CatdScanner::finished:
   * @error: (type gpointer) (nullable): a GError, %NULL when the job ran to
   *   its end (a flatbed page, or a feeder emptied after its first page)
   */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_POINTER);
}

static void
catd_scanner_init (CatdScanner *self)
{
  self->next_job = 1;
}

/**
 * catd_scanner_new_for_backend:
 * @backend: (transfer full): the device layer
 *
 * A scanner whose events arrive on the thread-default main context of the
 * caller. The worker thread starts at once; it opens no device until a
 * job asks for one.
 */
CatdScanner *
catd_scanner_new_for_backend (CatdScanBackend *backend)
{
  CatdScanner *self = g_object_new (CATD_TYPE_SCANNER, NULL);
  Worker *worker = g_atomic_rc_box_new0 (Worker);

  g_return_val_if_fail (backend != NULL, NULL);

  worker->backend = backend;
  worker->requests = g_async_queue_new_full ((GDestroyNotify) request_free);
  worker->context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&worker->scanner, self);
  self->worker = worker;
  self->thread = g_thread_new ("catd-scanner", worker_thread, worker);
  return self;
}

/**
 * catd_scanner_new:
 *
 * A scanner driving SANE's devices.
 */
CatdScanner *
catd_scanner_new (void)
{
  return catd_scanner_new_for_backend (catd_scan_backend_sane_new ());
}

/**
 * catd_scanner_list_devices_async:
 *
 * Finds the scanners present now, on the worker thread (a network backend
 * can take seconds). Answered between two pages of a held job too.
 */
void
catd_scanner_list_devices_async (CatdScanner         *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Request *request;

  g_return_if_fail (CATD_IS_SCANNER (self));

  request = g_new0 (Request, 1);
  request->kind = REQUEST_LIST;
  request->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (request->task, catd_scanner_list_devices_async);
  g_async_queue_push (self->worker->requests, request);
}

/**
 * catd_scanner_list_devices_finish:
 *
 * Returns: (transfer container): the CatdScanDevices found, perhaps none
 */
GPtrArray *
catd_scanner_list_devices_finish (CatdScanner   *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * catd_scanner_start:
 * @hold_between_pages: in a feeder job, wait after each page for
 *   catd_scanner_continue () (so that a page that fails its checks stops
 *   the feed before the next sheet is pulled)
 *
 * Starts a job: one page from the flatbed, or pages from the feeder until
 * it is empty. Events come as signals, each with the job number returned
 * here; "finished" always ends a job. Returns 0 when a job is still
 * running (one job at a time).
 */
guint
catd_scanner_start (CatdScanner            *self,
                    const CatdScanSettings *settings,
                    gboolean                hold_between_pages)
{
  Request *request;

  g_return_val_if_fail (CATD_IS_SCANNER (self), 0);
  g_return_val_if_fail (settings != NULL, 0);

  if (self->active_job != 0)
    return 0;

  self->active_job = self->next_job++;
  self->active_cancellable = g_cancellable_new ();

  request = g_new0 (Request, 1);
  request->kind = REQUEST_SCAN;
  request->job = self->active_job;
  request->settings = catd_scan_settings_copy (settings);
  request->cancellable = g_object_ref (self->active_cancellable);
  request->hold = hold_between_pages;
  g_async_queue_push (self->worker->requests, request);
  return self->active_job;
}

/**
 * catd_scanner_continue:
 *
 * Lets a held job feed its next page.
 */
void
catd_scanner_continue (CatdScanner *self,
                       guint        job)
{
  g_return_if_fail (CATD_IS_SCANNER (self));

  if (job != 0 && job == self->active_job)
    push_request (self->worker, REQUEST_CONTINUE, job);
}

/**
 * catd_scanner_cancel:
 *
 * Stops @job as soon as the device allows (within one read). Its pending
 * progress and pages are dropped; its "finished" still comes, with
 * %CATD_SCAN_ERROR_CANCELLED unless it had already ended.
 */
void
catd_scanner_cancel (CatdScanner *self,
                     guint        job)
{
  g_return_if_fail (CATD_IS_SCANNER (self));

  if (job == 0 || job != self->active_job)
    return;
  self->dropped_job = job;
  g_cancellable_cancel (self->active_cancellable);
  push_request (self->worker, REQUEST_CANCEL, job);
}

gboolean
catd_scanner_is_busy (CatdScanner *self)
{
  g_return_val_if_fail (CATD_IS_SCANNER (self), FALSE);
  return self->active_job != 0;
}
