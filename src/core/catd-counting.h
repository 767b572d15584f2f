/* catd-counting.h - captured values and the PREP counting rules (DESIGN §5)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "catd-catalog.h"

G_BEGIN_DECLS

#define CATD_VALUE_MAX 9999

typedef enum
{
  CATD_VALUE_NUMBER,
  CATD_VALUE_ILEGIBLE,   /* illegible in both letters and digits */
  CATD_VALUE_SIN_DATO,   /* nothing written */
} CatdValueKind;

typedef struct
{
  CatdValueKind kind;
  int           number;  /* 0..9999 when kind is CATD_VALUE_NUMBER, else 0 */
} CatdValue;

/* One field of an acta with its settled value, as the counting rules see it. */
typedef struct
{
  CatdFieldKind kind;
  CatdValue     value;
} CatdCountedField;

typedef struct
{
  char   tipo;            /* casilla tipo: B C E S V */
  gint64 lista_nominal;
  gint64 representantes;
  gint64 max_boletas;     /* used for tipo S */
} CatdCountLimits;

typedef struct
{
  gint64      total_votos_calculado;
  gboolean    contabilizada;
  const char *observaciones;   /* static string, "" when nothing to note */
} CatdCountResult;

gboolean    catd_value_from_json     (JsonNode         *node,
                                      CatdValue        *value);
gboolean    catd_value_from_string   (const char       *str,
                                      CatdValue        *value);
char       *catd_value_to_string     (const CatdValue  *value);
void        catd_value_to_json       (const CatdValue  *value,
                                      JsonBuilder      *builder);
const char *catd_value_to_export     (const CatdValue  *value,
                                      char              buf[16]);
gboolean    catd_value_equal         (const CatdValue  *a,
                                      const CatdValue  *b);

GHashTable *catd_values_parse        (const char       *text);
JsonNode   *catd_values_to_node      (GPtrArray        *fields,
                                      GHashTable       *values);
char       *catd_values_serialize    (GPtrArray        *fields,
                                      GHashTable       *values);
GHashTable *catd_codes_parse         (const char       *text);

void        catd_count_acta          (const CatdCountedField *fields,
                                      guint                   n_fields,
                                      const CatdCountLimits  *limits,
                                      CatdCountResult        *result);

G_END_DECLS
