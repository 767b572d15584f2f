/* catd-central-server.h - the central site's HTTP API (DESIGN §7) over libsoup
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-central.h"
#include "catd-tokens.h"

G_BEGIN_DECLS

#define CATD_TYPE_CENTRAL_SERVER (catd_central_server_get_type ())
G_DECLARE_FINAL_TYPE (CatdCentralServer, catd_central_server, CATD, CENTRAL_SERVER, GObject)

CatdCentralServer *catd_central_server_new      (CatdCentral        *central,
                                                 CatdTokens         *tokens,
                                                 GTlsCertificate    *certificate,
                                                 GError            **error);
gboolean           catd_central_server_listen   (CatdCentralServer  *self,
                                                 const char         *host,
                                                 guint               port,
                                                 GError            **error);
GStrv              catd_central_server_get_urls (CatdCentralServer  *self);

G_END_DECLS
