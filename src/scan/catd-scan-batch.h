/* catd-scan-batch.h - pages from the scanner to stored, checked acta images
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-page.h"
#include "catd-scanner.h"
#include "catd-station.h"
#include "catd-tiff.h"

G_BEGIN_DECLS

typedef struct
{
  const char           *acta;         /* bind the page to this acta; NULL: by its QR */
  gboolean              replace;      /* a re-scan replacing the acta's image (needs acta) */
  const char           *reason;       /* why, with replace */
  CatdTiffCompression   compression;  /* JPEG only for colour */
} CatdScanBatchOptions;

/* One page of a batch, as its signals report it. */
typedef struct
{
  guint           number;       /* 1-based within the batch */
  CatdScanPage   *page;
  CatdPageCheck  *check;        /* what its checks found */
  char           *problem;      /* why the batch stopped at it, or NULL */
  gboolean        blank_back;   /* the blank back of a duplex sheet: set aside, recorded */
  gboolean        stored;
  char           *clave_acta;   /* the acta it is bound to, once stored */
  const char     *binding;      /* "qr" or "hand", once stored */
  CatdImageInfo   info;         /* once stored */
  char           *path;         /* the stored file, once stored */
} CatdScanResult;

typedef enum
{
  CATD_SCAN_DECISION_BIND,     /* store it as the image of the acta the operator names */
  CATD_SCAN_DECISION_RESCAN,   /* set it aside; the same sheet is fed again */
  CATD_SCAN_DECISION_SKIP,     /* set it aside and go on with the next sheet */
  CATD_SCAN_DECISION_CANCEL,   /* set it aside and end the batch */
} CatdScanDecision;

#define CATD_TYPE_SCAN_BATCH (catd_scan_batch_get_type ())
G_DECLARE_FINAL_TYPE (CatdScanBatch, catd_scan_batch, CATD, SCAN_BATCH, GObject)

CatdScanBatch *catd_scan_batch_new     (CatdStation                 *station,
                                        CatdUser                    *user,
                                        CatdScanner                 *scanner,
                                        const CatdScanSettings      *settings,
                                        const CatdScanBatchOptions  *options,
                                        GError                     **error);
gboolean       catd_scan_batch_start   (CatdScanBatch               *self,
                                        GError                     **error);
gboolean       catd_scan_batch_decide  (CatdScanBatch               *self,
                                        CatdScanDecision             decision,
                                        const char                  *clave_acta,
                                        GError                     **error);
void           catd_scan_batch_cancel  (CatdScanBatch               *self);
void           catd_scan_batch_hold    (CatdScanBatch               *self);
void           catd_scan_batch_release (CatdScanBatch               *self);
gboolean       catd_scan_batch_is_held (CatdScanBatch               *self);
gboolean       catd_scan_batch_is_paused (CatdScanBatch             *self);
guint          catd_scan_batch_get_n_stored (CatdScanBatch          *self);

const char    *catd_scan_decision_to_string   (CatdScanDecision  decision);
gboolean       catd_scan_decision_from_string (const char       *text,
                                               CatdScanDecision *decision);

G_END_DECLS
