/* catd-application.h - the CATD Station desktop application
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_APPLICATION_ID "mx.catd.Station"

#define CATD_TYPE_APPLICATION (catd_application_get_type ())
G_DECLARE_FINAL_TYPE (CatdApplication, catd_application, CATD, APPLICATION, GtkApplication)

CatdApplication *catd_application_new         (void);
CatdSession     *catd_application_get_session (CatdApplication *self);
GSettings       *catd_application_get_settings (CatdApplication *self);

G_END_DECLS
