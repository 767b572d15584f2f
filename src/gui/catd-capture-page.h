/* catd-capture-page.h - the Captura screen: the next acta, its image beside the capture form
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_CAPTURE_PAGE (catd_capture_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdCapturePage, catd_capture_page, CATD, CAPTURE_PAGE, GtkWidget)

CatdSession *catd_capture_page_get_session (CatdCapturePage *self);
void         catd_capture_page_set_session (CatdCapturePage *self,
                                           CatdSession *session);

G_END_DECLS
