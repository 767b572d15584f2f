/* catd-tokens.h - the stations' upload tokens, kept only as hashes
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define CATD_TYPE_TOKENS (catd_tokens_get_type ())
G_DECLARE_FINAL_TYPE (CatdTokens, catd_tokens, CATD, TOKENS, GObject)

CatdTokens  *catd_tokens_new_from_file  (const char  *path,
                                         GError     **error);
CatdTokens  *catd_tokens_new_from_data  (const char  *data,
                                         gsize        len,
                                         GError     **error);
const char  *catd_tokens_lookup         (CatdTokens  *self,
                                         const char  *token);
GPtrArray   *catd_tokens_get_stations   (CatdTokens  *self);

G_END_DECLS
