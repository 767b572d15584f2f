/* catd-demo.h - the demo station: election, users, scanners and a central site
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-station.h"

G_BEGIN_DECLS

typedef struct
{
  const char *login;
  const char *name;
  CatdRole    role;
  const char *pin;
} CatdDemoUser;

typedef struct _CatdDemo CatdDemo;

const CatdDemoUser *catd_demo_users          (guint          *n_users);
CatdDemo           *catd_demo_prepare        (const char     *data_dir,
                                              GError        **error);
gboolean            catd_demo_finish         (CatdDemo       *demo,
                                              GError        **error);
CatdStation        *catd_demo_get_station    (CatdDemo       *demo);
const char         *catd_demo_get_dir        (CatdDemo       *demo);
const char         *catd_demo_get_central_url (CatdDemo      *demo);
char               *catd_demo_page_for_acta  (CatdStation    *station,
                                              const char     *demo_dir,
                                              const char     *clave_acta,
                                              GError        **error);
char               *catd_demo_sane_dir       (const char     *demo_dir);
void                catd_demo_free           (CatdDemo       *demo);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdDemo, catd_demo_free)

G_END_DECLS
