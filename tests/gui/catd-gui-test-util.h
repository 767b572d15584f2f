/* catd-gui-test-util.h - shared fixtures for the station's widget tests
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

typedef gboolean (*CatdGuiTestCond) (gpointer data);

void         catd_gui_test_init        (int            *argc,
                                        char         ***argv);
CatdSession *catd_gui_test_session     (CatdStation    *station);
void         catd_gui_test_spin        (guint           ms);
gboolean     catd_gui_test_wait        (CatdGuiTestCond cond,
                                        gpointer        data,
                                        guint           timeout_ms);
GtkWidget   *catd_gui_test_find        (GtkWidget      *root,
                                        GType           type,
                                        guint           nth);
GtkWidget   *catd_gui_test_find_label  (GtkWidget      *root,
                                        const char     *text);
gboolean     catd_gui_test_contains_text (GtkWidget    *root,
                                        const char     *text);
GtkWidget   *catd_gui_test_window      (GtkWidget      *child);

G_END_DECLS
