/* catd-catalog.c - parsing and validating catd-catalog/1 documents
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "catd-catalog.h"
#include "catd-errors.h"

/* The catalog is validated in one pass while it is turned into plain structs.
 * Every error names the JSON path of the offending node ($.casillas[3].tipo)
 * and the rule it breaks, because the people who fix a catalog at 7 p.m. on
 * election day have only the message to go on. Import is all-or-nothing: a
 * catalog object exists only when the whole document is valid. */

struct _CatdCatalog
{
  GObject     parent_instance;

  GBytes     *bytes;
  char       *sha256;
  char       *process;
  gint64      entidad_id;
  char       *entidad_nombre;

  GPtrArray  *elections;   /* CatdElection* */
  GPtrArray  *distritos;   /* CatdDistrito* */
  GPtrArray  *municipios;  /* CatdMunicipio* */
  GPtrArray  *contests;    /* CatdContest* */
  GPtrArray  *casillas;    /* CatdCasilla* */

  GHashTable *election_by_id;   /* id -> CatdElection* */
  GHashTable *distrito_by_id;   /* gint64* -> CatdDistrito* */
  GHashTable *municipio_by_id;  /* gint64* -> CatdMunicipio* */
  GHashTable *contest_by_key;   /* "ELECTION:ambito_id" -> CatdContest* */
  guint       n_actas;
};

G_DEFINE_FINAL_TYPE (CatdCatalog, catd_catalog, G_TYPE_OBJECT)

const char * const catd_info_field_codes[5] = {
  "TOTAL_BOLETAS_SOBRANTES",
  "TOTAL_PERSONAS_VOTARON",
  "TOTAL_REP_PARTIDO_CI_VOTARON",
  "TOTAL_VOTOS_SACADOS",
  "TOTAL_VOTOS_ASENTADO",
};

/* As the acta words them. */
const char * const catd_info_field_labels[5] = {
  "Boletas sobrantes",
  "Personas que votaron",
  "Representantes de partidos y candidaturas independientes que votaron",
  "Votos sacados de la urna",
  "Total de votos asentado en el acta",
};

static const char *field_kind_names[] = {
  "party", "coalition", "independent", "no_registradas", "nulos", "info",
};

static const char *ambito_names[] = { "entidad", "distrito", "municipio" };

gboolean
catd_field_kind_is_vote (CatdFieldKind kind)
{
  return kind != CATD_FIELD_INFO;
}

const char *
catd_field_kind_to_string (CatdFieldKind kind)
{
  g_return_val_if_fail (kind <= CATD_FIELD_INFO, NULL);
  return field_kind_names[kind];
}

gboolean
catd_field_kind_from_string (const char    *str,
                             CatdFieldKind *kind)
{
  /* "info" is not a kind a catalog may declare. */
  for (guint i = 0; str != NULL && i < CATD_FIELD_INFO; i++)
    {
      if (g_str_equal (str, field_kind_names[i]))
        {
          *kind = i;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
catd_ambito_to_string (CatdAmbito ambito)
{
  g_return_val_if_fail (ambito <= CATD_AMBITO_MUNICIPIO, NULL);
  return ambito_names[ambito];
}

gboolean
catd_ambito_from_string (const char *str,
                         CatdAmbito *ambito)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (ambito_names); i++)
    {
      if (g_str_equal (str, ambito_names[i]))
        {
          *ambito = i;
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
catd_field_code_is_info (const char *code)
{
  for (guint i = 0; i < G_N_ELEMENTS (catd_info_field_codes); i++)
    if (g_strcmp0 (code, catd_info_field_codes[i]) == 0)
      return TRUE;
  return FALSE;
}

void
catd_field_free (gpointer data)
{
  CatdField *field = data;

  g_free (field->code);
  g_free (field->label);
  g_free (field);
}

static void
election_free (gpointer data)
{
  CatdElection *election = data;

  g_free (election->id);
  g_free (election->tipo_acta);
  g_free (election->nombre);
  g_free (election);
}

static void
distrito_free (gpointer data)
{
  CatdDistrito *distrito = data;

  g_free (distrito->nombre);
  g_free (distrito);
}

static void
municipio_free (gpointer data)
{
  CatdMunicipio *municipio = data;

  g_free (municipio->nombre);
  g_free (municipio);
}

static void
contest_free (gpointer data)
{
  CatdContest *contest = data;

  g_clear_pointer (&contest->fields, g_ptr_array_unref);
  g_free (contest);
}

static void
casilla_free (gpointer data)
{
  CatdCasilla *casilla = data;

  g_clear_pointer (&casilla->elections, g_ptr_array_unref);
  g_free (casilla);
}

static void
catd_catalog_finalize (GObject *object)
{
  CatdCatalog *self = (CatdCatalog *)object;

  g_clear_pointer (&self->election_by_id, g_hash_table_unref);
  g_clear_pointer (&self->distrito_by_id, g_hash_table_unref);
  g_clear_pointer (&self->municipio_by_id, g_hash_table_unref);
  g_clear_pointer (&self->contest_by_key, g_hash_table_unref);
  g_clear_pointer (&self->casillas, g_ptr_array_unref);
  g_clear_pointer (&self->contests, g_ptr_array_unref);
  g_clear_pointer (&self->municipios, g_ptr_array_unref);
  g_clear_pointer (&self->distritos, g_ptr_array_unref);
  g_clear_pointer (&self->elections, g_ptr_array_unref);
  g_clear_pointer (&self->bytes, g_bytes_unref);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->process, g_free);
  g_clear_pointer (&self->entidad_nombre, g_free);

  G_OBJECT_CLASS (catd_catalog_parent_class)->finalize (object);
}

static void
catd_catalog_class_init (CatdCatalogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = catd_catalog_finalize;
}

static void
catd_catalog_init (CatdCatalog *self)
{
  self->elections = g_ptr_array_new_with_free_func (election_free);
  self->distritos = g_ptr_array_new_with_free_func (distrito_free);
  self->municipios = g_ptr_array_new_with_free_func (municipio_free);
  self->contests = g_ptr_array_new_with_free_func (contest_free);
  self->casillas = g_ptr_array_new_with_free_func (casilla_free);
  self->election_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->distrito_by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->municipio_by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->contest_by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- validation helpers ------------------------------------------------ */

G_GNUC_PRINTF (4, 5) static gboolean
fail (GError     **error,
      const char  *path,
      const char  *key,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (key != NULL)
    g_set_error (error, CATD_CATALOG_ERROR, CATD_CATALOG_ERROR_INVALID,
                 "catalog: %s.%s: %s", path, key, message);
  else
    g_set_error (error, CATD_CATALOG_ERROR, CATD_CATALOG_ERROR_INVALID,
                 "catalog: %s: %s", path, message);
  return FALSE;
}

static const char *
node_type_name (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return "a string";
      if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        return "a boolean";
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        return "a fractional number";
      return "a number";
    default:
      return "something else";
    }
}

/* Refuses members that the format does not define: a misspelt key would
 * otherwise be silently ignored and its value lost. */
static gboolean
check_keys (JsonObject         *object,
            const char         *path,
            const char * const *allowed,
            GError            **error)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, &node))
    {
      if (!g_strv_contains (allowed, name))
        {
          g_autofree char *list = g_strjoinv (", ", (char **)allowed);
          return fail (error, path, name, "unknown key; allowed keys are %s", list);
        }
    }
  return TRUE;
}

static JsonNode *
member (JsonObject  *object,
        const char  *path,
        const char  *key,
        gboolean     required,
        GError     **error)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL && required)
    fail (error, path, key, "missing required key");
  return node;
}

static gboolean
get_object (JsonNode    *node,
            const char  *path,
            const char  *key,
            JsonObject **out,
            GError     **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, key, "must be an object, not %s", node_type_name (node));
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
get_array (JsonNode   *node,
           const char *path,
           const char *key,
           JsonArray **out,
           GError    **error)
{
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, path, key, "must be an array, not %s", node_type_name (node));
  *out = json_node_get_array (node);
  return TRUE;
}

static gboolean
member_string (JsonObject  *object,
               const char  *path,
               const char  *key,
               const char **out,
               GError     **error)
{
  JsonNode *node;

  if (!(node = member (object, path, key, TRUE, error)))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, path, key, "must be a string, not %s", node_type_name (node));
  *out = json_node_get_string (node);
  if (**out == '\0' || g_utf8_strlen (*out, -1) > 200 || !g_utf8_validate (*out, -1, NULL))
    return fail (error, path, key, "must be a non-empty string of at most 200 characters");
  /* Names end up in one-line exports and messages. */
  for (const char *c = *out; *c; c++)
    if ((guchar)*c < 0x20 || *c == 0x7f)
      return fail (error, path, key, "must not hold control characters (line breaks, tabs)");
  return TRUE;
}

static gboolean
node_int (JsonNode   *node,
          const char *path,
          const char *key,
          gint64      min,
          gint64      max,
          gint64     *out,
          GError    **error)
{
  gint64 value;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (error, path, key, "must be a whole number, not %s", node_type_name (node));
  value = json_node_get_int (node);
  if (value < min || value > max)
    return fail (error, path, key, "%s must be between %" G_GINT64_FORMAT " and %"
                 G_GINT64_FORMAT " (got %" G_GINT64_FORMAT ")",
                 key ? key : "value", min, max, value);
  *out = value;
  return TRUE;
}

static gboolean
member_int (JsonObject *object,
            const char *path,
            const char *key,
            gint64      min,
            gint64      max,
            gint64     *out,
            GError    **error)
{
  JsonNode *node;

  if (!(node = member (object, path, key, TRUE, error)))
    return FALSE;
  return node_int (node, path, key, min, max, out, error);
}

static gboolean
member_array (JsonObject  *object,
              const char  *path,
              const char  *key,
              JsonArray  **out,
              GError     **error)
{
  JsonNode *node;

  if (!(node = member (object, path, key, TRUE, error)))
    return FALSE;
  return get_array (node, path, key, out, error);
}

/* Codes become JSON keys and CSV column names: letters, digits, '_', '-'. */
static gboolean
code_is_valid (const char *code)
{
  for (const char *c = code; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-')
      return FALSE;
  return *code != '\0' && strlen (code) <= 64;
}

/* The fixed columns of prep-csv: a field code equal to one would make two
 * columns of one name. */
static gboolean
code_is_reserved (const char *code)
{
  static const char * const columns[] = {
    "CLAVE_CASILLA", "CLAVE_ACTA", "ID_ENTIDAD", "ENTIDAD", "ID_DISTRITO", "DISTRITO",
    "ID_MUNICIPIO", "MUNICIPIO", "SECCION", "ID_CASILLA", "TIPO_CASILLA", "EXT_CONTIGUA",
    "UBICACION_CASILLA", "TIPO_ACTA", "TOTAL_VOTOS_CALCULADO", "LISTA_NOMINAL",
    "REPRESENTANTES_PP_CI", "OBSERVACIONES", "CONTABILIZADA", "MECANISMOS_TRASLADO",
    "CODIGO_INTEGRIDAD", "FECHA_HORA_ACOPIO", "FECHA_HORA_CAPTURA", "FECHA_HORA_VERIFICACION",
    "ORIGEN", "DIGITALIZACION", "TIPO_DOCUMENTO", "COTEJADA", NULL
  };

  for (guint i = 0; columns[i]; i++)
    if (g_ascii_strcasecmp (code, columns[i]) == 0)
      return TRUE;
  return FALSE;
}

/* ---- sections ----------------------------------------------------------- */

static gboolean
parse_entidad (CatdCatalog *self,
               JsonNode    *node,
               GError     **error)
{
  static const char * const keys[] = { "id", "nombre", NULL };
  const char *path = "$.entidad";
  JsonObject *object = NULL;
  const char *nombre;

  if (!get_object (node, "$", "entidad", &object, error) ||
      !check_keys (object, path, keys, error) ||
      !member_int (object, path, "id", 1, 32, &self->entidad_id, error) ||
      !member_string (object, path, "nombre", &nombre, error))
    return FALSE;
  self->entidad_nombre = g_strdup (nombre);
  return TRUE;
}

static gboolean
parse_elections (CatdCatalog *self,
                 JsonArray   *array,
                 GError     **error)
{
  static const char * const keys[] = { "id", "tipo_acta", "nombre", "ambito", NULL };
  g_autoptr(GHashTable) tipos = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = json_array_get_length (array);

  if (n == 0)
    return fail (error, "$", "elections", "must list at least one election");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("$.elections[%u]", i);
      JsonObject *object = NULL;
      const char *id, *tipo_acta, *nombre, *ambito;
      CatdElection *election;

      if (!get_object (json_array_get_element (array, i), path, NULL, &object, error) ||
          !check_keys (object, path, keys, error) ||
          !member_string (object, path, "id", &id, error) ||
          !member_string (object, path, "tipo_acta", &tipo_acta, error) ||
          !member_string (object, path, "nombre", &nombre, error) ||
          !member_string (object, path, "ambito", &ambito, error))
        return FALSE;

      if (!code_is_valid (id))
        return fail (error, path, "id", "election id \"%s\" may hold only letters, digits, "
                     "_ and -", id);
      if (strlen (tipo_acta) > 2 || !g_ascii_isdigit (tipo_acta[0]) ||
          (tipo_acta[1] && !g_ascii_isdigit (tipo_acta[1])))
        return fail (error, path, "tipo_acta", "tipo_acta must be one or two digits (got \"%s\")",
                     tipo_acta);
      if (g_hash_table_contains (self->election_by_id, id))
        return fail (error, path, "id", "duplicate election id \"%s\"", id);
      if (g_hash_table_contains (tipos, tipo_acta))
        return fail (error, path, "tipo_acta", "duplicate tipo_acta \"%s\"", tipo_acta);

      election = g_new0 (CatdElection, 1);
      if (!catd_ambito_from_string (ambito, &election->ambito))
        {
          g_free (election);
          return fail (error, path, "ambito",
                       "ambito must be entidad, distrito or municipio (got \"%s\")", ambito);
        }
      election->id = g_strdup (id);
      election->tipo_acta = g_strdup (tipo_acta);
      election->nombre = g_strdup (nombre);
      g_ptr_array_add (self->elections, election);
      g_hash_table_insert (self->election_by_id, election->id, election);
      g_hash_table_add (tipos, election->tipo_acta);
    }
  return TRUE;
}

static gboolean
parse_distritos (CatdCatalog *self,
                 JsonArray   *array,
                 GError     **error)
{
  static const char * const keys[] = { "id", "nombre", NULL };
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("$.distritos[%u]", i);
      JsonObject *object = NULL;
      const char *nombre;
      gint64 id;
      CatdDistrito *distrito;

      if (!get_object (json_array_get_element (array, i), path, NULL, &object, error) ||
          !check_keys (object, path, keys, error) ||
          !member_int (object, path, "id", 1, 999, &id, error) ||
          !member_string (object, path, "nombre", &nombre, error))
        return FALSE;
      if (g_hash_table_contains (self->distrito_by_id, &id))
        return fail (error, path, "id", "duplicate distrito id %" G_GINT64_FORMAT, id);

      distrito = g_new0 (CatdDistrito, 1);
      distrito->id = id;
      distrito->nombre = g_strdup (nombre);
      g_ptr_array_add (self->distritos, distrito);
      g_hash_table_insert (self->distrito_by_id, &distrito->id, distrito);
    }
  return TRUE;
}

static gboolean
parse_municipios (CatdCatalog *self,
                  JsonArray   *array,
                  GError     **error)
{
  static const char * const keys[] = { "id", "nombre", "distrito", NULL };
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("$.municipios[%u]", i);
      JsonObject *object = NULL;
      const char *nombre;
      gint64 id, distrito_id;
      CatdMunicipio *municipio;

      if (!get_object (json_array_get_element (array, i), path, NULL, &object, error) ||
          !check_keys (object, path, keys, error) ||
          !member_int (object, path, "id", 1, 9999, &id, error) ||
          !member_string (object, path, "nombre", &nombre, error) ||
          !member_int (object, path, "distrito", 1, 999, &distrito_id, error))
        return FALSE;
      if (g_hash_table_contains (self->municipio_by_id, &id))
        return fail (error, path, "id", "duplicate municipio id %" G_GINT64_FORMAT, id);
      if (!g_hash_table_contains (self->distrito_by_id, &distrito_id))
        return fail (error, path, "distrito", "no distrito with id %" G_GINT64_FORMAT
                     " in $.distritos", distrito_id);

      municipio = g_new0 (CatdMunicipio, 1);
      municipio->id = id;
      municipio->nombre = g_strdup (nombre);
      municipio->distrito = distrito_id;
      g_ptr_array_add (self->municipios, municipio);
      g_hash_table_insert (self->municipio_by_id, &municipio->id, municipio);
    }
  return TRUE;
}

static char *
contest_key (const char *election_id,
             gint64      ambito_id)
{
  return g_strdup_printf ("%s:%" G_GINT64_FORMAT, election_id, ambito_id);
}

static gboolean
parse_fields (CatdContest *contest,
              JsonArray   *array,
              const char  *contest_path,
              GError     **error)
{
  static const char * const keys[] = { "code", "label", "kind", NULL };
  g_autoptr(GHashTable) codes = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean has_nulos = FALSE;
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s.fields[%u]", contest_path, i);
      JsonObject *object = NULL;
      const char *code, *label, *kind;
      CatdField *field;

      if (!get_object (json_array_get_element (array, i), path, NULL, &object, error) ||
          !check_keys (object, path, keys, error) ||
          !member_string (object, path, "code", &code, error) ||
          !member_string (object, path, "label", &label, error) ||
          !member_string (object, path, "kind", &kind, error))
        return FALSE;
      if (!code_is_valid (code))
        return fail (error, path, "code", "field code \"%s\" may hold only letters, digits, _ "
                     "and - (at most 64)", code);
      if (code_is_reserved (code))
        return fail (error, path, "code", "field code \"%s\" is the name of a fixed column of "
                     "the export", code);
      if (catd_field_code_is_info (code))
        return fail (error, path, "code", "field code \"%s\" is one of the informative fields "
                     "every acta carries; a contest may not declare it", code);
      if (g_hash_table_contains (codes, code))
        return fail (error, path, "code", "duplicate field code \"%s\" in this contest", code);

      field = g_new0 (CatdField, 1);
      if (!catd_field_kind_from_string (kind, &field->kind))
        {
          g_free (field);
          return fail (error, path, "kind", "kind must be party, coalition, independent, "
                       "no_registradas or nulos (got \"%s\")", kind);
        }
      field->code = g_strdup (code);
      field->label = g_strdup (label);
      has_nulos |= field->kind == CATD_FIELD_NULOS;
      g_ptr_array_add (contest->fields, field);
      g_hash_table_add (codes, field->code);
    }

  if (!has_nulos)
    return fail (error, contest_path, "fields", "a contest must have a field of kind nulos "
                 "(NULOS): every acta records null votes");
  return TRUE;
}

static gboolean
parse_contests (CatdCatalog *self,
                JsonArray   *array,
                GError     **error)
{
  static const char * const keys[] = { "election", "ambito_id", "fields", NULL };
  guint n = json_array_get_length (array);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("$.contests[%u]", i);
      g_autofree char *key = NULL;
      JsonObject *object = NULL;
      JsonArray *fields;
      const char *election_id;
      const CatdElection *election;
      gint64 ambito_id;
      CatdContest *contest;

      if (!get_object (json_array_get_element (array, i), path, NULL, &object, error) ||
          !check_keys (object, path, keys, error) ||
          !member_string (object, path, "election", &election_id, error))
        return FALSE;
      if (!(election = g_hash_table_lookup (self->election_by_id, election_id)))
        return fail (error, path, "election", "no election with id \"%s\" in $.elections",
                     election_id);
      if (!member_int (object, path, "ambito_id", 0, 9999, &ambito_id, error))
        return FALSE;

      switch (election->ambito)
        {
        case CATD_AMBITO_ENTIDAD:
          if (ambito_id != 0)
            return fail (error, path, "ambito_id", "election %s has ambito entidad: ambito_id "
                         "must be 0", election->id);
          break;
        case CATD_AMBITO_DISTRITO:
          if (!g_hash_table_contains (self->distrito_by_id, &ambito_id))
            return fail (error, path, "ambito_id", "no distrito with id %" G_GINT64_FORMAT
                         " for election %s (ambito distrito)", ambito_id, election->id);
          break;
        case CATD_AMBITO_MUNICIPIO:
          if (!g_hash_table_contains (self->municipio_by_id, &ambito_id))
            return fail (error, path, "ambito_id", "no municipio with id %" G_GINT64_FORMAT
                         " for election %s (ambito municipio)", ambito_id, election->id);
          break;
        default:
          g_assert_not_reached ();
        }

      key = contest_key (election->id, ambito_id);
      if (g_hash_table_contains (self->contest_by_key, key))
        return fail (error, path, NULL, "duplicate contest for election %s, ambito_id %"
                     G_GINT64_FORMAT, election->id, ambito_id);
      if (!member_array (object, path, "fields", &fields, error))
        return FALSE;

      contest = g_new0 (CatdContest, 1);
      contest->election = election;
      contest->ambito_id = ambito_id;
      contest->fields = g_ptr_array_new_with_free_func (catd_field_free);
      g_ptr_array_add (self->contests, contest);
      if (!parse_fields (contest, fields, path, error))
        return FALSE;
      g_hash_table_insert (self->contest_by_key, g_steal_pointer (&key), contest);
    }
  return TRUE;
}

static gboolean
parse_casilla (CatdCatalog  *self,
               JsonObject   *object,
               const char   *path,
               GHashTable   *claves,
               GError      **error)
{
  static const char * const keys[] = {
    "seccion", "tipo", "id_casilla", "ext_contigua", "ubicacion", "distrito", "municipio",
    "lista_nominal", "representantes", "max_boletas", "elections", NULL
  };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  CatdCasilla *casilla;
  const char *tipo;
  JsonArray *elections;
  JsonNode *node;
  guint n;

  if (!check_keys (object, path, keys, error))
    return FALSE;

  casilla = g_new0 (CatdCasilla, 1);
  casilla->elections = g_ptr_array_new ();
  g_ptr_array_add (self->casillas, casilla);

  if (!member_int (object, path, "seccion", 1, 9999, &casilla->seccion, error) ||
      !member_string (object, path, "tipo", &tipo, error))
    return FALSE;
  if (strlen (tipo) != 1 || strchr ("BCESV", tipo[0]) == NULL)
    return fail (error, path, "tipo", "tipo must be one of B, C, E, S, V (got \"%s\")", tipo);
  casilla->tipo = tipo[0];

  if (!member_int (object, path, "id_casilla", 1, 99, &casilla->id_casilla, error) ||
      !member_int (object, path, "ext_contigua", 0, 99, &casilla->ext_contigua, error) ||
      !member_int (object, path, "ubicacion", 0, 9, &casilla->ubicacion, error) ||
      !member_int (object, path, "distrito", 1, 999, &casilla->distrito, error))
    return FALSE;
  if (!g_hash_table_contains (self->distrito_by_id, &casilla->distrito))
    return fail (error, path, "distrito", "no distrito with id %" G_GINT64_FORMAT
                 " in $.distritos", casilla->distrito);
  if (!member_int (object, path, "municipio", 1, 9999, &casilla->municipio, error))
    return FALSE;
  if (!g_hash_table_contains (self->municipio_by_id, &casilla->municipio))
    return fail (error, path, "municipio", "no municipio with id %" G_GINT64_FORMAT
                 " in $.municipios", casilla->municipio);

  if (!member_int (object, path, "lista_nominal", G_MININT32, G_MAXINT32,
                   &casilla->lista_nominal, error))
    return FALSE;
  if (casilla->tipo == 'S')
    {
      if (casilla->lista_nominal < 0)
        return fail (error, path, "lista_nominal", "lista_nominal may not be negative");
    }
  else if (casilla->lista_nominal <= 0)
    return fail (error, path, "lista_nominal", "lista_nominal must be positive for a casilla "
                 "of tipo %c (got %" G_GINT64_FORMAT ")", casilla->tipo, casilla->lista_nominal);

  if (!member_int (object, path, "representantes", G_MININT32, G_MAXINT32,
                   &casilla->representantes, error))
    return FALSE;
  if (casilla->representantes < 0)
    return fail (error, path, "representantes", "representantes may not be negative (got %"
                 G_GINT64_FORMAT ")", casilla->representantes);

  casilla->max_boletas = -1;
  node = json_object_get_member (object, "max_boletas");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!node_int (node, path, "max_boletas", 1, G_MAXINT32, &casilla->max_boletas, error))
        return FALSE;
    }
  if (casilla->tipo == 'S' && casilla->max_boletas < 0)
    return fail (error, path, "max_boletas", "a casilla especial (tipo S) must give max_boletas: "
                 "its cap replaces the lista nominal");

  g_snprintf (casilla->clave, sizeof casilla->clave, "%02d%04d%c%02d%02d",
              (int)self->entidad_id, (int)casilla->seccion, casilla->tipo,
              (int)casilla->id_casilla, (int)casilla->ext_contigua);
  if (g_hash_table_contains (claves, casilla->clave))
    return fail (error, path, NULL, "duplicate casilla %s (already at %s)", casilla->clave,
                 (const char *)g_hash_table_lookup (claves, casilla->clave));
  g_hash_table_insert (claves, casilla->clave, g_strdup (path));

  if (!member_array (object, path, "elections", &elections, error))
    return FALSE;
  n = json_array_get_length (elections);
  if (n == 0)
    return fail (error, path, "elections", "a casilla must take part in at least one election");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *epath = g_strdup_printf ("%s.elections[%u]", path, i);
      JsonNode *enode = json_array_get_element (elections, i);
      const CatdElection *election;
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (enode) || json_node_get_value_type (enode) != G_TYPE_STRING)
        return fail (error, epath, NULL, "must be a string, not %s", node_type_name (enode));
      id = json_node_get_string (enode);
      if (!(election = g_hash_table_lookup (self->election_by_id, id)))
        return fail (error, epath, NULL, "no election with id \"%s\" in $.elections", id);
      if (g_hash_table_contains (seen, id))
        return fail (error, epath, NULL, "duplicate election \"%s\" in this casilla", id);
      if (catd_catalog_contest_for (self, casilla, election) == NULL)
        return fail (error, epath, NULL, "no contest for election %s in this casilla's %s "
                     "(ambito_id %" G_GINT64_FORMAT ")", id,
                     catd_ambito_to_string (election->ambito),
                     election->ambito == CATD_AMBITO_DISTRITO ? casilla->distrito :
                     election->ambito == CATD_AMBITO_MUNICIPIO ? casilla->municipio : 0);
      g_hash_table_add (seen, (gpointer)id);
      g_ptr_array_add (casilla->elections, (gpointer)election);
    }
  self->n_actas += n;
  return TRUE;
}

static gboolean
parse_root (CatdCatalog *self,
            JsonNode    *root,
            GError     **error)
{
  static const char * const keys[] = {
    "format", "process", "entidad", "elections", "distritos", "municipios", "contests",
    "casillas", NULL
  };
  g_autoptr(GHashTable) claves = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  JsonObject *object = NULL;
  JsonArray *array;
  JsonNode *node;
  const char *format, *process;
  guint n;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return fail (error, "$", NULL, "the catalog must be an object, not %s",
                 root ? node_type_name (root) : "empty");
  object = json_node_get_object (root);
  if (!check_keys (object, "$", keys, error) ||
      !member_string (object, "$", "format", &format, error))
    return FALSE;
  if (!g_str_equal (format, CATD_CATALOG_FORMAT))
    return fail (error, "$", "format", "unsupported format \"%s\"; this program reads \"%s\"",
                 format, CATD_CATALOG_FORMAT);
  if (!member_string (object, "$", "process", &process, error))
    return FALSE;
  self->process = g_strdup (process);

  if (!(node = member (object, "$", "entidad", TRUE, error)) ||
      !parse_entidad (self, node, error) ||
      !member_array (object, "$", "elections", &array, error) ||
      !parse_elections (self, array, error) ||
      !member_array (object, "$", "distritos", &array, error) ||
      !parse_distritos (self, array, error) ||
      !member_array (object, "$", "municipios", &array, error) ||
      !parse_municipios (self, array, error) ||
      !member_array (object, "$", "contests", &array, error) ||
      !parse_contests (self, array, error) ||
      !member_array (object, "$", "casillas", &array, error))
    return FALSE;

  n = json_array_get_length (array);
  if (n == 0)
    return fail (error, "$", "casillas", "must list at least one casilla");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("$.casillas[%u]", i);
      JsonObject *casilla = NULL;

      if (!get_object (json_array_get_element (array, i), path, NULL, &casilla, error) ||
          !parse_casilla (self, casilla, path, claves, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * catd_catalog_new_from_bytes:
 * @bytes: a catd-catalog/1 JSON document
 *
 * Parses and validates the whole document. Returns a new catalog, or %NULL
 * with @error set (%CATD_CATALOG_ERROR_INVALID, message naming the JSON path
 * and the rule) when anything in it is wrong. Linear in the document size.
 */
CatdCatalog *
catd_catalog_new_from_bytes (GBytes  *bytes,
                             GError **error)
{
  g_autoptr(CatdCatalog) self = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &len);
  if (len > 256 * 1024 * 1024)
    {
      g_set_error (error, CATD_CATALOG_ERROR, CATD_CATALOG_ERROR_INVALID,
                   "catalog: the document is larger than 256 MiB");
      return NULL;
    }
  if (!g_utf8_validate (data, len, NULL))
    {
      g_set_error (error, CATD_CATALOG_ERROR, CATD_CATALOG_ERROR_INVALID,
                   "catalog: not valid JSON: the document is not UTF-8");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      g_set_error (error, CATD_CATALOG_ERROR, CATD_CATALOG_ERROR_INVALID,
                   "catalog: not valid JSON: %s", local_error->message);
      return NULL;
    }

  self = g_object_new (CATD_TYPE_CATALOG, NULL);
  if (!parse_root (self, json_parser_get_root (parser), error))
    return NULL;

  self->bytes = g_bytes_ref (bytes);
  self->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  return g_steal_pointer (&self);
}

/**
 * catd_catalog_new_from_file:
 *
 * Like catd_catalog_new_from_bytes() for a file; a file that cannot be read
 * gives %CATD_CATALOG_ERROR_UNREADABLE.
 */
CatdCatalog *
catd_catalog_new_from_file (const char  *path,
                            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *contents;
  gsize len;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, CATD_CATALOG_ERROR, CATD_CATALOG_ERROR_UNREADABLE,
                   "cannot read catalog: %s", local_error->message);
      return NULL;
    }
  bytes = g_bytes_new_take (contents, len);
  return catd_catalog_new_from_bytes (bytes, error);
}

GBytes *
catd_catalog_get_bytes (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->bytes;
}

const char *
catd_catalog_get_sha256 (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->sha256;
}

const char *
catd_catalog_get_process (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->process;
}

gint64
catd_catalog_get_entidad_id (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), 0);
  return self->entidad_id;
}

const char *
catd_catalog_get_entidad_nombre (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->entidad_nombre;
}

GPtrArray *
catd_catalog_get_elections (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->elections;
}

GPtrArray *
catd_catalog_get_distritos (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->distritos;
}

GPtrArray *
catd_catalog_get_municipios (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->municipios;
}

GPtrArray *
catd_catalog_get_contests (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->contests;
}

GPtrArray *
catd_catalog_get_casillas (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return self->casillas;
}

guint
catd_catalog_count_actas (CatdCatalog *self)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), 0);
  return self->n_actas;
}

const CatdElection *
catd_catalog_find_election (CatdCatalog *self,
                            const char  *id)
{
  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);
  return id ? g_hash_table_lookup (self->election_by_id, id) : NULL;
}

const CatdContest *
catd_catalog_find_contest (CatdCatalog *self,
                           const char  *election_id,
                           gint64       ambito_id)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (CATD_IS_CATALOG (self), NULL);

  key = contest_key (election_id, ambito_id);
  return g_hash_table_lookup (self->contest_by_key, key);
}

/* The contest a casilla votes in for @election: the entidad-wide one, or the
 * one of its distrito or municipio. */
const CatdContest *
catd_catalog_contest_for (CatdCatalog        *self,
                          const CatdCasilla  *casilla,
                          const CatdElection *election)
{
  gint64 ambito_id = 0;

  if (election->ambito == CATD_AMBITO_DISTRITO)
    ambito_id = casilla->distrito;
  else if (election->ambito == CATD_AMBITO_MUNICIPIO)
    ambito_id = casilla->municipio;
  return catd_catalog_find_contest (self, election->id, ambito_id);
}
