/* catd-pin.h - PIN hashing with yescrypt (libxcrypt)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean  catd_pin_is_valid (const char *pin);
char     *catd_pin_hash     (const char *pin,
                             GError    **error);
gboolean  catd_pin_verify   (const char *pin,
                             const char *stored_hash);

G_END_DECLS
