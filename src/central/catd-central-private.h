/* catd-central-private.h - what the central site's source files share
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-central.h"

G_BEGIN_DECLS

struct _CatdCentral
{
  GObject      parent_instance;

  CatdStore   *store;
  GHashTable  *contest_fields;   /* contest id -> GPtrArray of CatdField* */
};

G_END_DECLS
