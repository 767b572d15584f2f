/* catd-thread.h - background threads that yield to the operators
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The nice value of background work: the upload's thread, the helpers that
 * compress a page's strips. */
#define CATD_BACKGROUND_NICE 10

void catd_thread_lower_priority (const char *what);

G_END_DECLS
