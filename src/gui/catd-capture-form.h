/* catd-capture-form.h - the keyboard-only form that keys one step of one acta
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_CAPTURE_FORM (catd_capture_form_get_type ())
G_DECLARE_FINAL_TYPE (CatdCaptureForm, catd_capture_form, CATD, CAPTURE_FORM, GtkWidget)

GtkWidget      *catd_capture_form_new           (void);
CatdSession    *catd_capture_form_get_session   (CatdCaptureForm *self);
void            catd_capture_form_set_session   (CatdCaptureForm *self,
                                                 CatdSession     *session);
void            catd_capture_form_set_task      (CatdCaptureForm *self,
                                                 CatdTask        *task);
const CatdTask *catd_capture_form_get_task      (CatdCaptureForm *self);
void            catd_capture_form_clear         (CatdCaptureForm *self);
void            catd_capture_form_set_busy      (CatdCaptureForm *self,
                                                 gboolean         busy);
void            catd_capture_form_show_message  (CatdCaptureForm *self,
                                                 const char      *message);
JsonNode       *catd_capture_form_collect       (CatdCaptureForm *self);
const char     *catd_capture_form_get_note      (CatdCaptureForm *self);
gint64          catd_capture_form_get_total     (CatdCaptureForm *self);
gboolean        catd_capture_form_get_draft_saved (CatdCaptureForm *self);
void            catd_capture_form_focus_first   (CatdCaptureForm *self);

GtkWidget      *catd_capture_form_get_entry     (CatdCaptureForm *self,
                                                 const char      *code);
GtkWidget      *catd_capture_form_get_badge     (CatdCaptureForm *self,
                                                 const char      *code);

G_END_DECLS
