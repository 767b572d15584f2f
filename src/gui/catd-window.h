/* catd-window.h - the station's one main window
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-application.h"
#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_WINDOW (catd_window_get_type ())
G_DECLARE_FINAL_TYPE (CatdWindow, catd_window, CATD, WINDOW, GtkApplicationWindow)

CatdWindow  *catd_window_new              (CatdApplication *application);
void         catd_window_set_session      (CatdWindow      *self,
                                           CatdSession     *session);
CatdSession *catd_window_get_session      (CatdWindow      *self);
void         catd_window_show_failure     (CatdWindow      *self,
                                           const char      *message);
guint        catd_window_pages_for_role   (CatdRole         role);

G_END_DECLS
