/* catd-fake-scanner.h - a scanner stand-in for tests: pages on demand, failures on cue
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-scan-backend.h"

G_BEGIN_DECLS

/* The test's handle on a fake device layer. The test keeps it to load
 * sheets and arm failures from the main thread while the scanner's worker
 * thread drives the backend made by catd_fake_scanner_create_backend ();
 * every call locks. */
#define CATD_TYPE_FAKE_SCANNER (catd_fake_scanner_get_type ())
G_DECLARE_FINAL_TYPE (CatdFakeScanner, catd_fake_scanner, CATD, FAKE_SCANNER, GObject)

CatdFakeScanner *catd_fake_scanner_new            (void);
CatdScanBackend *catd_fake_scanner_create_backend (CatdFakeScanner  *self);

void             catd_fake_scanner_add_device     (CatdFakeScanner  *self,
                                                   const char       *name,
                                                   const char       *vendor,
                                                   const char       *model);
void             catd_fake_scanner_feed_pixels    (CatdFakeScanner  *self,
                                                   guint             width,
                                                   guint             height,
                                                   guint             channels,
                                                   GBytes           *pixels);
void             catd_fake_scanner_feed_blank     (CatdFakeScanner  *self,
                                                   guint             width,
                                                   guint             height);
gboolean         catd_fake_scanner_feed_pnm       (CatdFakeScanner  *self,
                                                   const char       *path,
                                                   GError          **error);
guint            catd_fake_scanner_get_n_sheets   (CatdFakeScanner  *self);
void             catd_fake_scanner_set_step_time  (CatdFakeScanner  *self,
                                                   gulong            usec);

void             catd_fake_scanner_fail_page      (CatdFakeScanner  *self,
                                                   guint             page,
                                                   double            fraction,
                                                   CatdScanError     code);
void             catd_fake_scanner_vanish_at_page (CatdFakeScanner  *self,
                                                   guint             page,
                                                   double            fraction);
void             catd_fake_scanner_fail_next_open (CatdFakeScanner  *self,
                                                   CatdScanError     code);
void             catd_fake_scanner_reappear       (CatdFakeScanner  *self,
                                                   const char       *old_name,
                                                   const char       *new_name);

char            *catd_fake_scanner_dup_open_name  (CatdFakeScanner  *self);

G_END_DECLS
