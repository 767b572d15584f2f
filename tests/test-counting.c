/* test-counting.c - the counting rules of DESIGN §5, table-driven
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-counting.h"

/* Each case is one acta: its casilla's limits and its vote fields written as
 * a compact string ("12 ile sd 0": a number, ilegible, sin dato, a number).
 * The informative fields are added to every case to prove they are never
 * summed. The boundaries SQLite's testcase() habit would mark are here as
 * their own rows: exactly at the limit, one over, the especial cap. */
typedef struct
{
  const char *name;
  char        tipo;
  gint64      lista_nominal;
  gint64      representantes;
  gint64      max_boletas;
  const char *votes;
  gint64      total;
  gboolean    contabilizada;
  const char *observaciones;
} CountCase;

static const CountCase cases[] = {
  { "all-legible", 'B', 500, 10, -1, "100 50 25 5", 180, TRUE, "" },
  { "zero-votes-is-legible", 'B', 500, 10, -1, "0 0 0 0", 0, TRUE, "" },
  { "exactly-at-limit", 'B', 100, 10, -1, "60 50", 110, TRUE, "" },
  { "one-over-limit", 'B', 100, 10, -1, "60 51", 111, FALSE, "Excede lista nominal" },
  { "limit-contigua", 'C', 300, 0, -1, "300", 300, TRUE, "" },
  { "over-limit-contigua", 'C', 300, 0, -1, "301", 301, FALSE, "Excede lista nominal" },
  { "especial-uses-max-boletas", 'S', 0, 12, 750, "700 62", 762, TRUE, "" },
  { "especial-one-over-cap", 'S', 0, 12, 750, "700 63", 763, FALSE, "Excede lista nominal" },
  { "especial-ignores-lista-nominal", 'S', 5000, 0, 100, "150", 150, FALSE,
    "Excede lista nominal" },
  { "extraordinaria-limit", 'E', 200, 4, -1, "204", 204, TRUE, "" },
  { "prision-preventiva", 'V', 40, 2, -1, "30 12", 42, TRUE, "" },
  { "all-ilegible", 'B', 500, 10, -1, "ile ile ile", 0, FALSE, "Todos los campos ilegibles" },
  { "all-sin-dato", 'B', 500, 10, -1, "sd sd sd", 0, FALSE, "Todos los campos vacíos" },
  { "ilegible-and-sin-dato-no-number", 'B', 500, 10, -1, "ile sd sd", 0, FALSE,
    "Todos los campos ilegibles" },
  { "one-legible-among-ilegible", 'B', 500, 10, -1, "ile 7 ile", 7, TRUE, "Ilegible" },
  { "one-legible-among-sin-dato", 'B', 500, 10, -1, "sd sd 0", 0, TRUE, "Sin dato" },
  { "mixed-flags", 'B', 500, 10, -1, "12 ile sd 3", 15, TRUE, "Ilegible, Sin dato" },
  { "mixed-flags-over-limit", 'B', 10, 0, -1, "12 ile sd", 12, FALSE, "Excede lista nominal" },
  { "max-values", 'B', 99999, 0, -1, "9999 9999 9999", 29997, TRUE, "" },
  { "single-field", 'B', 1, 0, -1, "1", 1, TRUE, "" },
};

static void
parse_votes (const char *text,
             GArray     *fields)
{
  g_auto(GStrv) words = g_strsplit (text, " ", -1);
  CatdCountedField info = { CATD_FIELD_INFO, { CATD_VALUE_NUMBER, 9999 } };

  /* Informative fields at both ends, as on the acta: never summed. */
  g_array_append_val (fields, info);
  for (guint i = 0; words[i]; i++)
    {
      CatdCountedField f = { i == 0 ? CATD_FIELD_PARTY : i % 2 ? CATD_FIELD_COALITION
                                                               : CATD_FIELD_NULOS };

      if (g_str_equal (words[i], "ile"))
        f.value.kind = CATD_VALUE_ILEGIBLE;
      else if (g_str_equal (words[i], "sd"))
        f.value.kind = CATD_VALUE_SIN_DATO;
      else
        {
          f.value.kind = CATD_VALUE_NUMBER;
          f.value.number = atoi (words[i]);
        }
      g_array_append_val (fields, f);
    }
  info.value.kind = CATD_VALUE_ILEGIBLE;
  g_array_append_val (fields, info);
}

static void
test_counting_case (gconstpointer data)
{
  const CountCase *c = data;
  g_autoptr(GArray) fields = g_array_new (FALSE, TRUE, sizeof (CatdCountedField));
  CatdCountLimits limits = { c->tipo, c->lista_nominal, c->representantes, c->max_boletas };
  CatdCountResult result;

  parse_votes (c->votes, fields);
  catd_count_acta ((CatdCountedField *)(gpointer)fields->data, fields->len, &limits, &result);

  g_assert_cmpint (result.total_votos_calculado, ==, c->total);
  g_assert_cmpint (result.contabilizada, ==, c->contabilizada);
  g_assert_cmpstr (result.observaciones, ==, c->observaciones);
}

static void
test_value_text (void)
{
  static const char *good[] = { "0", "7", "9999", "ilegible", "sin_dato" };
  static const char *bad[] = { "", "-1", "10000", "007", " 7", "7 ", "1.5", "ILEGIBLE",
                               "sin dato", "12a", "+3" };
  CatdValue value;

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *back = NULL;

      g_assert_true (catd_value_from_string (good[i], &value));
      back = catd_value_to_string (&value);
      g_assert_cmpstr (back, ==, good[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_false (catd_value_from_string (bad[i], &value));
}

static void
test_value_json (void)
{
  static const struct {
    const char *json;
    gboolean ok;
    CatdValueKind kind;
    int number;
  } json_cases[] = {
    { "0", TRUE, CATD_VALUE_NUMBER, 0 },
    { "9999", TRUE, CATD_VALUE_NUMBER, 9999 },
    { "\"ilegible\"", TRUE, CATD_VALUE_ILEGIBLE, 0 },
    { "\"sin_dato\"", TRUE, CATD_VALUE_SIN_DATO, 0 },
    { "10000", FALSE }, { "-1", FALSE }, { "1.5", FALSE }, { "1.0", FALSE },
    { "\"12\"", FALSE }, { "\"Ilegible\"", FALSE }, { "null", FALSE }, { "true", FALSE },
    { "[1]", FALSE }, { "{}", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (json_cases); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (json_cases[i].json, NULL);
      CatdValue value = { 0 };

      g_assert_nonnull (node);
      g_assert_cmpint (catd_value_from_json (node, &value), ==, json_cases[i].ok);
      if (json_cases[i].ok)
        {
          g_assert_cmpint (value.kind, ==, json_cases[i].kind);
          g_assert_cmpint (value.number, ==, json_cases[i].number);
        }
    }
}

static void
test_value_export (void)
{
  CatdValue v = { CATD_VALUE_NUMBER, 42 };
  char buf[16];

  g_assert_cmpstr (catd_value_to_export (&v, buf), ==, "42");
  v.kind = CATD_VALUE_ILEGIBLE;
  g_assert_cmpstr (catd_value_to_export (&v, buf), ==, "ILEGIBLE");
  v.kind = CATD_VALUE_SIN_DATO;
  g_assert_cmpstr (catd_value_to_export (&v, buf), ==, "SIN DATO");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/counting/%s", cases[i].name);
      g_test_add_data_func (path, &cases[i], test_counting_case);
    }
  g_test_add_func ("/counting/value-text", test_value_text);
  g_test_add_func ("/counting/value-json", test_value_json);
  g_test_add_func ("/counting/value-export", test_value_export);
  return g_test_run ();
}
