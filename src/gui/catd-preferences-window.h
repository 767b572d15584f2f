/* catd-preferences-window.h - central site, certificates, scanner defaults, style
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_PREFERENCES_WINDOW (catd_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (CatdPreferencesWindow, catd_preferences_window, CATD, PREFERENCES_WINDOW, GtkWindow)

CatdPreferencesWindow *catd_preferences_window_new (CatdSession *session);

G_END_DECLS
