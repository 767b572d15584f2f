/* catd-work-view.h - one user's capture work: the queue, the acta's image and the form
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-capture-form.h"
#include "catd-session.h"

G_BEGIN_DECLS

/* The two screens made of a work view: the steps each asks the queue for. */
typedef enum
{
  CATD_WORK_SCREEN_NONE,
  CATD_WORK_SCREEN_CAPTURE,      /* Captura: pass 1, pass 2 and the re-key */
  CATD_WORK_SCREEN_ARBITRATION,  /* Arbitraje: arbitration and the coordinator's resolution */
} CatdWorkScreen;

#define CATD_TYPE_WORK_SCREEN (catd_work_screen_get_type ())
GType catd_work_screen_get_type (void);

#define CATD_TYPE_WORK_VIEW (catd_work_view_get_type ())
G_DECLARE_FINAL_TYPE (CatdWorkView, catd_work_view, CATD, WORK_VIEW, GtkWidget)

CatdSession     *catd_work_view_get_session (CatdWorkView *self);
void             catd_work_view_set_session (CatdWorkView *self,
                                             CatdSession  *session);
guint            catd_work_view_get_kinds   (CatdWorkView *self);
void             catd_work_view_set_kinds   (CatdWorkView *self,
                                             guint         kinds);
void             catd_work_view_set_title   (CatdWorkView *self,
                                             const char   *title);
CatdWorkScreen   catd_work_view_get_screen  (CatdWorkView *self);
void             catd_work_view_set_screen  (CatdWorkView  *self,
                                             CatdWorkScreen screen);
CatdCaptureForm *catd_work_view_get_form    (CatdWorkView *self);
void             catd_work_view_refresh     (CatdWorkView *self);

G_END_DECLS
