/* catd-arbitration-page.h - the Arbitraje screen: disputed fields, and the coordinator resolution
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_ARBITRATION_PAGE (catd_arbitration_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdArbitrationPage, catd_arbitration_page, CATD, ARBITRATION_PAGE, GtkWidget)

CatdSession *catd_arbitration_page_get_session (CatdArbitrationPage *self);
void         catd_arbitration_page_set_session (CatdArbitrationPage *self,
                                               CatdSession *session);

G_END_DECLS
