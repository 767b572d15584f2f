/* catd-scan-page.h - the Digitalización screen: scanners, scanning, preview, binding
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_SCAN_PAGE (catd_scan_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdScanPage, catd_scan_page, CATD, SCAN_PAGE, GtkWidget)

CatdSession *catd_scan_page_get_session (CatdScanPage *self);
void         catd_scan_page_set_session (CatdScanPage *self,
                                        CatdSession *session);

G_END_DECLS
