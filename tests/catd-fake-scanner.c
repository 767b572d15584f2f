/* catd-fake-scanner.c - a scanner stand-in for tests: pages on demand, failures on cue
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "catd-errors.h"
#include "catd-fake-scanner.h"

/* SANE's test backend fails only where its options say, at the start of a
 * read; it cannot cut a page off halfway, nor be unplugged and come back
 * on another USB address. This stand-in can, behind the same methods the
 * product's SANE layer implements (catd-scan-backend.h).
 *
 * The feeder is a queue of sheets. A page is read in READ_STEPS steps,
 * each reported as progress; an armed failure strikes the page it is
 * armed for at the first step at or past its fraction, once, and leaves
 * the sheet in the feeder (a jammed sheet is still in the scanner). A
 * device that vanishes stops answering with an I/O error, as an unplugged
 * USB scanner does under SANE, drops out of the device list and cannot be
 * opened until it reappears. An open can be made to fail once while the
 * device stays listed, as a scanner that is found but does not answer. */

#define READ_STEPS 20

typedef struct
{
  guint   width;
  guint   height;
  guint   channels;
  GBytes *pixels;
} Sheet;

typedef struct
{
  CatdScanDevice *device;
  gboolean        present;
} FakeDevice;

struct _CatdFakeScanner
{
  GObject        parent_instance;

  GMutex         lock;
  GPtrArray     *devices;       /* FakeDevice */
  GQueue         sheets;        /* Sheet, the next one fed first */
  char          *open_name;
  CatdScanError  open_error;    /* the next open fails with this, when set */
  gboolean       fail_open;
  gulong         step_usec;     /* how long each step of a page, and ending a job, takes */

  guint          fail_page;     /* a failure strikes in this page from now (1: the next), or 0 */
  double         fail_at;
  CatdScanError  fail_code;
  gboolean       vanish;        /* …and the device is unplugged */
};

G_DEFINE_FINAL_TYPE (CatdFakeScanner, catd_fake_scanner, G_TYPE_OBJECT)

typedef struct
{
  CatdScanBackend  parent;
  CatdFakeScanner *fake;
} FakeBackend;

static void
sheet_free (Sheet *sheet)
{
  g_bytes_unref (sheet->pixels);
  g_free (sheet);
}

static void
fake_device_free (FakeDevice *device)
{
  catd_scan_device_free (device->device);
  g_free (device);
}

/* Called with the lock held. */
static FakeDevice *
find_device (CatdFakeScanner *self,
             const char      *name)
{
  for (guint i = 0; name != NULL && i < self->devices->len; i++)
    {
      FakeDevice *device = g_ptr_array_index (self->devices, i);

      if (g_str_equal (device->device->name, name))
        return device;
    }
  return NULL;
}

/* The backend, on the scanner's worker thread. */

static void
fake_free (CatdScanBackend *backend)
{
  FakeBackend *self = (FakeBackend *) backend;

  g_object_unref (self->fake);
  g_free (self);
}

static GPtrArray *
fake_list_devices (CatdScanBackend  *backend,
                   GError          **error)
{
  CatdFakeScanner *fake = ((FakeBackend *) backend)->fake;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) catd_scan_device_free);

  for (guint i = 0; i < fake->devices->len; i++)
    {
      FakeDevice *device = g_ptr_array_index (fake->devices, i);

      if (device->present)
        g_ptr_array_add (list, catd_scan_device_copy (device->device));
    }
  return list;
}

static gboolean
fake_open (CatdScanBackend  *backend,
           const char       *name,
           GError          **error)
{
  CatdFakeScanner *fake = ((FakeBackend *) backend)->fake;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  FakeDevice *device = find_device (fake, name);

  g_clear_pointer (&fake->open_name, g_free);
  if (device == NULL || !device->present)
    {
      /* What the SANE layer says when sane_open () does not know the name. */
      catd_scan_set_error (error, CATD_SCAN_ERROR_DEVICE_GONE, name, NULL);
      return FALSE;
    }
  if (fake->fail_open)
    {
      fake->fail_open = FALSE;
      catd_scan_set_error (error, fake->open_error, name, "opening the scanner");
      return FALSE;
    }
  fake->open_name = g_strdup (name);
  return TRUE;
}

static void
fake_close (CatdScanBackend *backend)
{
  CatdFakeScanner *fake = ((FakeBackend *) backend)->fake;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

  g_clear_pointer (&fake->open_name, g_free);
}

static gboolean
fake_configure (CatdScanBackend         *backend,
                const CatdScanSettings  *settings,
                double                  *actual_dpi,
                GError                 **error)
{
  CatdFakeScanner *fake = ((FakeBackend *) backend)->fake;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
  FakeDevice *device = find_device (fake, fake->open_name);

  if (device == NULL || !device->present)
    {
      catd_scan_set_error (error, CATD_SCAN_ERROR_IO, fake->open_name,
                           "the device does not answer");
      return FALSE;
    }
  if (settings->options != NULL && settings->options[0] != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("the fake scanner has no option %s",
                                                 settings->options[0]);

      catd_scan_set_error (error, CATD_SCAN_ERROR_INVALID, fake->open_name, detail);
      return FALSE;
    }
  *actual_dpi = settings->dpi;
  return TRUE;
}

static CatdScanPage *
fake_acquire (CatdScanBackend       *backend,
              CatdScanProgressFunc   progress,
              gpointer               progress_data,
              GCancellable          *cancellable,
              GError               **error)
{
  CatdFakeScanner *fake = ((FakeBackend *) backend)->fake;
  g_autoptr(GBytes) pixels = NULL;
  g_autofree char *name = NULL;
  guint width, height, channels;
  gboolean armed, vanish;
  gulong step_usec;
  double fail_at;
  CatdScanError fail_code;

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
    FakeDevice *device = find_device (fake, fake->open_name);
    Sheet *sheet;

    if (device == NULL || !device->present)
      {
        catd_scan_set_error (error, CATD_SCAN_ERROR_IO, fake->open_name,
                             "the device does not answer");
        return NULL;
      }
    if ((sheet = g_queue_peek_head (&fake->sheets)) == NULL)
      {
        catd_scan_set_error (error, CATD_SCAN_ERROR_FEEDER_EMPTY, fake->open_name, NULL);
        return NULL;
      }
    name = g_strdup (fake->open_name);
    width = sheet->width;
    height = sheet->height;
    channels = sheet->channels;
    pixels = g_bytes_ref (sheet->pixels);
    armed = fake->fail_page == 1;
    if (fake->fail_page > 0)
      fake->fail_page--;
    fail_at = fake->fail_at;
    fail_code = fake->fail_code;
    vanish = fake->vanish;
    step_usec = fake->step_usec;
  }

  for (guint step = 0; step < READ_STEPS; step++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          catd_scan_set_error (error, CATD_SCAN_ERROR_CANCELLED, name, NULL);
          return NULL;
        }
      if (armed && (double) step / READ_STEPS >= fail_at)
        {
          if (vanish)
            {
              g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);
              FakeDevice *device = find_device (fake, name);

              if (device != NULL)
                device->present = FALSE;
              catd_scan_set_error (error, CATD_SCAN_ERROR_IO, name,
                                   "reading the page: Error during device I/O");
            }
          else
            catd_scan_set_error (error, fail_code, name, "reading the page");
          return NULL;
        }
      if (step_usec > 0)
        g_usleep (step_usec);
      progress ((double) (step + 1) / READ_STEPS, progress_data);
    }

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

    /* Only this thread takes sheets out, so the head is still this one. */
    sheet_free (g_queue_pop_head (&fake->sheets));
  }
  return catd_scan_page_new (width, height, channels, (gsize) width * channels, pixels);
}

static void
fake_end_job (CatdScanBackend *backend)
{
  CatdFakeScanner *fake = ((FakeBackend *) backend)->fake;
  gulong step_usec;

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&fake->lock);

    step_usec = fake->step_usec;
  }
  /* Ejecting the last sheet takes as long as a step of reading. */
  if (step_usec > 0)
    g_usleep (step_usec);
}

/**
 * catd_fake_scanner_create_backend:
 *
 * A device layer for catd_scanner_new_for_backend (), driven by @self.
 * It holds a reference to @self until the scanner frees it.
 */
CatdScanBackend *
catd_fake_scanner_create_backend (CatdFakeScanner *self)
{
  FakeBackend *backend = g_new0 (FakeBackend, 1);

  g_return_val_if_fail (CATD_IS_FAKE_SCANNER (self), NULL);

  backend->fake = g_object_ref (self);
  backend->parent.free = fake_free;
  backend->parent.list_devices = fake_list_devices;
  backend->parent.open = fake_open;
  backend->parent.close = fake_close;
  backend->parent.configure = fake_configure;
  backend->parent.acquire = fake_acquire;
  backend->parent.end_job = fake_end_job;
  return &backend->parent;
}

/* The test's side, on the main thread. */

static void
catd_fake_scanner_finalize (GObject *object)
{
  CatdFakeScanner *self = (CatdFakeScanner *) object;

  g_queue_clear_full (&self->sheets, (GDestroyNotify) sheet_free);
  g_ptr_array_unref (self->devices);
  g_free (self->open_name);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (catd_fake_scanner_parent_class)->finalize (object);
}

static void
catd_fake_scanner_class_init (CatdFakeScannerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_fake_scanner_finalize;
}

static void
catd_fake_scanner_init (CatdFakeScanner *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->sheets);
  self->devices = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_device_free);
}

/**
 * catd_fake_scanner_new:
 *
 * A fake with no devices and an empty feeder.
 */
CatdFakeScanner *
catd_fake_scanner_new (void)
{
  return g_object_new (CATD_TYPE_FAKE_SCANNER, NULL);
}

/**
 * catd_fake_scanner_add_device:
 *
 * Plugs in a device named @name (by convention "fake:…", so that the
 * backend prefix is "fake").
 */
void
catd_fake_scanner_add_device (CatdFakeScanner *self,
                              const char      *name,
                              const char      *vendor,
                              const char      *model)
{
  g_autoptr(GMutexLocker) locker = NULL;
  FakeDevice *device;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));

  locker = g_mutex_locker_new (&self->lock);
  device = g_new0 (FakeDevice, 1);
  device->device = catd_scan_device_new (name, vendor, model, "sheetfed scanner");
  device->present = TRUE;
  g_ptr_array_add (self->devices, device);
}

/**
 * catd_fake_scanner_feed_pixels:
 * @pixels: rows of @width × @channels bytes, top to bottom
 *
 * Puts a sheet at the back of the feeder.
 */
void
catd_fake_scanner_feed_pixels (CatdFakeScanner *self,
                               guint            width,
                               guint            height,
                               guint            channels,
                               GBytes          *pixels)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Sheet *sheet;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));
  g_return_if_fail (channels == 1 || channels == 3);
  g_return_if_fail (g_bytes_get_size (pixels) >= (gsize) width * height * channels);

  locker = g_mutex_locker_new (&self->lock);
  sheet = g_new0 (Sheet, 1);
  sheet->width = width;
  sheet->height = height;
  sheet->channels = channels;
  sheet->pixels = g_bytes_ref (pixels);
  g_queue_push_tail (&self->sheets, sheet);
}

/**
 * catd_fake_scanner_feed_blank:
 *
 * Puts a blank grey sheet (the grey of paper under the lamp, no ink) at
 * the back of the feeder.
 */
void
catd_fake_scanner_feed_blank (CatdFakeScanner *self,
                              guint            width,
                              guint            height)
{
  gsize size = (gsize) width * height;
  guint8 *gray = g_malloc (size);
  g_autoptr(GBytes) pixels = NULL;

  memset (gray, 245, size);
  pixels = g_bytes_new_take (gray, size);
  catd_fake_scanner_feed_pixels (self, width, height, 1, pixels);
}

/**
 * catd_fake_scanner_feed_pnm:
 * @path: a binary PGM (P5) file, as catd_synth_render () writes
 *
 * Puts the page in @path at the back of the feeder. Fails on a file that
 * is not an 8-bit binary PGM.
 */
gboolean
catd_fake_scanner_feed_pnm (CatdFakeScanner  *self,
                            const char       *path,
                            GError          **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GBytes) pixels = NULL;
  guint width = 0, height = 0, maxval = 0;
  int consumed = 0;
  gsize len;

  g_return_val_if_fail (CATD_IS_FAKE_SCANNER (self), FALSE);

  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  /* The header ends with one whitespace byte before the samples. */
  if (sscanf (data, "P5 %u %u %u%n", &width, &height, &maxval, &consumed) != 3 ||
      maxval != 255 || width == 0 || height == 0 ||
      len - (gsize) consumed - 1 < (gsize) width * height)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not an 8-bit binary PGM", path);
      return FALSE;
    }
  pixels = g_bytes_new (data + consumed + 1, (gsize) width * height);
  catd_fake_scanner_feed_pixels (self, width, height, 1, pixels);
  return TRUE;
}

/**
 * catd_fake_scanner_get_n_sheets:
 *
 * How many sheets are still in the feeder (a page that failed stays).
 */
guint
catd_fake_scanner_get_n_sheets (CatdFakeScanner *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CATD_IS_FAKE_SCANNER (self), 0);

  locker = g_mutex_locker_new (&self->lock);
  return g_queue_get_length (&self->sheets);
}

/**
 * catd_fake_scanner_fail_page:
 * @page: which page read from now fails: 1 the next, 2 the one after…
 * @fraction: how much of it is read (and reported) before it fails
 * @code: the CATD_SCAN_ERROR the device reports
 *
 * That page stops at @fraction with @code; its sheet stays in the feeder
 * and the device stays present. Replaces a failure armed before.
 */
void
catd_fake_scanner_fail_page (CatdFakeScanner *self,
                             guint            page,
                             double           fraction,
                             CatdScanError    code)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));
  g_return_if_fail (page > 0);

  locker = g_mutex_locker_new (&self->lock);
  self->fail_page = page;
  self->fail_at = fraction;
  self->fail_code = code;
  self->vanish = FALSE;
}

/**
 * catd_fake_scanner_vanish_at_page:
 * @page: as for catd_fake_scanner_fail_page ()
 *
 * The device is unplugged when that page is read to @fraction: the read
 * fails with an I/O error, and the device leaves the list and cannot be
 * opened until catd_fake_scanner_reappear ().
 */
void
catd_fake_scanner_vanish_at_page (CatdFakeScanner *self,
                                  guint            page,
                                  double           fraction)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));
  g_return_if_fail (page > 0);

  locker = g_mutex_locker_new (&self->lock);
  self->fail_page = page;
  self->fail_at = fraction;
  self->fail_code = CATD_SCAN_ERROR_IO;
  self->vanish = TRUE;
}

/**
 * catd_fake_scanner_set_step_time:
 * @usec: how long each of the READ_STEPS steps of reading a page takes,
 *   and ending a job; 0 (the default) for no time at all
 */
void
catd_fake_scanner_set_step_time (CatdFakeScanner *self,
                                 gulong           usec)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));

  locker = g_mutex_locker_new (&self->lock);
  self->step_usec = usec;
}

/**
 * catd_fake_scanner_fail_next_open:
 *
 * The next open fails with @code while the device stays listed, as a USB
 * scanner that is found but does not answer.
 */
void
catd_fake_scanner_fail_next_open (CatdFakeScanner *self,
                                  CatdScanError    code)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));

  locker = g_mutex_locker_new (&self->lock);
  self->fail_open = TRUE;
  self->open_error = code;
}

/**
 * catd_fake_scanner_reappear:
 *
 * Plugs the device that was @old_name back in, as @new_name (a USB
 * scanner's name holds its bus address), with the same vendor and model.
 */
void
catd_fake_scanner_reappear (CatdFakeScanner *self,
                            const char      *old_name,
                            const char      *new_name)
{
  g_autoptr(GMutexLocker) locker = NULL;
  FakeDevice *device;
  CatdScanDevice *renamed;

  g_return_if_fail (CATD_IS_FAKE_SCANNER (self));

  locker = g_mutex_locker_new (&self->lock);
  device = find_device (self, old_name);
  g_return_if_fail (device != NULL);
  renamed = catd_scan_device_new (new_name, device->device->vendor, device->device->model,
                                  device->device->type);
  catd_scan_device_free (device->device);
  device->device = renamed;
  device->present = TRUE;
}

/**
 * catd_fake_scanner_dup_open_name:
 *
 * Returns: (nullable): the name the open device was opened by
 */
char *
catd_fake_scanner_dup_open_name (CatdFakeScanner *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (CATD_IS_FAKE_SCANNER (self), NULL);

  locker = g_mutex_locker_new (&self->lock);
  return g_strdup (self->open_name);
}
