/* catd-coordination-page.h - the Coordinación screen: progress, queue, throughput, users, audit, export
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_COORDINATION_PAGE (catd_coordination_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdCoordinationPage, catd_coordination_page, CATD, COORDINATION_PAGE, GtkWidget)

CatdSession *catd_coordination_page_get_session (CatdCoordinationPage *self);
void         catd_coordination_page_set_session (CatdCoordinationPage *self,
                                                 CatdSession          *session);
void         catd_coordination_page_show_acta   (CatdCoordinationPage *self,
                                                 const char           *clave_acta);

G_END_DECLS
