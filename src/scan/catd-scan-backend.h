/* catd-scan-backend.h - what the scanner's worker thread drives: SANE, or a stand-in
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-scanner.h"

G_BEGIN_DECLS

/* Called by acquire () as the page comes in: the fraction read so far, or
 * a negative number when the device does not say how long the page is. */
typedef void (*CatdScanProgressFunc) (double   fraction,
                                      gpointer user_data);

/* Every method runs on the scanner's worker thread, one at a time; a
 * backend needs no locking of its own. At most one device is open. The
 * product uses the SANE backend (catd_scan_backend_sane_new ()); tests put
 * a stand-in behind the same methods to make failures SANE's own test
 * backend cannot (a page cut off in the middle, a device unplugged). */
struct _CatdScanBackend
{
  void          (*free)         (CatdScanBackend         *self);
  /* Every device present now, as CatdScanDevice. */
  GPtrArray    *(*list_devices) (CatdScanBackend         *self,
                                 GError                 **error);
  gboolean      (*open)         (CatdScanBackend         *self,
                                 const char              *name,
                                 GError                 **error);
  void          (*close)        (CatdScanBackend         *self);
  /* Applies @settings to the open device and reads back the resolution
   * it really uses. */
  gboolean      (*configure)    (CatdScanBackend         *self,
                                 const CatdScanSettings  *settings,
                                 double                  *actual_dpi,
                                 GError                 **error);
  /* Acquires one whole page (width, height, channels, stride and pixels
   * set; the worker fills in the rest), or fails with a CATD_SCAN_ERROR:
   * FEEDER_EMPTY when there is no sheet to feed, CANCELLED once
   * @cancellable is cancelled. A failed page leaves nothing behind. */
  CatdScanPage *(*acquire)      (CatdScanBackend         *self,
                                 CatdScanProgressFunc     progress,
                                 gpointer                 progress_data,
                                 GCancellable            *cancellable,
                                 GError                 **error);
  /* Ends a job (SANE wants sane_cancel () after the last page). */
  void          (*end_job)      (CatdScanBackend         *self);
};

CatdScanBackend *catd_scan_backend_sane_new        (void);
CatdScanBackend *catd_scan_backend_sane_direct_new (void);

CatdScanPage    *catd_scan_page_new         (guint    width,
                                             guint    height,
                                             guint    channels,
                                             gsize    stride,
                                             GBytes  *pixels);

G_END_DECLS
