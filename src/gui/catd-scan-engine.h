/* catd-scan-engine.h - the scanning engine's headers, for the station's screens
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/* Two types share one name: the engine calls a page as the scanner
 * delivered it `CatdScanPage` (src/scan/catd-scanner.h), and the window
 * calls the Digitalización screen `CatdScanPage` (catd-scan-page.h, as
 * docs/architecture.md names the pages). A file that needs both includes
 * this header first: within it the engine's page is spelt
 * `CatdAcquiredPage`. Only the spelling of the typedef (and of its
 * g_autoptr() helpers) changes; the struct, its functions
 * (catd_scan_page_ref (), catd_scan_page_get_gray ()…) and every signal's
 * arguments are the engine's own. */

#if defined (CATD_TYPE_SCAN_PAGE)
#error "include catd-scan-engine.h before catd-scan-page.h"
#endif

#define CatdScanPage CatdAcquiredPage
#include "catd-scan-backend.h"
#include "catd-scan-batch.h"
#include "catd-scanner.h"
#undef CatdScanPage
