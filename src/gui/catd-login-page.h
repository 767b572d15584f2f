/* catd-login-page.h - the login screen: user and PIN
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-session.h"

G_BEGIN_DECLS

#define CATD_TYPE_LOGIN_PAGE (catd_login_page_get_type ())
G_DECLARE_FINAL_TYPE (CatdLoginPage, catd_login_page, CATD, LOGIN_PAGE, GtkWidget)

CatdSession *catd_login_page_get_session (CatdLoginPage *self);
void         catd_login_page_set_session (CatdLoginPage *self,
                                         CatdSession *session);

G_END_DECLS
