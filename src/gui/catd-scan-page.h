/* catd-scan-page.h - the Digitalización screen: scanners, scanning, preview, binding
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-image-view.h"
#include "catd-session.h"

G_BEGIN_DECLS

/* The engine's scanner (catd-scanner.h, whose CatdScanPage clashes with
 * this screen's name: see catd-scan-engine.h). */
typedef struct _CatdScanner CatdScanner;

#define CATD_TYPE_SCAN_PAGE (catd_scan_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdScanPage, catd_scan_page, CATD, SCAN_PAGE, GtkWidget)

CatdSession   *catd_scan_page_get_session         (CatdScanPage        *self);
void           catd_scan_page_set_session         (CatdScanPage        *self,
                                                   CatdSession         *session);
void           catd_scan_page_set_scanner         (CatdScanPage        *self,
                                                   CatdScanner         *scanner);
void           catd_scan_page_set_backend_options (CatdScanPage        *self,
                                                   const char * const  *options);
void           catd_scan_page_refresh_devices     (CatdScanPage        *self);
void           catd_scan_page_import_file         (CatdScanPage        *self,
                                                   const char          *clave_acta,
                                                   const char          *path,
                                                   const char          *reason);
gboolean       catd_scan_page_get_busy            (CatdScanPage        *self);
CatdImageView *catd_scan_page_get_image_view      (CatdScanPage        *self);

G_END_DECLS
