/* catd-acopio-page.h - the Acopio screen: registration of arriving actas
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_ACOPIO_PAGE (catd_acopio_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdAcopioPage, catd_acopio_page, CATD, ACOPIO_PAGE, GtkWidget)

CatdSession *catd_acopio_page_get_session (CatdAcopioPage *self);
void         catd_acopio_page_set_session (CatdAcopioPage *self,
                                          CatdSession *session);

G_END_DECLS
