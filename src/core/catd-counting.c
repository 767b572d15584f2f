/* catd-counting.c - captured values and the PREP counting rules
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>

#include "catd-counting.h"

/* The canonical text of a value is how it is stored and compared: a number in
 * decimal without leading zeros, "ilegible" or "sin_dato". Two keyed values
 * agree exactly when their canonical texts are equal. */

gboolean
catd_value_from_json (JsonNode  *node,
                      CatdValue *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 n = json_node_get_int (node);

      if (n < 0 || n > CATD_VALUE_MAX)
        return FALSE;
      value->kind = CATD_VALUE_NUMBER;
      value->number = (int)n;
      return TRUE;
    }

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *str = json_node_get_string (node);

      if (g_str_equal (str, "ilegible"))
        value->kind = CATD_VALUE_ILEGIBLE;
      else if (g_str_equal (str, "sin_dato"))
        value->kind = CATD_VALUE_SIN_DATO;
      else
        return FALSE;
      value->number = 0;
      return TRUE;
    }

  return FALSE;
}

gboolean
catd_value_from_string (const char *str,
                        CatdValue  *value)
{
  guint64 n;

  if (str == NULL)
    return FALSE;
  if (g_str_equal (str, "ilegible"))
    {
      *value = (CatdValue) { CATD_VALUE_ILEGIBLE, 0 };
      return TRUE;
    }
  if (g_str_equal (str, "sin_dato"))
    {
      *value = (CatdValue) { CATD_VALUE_SIN_DATO, 0 };
      return TRUE;
    }
  /* Canonical numbers only: no sign, no leading zero, no spaces. */
  if (str[0] == '\0' || strlen (str) > 4 || (str[0] == '0' && str[1] != '\0'))
    return FALSE;
  for (const char *c = str; *c; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  n = g_ascii_strtoull (str, NULL, 10);
  *value = (CatdValue) { CATD_VALUE_NUMBER, (int)n };
  return TRUE;
}

char *
catd_value_to_string (const CatdValue *value)
{
  switch (value->kind)
    {
    case CATD_VALUE_ILEGIBLE:
      return g_strdup ("ilegible");
    case CATD_VALUE_SIN_DATO:
      return g_strdup ("sin_dato");
    case CATD_VALUE_NUMBER:
    default:
      return g_strdup_printf ("%d", value->number);
    }
}

void
catd_value_to_json (const CatdValue *value,
                    JsonBuilder     *builder)
{
  switch (value->kind)
    {
    case CATD_VALUE_ILEGIBLE:
      json_builder_add_string_value (builder, "ilegible");
      break;
    case CATD_VALUE_SIN_DATO:
      json_builder_add_string_value (builder, "sin_dato");
      break;
    case CATD_VALUE_NUMBER:
    default:
      json_builder_add_int_value (builder, value->number);
      break;
    }
}

/* The prep-csv spelling (DESIGN §9). */
const char *
catd_value_to_export (const CatdValue *value,
                      char             buf[16])
{
  switch (value->kind)
    {
    case CATD_VALUE_ILEGIBLE:
      return "ILEGIBLE";
    case CATD_VALUE_SIN_DATO:
      return "SIN DATO";
    case CATD_VALUE_NUMBER:
    default:
      g_snprintf (buf, 16, "%d", value->number);
      return buf;
    }
}

gboolean
catd_value_equal (const CatdValue *a,
                  const CatdValue *b)
{
  return a->kind == b->kind && a->number == b->number;
}

/**
 * catd_count_acta:
 * @fields: every field of the acta with its settled value; informative
 *   fields may be included, they are skipped
 * @limits: the casilla's lista nominal, representantes and tipo
 *
 * Applies the counting rules of DESIGN §5 in order. Pure: no I/O, no
 * allocation. Sin acta and fuera de catálogo are decided by the caller,
 * since those actas have no values to count.
 */
void
catd_count_acta (const CatdCountedField *fields,
                 guint                   n_fields,
                 const CatdCountLimits  *limits,
                 CatdCountResult        *result)
{
  gint64 total = 0;
  guint n_votes = 0, n_numbers = 0, n_ilegible = 0, n_sin_dato = 0;
  gint64 cap;

  for (guint i = 0; i < n_fields; i++)
    {
      if (!catd_field_kind_is_vote (fields[i].kind))
        continue;
      n_votes++;
      switch (fields[i].value.kind)
        {
        case CATD_VALUE_NUMBER:
          n_numbers++;
          total += fields[i].value.number;
          break;
        case CATD_VALUE_ILEGIBLE:
          n_ilegible++;
          break;
        case CATD_VALUE_SIN_DATO:
          n_sin_dato++;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  /* Rule 1: the total is always the sum, ilegible and sin dato as 0. */
  result->total_votos_calculado = total;

  /* Rule 2: nothing legible to count. */
  if (n_numbers == 0)
    {
      result->contabilizada = FALSE;
      result->observaciones = n_sin_dato == n_votes ? "Todos los campos vacíos"
                                                    : "Todos los campos ilegibles";
      return;
    }

  /* Rule 3: more votes than people who could have voted here. Especiales
   * have no lista nominal of their own: their ballot cap stands in for it.
   * Exactly at the limit still counts. */
  cap = (limits->tipo == 'S' ? limits->max_boletas : limits->lista_nominal)
        + limits->representantes;
  if (total > cap)
    {
      result->contabilizada = FALSE;
      result->observaciones = "Excede lista nominal";
      return;
    }

  /* Rule 4: counted, noting what could not be read. */
  result->contabilizada = TRUE;
  if (n_ilegible > 0 && n_sin_dato > 0)
    result->observaciones = "Ilegible, Sin dato";
  else if (n_ilegible > 0)
    result->observaciones = "Ilegible";
  else if (n_sin_dato > 0)
    result->observaciones = "Sin dato";
  else
    result->observaciones = "";
}

/* Value maps: field code -> canonical text. They are stored as JSON objects
 * ({"PAN": "12", "NULOS": "ilegible"}) in acta order: one row per keying
 * instead of one per field keeps an action's writes small, and the text is
 * exactly what the audit row records. */

/* Parses a stored value map; a missing or malformed text gives an empty map. */

GHashTable *
catd_values_parse (const char *text)
{
  GHashTable *values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(JsonNode) node = text ? json_from_string (text, NULL) : NULL;
  JsonObjectIter iter;
  const char *code;
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return values;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &code, &member))
    if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
      g_hash_table_insert (values, g_strdup (code), g_strdup (json_node_get_string (member)));
  return values;
}

/* The map as a JSON object, in the order of @fields (CatdField*). */
JsonNode *
catd_values_to_node (GPtrArray  *fields,
                      GHashTable *values)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      const char *value = g_hash_table_lookup (values, field->code);

      if (value == NULL)
        continue;
      json_builder_set_member_name (builder, field->code);
      json_builder_add_string_value (builder, value);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

char *
catd_values_serialize (GPtrArray  *fields,
                        GHashTable *values)
{
  g_autoptr(JsonNode) node = catd_values_to_node (fields, values);

  return json_to_string (node, FALSE);
}

/* Parses a stored JSON array of field codes into a set. */
GHashTable *
catd_codes_parse (const char *text)
{
  GHashTable *codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) node = text ? json_from_string (text, NULL) : NULL;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *code = json_array_get_string_element (array, i);

          if (code != NULL)
            g_hash_table_add (codes, g_strdup (code));
        }
    }
  return codes;
}
