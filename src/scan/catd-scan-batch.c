/* catd-scan-batch.c - pages from the scanner to stored, checked acta images
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-errors.h"
#include "catd-scan-batch.h"
#include "catd-station-private.h"

/* A batch runs one scanner job and takes each page it delivers through
 * its checks and into the store, one page at a time, on a worker thread:
 *
 *   scanner (its thread)      page N        page N+1 …
 *   batch (a GTask thread)          check N ─┬─ encode, hash, fsync, commit N
 *                                            └→ the scanner feeds N+1
 *
 * The scanner holds after each page until told to go on, which the batch
 * does as soon as the page passed its checks, so that encoding and storing
 * a page overlaps feeding the next; a page that fails stops the feed
 * before the next sheet is pulled. The batch then pauses and asks (signal
 * "page-problem"): bind the page by hand, re-scan, skip or cancel. A page
 * set aside is recorded in the audit log; nothing is dropped unrecorded.
 * That record is a transaction too, and is written on a worker thread like
 * every store: the main context (a screen's) never waits for the disk,
 * and "finished" comes only once every record is written.
 *
 * A page is reported stored ("page-stored") only after its transaction
 * committed, so a crash mid-batch loses no page that was reported. */

struct _CatdScanBatch
{
  GObject               parent_instance;

  CatdStation          *station;
  CatdUser             *user;
  CatdScanner          *scanner;
  CatdScanSettings     *settings;
  char                 *acta;
  gboolean              replace;
  char                 *reason;
  CatdTiffCompression   compression;

  guint                 job;
  gulong                page_done_id;
  gulong                finished_id;
  guint                 n_pages;        /* pages received */
  guint                 n_stored;
  GQueue                waiting;        /* CatdScanResult not yet checked */
  CatdScanResult       *current;        /* being checked or stored, or awaiting a decision */
  gboolean              paused;
  gboolean              scanner_done;
  gboolean              cancelled;
  gboolean              started;
  gboolean              done;
  gboolean              restart;        /* re-scan once the scanner's job has ended */
  gboolean              held;           /* paused by the operator: no sheet is fed */
  guint                 n_aside_pending; /* set-aside audit rows being written */
  guint                 held_job;       /* the job whose next sheet waits for resume */
  GError               *error;          /* what ends the batch */
  GMainContext         *context;
};

G_DEFINE_FINAL_TYPE (CatdScanBatch, catd_scan_batch, G_TYPE_OBJECT)

enum
{
  PAGE_STORED,
  PAGE_PROBLEM,
  FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *decision_names[] = { "bind", "rescan", "skip", "cancel" };

const char *
catd_scan_decision_to_string (CatdScanDecision decision)
{
  g_return_val_if_fail (decision < G_N_ELEMENTS (decision_names), NULL);
  return decision_names[decision];
}

gboolean
catd_scan_decision_from_string (const char       *text,
                                CatdScanDecision *decision)
{
  int value;

  if (!catd_name_lookup (decision_names, G_N_ELEMENTS (decision_names), text, &value))
    return FALSE;
  *decision = value;
  return TRUE;
}

static void
scan_result_free (CatdScanResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->page, catd_scan_page_unref);
  g_clear_pointer (&result->check, catd_page_check_free);
  g_free (result->problem);
  g_free (result->clave_acta);
  g_free (result->path);
  g_free (result);
}

/* The sentence that tells the operator why the batch stopped at a page. */
static char *
describe_problem (const CatdPageCheck *check,
                  const char          *acta)
{
  switch (check->verdict)
    {
    case CATD_PAGE_BLANK:
      return g_strdup ("the page is blank: check that the sheet was fed face down, the right way");
    case CATD_PAGE_NO_QR:
      return g_strdup ("no readable QR label on the page: bind it by hand or re-scan it");
    case CATD_PAGE_NOT_IN_CATALOG:
      return g_strdup_printf ("the QR label says %s, which is not in the catalog", check->clave_acta);
    case CATD_PAGE_NOT_REGISTERED:
      return g_strdup_printf ("acta %s has not been registered at acopio", check->clave_acta);
    case CATD_PAGE_ALREADY_DIGITIZED:
      return g_strdup_printf ("acta %s already has an image", check->clave_acta);
    case CATD_PAGE_NOT_DIGITIZABLE:
      return g_strdup_printf ("acta %s takes no image (sin acta)", check->clave_acta);
    case CATD_PAGE_WRONG_ACTA:
      return g_strdup_printf ("the QR label says %s, not %s", check->clave_acta, acta);
    case CATD_PAGE_OK:
    default:
      return NULL;
    }
}

/* Worker thread: check a page and, when it passes (or the operator bound
 * it by hand), encode and store it. */

typedef struct
{
  CatdScanBatch   *batch;
  CatdScanResult  *result;
  char            *bind_to;      /* bound by hand to this acta: no checks */
  guint            job;
} PageWork;

static void
page_work_free (PageWork *work)
{
  g_object_unref (work->batch);
  g_free (work->bind_to);
  g_free (work);
}

/* Lets the scanner feed the next sheet of @job, unless the operator has
 * paused the batch: then it is fed on resume. */
static void
feed_next (CatdScanBatch *self,
           guint          job)
{
  if (self->held)
    self->held_job = job;
  else
    catd_scanner_continue (self->scanner, job);
}

typedef struct
{
  CatdScanBatch *batch;
  guint          job;
} ContinueRequest;

static gboolean
continue_cb (gpointer data)
{
  ContinueRequest *request = data;

  feed_next (request->batch, request->job);
  return G_SOURCE_REMOVE;
}

static void
continue_request_free (ContinueRequest *request)
{
  g_object_unref (request->batch);
  g_free (request);
}

/* feed_next (), from any thread. */
static void
let_scanner_go_on (CatdScanBatch *self,
                   guint          job)
{
  ContinueRequest *request = g_new0 (ContinueRequest, 1);

  request->batch = g_object_ref (self);
  request->job = job;
  catd_idle_add_to (self->context, continue_cb, request, (GDestroyNotify) continue_request_free);
}

/* The stored TIFF of @page. Its tags name the scanner and the moment of
 * acquisition to the microsecond, not the acta: the page is encoded while
 * its checks find out which acta it is. (Two acquisitions never make the
 * same file, even of a test device's identical pages.) */
static GBytes *
encode_page (CatdScanBatch  *self,
             CatdScanPage   *page,
             GError        **error)
{
  g_autofree char *when = catd_time_to_iso (page->time_usec);
  g_autofree char *description = g_strdup_printf ("scanner %s, acquired %s", page->device, when);
  CatdTiffParams params = {
    .width = page->width,
    .height = page->height,
    .channels = page->channels,
    .dpi = page->dpi,
    .compression = page->channels == 3 ? self->compression : CATD_TIFF_DEFLATE,
    .make = page->vendor,
    .model = page->model,
    .description = description,
    .time_usec = page->time_usec,
  };

  return catd_tiff_encode (g_bytes_get_data (page->pixels, NULL), page->stride, &params, error);
}

typedef struct
{
  CatdScanBatch  *batch;
  CatdScanPage   *page;
  GBytes         *tiff;
  GError         *error;
} EncodeJob;

static gpointer
encode_thread (gpointer data)
{
  EncodeJob *job = data;

  job->tiff = encode_page (job->batch, job->page, &job->error);
  return NULL;
}

static gboolean
store_page (CatdScanBatch   *self,
            CatdScanResult  *result,
            GBytes          *tiff,
            const char      *acta,
            const char      *binding,
            GError         **error)
{
  CatdScanPage *page = result->page;
  CatdImageInfo encoded = { .width = page->width, .height = page->height, .dpi = page->dpi };
  CatdBindOptions options = {
    .source = "ESCANER",
    .device = page->device,
    .binding = binding,
    .replace = self->replace,
    .reason = self->reason,
    .encoded = &encoded,
  };

  if (!catd_station_bind_image (self->station, self->user, acta, tiff, &options, &result->info,
                                error))
    return FALSE;

  result->stored = TRUE;
  result->clave_acta = g_strdup (acta);
  result->binding = binding;
  result->path = catd_image_path (catd_store_get_images_dir (catd_station_get_store (self->station)),
                                  result->info.sha256);
  return TRUE;
}

/* Whether a store failure is the page's (pause and ask) rather than the
 * station's (end the batch). */
static gboolean
is_refusal (const GError *error)
{
  return catd_error_classify (error) == CATD_ERROR_CLASS_REFUSED ||
         catd_error_classify (error) == CATD_ERROR_CLASS_INVALID;
}

typedef enum
{
  DECIDE_BIND,        /* store it, bound to the acta found */
  DECIDE_ASK,     /* ask the operator */
  DECIDE_BLANK_BACK,  /* set aside without asking */
  DECIDE_FAILED,      /* the station failed */
} PageDecision;

/* Runs the page's checks and decides what becomes of it. */
static PageDecision
check_page (CatdScanBatch   *self,
            CatdScanResult  *result,
            const char     **acta,
            const char     **binding,
            GError         **error)
{
  gsize stride;
  const guint8 *gray = catd_scan_page_get_gray (result->page, &stride);

  g_clear_pointer (&result->check, catd_page_check_free);
  result->check = catd_station_check_page (self->station, gray, result->page->width,
                                           result->page->height, stride, error);
  if (result->check == NULL)
    return DECIDE_FAILED;

  /* The back of a sheet scanned on both sides is blank on an acta: it is
   * recorded and passed over, not asked about. */
  if (self->settings->source == CATD_SCAN_SOURCE_DUPLEX && result->number % 2 == 0 &&
      result->check->verdict == CATD_PAGE_BLANK)
    return DECIDE_BLANK_BACK;

  if (self->acta != NULL)
    {
      /* Bound to the acta the operator named: the page must not be blank,
       * and a QR label on it must name that acta. */
      if (result->check->verdict != CATD_PAGE_BLANK && result->check->clave_acta != NULL &&
          !g_str_equal (result->check->clave_acta, self->acta))
        result->check->verdict = CATD_PAGE_WRONG_ACTA;
      else if (result->check->verdict != CATD_PAGE_BLANK)
        {
          *acta = self->acta;
          *binding = result->check->clave_acta != NULL ? "qr" : "hand";
          return DECIDE_BIND;
        }
    }
  else if (result->check->verdict == CATD_PAGE_OK)
    {
      *acta = result->check->clave_acta;
      *binding = "qr";
      return DECIDE_BIND;
    }

  result->problem = describe_problem (result->check, self->acta);
  return DECIDE_ASK;
}

static gboolean set_aside (CatdScanBatch    *self,
                           CatdScanResult   *result,
                           const char       *decision,
                           GError          **error);

static void
page_work_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  PageWork *work = data;
  CatdScanBatch *self = work->batch;
  CatdScanResult *result = work->result;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tiff = NULL;
  const char *acta = work->bind_to;
  const char *binding = "hand";
  EncodeJob job = { self, result->page, NULL, NULL };
  GThread *encoder;
  PageDecision decision = DECIDE_BIND;

  /* The page is encoded on a second thread while its checks run: on two
   * cores the checks then cost the batch nothing. */
  encoder = g_thread_new ("catd-encode", encode_thread, &job);
  if (acta == NULL)
    decision = check_page (self, result, &acta, &binding, &error);
  g_thread_join (encoder);
  tiff = job.tiff;

  switch (decision)
    {
    case DECIDE_FAILED:
      g_clear_error (&job.error);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    case DECIDE_BLANK_BACK:
      /* Recorded here, off the main context: it is a transaction. */
      result->blank_back = TRUE;
      g_clear_error (&job.error);
      if (!set_aside (self, result, "blank_back", &error))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
      return;
    case DECIDE_ASK:
      g_clear_error (&job.error);
      g_task_return_boolean (task, TRUE);
      return;
    case DECIDE_BIND:
    default:
      break;
    }
  if (tiff == NULL)
    {
      g_task_return_error (task, job.error);
      return;
    }

  /* The page is good: the next sheet can come while this one is stored. */
  let_scanner_go_on (self, work->job);

  if (!store_page (self, result, tiff, acta, binding, &error))
    {
      if (!is_refusal (error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      result->problem = g_strdup (error->message);
    }
  g_task_return_boolean (task, TRUE);
}

static void     process_next (CatdScanBatch    *self);
static void     maybe_finish (CatdScanBatch    *self);

/* Writing a page's set-aside audit row (one transaction) on a thread of
 * its own, so that the main context never waits for the disk. The thread
 * is joined before its outcome is acted on: when "finished" comes, no
 * thread of the batch is left running (a program may exit at once). */
typedef struct _AsideWork AsideWork;
typedef void (*AsideDone) (CatdScanBatch *self,
                           AsideWork     *work);

struct _AsideWork
{
  CatdScanBatch    *batch;
  CatdScanResult   *result;    /* owned when quiet */
  char             *decision;
  gboolean          quiet;     /* nobody asked: a failure is only logged */
  CatdScanDecision  choice;    /* the operator's decision, when not quiet */
  AsideDone         done;
  GThread          *thread;
  GError           *error;
};

static void
aside_work_free (AsideWork *work)
{
  if (work->quiet)
    scan_result_free (work->result);
  g_clear_error (&work->error);
  g_object_unref (work->batch);
  g_free (work->decision);
  g_free (work);
}

static gboolean
aside_done_cb (gpointer data)
{
  AsideWork *work = data;
  CatdScanBatch *self = work->batch;

  g_thread_join (g_steal_pointer (&work->thread));
  self->n_aside_pending--;
  work->done (self, work);
  aside_work_free (work);
  return G_SOURCE_REMOVE;
}

static gpointer
aside_thread (gpointer data)
{
  AsideWork *work = data;

  set_aside (work->batch, work->result, work->decision, &work->error);
  catd_idle_add_to (work->batch->context, aside_done_cb, work, NULL);
  return NULL;
}

static void
run_aside (CatdScanBatch *self,
           AsideWork     *work,
           AsideDone      done)
{
  work->batch = g_object_ref (self);
  work->done = done;
  self->n_aside_pending++;
  work->thread = g_thread_new ("catd-set-aside", aside_thread, work);
}

static void
quiet_aside_done (CatdScanBatch *self,
                  AsideWork     *work)
{
  if (work->error != NULL)
    g_warning ("page %u could not be recorded as set aside: %s", work->result->number,
               work->error->message);
  maybe_finish (self);
}

/* Records a page the batch ends without storing, when nobody is asked;
 * "finished" waits for the record. Takes @result. */
static void
set_aside_quietly (CatdScanBatch  *self,
                   CatdScanResult *result)
{
  AsideWork *work = g_new0 (AsideWork, 1);

  work->result = result;
  work->decision = g_strdup ("cancel");
  work->quiet = TRUE;
  run_aside (self, work, quiet_aside_done);
}

static void
fail (CatdScanBatch *self,
      GError        *error)
{
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  catd_scanner_cancel (self->scanner, self->job);
}

static void
page_work_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  CatdScanBatch *self = CATD_SCAN_BATCH (object);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_clear_pointer (&self->current, scan_result_free);
      fail (self, error);
      maybe_finish (self);
      return;
    }

  if (self->current->blank_back)
    {
      /* Already recorded as set aside, on the worker thread. */
      g_clear_pointer (&self->current, scan_result_free);
      feed_next (self, self->job);
      process_next (self);
      maybe_finish (self);
      return;
    }
  if (self->current->problem != NULL && (self->cancelled || self->error != NULL))
    {
      set_aside_quietly (self, g_steal_pointer (&self->current));
      maybe_finish (self);
      return;
    }
  if (self->current->problem != NULL)
    {
      self->paused = TRUE;
      g_signal_emit (self, signals[PAGE_PROBLEM], 0, self->current);
      return;
    }

  self->n_stored++;
  g_signal_emit (self, signals[PAGE_STORED], 0, self->current);
  g_clear_pointer (&self->current, scan_result_free);
  process_next (self);
  maybe_finish (self);
}

static void
run_page_work (CatdScanBatch *self,
               const char    *bind_to)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, page_work_done_cb, NULL);
  PageWork *work = g_new0 (PageWork, 1);

  work->batch = g_object_ref (self);
  work->result = self->current;
  work->bind_to = g_strdup (bind_to);
  work->job = self->job;
  g_clear_pointer (&self->current->problem, g_free);
  g_task_set_task_data (task, work, (GDestroyNotify) page_work_free);
  g_task_run_in_thread (task, page_work_thread);
}

static void
process_next (CatdScanBatch *self)
{
  if (self->current != NULL || self->paused || g_queue_is_empty (&self->waiting))
    return;
  if (self->error != NULL || self->cancelled)
    {
      /* The batch is ending: pages still waiting were fed after the one
       * that ended it, and are set aside with it. */
      CatdScanResult *result;

      while ((result = g_queue_pop_head (&self->waiting)))
        set_aside_quietly (self, result);
      return;
    }
  self->current = g_queue_pop_head (&self->waiting);
  run_page_work (self, NULL);
}

static void
maybe_finish (CatdScanBatch *self)
{
  if (self->done || !self->scanner_done || self->current != NULL || self->paused ||
      self->restart || self->n_aside_pending > 0 || !g_queue_is_empty (&self->waiting))
    return;

  self->done = TRUE;
  g_clear_signal_handler (&self->page_done_id, self->scanner);
  g_clear_signal_handler (&self->finished_id, self->scanner);
  if (self->error == NULL && self->cancelled)
    self->error = g_error_new (CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED,
                               "the batch was cancelled after %u stored pages", self->n_stored);
  g_signal_emit (self, signals[FINISHED], 0, self->error);
}

static void
page_done_cb (CatdScanner  *scanner,
              guint         job,
              CatdScanPage *page,
              gpointer      data)
{
  CatdScanBatch *self = data;
  CatdScanResult *result;

  if (job != self->job)
    return;
  result = g_new0 (CatdScanResult, 1);
  result->number = ++self->n_pages;
  result->page = catd_scan_page_ref (page);
  g_queue_push_tail (&self->waiting, result);
  process_next (self);
}

/* Starts a new job for a re-scan the operator asked for, once the job
 * that fed the page has ended. */
static void
restart_if_wanted (CatdScanBatch *self)
{
  if (!self->restart || !self->scanner_done)
    return;
  self->restart = FALSE;
  if (self->error != NULL || self->cancelled)
    return;
  self->scanner_done = FALSE;
  self->job = catd_scanner_start (self->scanner, self->settings, TRUE);
  if (self->job == 0)
    {
      self->scanner_done = TRUE;
      catd_scan_set_error (&self->error, CATD_SCAN_ERROR_BUSY, NULL, "another scan is running");
    }
}

static void
scanner_finished_cb (CatdScanner  *scanner,
                     guint         job,
                     const GError *error,
                     gpointer      data)
{
  CatdScanBatch *self = data;

  if (job != self->job)
    return;
  self->scanner_done = TRUE;
  /* The batch's own cancel makes the scanner say "cancelled"; that is
   * already known. A paused batch hears of other failures after its page. */
  if (error != NULL && self->error == NULL &&
      !(self->cancelled && g_error_matches (error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED)))
    self->error = g_error_copy (error);
  restart_if_wanted (self);
  process_next (self);
  maybe_finish (self);
}

static void
catd_scan_batch_dispose (GObject *object)
{
  CatdScanBatch *self = (CatdScanBatch *)object;

  if (self->scanner != NULL)
    {
      if (!self->done)
        catd_scanner_cancel (self->scanner, self->job);
      g_clear_signal_handler (&self->page_done_id, self->scanner);
      g_clear_signal_handler (&self->finished_id, self->scanner);
    }
  g_clear_object (&self->scanner);
  g_clear_object (&self->station);
  g_clear_object (&self->user);

  G_OBJECT_CLASS (catd_scan_batch_parent_class)->dispose (object);
}

static void
catd_scan_batch_finalize (GObject *object)
{
  CatdScanBatch *self = (CatdScanBatch *)object;

  g_queue_clear_full (&self->waiting, (GDestroyNotify) scan_result_free);
  g_clear_pointer (&self->current, scan_result_free);
  g_clear_pointer (&self->settings, catd_scan_settings_free);
  g_clear_pointer (&self->acta, g_free);
  g_clear_pointer (&self->reason, g_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (catd_scan_batch_parent_class)->finalize (object);
}

static void
catd_scan_batch_class_init (CatdScanBatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = catd_scan_batch_dispose;
  object_class->finalize = catd_scan_batch_finalize;

  /**
   * CatdScanBatch::page-stored:
   * @result: (type gpointer): the page's CatdScanResult, valid during the
   *   emission
   *
   * The page is durable and bound to its acta.
   */
  signals[PAGE_STORED] = g_signal_new ("page-stored", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * CatdScanBatch::page-problem:
   * @result: (type gpointer): the page's CatdScanResult, with its problem;
   *   valid until the decision
   *
   * The page failed its checks (or could not be bound); the feed is
   * stopped until catd_scan_batch_decide ().
   */
  signals[PAGE_PROBLEM] = g_signal_new ("page-problem", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_POINTER);
  /**
   * CatdScanBatch::finished:
   * @error: (type gpointer) (nullable): why the batch ended early, or %NULL
   */
  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
catd_scan_batch_init (CatdScanBatch *self)
{
  g_queue_init (&self->waiting);
}

/**
 * catd_scan_batch_new:
 *
 * A batch that scans with @settings for @user. With options->acta, the
 * (flatbed) page is bound to that acta, checked only for ink and for a QR
 * label naming another acta; without it, each page is bound by its QR
 * label. Refuses at once what would be refused after scanning: a user
 * who may not digitize, an acta that cannot take the image, a
 * replacement without an acta or a reason.
 */
CatdScanBatch *
catd_scan_batch_new (CatdStation                 *station,
                     CatdUser                    *user,
                     CatdScanner                 *scanner,
                     const CatdScanSettings      *settings,
                     const CatdScanBatchOptions  *options,
                     GError                     **error)
{
  g_autoptr(CatdScanBatch) self = NULL;
  g_autofree char *acta = NULL;
  g_autofree char *reason = NULL;

  g_return_val_if_fail (CATD_IS_STATION (station), NULL);
  g_return_val_if_fail (CATD_IS_USER (user), NULL);
  g_return_val_if_fail (CATD_IS_SCANNER (scanner), NULL);
  g_return_val_if_fail (settings != NULL && options != NULL, NULL);

  if (options->acta != NULL && !(acta = catd_normalize_clave (options->acta)))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "%s is not a CLAVE_ACTA", options->acta);
      return NULL;
    }
  if (options->replace && (reason = g_strstrip (g_strdup (options->reason ? options->reason : "")))
      && *reason == '\0')
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "replacing an acta's image needs a reason");
      return NULL;
    }
  if (options->replace && acta == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "a re-scan that replaces an image must name its acta");
      return NULL;
    }
  if (acta != NULL && settings->source != CATD_SCAN_SOURCE_FLATBED)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "a page bound to one acta is scanned on the flatbed; a feeder batch binds "
                   "each page by its QR label");
      return NULL;
    }
  if (acta != NULL)
    {
      if (!catd_station_check_image_target (station, user, acta, options->replace, error))
        return NULL;
    }
  else if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_DIGITALIZADOR) |
                                        CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                        "digitizing an acta", error))
    return NULL;

  self = g_object_new (CATD_TYPE_SCAN_BATCH, NULL);
  self->station = g_object_ref (station);
  self->user = g_object_ref (user);
  self->scanner = g_object_ref (scanner);
  self->settings = catd_scan_settings_copy (settings);
  self->acta = g_steal_pointer (&acta);
  self->replace = options->replace;
  self->reason = g_strdup (options->reason);
  self->compression = options->compression;
  self->context = g_main_context_ref_thread_default ();
  return g_steal_pointer (&self);
}

/**
 * catd_scan_batch_start:
 *
 * Starts feeding. Fails when the scanner is busy with another job.
 */
gboolean
catd_scan_batch_start (CatdScanBatch  *self,
                       GError        **error)
{
  g_return_val_if_fail (CATD_IS_SCAN_BATCH (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  self->page_done_id = g_signal_connect (self->scanner, "page-done", G_CALLBACK (page_done_cb),
                                         self);
  self->finished_id = g_signal_connect (self->scanner, "finished",
                                        G_CALLBACK (scanner_finished_cb), self);
  self->job = catd_scanner_start (self->scanner, self->settings, TRUE);
  if (self->job == 0)
    {
      g_clear_signal_handler (&self->page_done_id, self->scanner);
      g_clear_signal_handler (&self->finished_id, self->scanner);
      catd_scan_set_error (error, CATD_SCAN_ERROR_BUSY, NULL, "another scan is running");
      return FALSE;
    }
  self->started = TRUE;
  return TRUE;
}

static gboolean
set_aside (CatdScanBatch     *self,
           CatdScanResult    *result,
           const char        *decision,
           GError           **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) detail = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "page");
  json_builder_add_int_value (builder, result->number);
  json_builder_set_member_name (builder, "decision");
  json_builder_add_string_value (builder, decision);
  json_builder_set_member_name (builder, "verdict");
  json_builder_add_string_value (builder, result->check
                                 ? catd_page_verdict_to_string (result->check->verdict)
                                 : "unchecked");
  json_builder_set_member_name (builder, "problem");
  json_builder_add_string_value (builder, result->problem);
  json_builder_set_member_name (builder, "device");
  json_builder_add_string_value (builder, result->page->device);
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);
  return catd_station_set_page_aside (self->station, self->user,
                                      result->check ? result->check->clave_acta : NULL, detail,
                                      error);
}

/* The set-aside record of the page the operator decided on is written:
 * the decision takes effect. */
static void
decision_aside_done (CatdScanBatch *self,
                     AsideWork     *work)
{
  gboolean flatbed = self->settings->source == CATD_SCAN_SOURCE_FLATBED;

  g_assert (work->result == self->current);
  work->result = NULL;
  g_clear_pointer (&self->current, scan_result_free);

  if (work->error != NULL)
    fail (self, g_steal_pointer (&work->error));
  else
    switch (work->choice)
      {
      case CATD_SCAN_DECISION_RESCAN:
        /* A flatbed job ends with its one page, and a feeder job with its
         * last: the same sheet is then scanned by a new job. */
        if (flatbed || self->scanner_done)
          {
            self->restart = TRUE;
            restart_if_wanted (self);
          }
        else
          feed_next (self, self->job);
        break;
      case CATD_SCAN_DECISION_SKIP:
        feed_next (self, self->job);
        break;
      case CATD_SCAN_DECISION_CANCEL:
        /* The feed was stopped when the operator decided. */
        break;
      case CATD_SCAN_DECISION_BIND:
      default:
        g_assert_not_reached ();
      }

  process_next (self);
  maybe_finish (self);
}

/**
 * catd_scan_batch_decide:
 * @clave_acta: the acta to bind the page to, for %CATD_SCAN_DECISION_BIND
 *
 * Settles the page the batch paused at. Binding stores the page as the
 * image of @clave_acta (the operator read it off the paper); if that is
 * refused, "page-problem" comes again with the reason. Every other
 * decision records the page as set aside in the audit log, then feeds the
 * next sheet (re-scan, skip) or ends the batch (cancel). On a flatbed a
 * re-scan starts a new page; a skip ends the batch.
 *
 * Nothing here waits for the disk: the page is stored, or its set-aside
 * record written, on a worker thread, and the decision takes effect when
 * that is done (a cancel stops the feed at once). If the record cannot be
 * written, the batch ends with that error.
 *
 * Fails (leaving the batch paused) when the batch is not paused or the
 * acta is missing.
 */
gboolean
catd_scan_batch_decide (CatdScanBatch     *self,
                        CatdScanDecision   decision,
                        const char        *clave_acta,
                        GError           **error)
{
  g_autofree char *acta = NULL;
  AsideWork *work;

  g_return_val_if_fail (CATD_IS_SCAN_BATCH (self), FALSE);

  if (!self->paused || self->current == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "the batch is not waiting for a decision");
      return FALSE;
    }

  if (decision == CATD_SCAN_DECISION_BIND)
    {
      if (!(acta = catd_normalize_clave (clave_acta)))
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "binding a page by hand needs the CLAVE_ACTA read off the paper");
          return FALSE;
        }
      self->paused = FALSE;
      run_page_work (self, acta);
      return TRUE;
    }

  /* The record is written on a worker thread; the decision takes effect
   * once it is (decision_aside_done). A cancel stops the feed now. */
  self->paused = FALSE;
  if (decision == CATD_SCAN_DECISION_CANCEL)
    {
      self->cancelled = TRUE;
      catd_scanner_cancel (self->scanner, self->job);
    }
  work = g_new0 (AsideWork, 1);
  work->result = self->current;
  work->decision = g_strdup (catd_scan_decision_to_string (decision));
  work->choice = decision;
  run_aside (self, work, decision_aside_done);
  return TRUE;
}

/**
 * catd_scan_batch_cancel:
 *
 * Ends the batch: the page being read is dropped (nothing of it is
 * stored), a page being stored is finished. A paused page is set aside as
 * by %CATD_SCAN_DECISION_CANCEL.
 */
void
catd_scan_batch_cancel (CatdScanBatch *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (CATD_IS_SCAN_BATCH (self));

  if (self->done)
    return;
  if (self->paused)
    {
      if (!catd_scan_batch_decide (self, CATD_SCAN_DECISION_CANCEL, NULL, &error))
        g_warning ("setting a page aside: %s", error->message);
      return;
    }
  self->cancelled = TRUE;
  catd_scanner_cancel (self->scanner, self->job);
  process_next (self);
  maybe_finish (self);
}

/**
 * catd_scan_batch_hold:
 *
 * Pauses the feed at the operator's request: the page being read is
 * finished and stored, and no further sheet is pulled until
 * catd_scan_batch_release (). Cancel works as ever.
 */
void
catd_scan_batch_hold (CatdScanBatch *self)
{
  g_return_if_fail (CATD_IS_SCAN_BATCH (self));
  self->held = TRUE;
}

/**
 * catd_scan_batch_release:
 *
 * Ends a hold: the next sheet is fed if one was waiting.
 */
void
catd_scan_batch_release (CatdScanBatch *self)
{
  guint job;

  g_return_if_fail (CATD_IS_SCAN_BATCH (self));

  self->held = FALSE;
  job = self->held_job;
  self->held_job = 0;
  if (job != 0)
    catd_scanner_continue (self->scanner, job);
}

gboolean
catd_scan_batch_is_held (CatdScanBatch *self)
{
  g_return_val_if_fail (CATD_IS_SCAN_BATCH (self), FALSE);
  return self->held;
}

gboolean
catd_scan_batch_is_paused (CatdScanBatch *self)
{
  g_return_val_if_fail (CATD_IS_SCAN_BATCH (self), FALSE);
  return self->paused;
}

guint
catd_scan_batch_get_n_stored (CatdScanBatch *self)
{
  g_return_val_if_fail (CATD_IS_SCAN_BATCH (self), 0);
  return self->n_stored;
}
