/* catd-thread.h - background threads that yield to the operators
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Nice values: background work (the upload's thread, the helpers that
 * compress a page's strips), and work that is worth doing only on an idle
 * processor (hashing the upload's next image ahead of time). */
#define CATD_NICE_BACKGROUND 10
#define CATD_NICE_IDLE       19

void catd_thread_lower_priority (const char *what,
                                 int         nice_value);

G_END_DECLS
