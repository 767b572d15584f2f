/* test-scan.c - the scanner and its batches: SANE's test backend through the helper,
 * and a fake device for the failures SANE cannot make
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catd-errors.h"
#include "catd-fake-scanner.h"
#include "catd-page.h"
#include "catd-scan-batch.h"
#include "catd-synth.h"
#include "catd-test-util.h"

/* Every wait is bounded, so that a lost signal fails the test instead of
 * hanging it. The whole program takes a few seconds when all is well. */
#define WAIT_SECONDS 20

/* A Letter page is 215.9 × 279.4 mm. SANE's test backend sets its scan
 * area in whole millimetres (279.4 becomes 279), so a page may be one
 * millimetre short of the size asked for. */
#define LETTER_WIDTH_MM  215.9
#define LETTER_HEIGHT_MM 279.4

/* Synthetic actas are drawn at this resolution; the fake says the same. */
#define SYNTH_DPI 150

/* Fails the test with a message saying what went wrong, unless
 * @condition holds. */
#define check(condition, ...)                                                      \
  G_STMT_START {                                                                   \
    if (!(condition))                                                              \
      {                                                                            \
        g_autofree char *check_message_ = g_strdup_printf (__VA_ARGS__);          \
        g_assertion_message (G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC,          \
                             check_message_);                                      \
      }                                                                            \
  } G_STMT_END

#define error_text(error) ((error) != NULL ? (error)->message : "no error")

/* The thread that runs the tests, and so the main context every signal
 * of the scanner and the batch must arrive on. */
static GThread *main_thread;

#define check_main_thread(signal_name)                                            \
  check (g_thread_self () == main_thread, "\"%s\" was emitted on thread %p, not on "    \
         "the thread that made the scanner and the batch (%p)", signal_name,          \
         (gpointer) g_thread_self (), (gpointer) main_thread)

typedef struct
{
  char        *dir;
  CatdStation *station;
  CatdUser    *coord;
  CatdUser    *aco;
  CatdUser    *dig;
  const char  *images_dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *station_dir = NULL;

  f->dir = catd_test_make_dir ();
  station_dir = g_build_filename (f->dir, "station", NULL);
  f->station = catd_test_station_new (station_dir, "data/demo/catalog.json", NULL);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  f->images_dir = catd_store_get_images_dir (catd_station_get_store (f->station));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Whatever a scan did, the log and the database must still verify. */
  catd_station_audit_verify (f->station, NULL, &error);
  g_assert_no_error (error);
  catd_station_check (f->station, NULL, &error);
  g_assert_no_error (error);

  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* The @n-th GUB acta of the catalog (from 0). */
static char *
nth_acta (Fixture *f,
          guint    n)
{
  g_autofree char *arg = g_strdup_printf ("%u", n);
  char *clave = catd_test_query_text (f->station, "SELECT clave_acta FROM catalog_acta "
                                      "WHERE election = 'GUB' ORDER BY clave_acta "
                                      "LIMIT 1 OFFSET CAST (?1 AS INTEGER)", arg);

  g_assert_nonnull (clave);
  return clave;
}

static void
register_acta (Fixture    *f,
               const char *clave)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdRegistration) registration = NULL;

  registration = catd_station_register (f->station, f->aco, clave, NULL, &error);
  g_assert_no_error (error);
}

/* The @n-th GUB acta, registered at acopio. */
static char *
registered_acta (Fixture *f,
                 guint    n)
{
  char *clave = nth_acta (f, n);

  register_acta (f, clave);
  return clave;
}

static char *
acta_image (Fixture    *f,
            const char *clave)
{
  return catd_test_query_text (f->station, "SELECT image_sha256 FROM acta WHERE clave_acta = ?1",
                               clave);
}

static gboolean
acta_has_image (Fixture    *f,
                const char *clave)
{
  return catd_test_query_int (f->station, "SELECT count(*) FROM acta WHERE clave_acta = ?1 "
                              "AND image_sha256 IS NOT NULL", clave) > 0;
}

/* Nothing of a failed scan may be left: no image rows, no file at a
 * content address, no temporary file. */
static void
assert_nothing_stored (Fixture    *f,
                       const char *context)
{
  g_autoptr(GPtrArray) files = catd_image_list_stored (f->images_dir);
  gint64 bound = catd_test_query_int (f->station, "SELECT count(*) FROM acta_image", NULL);
  gint64 images = catd_test_query_int (f->station, "SELECT count(*) FROM image", NULL);
  gint64 with_image = catd_test_query_int (f->station, "SELECT count(*) FROM acta "
                                           "WHERE image_sha256 IS NOT NULL", NULL);
  guint temps = catd_test_count_temp_files (f->images_dir);

  check (bound == 0, "%s: %" G_GINT64_FORMAT " image(s) were bound to actas", context, bound);
  check (images == 0, "%s: %" G_GINT64_FORMAT " image row(s) were written", context, images);
  check (with_image == 0, "%s: %" G_GINT64_FORMAT " acta(s) show an image", context, with_image);
  check (files->len == 0, "%s: %u image file(s) were left in %s", context, files->len,
         f->images_dir);
  check (temps == 0, "%s: %u temporary file(s) were left in %s", context, temps, f->images_dir);
}

/* Settings for @device, with backend options "NAME=VALUE" (NULL-terminated). */
static CatdScanSettings *
settings_new (const char     *device,
              CatdScanSource  source,
              CatdScanMode    mode,
              double          dpi,
              ...)
{
  CatdScanSettings *settings = catd_scan_settings_new ();
  g_autoptr(GStrvBuilder) options = g_strv_builder_new ();
  va_list args;

  settings->device = g_strdup (device);
  settings->source = source;
  settings->mode = mode;
  settings->dpi = dpi;
  va_start (args, dpi);
  for (const char *option = va_arg (args, const char *); option;
       option = va_arg (args, const char *))
    g_strv_builder_add (options, option);
  va_end (args);
  settings->options = g_strv_builder_end (options);
  return settings;
}

/* Whether @width × @height pixels is a Letter page at @dpi, give or take
 * the millimetre the test backend rounds away and a pixel of rounding. */
static gboolean
is_letter (guint  width,
           guint  height,
           double dpi)
{
  double mm = dpi / 25.4;
  double slack = mm + 1;

  return fabs (width - LETTER_WIDTH_MM * mm) <= slack &&
         fabs (height - LETTER_HEIGHT_MM * mm) <= slack;
}

/* Every scanner the tests make, until the program ends. */
static GPtrArray *kept_scanners;

/* Keeps @scanner until the program ends, and returns it: each test's
 * scanners outlive its last wait. (Dropping one right after "finished" is
 * /scan/fake/drop-after-finished's test.) */
static CatdScanner *
keep_scanner (CatdScanner *scanner)
{
  g_ptr_array_add (kept_scanners, scanner);
  return scanner;
}

/* Waiting on the main context. */

static gboolean
timed_out_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_for (const gboolean *flag,
          const char     *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (WAIT_SECONDS, timed_out_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  if (!*flag)
    g_error ("no %s after %d s: the scanner or the batch lost a signal", what, WAIT_SECONDS);
}

/* What one scanner job said, from its signals. */
typedef struct
{
  CatdScanner *scanner;
  guint        job;                 /* 0: the first job heard of (a batch's) */
  GArray      *fractions;           /* double, from "progress" */
  guint        n_started;
  GPtrArray   *pages;               /* CatdScanPage, from "page-done" */
  gboolean     finished;
  GError      *error;
  gint64       finished_at;         /* monotonic */
  gboolean     cancel_on_progress;  /* cancel the job at its first progress */
  gint64       cancelled_at;
  gulong       handlers[4];
} JobWatch;

static gboolean
watch_is_mine (JobWatch *watch,
               guint     job)
{
  if (watch->job == 0)
    watch->job = job;
  return job == watch->job;
}

static void
watch_page_started_cb (CatdScanner *scanner,
                       guint        job,
                       guint        number,
                       JobWatch    *watch)
{
  check_main_thread ("page-started");
  if (watch_is_mine (watch, job))
    watch->n_started++;
}

static void
watch_progress_cb (CatdScanner *scanner,
                   guint        job,
                   double       fraction,
                   JobWatch    *watch)
{
  check_main_thread ("progress");
  if (!watch_is_mine (watch, job))
    return;
  g_array_append_val (watch->fractions, fraction);
  if (watch->cancel_on_progress && watch->cancelled_at == 0)
    {
      watch->cancelled_at = g_get_monotonic_time ();
      catd_scanner_cancel (scanner, job);
    }
}

static void
watch_page_done_cb (CatdScanner  *scanner,
                    guint         job,
                    CatdScanPage *page,
                    JobWatch     *watch)
{
  check_main_thread ("page-done");
  if (watch_is_mine (watch, job))
    g_ptr_array_add (watch->pages, catd_scan_page_ref (page));
}

static void
watch_finished_cb (CatdScanner  *scanner,
                   guint         job,
                   const GError *error,
                   JobWatch     *watch)
{
  check_main_thread ("finished");
  if (!watch_is_mine (watch, job))
    return;
  check (!watch->finished, "job %u said \"finished\" twice", job);
  watch->finished = TRUE;
  watch->finished_at = g_get_monotonic_time ();
  watch->error = error ? g_error_copy (error) : NULL;
}

static void
watch_init (JobWatch    *watch,
            CatdScanner *scanner)
{
  memset (watch, 0, sizeof *watch);
  watch->scanner = g_object_ref (scanner);
  watch->fractions = g_array_new (FALSE, FALSE, sizeof (double));
  watch->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) catd_scan_page_unref);
  watch->handlers[0] = g_signal_connect (scanner, "page-started",
                                         G_CALLBACK (watch_page_started_cb), watch);
  watch->handlers[1] = g_signal_connect (scanner, "progress", G_CALLBACK (watch_progress_cb),
                                         watch);
  watch->handlers[2] = g_signal_connect (scanner, "page-done", G_CALLBACK (watch_page_done_cb),
                                         watch);
  watch->handlers[3] = g_signal_connect (scanner, "finished", G_CALLBACK (watch_finished_cb),
                                         watch);
}

static void
watch_clear (JobWatch *watch)
{
  for (guint i = 0; i < G_N_ELEMENTS (watch->handlers); i++)
    g_clear_signal_handler (&watch->handlers[i], watch->scanner);
  g_clear_object (&watch->scanner);
  g_clear_pointer (&watch->fractions, g_array_unref);
  g_clear_pointer (&watch->pages, g_ptr_array_unref);
  g_clear_error (&watch->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (JobWatch, watch_clear)

/* Runs one job of @scanner to its end. */
static void
watch_run (JobWatch               *watch,
           const CatdScanSettings *settings)
{
  watch->job = catd_scanner_start (watch->scanner, settings, FALSE);
  check (watch->job != 0, "the scanner refused a job while idle");
  wait_for (&watch->finished, "\"finished\" from the scanner");
}

static double
watch_max_fraction (JobWatch *watch)
{
  double max = -1;

  for (guint i = 0; i < watch->fractions->len; i++)
    max = MAX (max, g_array_index (watch->fractions, double, i));
  return max;
}

/* A raw scan of one page with @settings: the scanner is usable. */
static void
assert_scanner_works (CatdScanner            *scanner,
                      const CatdScanSettings *settings,
                      const char             *context)
{
  g_auto(JobWatch) watch;

  watch_init (&watch, scanner);
  watch_run (&watch, settings);
  check (watch.error == NULL, "%s: the next scan failed: %s", context, error_text (watch.error));
  check (watch.pages->len == 1, "%s: the next scan gave %u pages, not one", context,
         watch.pages->len);
}

/* The process ids of the catd-scand helpers this test runs (one per
 * scanner that has used SANE). */
static GArray *
helper_pids (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (int));
  const char *entry;

  while (proc != NULL && (entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", entry, "stat", NULL);
      g_autofree char *stat = NULL;
      const char *end;
      int ppid = 0;
      int pid;

      if (!g_ascii_isdigit (*entry) || !g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) state ppid ...": the name may hold spaces and brackets. */
      end = strrchr (stat, ')');
      if (end == NULL || strstr (stat, "(catd-scand)") == NULL ||
          sscanf (end + 1, " %*c %d", &ppid) != 1 || ppid != getpid ())
        continue;
      pid = atoi (entry);
      g_array_append_val (pids, pid);
    }
  return pids;
}

/* How many of the ids in @a are not in @b. */
static guint
n_missing (GArray *a,
           GArray *b)
{
  guint n = 0;

  for (guint i = 0; i < a->len; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < b->len && !found; j++)
        found = g_array_index (a, int, i) == g_array_index (b, int, j);
      n += !found;
    }
  return n;
}

/* A scanner on SANE that has scanned one page already, so its helper runs.
 *
 * SANE's test backend ends its reader thread with an asynchronous
 * pthread_cancel (), and a reader cancelled inside malloc () leaves the
 * allocator's lock held. The first reader of a process spends longest in
 * malloc (), setting up an arena for the thread, so a page that fails at
 * once in a fresh helper is the likeliest to leave it hung. The station
 * retires the helper after such a page and kills one that does not exit
 * within two seconds; reading a page first spares the tests that inject
 * failures most of those waits. */
static CatdScanner *
sane_scanner_new (void)
{
  CatdScanner *scanner = keep_scanner (catd_scanner_new ());
  g_autoptr(CatdScanSettings) settings = settings_new ("test:0", CATD_SCAN_SOURCE_FLATBED,
                                                       CATD_SCAN_MODE_GRAY, 75,
                                                       "test-picture=Solid white", NULL);

  assert_scanner_works (scanner, settings, "the first page of a new scanner");
  return scanner;
}

typedef struct
{
  GAsyncResult *result;
  gboolean      done;
} AsyncWait;

static void
async_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  AsyncWait *wait = data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

/* The names of the devices the scanner finds now. */
static GStrv
list_devices (CatdScanner *scanner)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  AsyncWait wait = { NULL, FALSE };

  catd_scanner_list_devices_async (scanner, NULL, async_done_cb, &wait);
  wait_for (&wait.done, "device list");
  devices = catd_scanner_list_devices_finish (scanner, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  for (guint i = 0; i < devices->len; i++)
    g_strv_builder_add (names, ((CatdScanDevice *) g_ptr_array_index (devices, i))->name);
  return g_strv_builder_end (names);
}

/* A batch run to its end, with the operator's decisions scripted. */

typedef struct
{
  CatdScanDecision  decision;
  const char       *acta;       /* for BIND */
} Decision;

/* A page the batch stopped at, as the operator saw it. */
typedef struct
{
  guint  number;
  char  *verdict;
  char  *qr;            /* what its QR label said, or NULL */
  char  *problem;
  gint   sheets_left;   /* in the fake's feeder then; -1 without a fake */
} Problem;

/* A page the batch reported stored. */
typedef struct
{
  guint          number;
  char          *clave_acta;
  char          *binding;
  char          *path;
  char          *device;
  CatdImageInfo  info;
} Stored;

typedef struct
{
  CatdScanBatch   *batch;
  CatdFakeScanner *fake;
  const Decision  *decisions;
  guint            n_decisions;
  guint            next_decision;
  GPtrArray       *problems;    /* Problem */
  GPtrArray       *stored;      /* Stored */
  gboolean         finished;
  GError          *error;
} BatchRun;

static void
problem_free (Problem *problem)
{
  g_free (problem->verdict);
  g_free (problem->qr);
  g_free (problem->problem);
  g_free (problem);
}

static void
stored_free (Stored *stored)
{
  g_free (stored->clave_acta);
  g_free (stored->binding);
  g_free (stored->path);
  g_free (stored->device);
  g_free (stored);
}

/* The operator answers a moment after the batch asks, as on screen. */
static gboolean
decide_cb (gpointer data)
{
  BatchRun *run = data;
  g_autoptr(GError) error = NULL;
  CatdScanDecision decision = CATD_SCAN_DECISION_CANCEL;
  const char *acta = NULL;

  if (run->next_decision < run->n_decisions)
    {
      decision = run->decisions[run->next_decision].decision;
      acta = run->decisions[run->next_decision].acta;
    }
  run->next_decision++;
  catd_scan_batch_decide (run->batch, decision, acta, &error);
  check (error == NULL, "deciding %s for a paused page failed: %s",
         catd_scan_decision_to_string (decision), error_text (error));
  return G_SOURCE_REMOVE;
}

static void
batch_page_problem_cb (CatdScanBatch  *batch,
                       CatdScanResult *result,
                       BatchRun       *run)
{
  Problem *problem = g_new0 (Problem, 1);

  check_main_thread ("batch page-problem");

  problem->number = result->number;
  problem->verdict = g_strdup (result->check ? catd_page_verdict_to_string (result->check->verdict)
                                             : "unchecked");
  problem->qr = g_strdup (result->check ? result->check->clave_acta : NULL);
  problem->problem = g_strdup (result->problem);
  problem->sheets_left = run->fake ? (gint) catd_fake_scanner_get_n_sheets (run->fake) : -1;
  g_ptr_array_add (run->problems, problem);

  check (catd_scan_batch_is_paused (batch), "page %u has a problem (%s) but the batch is not "
         "paused", result->number, result->problem);
  check (result->problem != NULL && *result->problem != '\0',
         "page %u stopped the batch without saying why", result->number);
  /* A stop the script did not expect fails the test. */
  check (run->next_decision < run->n_decisions, "page %u stopped the batch unexpectedly: %s "
         "(verdict %s)", result->number, result->problem, problem->verdict);
  g_idle_add (decide_cb, run);
}

static void
batch_page_stored_cb (CatdScanBatch  *batch,
                      CatdScanResult *result,
                      BatchRun       *run)
{
  Stored *stored = g_new0 (Stored, 1);

  check_main_thread ("batch page-stored");

  check (result->stored && result->path != NULL && result->clave_acta != NULL,
         "page %u was reported stored without its acta or file", result->number);
  stored->number = result->number;
  stored->clave_acta = g_strdup (result->clave_acta);
  stored->binding = g_strdup (result->binding);
  stored->path = g_strdup (result->path);
  stored->device = g_strdup (result->page->device);
  stored->info = result->info;
  g_ptr_array_add (run->stored, stored);
}

static void
batch_finished_cb (CatdScanBatch *batch,
                   const GError  *error,
                   BatchRun      *run)
{
  check_main_thread ("batch finished");
  check (!run->finished, "the batch said \"finished\" twice");
  run->finished = TRUE;
  run->error = error ? g_error_copy (error) : NULL;
}

static void
batch_run_free (BatchRun *run)
{
  g_clear_object (&run->batch);
  g_clear_object (&run->fake);
  g_ptr_array_unref (run->problems);
  g_ptr_array_unref (run->stored);
  g_clear_error (&run->error);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BatchRun, batch_run_free)

/* Runs a batch to its end. Each page that stops it gets the next of
 * @decisions; @fake, if any, is read for how many sheets are left when a
 * page stops the batch. */
static BatchRun *
run_batch (Fixture                    *f,
           CatdScanner                *scanner,
           const CatdScanSettings     *settings,
           const CatdScanBatchOptions *options,
           const Decision             *decisions,
           guint                       n_decisions,
           CatdFakeScanner            *fake)
{
  g_autoptr(GError) error = NULL;
  BatchRun *run = g_new0 (BatchRun, 1);

  run->fake = fake ? g_object_ref (fake) : NULL;
  run->decisions = decisions;
  run->n_decisions = n_decisions;
  run->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  run->stored = g_ptr_array_new_with_free_func ((GDestroyNotify) stored_free);
  run->batch = catd_scan_batch_new (f->station, f->dig, scanner, settings, options, &error);
  g_assert_no_error (error);
  g_signal_connect (run->batch, "page-problem", G_CALLBACK (batch_page_problem_cb), run);
  g_signal_connect (run->batch, "page-stored", G_CALLBACK (batch_page_stored_cb), run);
  g_signal_connect (run->batch, "finished", G_CALLBACK (batch_finished_cb), run);
  check (catd_scan_batch_start (run->batch, &error), "the batch did not start: %s",
         error_text (error));
  wait_for (&run->finished, "\"finished\" from the batch");
  return run;
}

static void
check_scan_error (const GError *error,
                  CatdScanError code,
                  const char   *context)
{
  const char *es, *en;

  check (g_error_matches (error, CATD_SCAN_ERROR, code), "%s: expected CATD_SCAN_ERROR %d, got "
         "%s %d: %s", context, code, error ? g_quark_to_string (error->domain) : "no error",
         error ? error->code : 0, error_text (error));
  es = catd_scan_error_advice (error, "es_MX.UTF-8");
  en = catd_scan_error_advice (error, "en");
  check (es != NULL && *es != '\0', "%s: no advice in Spanish for %s", context, error->message);
  check (en != NULL && *en != '\0', "%s: no advice in English for %s", context, error->message);
  check (g_strcmp0 (es, en) != 0, "%s: the Spanish advice is the English one: %s", context, en);
  /* A device failure is catdctl's exit code 4, whatever its cause. */
  check (catd_error_classify (error) == CATD_ERROR_CLASS_FAILURE,
         "%s: a device error is classed %d, not as a failure", context,
         catd_error_classify (error));
}

static char *
sha256_of_file (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  g_checksum_update (checksum, (const guchar *) data, len);
  return g_strdup (g_checksum_get_string (checksum));
}

/* ---- SANE's test backend, through the catd-scand helper ---------------------- */

/* One flatbed page in @mode: its size is the page's at the resolution, the
 * resolution is the device's, and progress climbs to the end. */
static void
check_flatbed_page (CatdScanner  *scanner,
                    CatdScanMode  mode,
                    const char   *picture)
{
  g_autoptr(CatdScanSettings) settings = settings_new ("test:0", CATD_SCAN_SOURCE_FLATBED, mode,
                                                       200, picture, "read-return-value=Default",
                                                       NULL);
  const char *name = catd_scan_mode_to_string (mode);
  guint channels = mode == CATD_SCAN_MODE_COLOR ? 3 : 1;
  g_auto(JobWatch) watch;
  CatdScanPage *page;
  const guint8 *pixels;
  guint dark = 0, light = 0, coloured = 0;
  gsize n_samples;

  watch_init (&watch, scanner);
  watch_run (&watch, settings);
  check (watch.error == NULL, "a %s flatbed page failed: %s", name, error_text (watch.error));
  check (watch.pages->len == 1, "a %s flatbed job gave %u pages, not one", name,
         watch.pages->len);
  check (watch.n_started == 1, "\"page-started\" came %u times for one page", watch.n_started);
  page = g_ptr_array_index (watch.pages, 0);

  check (is_letter (page->width, page->height, 200), "a %s Letter page at 200 dpi is %u x %u "
         "pixels, not about 1700 x 2200", name, page->width, page->height);
  check (G_APPROX_VALUE (page->dpi, 200.0, 0.01), "the %s page says %g dpi, not 200", name,
         page->dpi);
  check (page->channels == channels, "a %s page has %u channels, not %u", name, page->channels,
         channels);
  check (page->number == 1, "the only page of a job is number %u", page->number);
  check (page->stride >= (gsize) page->width * page->channels &&
         g_bytes_get_size (page->pixels) >= page->stride * page->height,
         "the %s page's rows do not fit its pixels", name);
  check (g_strcmp0 (page->device, "test:0") == 0 && g_strcmp0 (page->vendor, "Noname") == 0 &&
         g_strcmp0 (page->model, "frontend-tester") == 0,
         "the page names its scanner %s (%s %s), not test:0 (Noname frontend-tester)",
         page->device, page->vendor, page->model);
  check (page->time_usec > 0, "the page does not say when it was scanned");

  /* The page shows the picture asked for: black and white squares of the
   * grid, or the colours of the pattern. */
  pixels = g_bytes_get_data (page->pixels, NULL);
  n_samples = 0;
  for (guint y = 0; y < page->height; y += 7)
    for (guint x = 0; x < page->width; x += 7)
      {
        const guint8 *p = pixels + (gsize) y * page->stride + (gsize) x * page->channels;

        n_samples++;
        dark += p[0] < 64;
        light += p[0] > 192;
        if (channels == 3)
          coloured += MAX (ABS (p[0] - p[1]), MAX (ABS (p[1] - p[2]), ABS (p[0] - p[2]))) > 64;
      }
  if (channels == 1)
    check (dark > n_samples / 20 && light > n_samples / 20,
           "the grid page is not black and white squares (%u dark, %u light of %" G_GSIZE_FORMAT
           " samples)", dark, light, n_samples);
  else
    check (coloured > n_samples / 10, "the colour pattern shows no colour (%u of %" G_GSIZE_FORMAT
           " samples coloured)", coloured, n_samples);

  /* Progress climbs, and reaches the end of the page. (The end may be
   * said twice: by the last read, and once the page is whole.) */
  check (watch.fractions->len >= 3, "only %u progress events for a %s page",
         watch.fractions->len, name);
  for (guint i = 1; i < watch.fractions->len; i++)
    {
      double before = g_array_index (watch.fractions, double, i - 1);
      double now = g_array_index (watch.fractions, double, i);

      check (now >= before, "progress went from %g back to %g", before, now);
    }
  check (g_array_index (watch.fractions, double, 0) > 0 &&
         g_array_index (watch.fractions, double, 0) < 1,
         "the first progress of a %s page is %g", name, g_array_index (watch.fractions, double, 0));
  check (g_array_index (watch.fractions, double, watch.fractions->len - 1) == 1.0,
         "progress of a finished %s page ends at %g, not 1", name,
         g_array_index (watch.fractions, double, watch.fractions->len - 1));
}

static void
test_sane_flatbed (void)
{
  CatdScanner *scanner = keep_scanner (catd_scanner_new ());
  g_auto(GStrv) devices = list_devices (scanner);

  check (g_strv_contains ((const char * const *) devices, "test:0") &&
         g_strv_contains ((const char * const *) devices, "pnm:0"),
         "SANE_CONFIG_DIR's test and pnm devices are not listed; is the suite's env set?");
  check_flatbed_page (scanner, CATD_SCAN_MODE_GRAY, "test-picture=Grid");
  check_flatbed_page (scanner, CATD_SCAN_MODE_COLOR, "test-picture=Color pattern");
  check (!catd_scanner_is_busy (scanner), "the scanner is busy after its jobs ended");
}

/* A feeder batch of ten pages without labels, each bound by hand: ten
 * durable images at the device's resolution, and the empty feeder ends
 * the batch without an error. */
static void
test_sane_adf_batch (Fixture       *f,
                     gconstpointer  data)
{
  CatdScanner *scanner = keep_scanner (catd_scanner_new ());
  g_autoptr(CatdScanSettings) settings = settings_new ("test:0", CATD_SCAN_SOURCE_ADF,
                                                       CATD_SCAN_MODE_GRAY, 75,
                                                       "test-picture=Grid", NULL);
  CatdScanBatchOptions options = { NULL };
  g_autoptr(GPtrArray) actas = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BatchRun) run = NULL;
  Decision decisions[10];

  for (guint i = 0; i < G_N_ELEMENTS (decisions); i++)
    {
      g_ptr_array_add (actas, registered_acta (f, i));
      decisions[i] = (Decision) { CATD_SCAN_DECISION_BIND, g_ptr_array_index (actas, i) };
    }

  run = run_batch (f, scanner, settings, &options, decisions, G_N_ELEMENTS (decisions), NULL);
  check (run->error == NULL, "a feeder batch that emptied the feeder ended with: %s",
         error_text (run->error));
  check (run->problems->len == 10, "%u of 10 unlabelled pages asked to be bound by hand",
         run->problems->len);
  check (run->stored->len == 10, "%u of 10 pages were stored", run->stored->len);
  check (catd_scan_batch_get_n_stored (run->batch) == 10, "the batch counts %u stored pages",
         catd_scan_batch_get_n_stored (run->batch));

  for (guint i = 0; i < run->problems->len; i++)
    {
      Problem *problem = g_ptr_array_index (run->problems, i);

      check (problem->number == i + 1 && g_str_equal (problem->verdict, "no_qr"),
             "page %u of the grid stopped the batch as %s, not no_qr", problem->number,
             problem->verdict);
      check (strstr (problem->problem, "QR") != NULL, "the problem of an unlabelled page does "
             "not mention its label: %s", problem->problem);
    }

  for (guint i = 0; i < MIN (run->stored->len, actas->len); i++)
    {
      Stored *stored = g_ptr_array_index (run->stored, i);
      const char *clave = g_ptr_array_index (actas, i);
      g_autofree char *image = acta_image (f, clave);
      g_autofree char *state = catd_test_query_text (f->station, "SELECT state FROM acta "
                                                     "WHERE clave_acta = ?1", clave);
      g_autofree char *hash = sha256_of_file (stored->path);
      g_autofree char *tiffinfo_out = NULL;
      g_autofree char *resolution = NULL;
      g_autofree char *size = NULL;
      g_autoptr(GError) error = NULL;
      const char *argv[] = { "tiffinfo", stored->path, NULL };
      int status = -1;
      gint64 rows = catd_test_query_int (f->station, "SELECT count(*) FROM acta_image ai "
                                         "JOIN acta a ON a.id = ai.acta "
                                         "WHERE a.clave_acta = ?1", clave);

      check (stored->number == i + 1 && g_strcmp0 (stored->clave_acta, clave) == 0,
             "page %u was bound to %s, not to %s as the operator said", stored->number,
             stored->clave_acta, clave);
      check (g_strcmp0 (stored->binding, "hand") == 0, "a page bound by hand is recorded as "
             "bound by %s", stored->binding);
      check (rows == 1, "acta %s has %" G_GINT64_FORMAT " image rows, not one", clave, rows);
      check (g_strcmp0 (image, stored->info.sha256) == 0, "acta %s shows image %s, not the "
             "page stored (%s)", clave, image, stored->info.sha256);
      check (g_strcmp0 (state, "digitized") == 0, "acta %s is %s after its page was stored",
             clave, state);
      check (g_strcmp0 (hash, stored->info.sha256) == 0, "the file of acta %s hashes to %s, but "
             "%s was recorded", clave, hash, stored->info.sha256);
      check (G_APPROX_VALUE (stored->info.dpi, 75.0, 0.01), "the image of acta %s records %g "
             "dpi, not 75", clave, stored->info.dpi);

      /* What another program reads in the file: the resolution scanned. */
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, &tiffinfo_out, NULL, &status, &error);
      check (error == NULL && g_spawn_check_wait_status (status, NULL),
             "tiffinfo (libtiff-tools) could not read %s: %s", stored->path, error_text (error));
      resolution = g_strdup ("Resolution: 75, 75 pixels/inch");
      size = g_strdup_printf ("Image Width: %u Image Length: %u", stored->info.width,
                              stored->info.height);
      check (tiffinfo_out != NULL && strstr (tiffinfo_out, resolution) != NULL,
             "tiffinfo does not show \"%s\" for the page of acta %s:\n%s", resolution, clave,
             tiffinfo_out);
      check (tiffinfo_out != NULL && strstr (tiffinfo_out, size) != NULL,
             "tiffinfo does not show \"%s\" for the page of acta %s:\n%s", size, clave,
             tiffinfo_out);
      check (is_letter (stored->info.width, stored->info.height, 75), "a Letter page at 75 dpi "
             "is stored as %u x %u pixels, not about 638 x 825", stored->info.width,
             stored->info.height);
    }

  check (catd_test_query_int (f->station, "SELECT count(*) FROM audit "
                              "WHERE action = 'digitalizacion.scan' "
                              "AND json_extract (detail, '$.binding') = 'hand' "
                              "AND json_extract (detail, '$.device') = 'test:0'", NULL) == 10,
         "the audit log does not record ten pages bound by hand from test:0");
  check (catd_test_count_temp_files (f->images_dir) == 0, "temporary files were left behind");
}

/* The feeder is empty at the first page: the operator is told so, and
 * nothing is stored. */
static void
test_sane_feeder_empty (Fixture       *f,
                        gconstpointer  data)
{
  CatdScanner *scanner = sane_scanner_new ();
  g_autoptr(CatdScanSettings) settings = settings_new ("test:0", CATD_SCAN_SOURCE_ADF,
                                                       CATD_SCAN_MODE_GRAY, 75,
                                                       "test-picture=Grid",
                                                       "read-return-value=SANE_STATUS_NO_DOCS",
                                                       NULL);
  CatdScanBatchOptions options = { NULL };
  g_autoptr(BatchRun) run = NULL;
  g_autofree char *clave = registered_acta (f, 0);

  run = run_batch (f, scanner, settings, &options, NULL, 0, NULL);
  check_scan_error (run->error, CATD_SCAN_ERROR_FEEDER_EMPTY, "an empty feeder");
  check (run->problems->len == 0 && run->stored->len == 0,
         "an empty feeder gave %u problem pages and %u stored pages", run->problems->len,
         run->stored->len);
  assert_nothing_stored (f, "an empty feeder");
}

/* Each failure the device reports while reading a page: its own error
 * with advice in both languages, nothing stored, and the scanner goes on
 * working. */
static void
test_sane_device_errors (Fixture       *f,
                         gconstpointer  data)
{
  static const struct
  {
    const char    *status;
    CatdScanError  code;
  } cases[] = {
    { "SANE_STATUS_JAMMED", CATD_SCAN_ERROR_JAMMED },
    { "SANE_STATUS_COVER_OPEN", CATD_SCAN_ERROR_COVER_OPEN },
    { "SANE_STATUS_IO_ERROR", CATD_SCAN_ERROR_IO },
    { "SANE_STATUS_DEVICE_BUSY", CATD_SCAN_ERROR_BUSY },
    { "SANE_STATUS_NO_MEM", CATD_SCAN_ERROR_NO_MEMORY },
    { "SANE_STATUS_CANCELLED", CATD_SCAN_ERROR_CANCELLED },
  };
  CatdScanner *scanner = sane_scanner_new ();
  g_autoptr(CatdScanSettings) good = settings_new ("test:0", CATD_SCAN_SOURCE_FLATBED,
                                                   CATD_SCAN_MODE_GRAY, 75, "test-picture=Grid",
                                                   "read-return-value=Default", NULL);
  g_autofree char *clave = registered_acta (f, 0);
  CatdScanBatchOptions options = { .acta = clave };
  g_autoptr(BatchRun) last = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *option = g_strdup_printf ("read-return-value=%s", cases[i].status);
      g_autoptr(CatdScanSettings) settings = settings_new ("test:0", CATD_SCAN_SOURCE_FLATBED,
                                                           CATD_SCAN_MODE_GRAY, 75,
                                                           "test-picture=Grid", option, NULL);
      g_autoptr(BatchRun) run = NULL;
      g_autoptr(GArray) before = helper_pids ();
      g_autoptr(GArray) after_error = NULL;
      g_autoptr(GArray) after_page = NULL;
      g_autoptr(GArray) after_next = NULL;

      run = run_batch (f, scanner, settings, &options, NULL, 0, NULL);
      check_scan_error (run->error, cases[i].code, cases[i].status);
      /* Its reader thread was cancelled: the helper that read the page is
       * not trusted with another. (After an I/O error, a new one looks
       * for the device at once.) */
      after_error = helper_pids ();
      check (n_missing (before, after_error) == 1, "after a page failed with %s, %u helpers "
             "ended, not one", cases[i].status, n_missing (before, after_error));
      check (g_str_has_prefix (run->error->message, "test:0: "), "the message of %s does not "
             "name the scanner: %s", cases[i].status, run->error->message);
      check (run->stored->len == 0 && run->problems->len == 0, "%s gave %u stored and %u "
             "problem pages", cases[i].status, run->stored->len, run->problems->len);
      assert_nothing_stored (f, cases[i].status);
      assert_scanner_works (scanner, good, cases[i].status);
      after_page = helper_pids ();
      check (n_missing (after_page, before) == 1, "the page after %s was read by %u new "
             "helpers, not one", cases[i].status, n_missing (after_page, before));
      /* A page read whole keeps its helper for the next. */
      assert_scanner_works (scanner, good, cases[i].status);
      after_next = helper_pids ();
      check (n_missing (after_page, after_next) == 0 && n_missing (after_next, after_page) == 0,
             "a page read whole after %s changed the helpers", cases[i].status);
    }

  /* And the acta takes its page once the device reads it. */
  last = run_batch (f, scanner, good, &options, NULL, 0, NULL);
  check (last->error == NULL && last->stored->len == 1, "after the errors, the page of acta %s "
         "was not stored: %s", clave, error_text (last->error));
  if (last->stored->len == 1)
    {
      Stored *stored = g_ptr_array_index (last->stored, 0);
      g_autofree char *image = acta_image (f, clave);

      check (g_strcmp0 (stored->binding, "hand") == 0, "an unlabelled page bound to the acta "
             "named is recorded as bound by %s", stored->binding);
      check (g_strcmp0 (image, stored->info.sha256) == 0, "acta %s shows %s, not its page", clave,
             image);
    }
}

/* A slow page cancelled at its first progress: "finished" comes at once,
 * no page arrives, nothing is stored, and the scanner goes on working. */
static void
test_sane_cancel_slow_page (Fixture       *f,
                            gconstpointer  data)
{
  CatdScanner *scanner = sane_scanner_new ();
  /* The test backend waits before each buffer of its picture; the colour
   * pattern at 75 dpi comes in some 80 of them, so 0.2 s each makes a page
   * of about 17 s. */
  g_autoptr(CatdScanSettings) slow = settings_new ("test:0", CATD_SCAN_SOURCE_FLATBED,
                                                   CATD_SCAN_MODE_GRAY, 75,
                                                   "test-picture=Color pattern",
                                                   "read-delay=yes", "read-delay-duration=200000",
                                                   "read-limit=yes", "read-limit-size=8192",
                                                   NULL);
  g_autoptr(CatdScanSettings) fast = settings_new ("test:0", CATD_SCAN_SOURCE_FLATBED,
                                                   CATD_SCAN_MODE_GRAY, 75, "test-picture=Grid",
                                                   "read-delay=no", "read-limit=no", NULL);
  g_autofree char *clave = registered_acta (f, 0);
  CatdScanBatchOptions options = { .acta = clave };
  g_autoptr(BatchRun) run = NULL;
  g_auto(JobWatch) watch;
  double latency;
  gint64 t0;

  watch_init (&watch, scanner);
  watch.cancel_on_progress = TRUE;
  run = run_batch (f, scanner, slow, &options, NULL, 0, NULL);
  wait_for (&watch.finished, "\"finished\" from the cancelled job");

  check (watch.cancelled_at != 0, "the slow page sent no progress to cancel it at");
  latency = (watch.finished_at - watch.cancelled_at) / (double) G_USEC_PER_SEC;
  g_test_message ("a slow page cancelled at its first progress ended %.2f s later", latency);
  check (latency < 2.0, "a cancelled page ended %.1f s after the cancel; the page takes 17 s",
         latency);
  check (g_error_matches (watch.error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED),
         "a cancelled job finished with: %s", error_text (watch.error));
  check (watch.pages->len == 0, "a cancelled job delivered %u pages", watch.pages->len);
  check (g_error_matches (run->error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED),
         "the batch of a cancelled job finished with: %s", error_text (run->error));
  check (run->stored->len == 0, "a cancelled page was stored");
  assert_nothing_stored (f, "a cancelled page");

  t0 = g_get_monotonic_time ();
  assert_scanner_works (scanner, fast, "after a cancel");
  check (g_get_monotonic_time () - t0 < 5 * G_USEC_PER_SEC, "the scan after a cancel took "
         "%.1f s", (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
}

/* ---- a fake device behind the same interface ------------------------------------ */

#define FAKE_VENDOR "Fakon"
#define FAKE_MODEL  "FS-1"

static CatdFakeScanner *
fake_new (const char *name)
{
  CatdFakeScanner *fake = catd_fake_scanner_new ();

  catd_fake_scanner_add_device (fake, name, FAKE_VENDOR, FAKE_MODEL);
  return fake;
}

/* Loads the synthetic page of @clave (its QR label names it) into the
 * fake's feeder. */
static void
feed_acta (Fixture         *f,
           CatdFakeScanner *fake,
           const char      *clave,
           guint            seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s-%u.pnm", clave, seed);
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  CatdSynthOptions options = { .dpi = SYNTH_DPI, .seed = seed, .format = CATD_SYNTH_PNM };

  catd_synth_render (f->station, clave, &options, path, NULL, &error);
  g_assert_no_error (error);
  catd_fake_scanner_feed_pnm (fake, path, &error);
  g_assert_no_error (error);
}

static CatdScanSettings *
fake_settings (const char     *device,
               CatdScanSource  source)
{
  return settings_new (device, source, CATD_SCAN_MODE_GRAY, SYNTH_DPI, NULL);
}

/* A page cut off halfway (a jam, then an I/O error with the device still
 * there) is its own error, and nothing of it is stored; the sheet stays in
 * the feeder and goes through once the device reads it whole. */
static void
test_fake_fail_mid_page (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:001");
  CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
    catd_fake_scanner_create_backend (fake)));
  g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:001", CATD_SCAN_SOURCE_ADF);
  CatdScanBatchOptions options = { NULL };
  g_autofree char *clave = registered_acta (f, 0);
  static const CatdScanError failures[] = { CATD_SCAN_ERROR_JAMMED, CATD_SCAN_ERROR_IO };

  feed_acta (f, fake, clave, 1);

  for (guint i = 0; i < G_N_ELEMENTS (failures); i++)
    {
      g_autoptr(BatchRun) run = NULL;
      g_auto(JobWatch) watch;
      double reached;

      watch_init (&watch, scanner);
      catd_fake_scanner_fail_page (fake, 1, 0.5, failures[i]);
      run = run_batch (f, scanner, settings, &options, NULL, 0, fake);
      wait_for (&watch.finished, "\"finished\" from the failed job");

      reached = watch_max_fraction (&watch);
      check (reached >= 0.45 && reached < 1.0, "the page that failed halfway reported progress "
             "up to %g", reached);
      check (watch.pages->len == 0, "a page that failed halfway was delivered");
      check_scan_error (run->error, failures[i], "a page cut off halfway");
      check (run->stored->len == 0 && run->problems->len == 0, "a page cut off halfway gave "
             "%u stored and %u problem pages", run->stored->len, run->problems->len);
      assert_nothing_stored (f, "a page cut off halfway");
      check (catd_fake_scanner_get_n_sheets (fake) == 1, "the sheet that failed left the feeder");
    }

  {
    g_autoptr(BatchRun) run = run_batch (f, scanner, settings, &options, NULL, 0, fake);
    Stored *stored = run->stored->len == 1 ? g_ptr_array_index (run->stored, 0) : NULL;

    check (run->error == NULL && stored != NULL, "the page after the failures was not stored: "
           "%s (%u stored)", error_text (run->error), run->stored->len);
    if (stored != NULL)
      {
        check (g_strcmp0 (stored->clave_acta, clave) == 0 &&
               g_strcmp0 (stored->binding, "qr") == 0,
               "the labelled page was bound to %s by %s, not to %s by its QR label",
               stored->clave_acta, stored->binding, clave);
      }
  }
}

/* A scanner unplugged mid-batch: the pages before are kept, the batch
 * says the device is gone, and jobs say so until it is plugged in again;
 * back on another USB address, a job naming it by its old name finds it
 * by its backend, vendor and model (not another model of the same
 * backend), and the rest of the pile goes through. */
static void
test_fake_device_gone (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:002");
  CatdScanner *scanner;
  g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:002", CATD_SCAN_SOURCE_ADF);
  CatdScanBatchOptions options = { NULL };
  g_autoptr(GPtrArray) actas = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BatchRun) first = NULL;
  g_autoptr(BatchRun) second = NULL;
  g_auto(GStrv) devices = NULL;
  g_autofree char *open_name = NULL;

  /* Another model of the same backend stays plugged in throughout. */
  catd_fake_scanner_add_device (fake, "fake:usb:009", FAKE_VENDOR, "FS-2");
  scanner = keep_scanner (catd_scanner_new_for_backend (
    catd_fake_scanner_create_backend (fake)));
  for (guint i = 0; i < 3; i++)
    {
      g_ptr_array_add (actas, registered_acta (f, i));
      feed_acta (f, fake, g_ptr_array_index (actas, i), i + 1);
    }

  /* Unplugged halfway through the second sheet. */
  catd_fake_scanner_vanish_at_page (fake, 2, 0.5);
  first = run_batch (f, scanner, settings, &options, NULL, 0, fake);
  check_scan_error (first->error, CATD_SCAN_ERROR_DEVICE_GONE, "a scanner unplugged mid-page");
  check (first->stored->len == 1, "%u pages were kept of a batch unplugged in its second page",
         first->stored->len);
  if (first->stored->len == 1)
    check (g_strcmp0 (((Stored *) g_ptr_array_index (first->stored, 0))->clave_acta,
                      g_ptr_array_index (actas, 0)) == 0,
           "the page kept is not the first sheet's");
  check (!acta_has_image (f, g_ptr_array_index (actas, 1)),
         "the page cut off by the unplugging was stored");
  check (catd_fake_scanner_get_n_sheets (fake) == 2, "%u sheets are left in the feeder, not 2",
         catd_fake_scanner_get_n_sheets (fake));
  check (catd_test_count_temp_files (f->images_dir) == 0, "temporary files were left behind");

  devices = list_devices (scanner);
  check (!g_strv_contains ((const char * const *) devices, "fake:usb:002"),
         "the unplugged scanner is still listed");
  check (g_strv_contains ((const char * const *) devices, "fake:usb:009"),
         "the scanner that stayed plugged in is not listed");

  /* While it is unplugged, a job for it says so, and does not fall back on
   * the other model of the same backend. */
  {
    g_auto(JobWatch) watch;

    watch_init (&watch, scanner);
    watch_run (&watch, settings);
    check_scan_error (watch.error, CATD_SCAN_ERROR_DEVICE_GONE, "a job for an unplugged scanner");
    check (watch.n_started == 0 && watch.pages->len == 0, "a job for an unplugged scanner "
           "started %u pages", watch.n_started);
    open_name = catd_fake_scanner_dup_open_name (fake);
    check (open_name == NULL, "a job for the unplugged %s opened %s instead", FAKE_MODEL,
           open_name);
  }

  /* Plugged in again, on another USB address. */
  catd_fake_scanner_reappear (fake, "fake:usb:002", "fake:usb:003");
  second = run_batch (f, scanner, settings, &options, NULL, 0, fake);
  check (second->error == NULL, "the batch after the scanner came back failed: %s",
         error_text (second->error));
  check (second->stored->len == 2, "%u of the 2 sheets left were stored after the scanner came "
         "back", second->stored->len);
  for (guint i = 0; i < second->stored->len; i++)
    {
      Stored *stored = g_ptr_array_index (second->stored, i);

      check (g_strcmp0 (stored->clave_acta, g_ptr_array_index (actas, i + 1)) == 0,
             "sheet %u went to acta %s, not %s", i + 2, stored->clave_acta,
             (char *) g_ptr_array_index (actas, i + 1));
      check (g_strcmp0 (stored->device, "fake:usb:003") == 0, "a page from the scanner that "
             "came back names the device %s, not fake:usb:003", stored->device);
    }
  g_clear_pointer (&open_name, g_free);
  open_name = catd_fake_scanner_dup_open_name (fake);
  check (g_strcmp0 (open_name, "fake:usb:003") == 0, "the job for fake:usb:002 opened %s, not "
         "the same model back as fake:usb:003", open_name);
  check (catd_test_query_int (f->station, "SELECT count(*) FROM audit "
                              "WHERE action = 'digitalizacion.scan' AND clave_acta = ?1 "
                              "AND json_extract (detail, '$.device') = 'fake:usb:003'",
                              g_ptr_array_index (actas, 2)) == 1,
         "the audit log does not name the device the page came from");
}

/* Labelled pages in identify mode: each is bound to the acta its QR label
 * names; a page that cannot be stops the feed before the next sheet is
 * pulled and says why; the operator's skip and cancel are recorded in the
 * audit log, and a cancel leaves the rest of the pile unread. */
/* Spins the main context for @ms milliseconds. */
static void
spin_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

/* An operator's pause: the page being read is finished and stored, no
 * other sheet is pulled until the batch is released. */
static void
test_fake_hold (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:006");
  CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
    catd_fake_scanner_create_backend (fake)));
  g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:006", CATD_SCAN_SOURCE_ADF);
  CatdScanBatchOptions options = { NULL };
  g_autoptr(BatchRun) run = g_new0 (BatchRun, 1);
  g_autoptr(GError) error = NULL;
  gint64 deadline;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *clave = registered_acta (f, i);

      feed_acta (f, fake, clave, i + 1);
    }

  run->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  run->stored = g_ptr_array_new_with_free_func ((GDestroyNotify) stored_free);
  run->batch = catd_scan_batch_new (f->station, f->dig, scanner, settings, &options, &error);
  g_assert_no_error (error);
  g_signal_connect (run->batch, "page-problem", G_CALLBACK (batch_page_problem_cb), run);
  g_signal_connect (run->batch, "page-stored", G_CALLBACK (batch_page_stored_cb), run);
  g_signal_connect (run->batch, "finished", G_CALLBACK (batch_finished_cb), run);
  check (catd_scan_batch_start (run->batch, &error), "the batch did not start: %s",
         error_text (error));
  catd_scan_batch_hold (run->batch);
  check (catd_scan_batch_is_held (run->batch), "the batch does not say it is held");

  deadline = g_get_monotonic_time () + WAIT_SECONDS * G_USEC_PER_SEC;
  while (run->stored->len < 1 && !run->finished && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  check (run->stored->len == 1, "%u pages stored before the hold took effect, not 1",
         run->stored->len);

  /* Held: time enough for two more sheets, and none comes. */
  spin_for (600);
  check (run->stored->len == 1 && !run->finished,
         "a held batch went on: %u pages stored, finished %d", run->stored->len, run->finished);
  check (catd_fake_scanner_get_n_sheets (fake) == 2, "%u sheets left in the feeder, not 2",
         catd_fake_scanner_get_n_sheets (fake));

  catd_scan_batch_release (run->batch);
  wait_for (&run->finished, "\"finished\" from the released batch");
  check (run->error == NULL, "the released batch failed: %s", error_text (run->error));
  check (run->stored->len == 3, "%u pages stored in all, not 3", run->stored->len);
}

static void
test_fake_qr_identify (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:004");
  CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
    catd_fake_scanner_create_backend (fake)));
  g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:004", CATD_SCAN_SOURCE_ADF);
  CatdScanBatchOptions options = { NULL };
  g_autofree char *good = registered_acta (f, 0);
  g_autofree char *unregistered = nth_acta (f, 1);
  g_autofree char *digitized = registered_acta (f, 2);
  g_autofree char *unread = registered_acta (f, 3);
  g_autofree char *tiff = catd_test_write_tiff (f->dir, 7);
  g_autofree char *digitized_image = NULL;
  g_autofree char *digitized_image_after = NULL;
  g_autoptr(BatchRun) run = NULL;
  g_autoptr(GError) error = NULL;
  static const Decision decisions[] = {
    { CATD_SCAN_DECISION_SKIP, NULL },
    { CATD_SCAN_DECISION_SKIP, NULL },
    { CATD_SCAN_DECISION_CANCEL, NULL },
  };
  const struct
  {
    guint       page;
    const char *verdict;
    const char *qr;
    const char *words;
    const char *decision;
  } expected[] = {
    { 2, "not_registered", unregistered, "has not been registered", "skip" },
    { 3, "blank", NULL, "blank", "skip" },
    { 4, "already_digitized", digitized, "already has an image", "cancel" },
  };

  catd_station_import_image (f->station, f->dig, digitized, tiff, NULL, NULL, &error);
  g_assert_no_error (error);
  digitized_image = acta_image (f, digitized);

  feed_acta (f, fake, good, 1);
  feed_acta (f, fake, unregistered, 2);
  catd_fake_scanner_feed_blank (fake, 1275, 1650);
  feed_acta (f, fake, digitized, 3);
  feed_acta (f, fake, unread, 4);

  run = run_batch (f, scanner, settings, &options, decisions, G_N_ELEMENTS (decisions), fake);
  check (g_error_matches (run->error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED),
         "a batch the operator cancelled ended with: %s", error_text (run->error));
  check (run->stored->len == 1, "%u pages were stored, not the one good page", run->stored->len);
  if (run->stored->len >= 1)
    {
      Stored *stored = g_ptr_array_index (run->stored, 0);

      check (stored->number == 1 && g_strcmp0 (stored->clave_acta, good) == 0 &&
             g_strcmp0 (stored->binding, "qr") == 0,
             "page %u went to %s (by %s), not page 1 to %s by its QR label", stored->number,
             stored->clave_acta, stored->binding, good);
    }

  check (run->problems->len == G_N_ELEMENTS (expected), "%u pages stopped the batch, not %u",
         run->problems->len, (guint) G_N_ELEMENTS (expected));
  for (guint i = 0; i < MIN (run->problems->len, G_N_ELEMENTS (expected)); i++)
    {
      Problem *problem = g_ptr_array_index (run->problems, i);
      g_autofree char *page = g_strdup_printf ("%u", expected[i].page);
      const char *by_page = "FROM audit WHERE action = 'digitalizacion.page_set_aside' "
                            "AND json_extract (detail, '$.page') = CAST (?1 AS INTEGER)";
      g_autofree char *sql_count = g_strconcat ("SELECT count(*) ", by_page, NULL);
      g_autofree char *sql_acta = g_strconcat ("SELECT clave_acta ", by_page, NULL);
      g_autofree char *sql_decision = g_strconcat ("SELECT json_extract (detail, '$.decision') ",
                                                   by_page, NULL);
      g_autofree char *sql_verdict = g_strconcat ("SELECT json_extract (detail, '$.verdict') ",
                                                  by_page, NULL);
      g_autofree char *sql_problem = g_strconcat ("SELECT json_extract (detail, '$.problem') ",
                                                  by_page, NULL);
      g_autofree char *sql_login = g_strconcat ("SELECT login ", by_page, NULL);
      g_autofree char *audit_acta = catd_test_query_text (f->station, sql_acta, page);
      g_autofree char *audit_decision = catd_test_query_text (f->station, sql_decision, page);
      g_autofree char *audit_verdict = catd_test_query_text (f->station, sql_verdict, page);
      g_autofree char *audit_problem = catd_test_query_text (f->station, sql_problem, page);
      g_autofree char *audit_login = catd_test_query_text (f->station, sql_login, page);

      check (problem->number == expected[i].page && g_str_equal (problem->verdict,
                                                                  expected[i].verdict),
             "page %u stopped the batch as %s; expected page %u as %s", problem->number,
             problem->verdict, expected[i].page, expected[i].verdict);
      check (g_strcmp0 (problem->qr, expected[i].qr) == 0, "page %u's label read as %s, not %s",
             problem->number, problem->qr, expected[i].qr);
      check (strstr (problem->problem, expected[i].words) != NULL &&
             (expected[i].qr == NULL || strstr (problem->problem, expected[i].qr) != NULL),
             "the operator is told \"%s\" about page %u (%s)", problem->problem, problem->number,
             problem->verdict);
      /* The feed stopped at the page: the sheets after it are still in
       * the feeder. */
      check (problem->sheets_left == 5 - (gint) expected[i].page, "when page %u stopped the "
             "batch, %d sheets were left, not %d", problem->number, problem->sheets_left,
             5 - (gint) expected[i].page);

      check (catd_test_query_int (f->station, sql_count, page) == 1, "page %u, set aside, has "
             "%" G_GINT64_FORMAT " page_set_aside audit rows, not one", expected[i].page,
             catd_test_query_int (f->station, sql_count, page));
      check (g_strcmp0 (audit_acta, expected[i].qr) == 0 &&
             g_strcmp0 (audit_decision, expected[i].decision) == 0 &&
             g_strcmp0 (audit_verdict, expected[i].verdict) == 0 &&
             g_strcmp0 (audit_problem, problem->problem) == 0 &&
             g_strcmp0 (audit_login, "dig") == 0,
             "the audit row of page %u says acta %s, decision %s, verdict %s, problem \"%s\" by "
             "%s; expected %s, %s, %s, \"%s\" by dig", expected[i].page, audit_acta,
             audit_decision, audit_verdict, audit_problem, audit_login, expected[i].qr,
             expected[i].decision, expected[i].verdict, problem->problem);
    }
  check (catd_test_query_int (f->station, "SELECT count(*) FROM audit "
                              "WHERE action = 'digitalizacion.page_set_aside'", NULL) == 3,
         "pages set aside are not recorded once each");

  digitized_image_after = acta_image (f, digitized);
  check (g_strcmp0 (digitized_image, digitized_image_after) == 0, "the image of the acta "
         "already digitized changed from %s to %s", digitized_image, digitized_image_after);
  check (!acta_has_image (f, unregistered), "an unregistered acta got an image");
  check (!acta_has_image (f, unread), "the sheet after the cancel was stored");
  check (catd_fake_scanner_get_n_sheets (fake) == 1, "the cancel left %u sheets in the feeder, "
         "not the one never fed", catd_fake_scanner_get_n_sheets (fake));
}

/* A re-scan replacing an acta's image: the new image is the acta's, the
 * old one is kept, and the audit log says what was replaced and why. */
static void
test_fake_replace (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:005");
  CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
    catd_fake_scanner_create_backend (fake)));
  g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:005",
                                                        CATD_SCAN_SOURCE_FLATBED);
  g_autofree char *clave = registered_acta (f, 0);
  g_autofree char *tiff = catd_test_write_tiff (f->dir, 5);
  const char *reason = "la primera hoja salió doblada";
  CatdScanBatchOptions options = { .acta = clave, .replace = TRUE, .reason = reason };
  g_autofree char *old = NULL;
  g_autofree char *now = NULL;
  g_autofree char *old_path = NULL;
  g_autofree char *audit_replaces = NULL;
  g_autofree char *audit_reason = NULL;
  g_autofree char *audit_sha = NULL;
  g_autoptr(BatchRun) run = NULL;
  g_autoptr(GError) error = NULL;
  Stored *stored;

  catd_station_import_image (f->station, f->dig, clave, tiff, NULL, NULL, &error);
  g_assert_no_error (error);
  old = acta_image (f, clave);
  g_assert_nonnull (old);
  feed_acta (f, fake, clave, 9);

  run = run_batch (f, scanner, settings, &options, NULL, 0, fake);
  check (run->error == NULL && run->stored->len == 1, "the replacing page was not stored: %s",
         error_text (run->error));
  if (run->stored->len != 1)
    return;
  stored = g_ptr_array_index (run->stored, 0);
  now = acta_image (f, clave);
  check (g_strcmp0 (now, stored->info.sha256) == 0 && g_strcmp0 (now, old) != 0,
         "acta %s shows image %s after the re-scan; old %s, new %s", clave, now, old,
         stored->info.sha256);
  check (g_strcmp0 (stored->binding, "qr") == 0, "the re-scanned page, labelled with its acta, "
         "is recorded as bound by %s", stored->binding);
  check (catd_test_query_int (f->station, "SELECT count(*) FROM acta_image ai "
                              "JOIN acta a ON a.id = ai.acta WHERE a.clave_acta = ?1",
                              clave) == 2, "acta %s does not list both its images", clave);
  check (catd_test_query_int (f->station, "SELECT count(*) FROM acta_image WHERE sha256 = ?1",
                              old) == 1, "the replaced image's row is gone");
  old_path = catd_image_path (f->images_dir, old);
  check (g_file_test (old_path, G_FILE_TEST_IS_REGULAR), "the replaced image's file %s is gone",
         old_path);

  check (catd_test_query_int (f->station, "SELECT count(*) FROM audit "
                              "WHERE action = 'digitalizacion.replace' AND clave_acta = ?1",
                              clave) == 1, "the replacement is not recorded once in the audit log");
  audit_replaces = catd_test_replace_detail (f->station, clave, "replaces");
  audit_reason = catd_test_replace_detail (f->station, clave, "reason");
  audit_sha = catd_test_replace_detail (f->station, clave, "sha256");
  check (g_strcmp0 (audit_replaces, old) == 0, "the audit row says it replaces %s, not %s",
         audit_replaces, old);
  check (g_strcmp0 (audit_reason, reason) == 0, "the audit row gives the reason \"%s\", not "
         "\"%s\"", audit_reason, reason);
  check (g_strcmp0 (audit_sha, now) == 0, "the audit row names the new image %s, not %s",
         audit_sha, now);
}

/* catd_scan_batch_new () refuses before anything is fed what binding
 * would refuse after: a replacement without a reason or without an acta. */
/* Runs the current test again in a subprocess, for a test that may crash
 * or abort on another thread; a failure there fails this test only. */
static void
run_in_subprocess (void)
{
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("the subprocess crashed or failed a check (a crash leaves no message; "
                        "run it with -p %s --GTestSubprocess under gdb)", g_test_get_path ());
}

static void
replace_needs_reason (Fixture *f)
{
  g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:007");
  CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
    catd_fake_scanner_create_backend (fake)));
  g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:007",
                                                        CATD_SCAN_SOURCE_FLATBED);
  g_autofree char *clave = registered_acta (f, 0);
  g_autofree char *tiff = catd_test_write_tiff (f->dir, 6);
  const char *reasons[] = { NULL, "", "   " };
  g_autoptr(GError) error = NULL;

  catd_station_import_image (f->station, f->dig, clave, tiff, NULL, NULL, &error);
  g_assert_no_error (error);

  {
    CatdScanBatchOptions options = { .replace = TRUE, .reason = "doblada" };
    g_autoptr(CatdScanBatch) batch = catd_scan_batch_new (f->station, f->dig, scanner, settings,
                                                          &options, &error);

    check (batch == NULL && g_error_matches (error, CATD_STATION_ERROR,
                                             CATD_STATION_ERROR_INVALID_INPUT),
           "a replacement naming no acta was not refused: %s", error_text (error));
    g_clear_error (&error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      CatdScanBatchOptions options = { .acta = clave, .replace = TRUE, .reason = reasons[i] };
      g_autoptr(CatdScanBatch) batch = catd_scan_batch_new (f->station, f->dig, scanner, settings,
                                                            &options, &error);

      check (batch == NULL && g_error_matches (error, CATD_STATION_ERROR,
                                               CATD_STATION_ERROR_INVALID_INPUT),
             "catd_scan_batch_new () accepted a replacement with %s%s%s as its reason (%s)",
             reasons[i] ? "\"" : "", reasons[i] ? reasons[i] : "no reason", reasons[i] ? "\"" : "",
             error_text (error));
      g_clear_error (&error);
    }
}

static void
test_replace_needs_reason (void)
{
  if (g_test_subprocess ())
    {
      Fixture f;

      fixture_set_up (&f, NULL);
      replace_needs_reason (&f);
      fixture_tear_down (&f, NULL);
      return;
    }

  run_in_subprocess ();
}

/* Events reach the scanner's creator on its main context even when that
 * context is not being iterated at the moment they happen: a program that
 * waits with g_main_context_iteration () (catdctl scanners), or that
 * starts a job before it runs its loop (catdctl scan). Run in a
 * subprocess, so that a signal on the wrong thread fails this test only. */
static void
test_fake_events_on_main_context (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:010");
      CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
        catd_fake_scanner_create_backend (fake)));
      g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:010",
                                                            CATD_SCAN_SOURCE_FLATBED);
      g_auto(JobWatch) watch;

      catd_fake_scanner_feed_blank (fake, 100, 100);
      watch_init (&watch, scanner);

      /* The whole job runs while this thread does something else, without
       * holding its context. */
      watch.job = catd_scanner_start (scanner, settings, FALSE);
      g_usleep (G_USEC_PER_SEC / 2);

      wait_for (&watch.finished, "\"finished\" from the scanner");
      check (watch.error == NULL && watch.pages->len == 1, "the job gave %u pages: %s",
             watch.pages->len, error_text (watch.error));
      return;
    }

  run_in_subprocess ();
}

/* Dropping a scanner as soon as its job has finished, as a program that
 * exits after its scan does: the scanner stops its thread and nothing
 * crashes. Done many times, since it is a race with the scanner's thread
 * when it fails. Run in a subprocess, so that a crash fails this test
 * only. */
static void
test_fake_drop_after_finished (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:011");
      g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:011",
                                                            CATD_SCAN_SOURCE_FLATBED);

      /* A job that takes a few milliseconds, so that this thread waits
       * for its "finished" and answers it at once. */
      catd_fake_scanner_set_step_time (fake, 200);
      for (guint i = 0; i < 400; i++)
        {
          CatdScanner *scanner = catd_scanner_new_for_backend (
            catd_fake_scanner_create_backend (fake));
          g_auto(JobWatch) watch;

          catd_fake_scanner_feed_blank (fake, 16, 16);
          watch_init (&watch, scanner);
          watch_run (&watch, settings);
          check (watch.error == NULL, "job %u failed: %s", i, error_text (watch.error));
          watch_clear (&watch);
          g_object_unref (scanner);
        }
      return;
    }

  run_in_subprocess ();
}

/* A scanner that is listed but does not answer when opened, on the first
 * job of the station: the job fails with the device's error and the next
 * one works. Run in a subprocess, so that a crash fails this test only. */
static void
test_fake_open_fails (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(CatdFakeScanner) fake = fake_new ("fake:usb:008");
      CatdScanner *scanner = keep_scanner (catd_scanner_new_for_backend (
        catd_fake_scanner_create_backend (fake)));
      g_autoptr(CatdScanSettings) settings = fake_settings ("fake:usb:008",
                                                            CATD_SCAN_SOURCE_FLATBED);
      g_auto(JobWatch) watch;

      catd_fake_scanner_feed_blank (fake, 100, 100);
      catd_fake_scanner_fail_next_open (fake, CATD_SCAN_ERROR_IO);
      watch_init (&watch, scanner);
      watch_run (&watch, settings);
      check_scan_error (watch.error, CATD_SCAN_ERROR_IO, "a scanner that does not answer");
      assert_scanner_works (scanner, settings, "after an open that failed");
      return;
    }

  run_in_subprocess ();
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  kept_scanners = g_ptr_array_new_with_free_func (g_object_unref);

  g_test_add_func ("/scan/sane/flatbed", test_sane_flatbed);
  g_test_add ("/scan/sane/adf-batch", Fixture, NULL, fixture_set_up, test_sane_adf_batch,
              fixture_tear_down);
  g_test_add ("/scan/sane/feeder-empty", Fixture, NULL, fixture_set_up, test_sane_feeder_empty,
              fixture_tear_down);
  g_test_add ("/scan/sane/device-errors", Fixture, NULL, fixture_set_up, test_sane_device_errors,
              fixture_tear_down);
  g_test_add ("/scan/sane/cancel-slow-page", Fixture, NULL, fixture_set_up,
              test_sane_cancel_slow_page, fixture_tear_down);
  g_test_add ("/scan/fake/fail-mid-page", Fixture, NULL, fixture_set_up, test_fake_fail_mid_page,
              fixture_tear_down);
  g_test_add ("/scan/fake/device-gone", Fixture, NULL, fixture_set_up, test_fake_device_gone,
              fixture_tear_down);
  g_test_add ("/scan/fake/qr-identify", Fixture, NULL, fixture_set_up, test_fake_qr_identify,
              fixture_tear_down);
  g_test_add ("/scan/fake/replace", Fixture, NULL, fixture_set_up, test_fake_replace,
              fixture_tear_down);
  g_test_add ("/scan/fake/hold", Fixture, NULL, fixture_set_up, test_fake_hold,
              fixture_tear_down);
  g_test_add_func ("/scan/fake/replace-needs-reason", test_replace_needs_reason);
  g_test_add_func ("/scan/fake/open-fails", test_fake_open_fails);
  g_test_add_func ("/scan/fake/events-on-main-context", test_fake_events_on_main_context);
  g_test_add_func ("/scan/fake/drop-after-finished", test_fake_drop_after_finished);

  status = g_test_run ();

  g_ptr_array_unref (kept_scanners);
  return status;
}
