/* catd-central.c - the central site's storage: images, record revisions, heartbeats
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "catd-central-private.h"
#include "catd-counting.h"
#include "catd-errors.h"
#include "catd-export.h"
#include "catd-image.h"
#include "catd-station.h"
#include "catd-types.h"

/* The central database is a station database: the same migrations give it
 * the catalog tables, `image` and `acta`, and catd-central-schema.sql adds
 * the receiver's own tables (central_*). Each acta's current record is
 * written into `acta` in exactly the columns a station fills, so
 * catd_export_prep_csv () reads the central site as it reads a station,
 * and after a full sync writes the same file.
 *
 * Every upload is one transaction, and the answer (201, 200, 409, 422) is
 * decided inside it: the same record sent twice at once cannot be stored
 * twice. Images follow DESIGN §6 as at a station: the file is durable under
 * its content address before the row naming it commits. */

/* Generated from catd-central-schema.sql by the build. */
extern const char catd_central_schema_sql[];

G_DEFINE_FINAL_TYPE (CatdCentral, catd_central, G_TYPE_OBJECT)

static void
catd_central_finalize (GObject *object)
{
  CatdCentral *self = (CatdCentral *)object;

  g_clear_object (&self->store);
  g_clear_pointer (&self->contest_fields, g_hash_table_unref);
  G_OBJECT_CLASS (catd_central_parent_class)->finalize (object);
}

static void
catd_central_class_init (CatdCentralClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_central_finalize;
}

static void
catd_central_init (CatdCentral *self)
{
  self->contest_fields = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                (GDestroyNotify)g_ptr_array_unref);
}

/* Sets a CATD_CENTRAL_ERROR_INVALID error; always returns FALSE. */
G_GNUC_PRINTF (2, 3) static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_INVALID,
                                                format, args));
  va_end (args);
  return FALSE;
}

/* A lower-case hex SHA-256, as images are addressed everywhere. */
gboolean
catd_sha256_is_valid (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *c = text; *c; c++)
    if (!g_ascii_isdigit (*c) && !(*c >= 'a' && *c <= 'f'))
      return FALSE;
  return TRUE;
}

/* 1 when @sql (one text parameter) finds a row, 0 when not, -1 with
 * @error set; @value receives the first column when asked. */
static int
lookup_text (CatdCentral  *self,
             const char   *sql,
             const char   *param,
             char        **value,
             GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, sql, error);
  int rc;

  if (value)
    *value = NULL;
  if (stmt == NULL)
    return -1;
  catd_bind_text (stmt, 1, param);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW && value)
    *value = g_strdup (catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc == 0 ? -1 : rc == SQLITE_ROW;
}

/* ---- opening ------------------------------------------------------------------ */

/* Central migrations, numbered like the store's but counted in
 * meta.central_schema_version; run in the caller's transaction. */
static gboolean
migrate (CatdCentral  *self,
         GError      **error)
{
  static const char *migrations[] = {
    catd_central_schema_sql,
  };
  g_autofree char *text = NULL;
  gint64 version = 0;

  if (!catd_store_lookup_meta (self->store, "central_schema_version", &text, error))
    return FALSE;
  if (text != NULL)
    version = g_ascii_strtoll (text, NULL, 10);
  if (version > (gint64)G_N_ELEMENTS (migrations))
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_TOO_NEW,
                   "the central database has central schema version %" G_GINT64_FORMAT
                   ", newer than this program understands (%d): use a newer catd-central",
                   version, (int)G_N_ELEMENTS (migrations));
      return FALSE;
    }
  for (gint64 i = version; i < (gint64)G_N_ELEMENTS (migrations); i++)
    {
      g_autofree char *bumped = g_strdup_printf ("%" G_GINT64_FORMAT, i + 1);

      if (!catd_store_exec_sql (self->store, migrations[i], error) ||
          !catd_store_set_meta (self->store, "central_schema_version", bumped, error))
        return FALSE;
    }
  return TRUE;
}

/* Imports @catalog into a new site, or checks that it is the one the site
 * was started with: one site serves one catalog, as a station does. */
static gboolean
check_catalog (CatdCentral  *self,
               CatdCatalog  *catalog,
               GError      **error)
{
  g_autofree char *stored = NULL;
  int found;

  found = lookup_text (self, "SELECT sha256 FROM catalog WHERE id = 1", NULL, &stored, error);
  if (found < 0)
    return FALSE;
  if (found == 0)
    return catd_store_import_catalog (self->store, catalog, error);
  if (!g_str_equal (stored, catd_catalog_get_sha256 (catalog)))
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_CATALOG_MISMATCH,
                   "%s was started with another catalog (SHA-256 %.12s…) than the one given "
                   "(%.12s…): a central site serves one catalog for its whole life; start it "
                   "with the same catalog file, or use a new data directory",
                   catd_store_get_data_dir (self->store), stored,
                   catd_catalog_get_sha256 (catalog));
      return FALSE;
    }
  return TRUE;
}

/**
 * catd_central_open:
 * @catalog: (nullable): the catalog to serve; %NULL to open an existing
 *   site only (the export does)
 *
 * Opens the central site in @data_dir. With @catalog it is created when
 * missing (the catalog imported, the central tables added) and the catalog
 * must be the one the site was created with
 * (%CATD_CENTRAL_ERROR_CATALOG_MISMATCH otherwise); temporary image files a
 * crash left are removed. A directory holding a station, or nothing, is
 * %CATD_CENTRAL_ERROR_NOT_CENTRAL.
 */
CatdCentral *
catd_central_open (const char   *data_dir,
                   CatdCatalog  *catalog,
                   GError      **error)
{
  g_autoptr(CatdCentral) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *station_id = NULL;
  g_autofree char *version = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (catalog == NULL || CATD_IS_CATALOG (catalog), NULL);

  self = g_object_new (CATD_TYPE_CENTRAL, NULL);
  self->store = catd_store_open (data_dir, catalog != NULL, &local_error);
  if (self->store == NULL)
    {
      if (g_error_matches (local_error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED))
        g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_NOT_CENTRAL,
                     "no central site in %s: start catd-central there first", data_dir);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (!catd_store_lookup_meta (self->store, "station_id", &station_id, error))
    return NULL;
  if (station_id != NULL)
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_NOT_CENTRAL,
                   "%s holds station %s, not a central site: give catd-central a directory "
                   "of its own", catd_store_get_data_dir (self->store), station_id);
      return NULL;
    }

  if (catalog == NULL)
    {
      if (!catd_store_lookup_meta (self->store, "central_schema_version", &version, error))
        return NULL;
      if (version == NULL)
        {
          g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_NOT_CENTRAL,
                       "no central site in %s: start catd-central there first", data_dir);
          return NULL;
        }
      return g_steal_pointer (&self);
    }

  /* The first start is one transaction: a site has its tables and its
   * catalog, or nothing. */
  if (!catd_store_begin (self->store, error))
    return NULL;
  if (!migrate (self, error) || !check_catalog (self, catalog, error) ||
      !catd_store_commit (self->store, error))
    {
      catd_store_rollback (self->store);
      return NULL;
    }
  catd_image_remove_temp_files (catd_store_get_images_dir (self->store));
  return g_steal_pointer (&self);
}

CatdStore *
catd_central_get_store (CatdCentral *self)
{
  g_return_val_if_fail (CATD_IS_CENTRAL (self), NULL);
  return self->store;
}

void
catd_central_set_clock (CatdCentral   *self,
                        CatdClockFunc  func,
                        gpointer       user_data)
{
  g_return_if_fail (CATD_IS_CENTRAL (self));
  catd_store_set_clock (self->store, func, user_data);
}

/* The station's row and its pseudo user, in the caller's transaction. The
 * acta table says who registered each acta (registered_by references
 * user); at the central site that is the station, written "@" + its id,
 * which no station login can be (logins have no "@"), with role
 * coordinador and a PIN hash ("!") that no PIN matches. */
static gboolean
ensure_station (CatdCentral  *self,
                const char   *station_id,
                GError      **error)
{
  g_autofree char *login = g_strconcat ("@", station_id, NULL);
  g_autofree char *name = g_strconcat ("Estación ", station_id, NULL);
  g_autofree char *now = catd_store_now_iso (self->store);
  sqlite3_stmt *stmt;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO user (login, name, role, pin_hash, created_at) "
                             "VALUES (?, ?, ?, '!', ?) ON CONFLICT (login) DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, catd_role_to_string (CATD_ROLE_COORDINADOR), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    return FALSE;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO central_station (station_id, login, added_at) "
                             "VALUES (?, ?, ?) ON CONFLICT (station_id) DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, station_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  return catd_store_exec (self->store, stmt, error);
}

/**
 * catd_central_add_station:
 *
 * Makes @station_id known to the site (its row on the status page, its
 * pseudo user), once; a station already known is left as it is.
 */
gboolean
catd_central_add_station (CatdCentral  *self,
                          const char   *station_id,
                          GError      **error)
{
  g_return_val_if_fail (CATD_IS_CENTRAL (self), FALSE);
  g_return_val_if_fail (station_id != NULL, FALSE);

  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!ensure_station (self, station_id, error) || !catd_store_commit (self->store, error))
    {
      catd_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

/* ---- images ------------------------------------------------------------------- */

/* 1 when the site has a row for the image, 0 when not, -1 on error. */
static int
have_image (CatdCentral  *self,
            const char   *sha256,
            GError      **error)
{
  return lookup_text (self, "SELECT 1 FROM image WHERE sha256 = ?", sha256, NULL, error);
}

/**
 * catd_central_put_image:
 * @sha256: the address the station gave (lower-case hex)
 * @bytes: the exact bytes received
 *
 * Hashes @bytes first: bytes that do not hash to @sha256 are refused
 * (%CATD_CENTRAL_ERROR_INVALID) before anything is written. Then stores
 * them durably and validated as a TIFF (%CATD_IMAGE_ERROR_INVALID when
 * libtiff cannot read them) and commits the image's row. An image already
 * held is %CATD_CENTRAL_ALREADY_HAD; its file is re-written only when it no
 * longer hashes right (the upload mends it). Costs a hash, an fsync'd write,
 * a decode and a commit.
 */
CatdCentralOutcome
catd_central_put_image (CatdCentral  *self,
                        const char   *station_id,
                        const char   *sha256,
                        GBytes       *bytes,
                        GError      **error)
{
  g_autofree char *actual = NULL;
  g_autofree char *now = NULL;
  CatdImageInfo info = { { 0 } };
  sqlite3_stmt *stmt;
  gboolean new_row;
  int had;

  g_return_val_if_fail (CATD_IS_CENTRAL (self), CATD_CENTRAL_FAILED);
  g_return_val_if_fail (station_id != NULL && bytes != NULL, CATD_CENTRAL_FAILED);

  if (!catd_sha256_is_valid (sha256))
    {
      invalid (error, "an image's address is the SHA-256 of its bytes in 64 lower-case "
               "hexadecimal digits");
      return CATD_CENTRAL_FAILED;
    }
  actual = catd_sha256_bytes (bytes);
  if (!g_str_equal (actual, sha256))
    {
      invalid (error, "the bytes received hash to %s, not to %s: the image was damaged on its "
               "way or is not the one named", actual, sha256);
      return CATD_CENTRAL_FAILED;
    }

  if ((had = have_image (self, sha256, error)) < 0)
    return CATD_CENTRAL_FAILED;
  if (had == 0 || !catd_image_verify (catd_store_get_images_dir (self->store), sha256, NULL))
    {
      if (!catd_image_store_hashed (catd_store_get_images_dir (self->store), bytes, actual,
                                    &info, error))
        return CATD_CENTRAL_FAILED;
    }

  now = catd_store_now_iso (self->store);
  if (!catd_store_begin (self->store, error))
    return CATD_CENTRAL_FAILED;
  if (!ensure_station (self, station_id, error))
    goto fail;
  if (had == 0)
    {
      stmt = catd_store_prepare (self->store,
                                 "INSERT INTO image (sha256, size, width, height, dpi, stored_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                                 error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, info.size);
      sqlite3_bind_int64 (stmt, 3, info.width);
      sqlite3_bind_int64 (stmt, 4, info.height);
      if (info.dpi > 0)
        sqlite3_bind_double (stmt, 5, info.dpi);
      else
        sqlite3_bind_null (stmt, 5);
      sqlite3_bind_text (stmt, 6, now, -1, SQLITE_STATIC);
      if (!catd_store_exec (self->store, stmt, error))
        goto fail;
    }
  new_row = had == 0 && sqlite3_changes (catd_store_get_db (self->store)) > 0;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO central_image (sha256, station_id, received_at) "
                             "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, station_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error) || !catd_store_commit (self->store, error))
    goto fail;
  return new_row ? CATD_CENTRAL_STORED : CATD_CENTRAL_ALREADY_HAD;

fail:
  catd_store_rollback (self->store);
  return CATD_CENTRAL_FAILED;
}

/* ---- records ------------------------------------------------------------------ */

/* A record body, checked member by member (DESIGN §7). Strings point into
 * root; times are in the store's form. */
typedef struct
{
  JsonNode   *root;
  const char *record_id;
  const char *station_id;
  const char *clave_acta;
  const char *election;
  gint64      revision;
  char       *acopio_at;
  char       *captura_at;
  char       *verificacion_at;
  const char *image_sha256;
  JsonObject *values;
  gint64      total;
  gint64      contabilizada;
  const char *observaciones;
  const char *digitalizacion;
  const char *tipo_documento;
  const char *traslado;
  const char *sin_acta_reason;
  gboolean    fuera;
  char       *body_sha256;
  char       *data_sha256;
  CatdActaState state;     /* decided by check_record () */
} Record;

static void
record_clear (Record *record)
{
  g_clear_pointer (&record->root, json_node_unref);
  g_clear_pointer (&record->acopio_at, g_free);
  g_clear_pointer (&record->captura_at, g_free);
  g_clear_pointer (&record->verificacion_at, g_free);
  g_clear_pointer (&record->body_sha256, g_free);
  g_clear_pointer (&record->data_sha256, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Record, record_clear)

static const char * const record_members[] = {
  "record_id", "station_id", "clave_acta", "revision", "fecha_hora_acopio",
  "fecha_hora_captura", "fecha_hora_verificacion", "image_sha256", "values",
  "total_votos_calculado", "contabilizada", "observaciones", "origen", "digitalizacion",
  "tipo_documento", "mecanismo_traslado", "sin_acta_reason", "fuera_de_catalogo", "election",
  NULL
};

/* The members whose difference is not a difference of what the paper says:
 * two stations, or two revisions, may differ in them and agree. */
static const char * const identity_members[] = {
  "record_id", "station_id", "revision", "fecha_hora_acopio", "fecha_hora_captura",
  "fecha_hora_verificacion", NULL
};

/* A copy of @node whose objects list their members in byte order, so that
 * two bodies that differ only in member order or blanks print the same. */
static JsonNode *
canonical_copy (JsonNode           *node,
                const char * const *leave_out)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(JsonObject) copy = json_object_new ();
      GList *members = g_list_sort (json_object_get_members (object), (GCompareFunc)strcmp);

      for (GList *l = members; l; l = l->next)
        if (leave_out == NULL || !g_strv_contains (leave_out, l->data))
          json_object_set_member (copy, l->data,
                                  canonical_copy (json_object_get_member (object, l->data),
                                                  NULL));
      g_list_free (members);
      return json_node_init_object (json_node_alloc (), copy);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_sized_new (json_array_get_length (array));

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, canonical_copy (json_array_get_element (array, i), NULL));
      return json_node_init_array (json_node_alloc (), copy);
    }
  return json_node_copy (node);
}

static char *
canonical_sha256 (JsonNode           *node,
                  const char * const *leave_out)
{
  g_autoptr(JsonNode) copy = canonical_copy (node, leave_out);
  g_autofree char *text = json_to_string (copy, FALSE);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* Text on one line, of at most @max characters: what the station itself
 * accepts for the free-text members. */
static gboolean
text_is_clean (const char *text,
               glong       max)
{
  if (!g_utf8_validate (text, -1, NULL) || g_utf8_strlen (text, -1) > max)
    return FALSE;
  for (const char *c = text; *c; c++)
    if ((guchar)*c < 0x20 || *c == 0x7f)
      return FALSE;
  return TRUE;
}

/* Returns the member's node; a missing member is an error, as is a null one
 * unless @nullable. *@node is NULL for a null member. */
static gboolean
member (JsonObject  *object,
        const char  *name,
        gboolean     nullable,
        JsonNode   **node,
        GError     **error)
{
  *node = json_object_get_member (object, name);
  if (*node == NULL)
    return invalid (error, "record: the member \"%s\" is missing", name);
  if (JSON_NODE_HOLDS_NULL (*node))
    {
      *node = NULL;
      if (!nullable)
        return invalid (error, "record: \"%s\" may not be null", name);
    }
  return TRUE;
}

static gboolean
member_string (JsonObject   *object,
               const char   *name,
               gboolean      nullable,
               const char  **value,
               GError      **error)
{
  JsonNode *node;

  *value = NULL;
  if (!member (object, name, nullable, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, "record: \"%s\" must be a string%s", name, nullable ? " or null" : "");
  *value = json_node_get_string (node);
  return TRUE;
}

static gboolean
member_int (JsonObject  *object,
            const char  *name,
            gint64       min,
            gint64       max,
            gint64      *value,
            GError     **error)
{
  JsonNode *node;

  if (!member (object, name, FALSE, &node, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      json_node_get_int (node) < min || json_node_get_int (node) > max)
    return invalid (error, "record: \"%s\" must be a whole number from %" G_GINT64_FORMAT
                    " to %" G_GINT64_FORMAT, name, min, max);
  *value = json_node_get_int (node);
  return TRUE;
}

/* A record time ("2024-06-02T21:15:03Z") in the store's form. */
static gboolean
member_time (JsonObject  *object,
             const char  *name,
             gboolean     nullable,
             char       **value,
             GError     **error)
{
  const char *text;
  gint64 usec;

  if (!member_string (object, name, nullable, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!catd_time_from_iso (text, &usec))
    return invalid (error, "record: \"%s\" must be an ISO 8601 time such as "
                    "2024-06-02T21:15:03Z", name);
  *value = catd_time_to_iso (usec);
  return TRUE;
}

static gboolean
one_of (const char         *value,
        const char * const *allowed)
{
  return value == NULL || g_strv_contains (allowed, value);
}

/* Checks @body's form, member by member, without the database: every
 * member of DESIGN §7 (plus "election") with its type, nothing else. */
static gboolean
parse_record (GBytes   *body,
              Record   *record,
              GError  **error)
{
  static const char * const digitalizaciones[] = { "ESCANER", "IMPORTADA", NULL };
  static const char * const traslados[] = { "D", "F", "I", NULL };
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) members = NULL;
  g_autofree char *normalized = NULL;
  const char *origen = NULL;
  JsonObject *object;
  JsonNode *node;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  if (!json_parser_load_from_data (parser, data ? data : "", len, &local_error))
    return invalid (error, "the record is not JSON: %s", local_error->message);
  record->root = json_parser_steal_root (parser);
  if (record->root == NULL || !JSON_NODE_HOLDS_OBJECT (record->root))
    return invalid (error, "the record must be a JSON object");
  object = json_node_get_object (record->root);

  members = json_object_get_members (object);
  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (record_members, l->data))
      return invalid (error, "record: unknown member \"%s\"", (const char *)l->data);

  if (!member_string (object, "record_id", FALSE, &record->record_id, error) ||
      !member_string (object, "station_id", FALSE, &record->station_id, error) ||
      !member_string (object, "clave_acta", FALSE, &record->clave_acta, error) ||
      !member_string (object, "election", FALSE, &record->election, error) ||
      !member_int (object, "revision", 1, G_MAXINT32, &record->revision, error) ||
      !member_time (object, "fecha_hora_acopio", FALSE, &record->acopio_at, error) ||
      !member_time (object, "fecha_hora_captura", TRUE, &record->captura_at, error) ||
      !member_time (object, "fecha_hora_verificacion", TRUE, &record->verificacion_at, error) ||
      !member_string (object, "image_sha256", TRUE, &record->image_sha256, error) ||
      !member (object, "values", FALSE, &node, error) ||
      !member_int (object, "total_votos_calculado", 0, G_MAXINT32, &record->total, error) ||
      !member_int (object, "contabilizada", 0, 1, &record->contabilizada, error) ||
      !member_string (object, "observaciones", TRUE, &record->observaciones, error) ||
      !member_string (object, "origen", FALSE, &origen, error) ||
      !member_string (object, "digitalizacion", TRUE, &record->digitalizacion, error) ||
      !member_string (object, "tipo_documento", FALSE, &record->tipo_documento, error) ||
      !member_string (object, "mecanismo_traslado", TRUE, &record->traslado, error) ||
      !member_string (object, "sin_acta_reason", TRUE, &record->sin_acta_reason, error))
    return FALSE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "record: \"values\" must be an object of field code to value");
  record->values = json_node_get_object (node);
  node = json_object_get_member (object, "fuera_de_catalogo");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid (error, "record: \"fuera_de_catalogo\" must be true or false");
  record->fuera = json_node_get_boolean (node);

  if (!g_uuid_string_is_valid (record->record_id))
    return invalid (error, "record: \"record_id\" must be a UUID");
  /* A station stores keys normalised (catd_normalize_clave ()): trimmed,
   * upper-cased, without '|', the export's delimiter. */
  normalized = catd_normalize_clave (record->clave_acta);
  if (normalized == NULL || !g_str_equal (normalized, record->clave_acta))
    return invalid (error, "record: \"clave_acta\" must be a key as a station stores it: 1 to "
                    "64 characters, upper case, without blanks around it, control characters "
                    "or '|'");
  if (!text_is_clean (record->tipo_documento, 64) || *record->tipo_documento == '\0' ||
      strchr (record->tipo_documento, '|'))
    return invalid (error, "record: \"tipo_documento\" must be 1 to 64 characters on one line, "
                    "without '|'");
  if (record->observaciones && !text_is_clean (record->observaciones, 200))
    return invalid (error, "record: \"observaciones\" must be text on one line");
  if (record->image_sha256 && !catd_sha256_is_valid (record->image_sha256))
    return invalid (error, "record: \"image_sha256\" must be 64 lower-case hexadecimal digits "
                    "or null");
  if (!g_str_equal (origen, "CATD"))
    return invalid (error, "record: \"origen\" must be \"CATD\"");
  if (!one_of (record->digitalizacion, digitalizaciones))
    return invalid (error, "record: \"digitalizacion\" must be \"ESCANER\", \"IMPORTADA\" or "
                    "null");
  if (!one_of (record->traslado, traslados))
    return invalid (error, "record: \"mecanismo_traslado\" must be \"D\", \"F\", \"I\" or null");

  record->body_sha256 = canonical_sha256 (record->root, NULL);
  record->data_sha256 = canonical_sha256 (record->root, identity_members);
  return TRUE;
}

/* Every field of an acta of @contest in acta order, as a station lists them
 * (_catd_station_contest_fields ()): the four informative fields, the
 * contest's fields, TOTAL_VOTOS_ASENTADO. Borrowed; cached. */
static GPtrArray *
contest_fields (CatdCentral  *self,
                gint64        contest,
                GError      **error)
{
  GPtrArray *fields = g_hash_table_lookup (self->contest_fields, &contest);
  sqlite3_stmt *stmt;
  CatdField *field;
  int rc;

  if (fields != NULL)
    return fields;
  stmt = catd_store_prepare (self->store, "SELECT code, label, kind FROM contest_field "
                             "WHERE contest = ? ORDER BY position", error);
  if (stmt == NULL)
    return NULL;

  fields = g_ptr_array_new_with_free_func (catd_field_free);
  for (guint i = 0; i < G_N_ELEMENTS (catd_info_field_codes); i++)
    {
      /* TOTAL_VOTOS_ASENTADO, the last, stands after the contest's fields. */
      if (i == G_N_ELEMENTS (catd_info_field_codes) - 1)
        {
          sqlite3_bind_int64 (stmt, 1, contest);
          while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
            {
              field = g_new0 (CatdField, 1);
              field->code = g_strdup (catd_column_text (stmt, 0));
              field->label = g_strdup (catd_column_text (stmt, 1));
              catd_field_kind_from_string (catd_column_text (stmt, 2), &field->kind);
              g_ptr_array_add (fields, field);
            }
          sqlite3_reset (stmt);
          if (rc == 0)
            {
              g_ptr_array_unref (fields);
              return NULL;
            }
        }
      field = g_new0 (CatdField, 1);
      field->code = g_strdup (catd_info_field_codes[i]);
      field->label = g_strdup (catd_info_field_labels[i]);
      field->kind = CATD_FIELD_INFO;
      g_ptr_array_add (fields, field);
    }

  /* The catalog never changes under a running site. */
  g_hash_table_insert (self->contest_fields, g_memdup2 (&contest, sizeof contest), fields);
  return fields;
}

/* What the acta's settled values are, checked against its contest and the
 * counting rules; fills @settled (code -> canonical text). */
static gboolean
check_values (CatdCentral            *self,
              Record                 *record,
              gint64                  contest,
              const CatdCountLimits  *limits,
              GHashTable             *settled,
              GError                **error)
{
  g_autoptr(GArray) counted = g_array_new (FALSE, TRUE, sizeof (CatdCountedField));
  g_autoptr(GList) members = json_object_get_members (record->values);
  GPtrArray *fields = contest_fields (self, contest, error);
  CatdCountResult result;

  if (fields == NULL)
    return FALSE;
  for (GList *l = members; l; l = l->next)
    {
      gboolean known = FALSE;

      for (guint i = 0; i < fields->len && !known; i++)
        known = g_str_equal (((CatdField *)g_ptr_array_index (fields, i))->code, l->data);
      if (!known)
        return invalid (error, "record: acta %s has no field \"%s\"", record->clave_acta,
                        (const char *)l->data);
    }
  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      JsonNode *node = json_object_get_member (record->values, field->code);
      CatdCountedField cf = { field->kind };

      if (node == NULL)
        return invalid (error, "record: the value of field %s is missing", field->code);
      if (!catd_value_from_json (node, &cf.value))
        return invalid (error, "record: the value of field %s must be a whole number from 0 "
                        "to %d, \"ilegible\" or \"sin_dato\"", field->code, CATD_VALUE_MAX);
      g_hash_table_insert (settled, g_strdup (field->code), catd_value_to_string (&cf.value));
      g_array_append_val (counted, cf);
    }

  catd_count_acta ((CatdCountedField *)(gpointer)counted->data, counted->len, limits, &result);
  if (result.total_votos_calculado != record->total ||
      (result.contabilizada ? 1 : 0) != record->contabilizada ||
      g_strcmp0 (result.observaciones, record->observaciones) != 0)
    return invalid (error, "record: acta %s's count does not follow from its values and the "
                    "catalog (expected total %" G_GINT64_FORMAT ", contabilizada %d, "
                    "observaciones \"%s\"): is the station on the same catalog?",
                    record->clave_acta, result.total_votos_calculado,
                    result.contabilizada ? 1 : 0, result.observaciones);
  return TRUE;
}

static gboolean
check_final_without_values (Record      *record,
                            const char  *observaciones,
                            GError     **error)
{
  if (json_object_get_size (record->values) != 0)
    return invalid (error, "record: acta %s is %s: it has no values", record->clave_acta,
                    observaciones);
  if (record->total != 0 || record->contabilizada != 0 ||
      g_strcmp0 (record->observaciones, observaciones) != 0)
    return invalid (error, "record: acta %s is not counted: total 0, contabilizada 0 and "
                    "observaciones \"%s\"", record->clave_acta, observaciones);
  return TRUE;
}

/* Checks @record against the catalog and decides its state; tells whether
 * the acta is in the catalog and fills @settled (the settled values as a
 * station stores them, NULL when the acta has none). */
static gboolean
check_record (CatdCentral  *self,
              Record       *record,
              gboolean     *in_catalog,
              char        **settled,
              GError      **error)
{
  g_autofree char *election = NULL;
  sqlite3_stmt *stmt;
  CatdCountLimits limits = { 0 };
  gint64 contest = 0;
  int rc;

  *settled = NULL;
  switch (lookup_text (self, "SELECT id FROM election WHERE id = ?", record->election, NULL,
                       error))
    {
    case 1:
      break;
    case 0:
      return invalid (error, "record: no election \"%s\" in the catalog", record->election);
    default:
      return FALSE;
    }

  stmt = catd_store_prepare (self->store,
                             "SELECT ca.election, ca.contest, c.tipo, c.lista_nominal, "
                             "c.representantes, coalesce (c.max_boletas, 0) FROM catalog_acta ca "
                             "JOIN casilla c ON c.clave = ca.casilla WHERE ca.clave_acta = ?",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record->clave_acta, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      election = g_strdup (catd_column_text (stmt, 0));
      contest = sqlite3_column_int64 (stmt, 1);
      limits.tipo = catd_column_text (stmt, 2)[0];
      limits.lista_nominal = sqlite3_column_int64 (stmt, 3);
      limits.representantes = sqlite3_column_int64 (stmt, 4);
      limits.max_boletas = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;
  *in_catalog = election != NULL;

  if (record->fuera)
    {
      if (*in_catalog)
        return invalid (error, "record: acta %s is in the catalog, not fuera de catálogo",
                        record->clave_acta);
      if (record->sin_acta_reason != NULL)
        return invalid (error, "record: an acta fuera de catálogo has no sin acta reason");
      record->state = CATD_ACTA_FUERA_DE_CATALOGO;
      return check_final_without_values (record, "Fuera de catálogo", error);
    }

  if (!*in_catalog)
    return invalid (error, "record: acta %s is not in the catalog and not marked "
                    "fuera de catálogo", record->clave_acta);
  if (!g_str_equal (election, record->election))
    return invalid (error, "record: acta %s belongs to election %s, not %s", record->clave_acta,
                    election, record->election);

  if (record->sin_acta_reason != NULL)
    {
      g_autofree char *observaciones = NULL;
      gboolean known = FALSE;

      for (CatdSinActaReason r = CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO;
           r <= CATD_SIN_ACTA_SIN_SOBRE; r++)
        known |= g_str_equal (record->sin_acta_reason, catd_sin_acta_reason_to_label (r));
      if (!known)
        return invalid (error, "record: \"sin_acta_reason\" must be \"Paquete no entregado\", "
                        "\"Casilla no instalada\" or \"Sin sobre\"");
      if (record->image_sha256 != NULL)
        return invalid (error, "record: a sin acta has no image");
      record->state = CATD_ACTA_SIN_ACTA;
      observaciones = g_strdup_printf ("Sin Acta (%s)", record->sin_acta_reason);
      return check_final_without_values (record, observaciones, error);
    }

  {
    g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                          g_free);
    GPtrArray *fields;

    if (record->image_sha256 == NULL)
      return invalid (error, "record: a verified acta names its image");
    if (record->captura_at == NULL || record->verificacion_at == NULL)
      return invalid (error, "record: a verified acta has its capture and verification times");
    if (!check_values (self, record, contest, &limits, values, error) ||
        !(fields = contest_fields (self, contest, error)))
      return FALSE;
    record->state = CATD_ACTA_VERIFIED;
    *settled = catd_values_serialize (fields, values);
  }
  return TRUE;
}

/* Writes the acta's row from its current record: the columns a station
 * fills, as it fills them, so that the export cannot tell the two apart. */
static gboolean
write_acta (CatdCentral  *self,
            Record       *record,
            gboolean      in_catalog,
            const char   *settled,
            GError      **error)
{
  g_autofree char *login = g_strconcat ("@", record->station_id, NULL);
  sqlite3_stmt *stmt;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO acta (clave_acta, raw_text, catalog_acta, election, "
                             "state, tipo_documento, traslado, sin_acta_reason, registered_by, "
                             "acopio_at, captura_at, verificacion_at, image_sha256, "
                             "digitalizacion, total_calculado, contabilizada, observaciones, "
                             "revision, settled, pending) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                             "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
                             "ON CONFLICT (clave_acta) DO UPDATE SET "
                             "catalog_acta = excluded.catalog_acta, election = excluded.election, "
                             "state = excluded.state, tipo_documento = excluded.tipo_documento, "
                             "traslado = excluded.traslado, "
                             "sin_acta_reason = excluded.sin_acta_reason, "
                             "registered_by = excluded.registered_by, "
                             "acopio_at = excluded.acopio_at, captura_at = excluded.captura_at, "
                             "verificacion_at = excluded.verificacion_at, "
                             "image_sha256 = excluded.image_sha256, "
                             "digitalizacion = excluded.digitalizacion, "
                             "total_calculado = excluded.total_calculado, "
                             "contabilizada = excluded.contabilizada, "
                             "observaciones = excluded.observaciones, "
                             "revision = excluded.revision, settled = excluded.settled, "
                             "pending = excluded.pending", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record->clave_acta, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 2, in_catalog ? record->clave_acta : NULL);
  sqlite3_bind_text (stmt, 3, record->election, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, catd_acta_state_to_string (record->state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, record->tipo_documento, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 6, record->traslado);
  catd_bind_text (stmt, 7, record->sin_acta_reason);
  sqlite3_bind_text (stmt, 8, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, record->acopio_at, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 10, record->captura_at);
  catd_bind_text (stmt, 11, record->verificacion_at);
  catd_bind_text (stmt, 12, record->image_sha256);
  catd_bind_text (stmt, 13, record->digitalizacion);
  sqlite3_bind_int64 (stmt, 14, record->total);
  sqlite3_bind_int64 (stmt, 15, record->contabilizada);
  catd_bind_text (stmt, 16, record->observaciones);
  sqlite3_bind_int64 (stmt, 17, record->revision);
  catd_bind_text (stmt, 18, settled);
  /* A station's verified acta has nothing pending; final actas without
   * values never had a capture to wait for. */
  catd_bind_text (stmt, 19, record->state == CATD_ACTA_VERIFIED ? "[]" : NULL);
  return catd_store_exec (self->store, stmt, error);
}

static gboolean
set_current (CatdCentral  *self,
             Record       *record,
             gint64        row_id,
             GError      **error)
{
  sqlite3_stmt *stmt;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO central_acta (clave_acta, record, station_id, revision) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT (clave_acta) DO UPDATE SET "
                             "record = excluded.record, station_id = excluded.station_id, "
                             "revision = excluded.revision", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record->clave_acta, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row_id);
  sqlite3_bind_text (stmt, 3, record->station_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, record->revision);
  return catd_store_exec (self->store, stmt, error);
}

static gboolean
flag_conflict (CatdCentral  *self,
               Record       *record,
               gint64        current_row,
               gint64        row_id,
               const char   *current_station,
               GError      **error)
{
  g_autofree char *now = catd_store_now_iso (self->store);
  sqlite3_stmt *stmt;

  stmt = catd_store_prepare (self->store,
                             "INSERT INTO central_conflict (clave_acta, current_record, record, "
                             "detected_at) VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record->clave_acta, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, current_row);
  sqlite3_bind_int64 (stmt, 3, row_id);
  sqlite3_bind_text (stmt, 4, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    return FALSE;
  g_message ("conflict on acta %s: station %s sent data (record %s, revision %" G_GINT64_FORMAT
             ") that differs from its current record, from station %s; the current one stays",
             record->clave_acta, record->station_id, record->record_id, record->revision,
             current_station);
  return TRUE;
}

/* Decides, in the caller's transaction, what the new revision @row_id does
 * to its acta: the first record of an acta makes it; a newer revision from
 * the station whose record is current replaces it; an older one is only
 * kept; different data from another station (or the same revision again
 * with different data) is kept and flagged, never merged. */
static gboolean
apply_record (CatdCentral  *self,
              Record       *record,
              gint64        row_id,
              gboolean      in_catalog,
              const char   *settled,
              GError      **error)
{
  g_autofree char *current_station = NULL;
  g_autofree char *current_data = NULL;
  gint64 current_row = 0, current_revision = 0;
  sqlite3_stmt *stmt;
  int rc;

  stmt = catd_store_prepare (self->store,
                             "SELECT a.record, a.station_id, a.revision, r.data_sha256 "
                             "FROM central_acta a JOIN central_record r ON r.id = a.record "
                             "WHERE a.clave_acta = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record->clave_acta, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      current_row = sqlite3_column_int64 (stmt, 0);
      current_station = g_strdup (catd_column_text (stmt, 1));
      current_revision = sqlite3_column_int64 (stmt, 2);
      current_data = g_strdup (catd_column_text (stmt, 3));
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;

  if (current_station == NULL ||
      (g_str_equal (current_station, record->station_id) && record->revision > current_revision))
    return write_acta (self, record, in_catalog, settled, error) &&
           set_current (self, record, row_id, error);

  if (g_str_equal (current_data, record->data_sha256))
    return TRUE;
  if (!g_str_equal (current_station, record->station_id) || record->revision == current_revision)
    return flag_conflict (self, record, current_row, row_id, current_station, error);
  /* An older revision of the current station, arriving late: kept only. */
  return TRUE;
}

/**
 * catd_central_put_record:
 * @station_id: the authenticated station
 * @record_id: the id the URL names
 * @body: the record as received
 *
 * Receives one record revision (DESIGN §7) in one transaction. The body is
 * checked member by member, then against the catalog and the counting
 * rules (%CATD_CENTRAL_ERROR_INVALID); its record_id must be @record_id
 * (INVALID) and its station_id @station_id (%CATD_CENTRAL_ERROR_FORBIDDEN).
 * A record id already received answers %CATD_CENTRAL_ALREADY_HAD when the
 * canonical body is the same and %CATD_CENTRAL_ERROR_RECORD_CHANGED when
 * not; an image the site does not hold yet is
 * %CATD_CENTRAL_ERROR_IMAGE_MISSING. Otherwise the revision is kept and
 * applied (see apply_record ()): %CATD_CENTRAL_STORED.
 */
CatdCentralOutcome
catd_central_put_record (CatdCentral  *self,
                         const char   *station_id,
                         const char   *record_id,
                         GBytes       *body,
                         GError      **error)
{
  g_auto(Record) record = { 0 };
  g_autofree char *known_sha = NULL;
  g_autofree char *settled = NULL;
  g_autofree char *now = NULL;
  gboolean in_catalog = FALSE;
  sqlite3_stmt *stmt;
  gint64 row_id;
  gsize len;
  const char *text;
  int found;

  g_return_val_if_fail (CATD_IS_CENTRAL (self), CATD_CENTRAL_FAILED);
  g_return_val_if_fail (station_id != NULL && record_id != NULL && body != NULL, CATD_CENTRAL_FAILED);

  if (!parse_record (body, &record, error))
    return CATD_CENTRAL_FAILED;
  if (!g_str_equal (record.record_id, record_id))
    {
      invalid (error, "the record's record_id (%s) is not the one in the URL (%s)",
               record.record_id, record_id);
      return CATD_CENTRAL_FAILED;
    }
  if (!g_str_equal (record.station_id, station_id))
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_FORBIDDEN,
                   "station %s may not send a record of station %s", station_id,
                   record.station_id);
      return CATD_CENTRAL_FAILED;
    }

  if (!catd_store_begin (self->store, error))
    return CATD_CENTRAL_FAILED;

  found = lookup_text (self, "SELECT body_sha256 FROM central_record WHERE record_id = ?",
                       record_id, &known_sha, error);
  if (found < 0)
    goto fail;
  if (found == 1)
    {
      catd_store_rollback (self->store);
      if (g_str_equal (known_sha, record.body_sha256))
        return CATD_CENTRAL_ALREADY_HAD;
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_RECORD_CHANGED,
                   "record %s was already received with a different body: a change is a new "
                   "revision with a new record_id", record_id);
      return CATD_CENTRAL_FAILED;
    }

  if (!check_record (self, &record, &in_catalog, &settled, error))
    goto fail;
  if (record.image_sha256 != NULL)
    {
      switch (have_image (self, record.image_sha256, error))
        {
        case 1:
          break;
        case 0:
          g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_IMAGE_MISSING,
                       "image %s of acta %s has not been uploaded yet: upload it, then the "
                       "record again", record.image_sha256, record.clave_acta);
          goto fail;
        default:
          goto fail;
        }
    }

  if (!ensure_station (self, station_id, error))
    goto fail;
  now = catd_store_now_iso (self->store);
  text = g_bytes_get_data (body, &len);
  stmt = catd_store_prepare (self->store,
                             "INSERT INTO central_record (record_id, station_id, clave_acta, "
                             "revision, body, body_sha256, data_sha256, received_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, record_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, station_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, record.clave_acta, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, record.revision);
  sqlite3_bind_text (stmt, 5, text, len, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, record.body_sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, record.data_sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, now, -1, SQLITE_STATIC);
  if (catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      goto fail;
    }
  row_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  if (!apply_record (self, &record, row_id, in_catalog, settled, error) ||
      !catd_store_commit (self->store, error))
    goto fail;
  return CATD_CENTRAL_STORED;

fail:
  catd_store_rollback (self->store);
  return CATD_CENTRAL_FAILED;
}

/* ---- heartbeats ------------------------------------------------------------- */

/**
 * catd_central_heartbeat:
 *
 * Keeps @station_id's heartbeat: the body (a JSON object, see
 * docs/protocol.md) as received, the time it arrived, the queue depth it
 * reports (queue.pending) and, when it says its time, the station's clock
 * offset. A body that is not such an object is %CATD_CENTRAL_ERROR_INVALID.
 */
gboolean
catd_central_heartbeat (CatdCentral  *self,
                        const char   *station_id,
                        GBytes       *body,
                        GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *now = NULL;
  JsonObject *object, *queue = NULL;
  JsonNode *root, *node;
  sqlite3_stmt *stmt;
  gint64 received = 0, station_time = 0;
  gboolean has_depth = FALSE, has_time = FALSE;
  gint64 depth = 0;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  g_return_val_if_fail (CATD_IS_CENTRAL (self), FALSE);

  if (!json_parser_load_from_data (parser, data ? data : "", len, &local_error))
    return invalid (error, "the heartbeat is not JSON: %s", local_error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, "the heartbeat must be a JSON object");
  object = json_node_get_object (root);

  if ((node = json_object_get_member (object, "queue")) != NULL)
    {
      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (error, "heartbeat: \"queue\" must be an object");
      queue = json_node_get_object (node);
      if ((node = json_object_get_member (queue, "pending")) != NULL)
        {
          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
              json_node_get_int (node) < 0)
            return invalid (error, "heartbeat: \"queue.pending\" must be a whole number");
          depth = json_node_get_int (node);
          has_depth = TRUE;
        }
    }
  if ((node = json_object_get_member (object, "time")) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !catd_time_from_iso (json_node_get_string (node), &station_time))
        return invalid (error, "heartbeat: \"time\" must be an ISO 8601 time");
      has_time = TRUE;
    }
  if ((node = json_object_get_member (object, "versions")) != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "heartbeat: \"versions\" must be an object");

  received = catd_store_now (self->store);
  now = catd_time_to_iso (received);
  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!ensure_station (self, station_id, error))
    goto fail;
  stmt = catd_store_prepare (self->store,
                             "UPDATE central_station SET last_heartbeat_at = ?, heartbeat = ?, "
                             "queue_depth = ?, clock_offset_ms = ? WHERE station_id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, data ? data : "", len, SQLITE_STATIC);
  if (has_depth)
    sqlite3_bind_int64 (stmt, 3, depth);
  else
    sqlite3_bind_null (stmt, 3);
  if (has_time)
    sqlite3_bind_int64 (stmt, 4, (station_time - received) / 1000);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_text (stmt, 5, station_id, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error) || !catd_store_commit (self->store, error))
    goto fail;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/* ---- catalog and export ------------------------------------------------------ */

/**
 * catd_central_get_catalog:
 * @sha256: (out): the catalog's SHA-256, its ETag
 *
 * The catalog document exactly as imported.
 */
GBytes *
catd_central_get_catalog (CatdCentral  *self,
                          char        **sha256,
                          GError      **error)
{
  sqlite3_stmt *stmt;
  GBytes *bytes = NULL;
  int rc;

  g_return_val_if_fail (CATD_IS_CENTRAL (self), NULL);

  stmt = catd_store_prepare (self->store, "SELECT sha256, document FROM catalog WHERE id = 1",
                             error);
  if (stmt == NULL)
    return NULL;
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      *sha256 = g_strdup (catd_column_text (stmt, 0));
      bytes = g_bytes_new (sqlite3_column_blob (stmt, 1), sqlite3_column_bytes (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc == SQLITE_DONE)
    g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                 "the central database has no catalog");
  return bytes;
}

/* The catalog's elections, in catalog order. */
GStrv
catd_central_list_elections (CatdCentral  *self,
                             GError      **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CATD_IS_CENTRAL (self), NULL);

  stmt = catd_store_prepare (self->store, "SELECT id FROM election ORDER BY position", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_strv_builder_add (builder, catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc == 0 ? NULL : g_strv_builder_end (builder);
}

/**
 * catd_central_export_prep_csv:
 *
 * The prep-csv file of @election over every station's current records:
 * catd_export_prep_csv () on the central tables, read in one snapshot so
 * that a running server's writes never split the file.
 */
char *
catd_central_export_prep_csv (CatdCentral  *self,
                              const char   *election,
                              char          delimiter,
                              GError      **error)
{
  char *csv;

  g_return_val_if_fail (CATD_IS_CENTRAL (self), NULL);

  if (!catd_store_exec_sql (self->store, "BEGIN", error))
    return NULL;
  csv = catd_export_prep_csv (self->store, election, delimiter, catd_store_now (self->store),
                              error);
  catd_store_rollback (self->store);
  return csv;
}
