/* catd-station.c - the station engine: set-up, users, acopio, images, queries
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "catd-audit.h"
#include "catd-counting.h"
#include "catd-errors.h"
#include "catd-export.h"
#include "catd-pin.h"
#include "catd-station-private.h"

/* CatdStation is the one object the GUI, catdctl and the tests drive. Every
 * action follows the same shape: check the user's role, BEGIN IMMEDIATE,
 * check the acta's state, write the change, its audit row and (when the acta
 * becomes final) its record and outbox rows, COMMIT, and only then report
 * success and emit "acta-changed". One action is one transaction and one
 * fsync of the WAL. */

enum {
  ACTA_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- CatdUser ------------------------------------------------------------ */

struct _CatdUser
{
  GObject   parent_instance;
  char     *login;
  char     *name;
  CatdRole  role;
};

G_DEFINE_FINAL_TYPE (CatdUser, catd_user, G_TYPE_OBJECT)

static void
catd_user_finalize (GObject *object)
{
  CatdUser *self = (CatdUser *)object;

  g_free (self->login);
  g_free (self->name);
  G_OBJECT_CLASS (catd_user_parent_class)->finalize (object);
}

static void
catd_user_class_init (CatdUserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_user_finalize;
}

static void
catd_user_init (CatdUser *self)
{
}

static CatdUser *
catd_user_new (const char *login,
               const char *name,
               CatdRole    role)
{
  CatdUser *self = g_object_new (CATD_TYPE_USER, NULL);

  self->login = g_strdup (login);
  self->name = g_strdup (name);
  self->role = role;
  return self;
}

const char *
catd_user_get_login (CatdUser *self)
{
  g_return_val_if_fail (CATD_IS_USER (self), NULL);
  return self->login;
}

const char *
catd_user_get_name (CatdUser *self)
{
  g_return_val_if_fail (CATD_IS_USER (self), NULL);
  return self->name;
}

CatdRole
catd_user_get_role (CatdUser *self)
{
  g_return_val_if_fail (CATD_IS_USER (self), 0);
  return self->role;
}

/* ---- small helpers -------------------------------------------------------- */

void
catd_capture_result_free (CatdCaptureResult *result)
{
  if (result == NULL)
    return;
  g_free (result->clave_acta);
  g_strfreev (result->fields);
  g_free (result);
}

const char *
catd_capture_status_to_string (CatdCaptureStatus status)
{
  static const char *names[] = {
    "awaiting_pass2", "verified", "rekey_required", "arbitration", "coordinator",
  };

  g_return_val_if_fail (status <= CATD_CAPTURE_COORDINATOR, NULL);
  return names[status];
}

void
catd_registration_free (CatdRegistration *registration)
{
  if (registration == NULL)
    return;
  g_free (registration->clave_acta);
  g_free (registration->clave_casilla);
  g_free (registration->election);
  g_free (registration->election_nombre);
  g_free (registration->registered_at);
  g_free (registration->registered_by);
  g_free (registration);
}

void
catd_acta_row_clear (CatdActaRow *row)
{
  g_clear_pointer (&row->clave_acta, g_free);
  g_clear_pointer (&row->catalog_acta, g_free);
  g_clear_pointer (&row->election, g_free);
  g_clear_pointer (&row->pass1_user, g_free);
  g_clear_pointer (&row->pass2_user, g_free);
  g_clear_pointer (&row->arbiter_user, g_free);
  g_clear_pointer (&row->image_sha256, g_free);
}

/**
 * catd_normalize_clave:
 *
 * The text of a CLAVE_ACTA as typed or read by a barcode wedge: surrounding
 * blanks dropped, letters upper-cased. Returns %NULL for text that cannot be
 * a key at all (empty, too long, control characters).
 */
char *
catd_normalize_clave (const char *text)
{
  g_autofree char *stripped = NULL;

  if (text == NULL)
    return NULL;
  stripped = g_strstrip (g_strdup (text));
  if (*stripped == '\0' || strlen (stripped) > 64 || !g_utf8_validate (stripped, -1, NULL))
    return NULL;
  for (const char *c = stripped; *c; c++)
    if (g_ascii_iscntrl (*c) || *c == '|')
      return NULL;
  return g_utf8_strup (stripped, -1);
}

static gboolean
invalid (GError    **error,
         const char *message)
{
  g_set_error_literal (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT, message);
  return FALSE;
}

gboolean
_catd_station_require_role (CatdUser    *user,
                            guint        allowed,
                            const char  *what,
                            GError     **error)
{
  g_autoptr(GString) names = g_string_new (NULL);

  if (user != NULL && (allowed & CATD_ROLE_BIT (user->role)) != 0)
    return TRUE;

  for (CatdRole r = CATD_ROLE_ACOPIADOR; r <= CATD_ROLE_COORDINADOR; r++)
    if (allowed & CATD_ROLE_BIT (r))
      g_string_append_printf (names, "%s%s", names->len ? " or " : "", catd_role_to_string (r));

  if (user == NULL)
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE,
                 "%s needs a user with role %s: give --user and the PIN", what, names->str);
  else
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE,
                 "%s needs role %s; %s is %s", what, names->str, user->login,
                 catd_role_to_string (user->role));
  return FALSE;
}

static void
emit_now (CatdStation   *self,
          const char    *clave_acta,
          CatdActaState  state)
{
  g_signal_emit (self, signals[ACTA_CHANGED], 0, clave_acta, catd_acta_state_to_string (state));
}

/* A pending emission does not keep the station open. */
typedef struct
{
  GWeakRef       station;
  char          *clave_acta;
  CatdActaState  state;
} ChangedEvent;

static gboolean
emit_changed_cb (gpointer data)
{
  ChangedEvent *event = data;
  g_autoptr(CatdStation) station = g_weak_ref_get (&event->station);

  if (station != NULL)
    emit_now (station, event->clave_acta, event->state);
  return G_SOURCE_REMOVE;
}

static void
changed_event_free (gpointer data)
{
  ChangedEvent *event = data;

  g_weak_ref_clear (&event->station);
  g_free (event->clave_acta);
  g_free (event);
}

/* Signals reach listeners on the context the station was opened on, also
 * when the action ran in a worker thread. */
void
_catd_station_emit_changed (CatdStation   *self,
                const char    *clave_acta,
                CatdActaState  state)
{
  ChangedEvent *event = g_new0 (ChangedEvent, 1);

  g_weak_ref_init (&event->station, self);
  event->clave_acta = g_strdup (clave_acta);
  event->state = state;
  catd_idle_add_to (self->context, emit_changed_cb, event, changed_event_free);
}

/* ---- object --------------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (CatdStation, catd_station, G_TYPE_OBJECT)

static void
catd_station_finalize (GObject *object)
{
  CatdStation *self = (CatdStation *)object;

  g_clear_pointer (&self->contest_fields, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->station_id, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_rec_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (catd_station_parent_class)->finalize (object);
}

static void
catd_station_class_init (CatdStationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = catd_station_finalize;

  /**
   * CatdStation::acta-changed:
   * @clave_acta: the acta
   * @state: its new state, as catd_acta_state_to_string() spells it
   *
   * Emitted after an action on the acta has committed.
   */
  signals[ACTA_CHANGED] =
    g_signal_new ("acta-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
catd_station_init (CatdStation *self)
{
  g_rec_mutex_init (&self->mutex);
  self->context = g_main_context_ref_thread_default ();
  self->contest_fields = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                                (GDestroyNotify)g_ptr_array_unref);
}

static CatdStation *
station_new (CatdStore *store)
{
  CatdStation *self = g_object_new (CATD_TYPE_STATION, NULL);

  self->store = g_object_ref (store);
  self->removed_temp_files = catd_image_remove_temp_files (catd_store_get_images_dir (store));
  return self;
}

#define LOCKED_BLOCK g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex)

/* ---- catalog import -------------------------------------------------------- */

/**
 * catd_store_import_catalog:
 *
 * Writes @catalog into the catalog tables of @store, in the caller's
 * transaction: the document as imported and its elections, distritos,
 * municipios, contests, fields, casillas and actas. A station does it at
 * creation, the central site at its first start.
 */
gboolean
catd_store_import_catalog (CatdStore    *store,
                           CatdCatalog  *catalog,
                           GError      **error)
{
  GPtrArray *items;
  sqlite3_stmt *stmt;
  g_autofree char *now = catd_store_now_iso (store);
  g_autoptr(GHashTable) contest_ids = g_hash_table_new (NULL, NULL);
  gsize len;
  const void *doc = g_bytes_get_data (catd_catalog_get_bytes (catalog), &len);

  stmt = catd_store_prepare (store,
                             "INSERT INTO catalog (id, sha256, process, entidad_id, "
                             "entidad_nombre, n_actas, document, imported_at) "
                             "VALUES (1, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, catd_catalog_get_sha256 (catalog), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, catd_catalog_get_process (catalog), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, catd_catalog_get_entidad_id (catalog));
  sqlite3_bind_text (stmt, 4, catd_catalog_get_entidad_nombre (catalog), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, catd_catalog_count_actas (catalog));
  sqlite3_bind_blob64 (stmt, 6, doc, len, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (store, stmt, error))
    return FALSE;

  items = catd_catalog_get_elections (catalog);
  stmt = catd_store_prepare (store,
                             "INSERT INTO election (id, position, tipo_acta, nombre, ambito) "
                             "VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      const CatdElection *e = g_ptr_array_index (items, i);

      sqlite3_bind_text (stmt, 1, e->id, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 2, i);
      sqlite3_bind_text (stmt, 3, e->tipo_acta, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, e->nombre, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, catd_ambito_to_string (e->ambito), -1, SQLITE_STATIC);
      if (!catd_store_exec (store, stmt, error))
        return FALSE;
    }

  items = catd_catalog_get_distritos (catalog);
  stmt = catd_store_prepare (store, "INSERT INTO distrito (id, nombre) VALUES (?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      const CatdDistrito *d = g_ptr_array_index (items, i);

      sqlite3_bind_int64 (stmt, 1, d->id);
      sqlite3_bind_text (stmt, 2, d->nombre, -1, SQLITE_STATIC);
      if (!catd_store_exec (store, stmt, error))
        return FALSE;
    }

  items = catd_catalog_get_municipios (catalog);
  stmt = catd_store_prepare (store, "INSERT INTO municipio (id, nombre, distrito) "
                             "VALUES (?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < items->len; i++)
    {
      const CatdMunicipio *m = g_ptr_array_index (items, i);

      sqlite3_bind_int64 (stmt, 1, m->id);
      sqlite3_bind_text (stmt, 2, m->nombre, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, m->distrito);
      if (!catd_store_exec (store, stmt, error))
        return FALSE;
    }

  items = catd_catalog_get_contests (catalog);
  for (guint i = 0; i < items->len; i++)
    {
      const CatdContest *c = g_ptr_array_index (items, i);

      stmt = catd_store_prepare (store, "INSERT INTO contest (id, election, ambito_id) "
                                 "VALUES (?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int (stmt, 1, i + 1);
      sqlite3_bind_text (stmt, 2, c->election->id, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, c->ambito_id);
      if (!catd_store_exec (store, stmt, error))
        return FALSE;
      g_hash_table_insert (contest_ids, (gpointer)c, GINT_TO_POINTER (i + 1));

      stmt = catd_store_prepare (store, "INSERT INTO contest_field (contest, position, code, "
                                 "label, kind) VALUES (?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      for (guint f = 0; f < c->fields->len; f++)
        {
          const CatdField *field = g_ptr_array_index (c->fields, f);

          sqlite3_bind_int (stmt, 1, i + 1);
          sqlite3_bind_int (stmt, 2, f);
          sqlite3_bind_text (stmt, 3, field->code, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 4, field->label, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 5, catd_field_kind_to_string (field->kind), -1, SQLITE_STATIC);
          if (!catd_store_exec (store, stmt, error))
            return FALSE;
        }
    }

  items = catd_catalog_get_casillas (catalog);
  for (guint i = 0; i < items->len; i++)
    {
      const CatdCasilla *c = g_ptr_array_index (items, i);
      char tipo[2] = { c->tipo, 0 };

      stmt = catd_store_prepare (store,
                                 "INSERT INTO casilla (clave, seccion, tipo, id_casilla, "
                                 "ext_contigua, ubicacion, distrito, municipio, lista_nominal, "
                                 "representantes, max_boletas) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, c->clave, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, c->seccion);
      sqlite3_bind_text (stmt, 3, tipo, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, c->id_casilla);
      sqlite3_bind_int64 (stmt, 5, c->ext_contigua);
      sqlite3_bind_int64 (stmt, 6, c->ubicacion);
      sqlite3_bind_int64 (stmt, 7, c->distrito);
      sqlite3_bind_int64 (stmt, 8, c->municipio);
      sqlite3_bind_int64 (stmt, 9, c->lista_nominal);
      sqlite3_bind_int64 (stmt, 10, c->representantes);
      if (c->max_boletas >= 0)
        sqlite3_bind_int64 (stmt, 11, c->max_boletas);
      else
        sqlite3_bind_null (stmt, 11);
      if (!catd_store_exec (store, stmt, error))
        return FALSE;

      stmt = catd_store_prepare (store, "INSERT INTO catalog_acta (clave_acta, casilla, election, "
                                 "contest) VALUES (?, ?, ?, ?)", error);
      if (stmt == NULL)
        return FALSE;
      for (guint e = 0; e < c->elections->len; e++)
        {
          const CatdElection *election = g_ptr_array_index (c->elections, e);
          const CatdContest *contest = catd_catalog_contest_for (catalog, c, election);
          g_autofree char *clave_acta = g_strconcat (c->clave, election->tipo_acta, NULL);

          sqlite3_bind_text (stmt, 1, clave_acta, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, c->clave, -1, SQLITE_STATIC);
          sqlite3_bind_text (stmt, 3, election->id, -1, SQLITE_STATIC);
          sqlite3_bind_int (stmt, 4, GPOINTER_TO_INT (g_hash_table_lookup (contest_ids, contest)));
          if (!catd_store_exec (store, stmt, error))
            {
              /* Two casillas whose keys differ can still make the same
               * CLAVE_ACTA only through a catalog error we do not know. */
              return FALSE;
            }
        }
    }
  return TRUE;
}

/**
 * catd_station_create:
 * @central: (nullable): where to upload
 *
 * Creates a new station in @data_dir with @catalog, in one transaction.
 * Refuses a directory that already holds a station
 * (%CATD_STORE_ERROR_ALREADY_INITIALIZED).
 */
CatdStation *
catd_station_create (const char               *data_dir,
                     const char               *station_id,
                     CatdCatalog              *catalog,
                     const CatdCentralConfig  *central,
                     GError                  **error)
{
  g_autoptr(CatdStore) store = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) detail = NULL;
  g_autofree char *existing = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (CATD_IS_CATALOG (catalog), NULL);

  if (station_id == NULL || *station_id == '\0' || strlen (station_id) > 64)
    {
      invalid (error, "the station id must be 1 to 64 characters");
      return NULL;
    }
  for (const char *c = station_id; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_' && *c != '.')
      {
        invalid (error, "the station id may hold only letters, digits, '-', '_' and '.'");
        return NULL;
      }

  if (!(store = catd_store_open (data_dir, TRUE, error)))
    return NULL;
  if (!catd_store_lookup_meta (store, "station_id", &existing, error))
    return NULL;
  if (existing != NULL)
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_ALREADY_INITIALIZED,
                   "%s already holds station %s", catd_store_get_data_dir (store), existing);
      return NULL;
    }

  if (!catd_store_begin (store, error))
    return NULL;
  if (!catd_store_import_catalog (store, catalog, error) ||
      !catd_store_set_meta (store, "station_id", station_id, error) ||
      (central && central->central_url &&
       !catd_store_set_meta (store, "central_url", central->central_url, error)) ||
      (central && central->token_file &&
       !catd_store_set_meta (store, "token_file", central->token_file, error)) ||
      (central && central->ca_file &&
       !catd_store_set_meta (store, "ca_file", central->ca_file, error)))
    {
      catd_store_rollback (store);
      return NULL;
    }

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "station_id");
  json_builder_add_string_value (builder, station_id);
  json_builder_set_member_name (builder, "catalog_sha256");
  json_builder_add_string_value (builder, catd_catalog_get_sha256 (catalog));
  json_builder_set_member_name (builder, "actas_esperadas");
  json_builder_add_int_value (builder, catd_catalog_count_actas (catalog));
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);
  if (!catd_audit_append (store, NULL, NULL, "station.init", NULL, detail, NULL, error) ||
      !catd_store_commit (store, error))
    {
      catd_store_rollback (store);
      return NULL;
    }

  return station_new (store);
}

/**
 * catd_station_open:
 *
 * Opens an existing station. Removes temporary image files a crash left
 * behind (see catd_station_get_removed_temp_files()).
 */
CatdStation *
catd_station_open (const char  *data_dir,
                   GError     **error)
{
  g_autoptr(CatdStore) store = NULL;
  g_autoptr(CatdStation) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  if (!(store = catd_store_open (data_dir, FALSE, error)))
    return NULL;
  self = station_new (store);
  if (!catd_store_lookup_meta (store, "station_id", &self->station_id, error))
    return NULL;
  if (self->station_id == NULL)
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_NOT_INITIALIZED,
                   "no station in %s: run 'catdctl init' first", data_dir);
      return NULL;
    }
  return g_steal_pointer (&self);
}

CatdStore *
catd_station_get_store (CatdStation *self)
{
  g_return_val_if_fail (CATD_IS_STATION (self), NULL);
  return self->store;
}

const char *
catd_station_get_id (CatdStation *self)
{
  g_return_val_if_fail (CATD_IS_STATION (self), NULL);
  if (self->station_id == NULL)
    self->station_id = catd_store_get_meta (self->store, "station_id");
  return self->station_id;
}

void
catd_station_set_clock (CatdStation   *self,
                        CatdClockFunc  func,
                        gpointer       user_data)
{
  g_return_if_fail (CATD_IS_STATION (self));
  catd_store_set_clock (self->store, func, user_data);
}

guint
catd_station_get_removed_temp_files (CatdStation *self)
{
  g_return_val_if_fail (CATD_IS_STATION (self), 0);
  return self->removed_temp_files;
}

/* ---- users ---------------------------------------------------------------- */

/* 1 when the station has users, 0 when not, -1 with @error set. */
static int
users_exist (CatdStation  *self,
             GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "SELECT 1 FROM user LIMIT 1", error);
  int rc;

  if (stmt == NULL)
    return -1;
  rc = catd_store_step (self->store, stmt, error);
  sqlite3_reset (stmt);
  return rc == 0 ? -1 : rc == SQLITE_ROW;
}

/* Whether any user exists; a database error reads as TRUE, so that a
 * failure can never open the "first user" path. */
gboolean
catd_station_has_users (CatdStation *self)
{
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), TRUE);
  return users_exist (self, NULL) != 0;
}

static gboolean
login_is_valid (const char *login)
{
  gsize len = login ? strlen (login) : 0;

  if (len == 0 || len > 32)
    return FALSE;
  for (const char *c = login; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '_' && *c != '-')
      return FALSE;
  return TRUE;
}

/**
 * catd_station_add_user:
 * @actor: (nullable): the coordinador adding the user; %NULL only while the
 *   station has no users, and then @role must be coordinador
 *
 * Adds a user whose PIN is stored only as a yescrypt hash. Refuses a login
 * in use (%CATD_STATION_ERROR_DUPLICATE).
 */
CatdUser *
catd_station_add_user (CatdStation  *self,
                       CatdUser     *actor,
                       const char   *login,
                       const char   *name,
                       CatdRole      role,
                       const char   *pin,
                       GError      **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *now = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) detail = NULL;
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!login_is_valid (login))
    {
      invalid (error, "a login is 1 to 32 letters, digits, '.', '_' or '-'");
      return NULL;
    }
  if (name == NULL || *name == '\0' || g_utf8_strlen (name, -1) > 100 ||
      !g_utf8_validate (name, -1, NULL))
    {
      invalid (error, "the user's name must be 1 to 100 characters");
      return NULL;
    }
  if (role < CATD_ROLE_ACOPIADOR || role > CATD_ROLE_COORDINADOR)
    {
      invalid (error, "unknown role");
      return NULL;
    }
  if (!catd_pin_is_valid (pin))
    {
      invalid (error, "a PIN is 4 to 12 digits");
      return NULL;
    }

  /* Hash outside the transaction: it is deliberately slow. */
  if (!(hash = catd_pin_hash (pin, error)))
    return NULL;

  if (!catd_store_begin (self->store, error))
    return NULL;

  /* Who may add a user is decided inside the transaction, so that two
   * processes cannot both add "the first user". */
  switch (users_exist (self, error))
    {
    case 1:
      if (!_catd_station_require_role (actor, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                       "adding a user", error))
        goto fail;
      break;
    case 0:
      if (role != CATD_ROLE_COORDINADOR)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE,
                       "the first user of a station must be a coordinador");
          goto fail;
        }
      break;
    default:
      goto fail;
    }

  stmt = catd_store_prepare (self->store, "SELECT 1 FROM user WHERE login = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  sqlite3_reset (stmt);
  if (rc == 0)
    goto fail;
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE,
                   "there is already a user %s", login);
      goto fail;
    }

  now = catd_store_now_iso (self->store);
  stmt = catd_store_prepare (self->store, "INSERT INTO user (login, name, role, pin_hash, "
                             "created_at) VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, catd_role_to_string (role), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, login);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, catd_role_to_string (role));
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);
  if (!catd_audit_append (self->store, NULL, actor ? actor->login : NULL, "user.add", NULL, detail,
                          NULL, error) ||
      !catd_store_commit (self->store, error))
    goto fail;

  return catd_user_new (login, name, role);

fail:
  catd_store_rollback (self->store);
  return NULL;
}

/* Seconds a login stays locked after @failures wrong PINs in a row: none for
 * the first two slips, then 30 s doubling to a 15-minute ceiling. A
 * capturista who mistypes twice loses nothing; guessing a 4-digit PIN
 * takes weeks. */
static gint64
lock_seconds (gint64 failures)
{
  if (failures < 3)
    return 0;
  return MIN ((gint64)30 << MIN (failures - 3, 10), 900);
}

/* How long one PIN check may hold a login, and how long another attempt
 * waits without seeing any check finish. A check takes some 30 ms, longer
 * on a loaded machine; the hold of a process that died during one is taken
 * over at once (the database is local: the process can be asked after),
 * else when its time runs out. */
#define CHECK_HOLD_USEC   (5 * G_USEC_PER_SEC)
#define CHECK_STALL_USEC  (8 * G_USEC_PER_SEC)

typedef enum
{
  HOLD_TAKEN,
  HOLD_BUSY,
  HOLD_FAILED,
} HoldResult;

/* One attempt at taking the login for a PIN check, in one transaction
 * under the station's lock. On HOLD_BUSY, @holder says whose check runs. */
static HoldResult
try_take_hold (CatdStation  *self,
               const char   *login,
               gint64        token,
               gint64       *holder,
               GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 now, locked_until = 0, checking_until = 0, checking_pid = 0, failed = 0;
  int rc;
  LOCKED_BLOCK;

  /* The time is read once the write lock is ours: before, another process
   * may still be setting a hold from a later clock reading. */
  if (!catd_store_begin (self->store, error))
    return HOLD_FAILED;
  now = catd_store_now (self->store);

  stmt = catd_store_prepare (self->store, "SELECT locked_until, checking_until, checking_pid, "
                             "checking_token, failed_pins FROM user WHERE login = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      locked_until = sqlite3_column_int64 (stmt, 0);
      checking_until = sqlite3_column_int64 (stmt, 1);
      checking_pid = sqlite3_column_int64 (stmt, 2);
      *holder = sqlite3_column_int64 (stmt, 3);
      failed = sqlite3_column_int64 (stmt, 4);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    goto fail;

  /* A lock or a hold further ahead than the station would have set means
   * the clock was set back: it is not honoured (a login must not stay shut
   * for the hour a clock was moved). */
  if (locked_until > now / G_USEC_PER_SEC + lock_seconds (failed))
    locked_until = 0;
  if (checking_until > now + CHECK_HOLD_USEC + G_USEC_PER_SEC ||
      (checking_pid > 0 && kill ((pid_t)checking_pid, 0) != 0 && errno == ESRCH))
    checking_until = 0;

  if (locked_until > now / G_USEC_PER_SEC)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_LOCKED,
                   "too many wrong PINs for %s: try again in %" G_GINT64_FORMAT " s",
                   login, locked_until - now / G_USEC_PER_SEC);
      goto fail;
    }
  if (checking_until > now)
    {
      catd_store_rollback (self->store);
      return HOLD_BUSY;
    }

  stmt = catd_store_prepare (self->store, "UPDATE user SET checking_until = ?, "
                             "checking_pid = ?, checking_token = ? WHERE login = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now + CHECK_HOLD_USEC);
  sqlite3_bind_int64 (stmt, 2, getpid ());
  sqlite3_bind_int64 (stmt, 3, token);
  sqlite3_bind_text (stmt, 4, login, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error) || !catd_store_commit (self->store, error))
    goto fail;
  return HOLD_TAKEN;

fail:
  catd_store_rollback (self->store);
  return HOLD_FAILED;
}

/* Takes the login for one PIN check, identified by @token. Checks of one
 * login run one after another, so that the lock set by the third wrong PIN
 * also stops guesses made in parallel, while right PINs typed at the same
 * time all get in. Waits while checks keep finishing; gives up only when
 * the same check has held the login for CHECK_STALL_USEC. */
static gboolean
begin_check (CatdStation  *self,
             const char   *login,
             gint64        token,
             GError      **error)
{
  gint64 last_holder = 0;
  gint64 stalled_since = g_get_monotonic_time ();

  for (;;)
    {
      gint64 holder = 0;

      switch (try_take_hold (self, login, token, &holder, error))
        {
        case HOLD_TAKEN:
          return TRUE;
        case HOLD_FAILED:
          return FALSE;
        case HOLD_BUSY:
        default:
          break;
        }

      if (holder != last_holder)
        {
          last_holder = holder;
          stalled_since = g_get_monotonic_time ();
        }
      else if (g_get_monotonic_time () - stalled_since > CHECK_STALL_USEC)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_LOCKED,
                       "another login of %s is being checked and does not finish; try again",
                       login);
          return FALSE;
        }
      g_usleep (5 * 1000 + g_random_int_range (0, 10 * 1000));
    }
}

/* Ends a PIN check: a right PIN clears the count and the lock; a wrong one
 * is counted (locking the login from the third), with its audit row. The
 * hold is released only if it is still ours (@token): a check that outlived
 * its hold must not release the next one's. Returns the failures counted
 * so far, or -1 with @error set. */
static gint64
end_check (CatdStation  *self,
           const char   *login,
           gint64        token,
           gboolean      right,
           GError      **error)
{
  sqlite3_stmt *stmt;
  gint64 now, failed = -1;
  int rc;
  LOCKED_BLOCK;

  if (!catd_store_begin (self->store, error))
    return -1;
  now = catd_store_now (self->store) / G_USEC_PER_SEC;
  stmt = catd_store_prepare (self->store,
                             "UPDATE user SET "
                             "failed_pins = CASE WHEN ?2 THEN 0 ELSE failed_pins + 1 END, "
                             "checking_until = CASE WHEN checking_token = ?3 THEN 0 "
                             "  ELSE checking_until END, "
                             "checking_pid = CASE WHEN checking_token = ?3 THEN 0 "
                             "  ELSE checking_pid END "
                             "WHERE login = ?1 RETURNING failed_pins", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, right);
  sqlite3_bind_int64 (stmt, 3, token);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    failed = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc == 0)
    goto fail;
  if (failed < 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH,
                   "unknown user or wrong PIN");
      goto fail;
    }

  stmt = catd_store_prepare (self->store, "UPDATE user SET locked_until = ? WHERE login = ?",
                             error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, lock_seconds (failed) ? now + lock_seconds (failed) : 0);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error) ||
      (!right && !catd_audit_append (self->store, NULL, login, "auth.failed", NULL, NULL, NULL,
                                     error)) ||
      !catd_store_commit (self->store, error))
    goto fail;
  return failed;

fail:
  catd_store_rollback (self->store);
  return -1;
}

/**
 * catd_station_authenticate:
 *
 * Checks @pin for @login. Unknown users and wrong PINs give the same
 * %CATD_STATION_ERROR_AUTH message. From the third wrong PIN in a row the
 * login is locked for a growing time (%CATD_STATION_ERROR_LOCKED); the count
 * and the lock are in the database, and checks of one login run one at a
 * time, so that neither a new process nor many attempts in parallel get
 * around them. Costs one yescrypt computation and two small transactions.
 */
CatdUser *
catd_station_authenticate (CatdStation  *self,
                           const char   *login,
                           const char   *pin,
                           GError      **error)
{
  g_autofree char *name = NULL;
  g_autofree char *role_str = NULL;
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;
  gint64 failed, token;
  CatdRole role = 0;
  gboolean right;
  int rc;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  {
    LOCKED_BLOCK;

    stmt = catd_store_prepare (self->store, "SELECT name, role, pin_hash FROM user "
                               "WHERE login = ?", error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_text (stmt, 1, login ? login : "", -1, SQLITE_TRANSIENT);
    rc = catd_store_step (self->store, stmt, error);
    if (rc == SQLITE_ROW)
      {
        name = g_strdup (catd_column_text (stmt, 0));
        role_str = g_strdup (catd_column_text (stmt, 1));
        hash = g_strdup (catd_column_text (stmt, 2));
      }
    sqlite3_reset (stmt);
    if (rc == 0)
      return NULL;
    if (rc != SQLITE_ROW || !catd_role_from_string (role_str, &role))
      {
        g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH,
                     "unknown user or wrong PIN");
        return NULL;
      }
  }

  /* A token of this check's own: a pid alone is shared by the threads of a
   * process. */
  token = ((gint64)g_random_int () << 31) | g_random_int_range (1, G_MAXINT32);
  if (!begin_check (self, login, token, error))
    return NULL;

  /* The slow part runs without the station's lock: other actions go on. */
  right = catd_pin_is_valid (pin) && catd_pin_verify (pin, hash);

  if ((failed = end_check (self, login, token, right, error)) < 0)
    return NULL;

  if (right)
    return catd_user_new (login, name, role);
  if (lock_seconds (failed) > 0)
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_LOCKED,
                 "wrong PIN; %s is locked for %" G_GINT64_FORMAT " s", login,
                 lock_seconds (failed));
  else
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_AUTH,
                 "unknown user or wrong PIN");
  return NULL;
}

/* ---- acta rows -------------------------------------------------------------- */

gboolean
_catd_station_load_acta (CatdStation  *self,
                         const char   *clave_acta,
                         CatdActaRow  *row,
                         GError      **error)
{
  g_autofree char *clave = catd_normalize_clave (clave_acta);
  sqlite3_stmt *stmt;
  gboolean found = FALSE, in_catalog = FALSE;
  int rc;

  memset (row, 0, sizeof *row);
  if (clave == NULL)
    return invalid (error, "the acta key (CLAVE_ACTA) is empty or malformed");

  stmt = catd_store_prepare (self->store,
                             "SELECT a.id, a.clave_acta, a.catalog_acta, a.election, a.state, "
                             "ca.contest, a.pass1_user, a.pass2_user, a.arbiter_user, "
                             "a.image_sha256, a.revision "
                             "FROM acta a LEFT JOIN catalog_acta ca "
                             "ON ca.clave_acta = a.catalog_acta WHERE a.clave_acta = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      found = TRUE;
      row->id = sqlite3_column_int64 (stmt, 0);
      row->clave_acta = g_strdup (catd_column_text (stmt, 1));
      row->catalog_acta = g_strdup (catd_column_text (stmt, 2));
      row->election = g_strdup (catd_column_text (stmt, 3));
      catd_acta_state_from_string (catd_column_text (stmt, 4), &row->state);
      row->contest = sqlite3_column_int64 (stmt, 5);
      row->pass1_user = g_strdup (catd_column_text (stmt, 6));
      row->pass2_user = g_strdup (catd_column_text (stmt, 7));
      row->arbiter_user = g_strdup (catd_column_text (stmt, 8));
      row->image_sha256 = g_strdup (catd_column_text (stmt, 9));
      row->revision = sqlite3_column_int64 (stmt, 10);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;
  if (found)
    return TRUE;

  stmt = catd_store_prepare (self->store, "SELECT 1 FROM catalog_acta WHERE clave_acta = ?",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;
  in_catalog = rc == SQLITE_ROW;

  if (in_catalog)
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                 "acta %s has not been registered at this station yet", clave);
  else
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA,
                 "acta %s is not in the catalog and was not registered here", clave);
  return FALSE;
}

/* Every field of an acta of @contest in acta order: the four informative
 * fields printed before the results, the contest's vote fields, then
 * TOTAL_VOTOS_ASENTADO, as they stand on the paper and in the export. */
GPtrArray *
_catd_station_contest_fields (CatdStation  *self,
                              gint64        contest,
                              GError      **error)
{
  GPtrArray *fields = g_hash_table_lookup (self->contest_fields, &contest);
  sqlite3_stmt *stmt;
  CatdField *field;
  int rc;

  if (fields != NULL)
    return g_ptr_array_ref (fields);

  stmt = catd_store_prepare (self->store, "SELECT code, label, kind FROM contest_field "
                             "WHERE contest = ? ORDER BY position", error);
  if (stmt == NULL)
    return NULL;

  fields = g_ptr_array_new_with_free_func (catd_field_free);
  for (guint i = 0; i < 4; i++)
    {
      field = g_new0 (CatdField, 1);
      field->code = g_strdup (catd_info_field_codes[i]);
      field->label = g_strdup (catd_info_field_labels[i]);
      field->kind = CATD_FIELD_INFO;
      g_ptr_array_add (fields, field);
    }
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
  field = g_new0 (CatdField, 1);
  field->code = g_strdup (catd_info_field_codes[4]);
  field->label = g_strdup (catd_info_field_labels[4]);
  field->kind = CATD_FIELD_INFO;
  g_ptr_array_add (fields, field);

  /* Cached for the life of the station: a station's catalog never changes. */
  g_hash_table_insert (self->contest_fields, g_memdup2 (&contest, sizeof contest), fields);
  return g_ptr_array_ref (fields);
}

/**
 * catd_station_get_acta_fields:
 *
 * The fields a capturist keys for @clave_acta, in acta order: a new
 * reference to an array of CatdField* (unref it when done). For the capture
 * form; reveals no values.
 */
GPtrArray *
catd_station_get_acta_fields (CatdStation  *self,
                              const char   *clave_acta,
                              GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!_catd_station_load_acta (self, clave_acta, &row, error))
    return NULL;
  if (row.contest == 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s is fuera de catálogo: it is never captured", row.clave_acta);
      return NULL;
    }
  return _catd_station_contest_fields (self, row.contest, error);
}

gboolean
_catd_station_set_state (CatdStation   *self,
                         gint64         acta_id,
                         CatdActaState  state,
                         GError       **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "UPDATE acta SET state = ? WHERE id = ?",
                                           error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, catd_acta_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, acta_id);
  return catd_store_exec (self->store, stmt, error);
}

/* ---- records and the outbox ------------------------------------------------ */

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *name,
                    const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          const char  *iso)
{
  g_autofree char *record = catd_time_to_record (iso);

  add_string_or_null (builder, name, record);
}

/* The record body of DESIGN §7 for the acta as it stands now. */
static char *
build_record (CatdStation  *self,
              gint64        acta_id,
              const char   *record_id,
              gint64        revision,
              GError      **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) fields = NULL;
  sqlite3_stmt *stmt;
  gint64 contest;
  gboolean fuera;
  CatdActaState state;

  stmt = catd_store_prepare (self->store,
                             "SELECT a.clave_acta, a.acopio_at, a.captura_at, a.verificacion_at, "
                             "a.image_sha256, a.total_calculado, a.contabilizada, "
                             "a.observaciones, a.digitalizacion, a.tipo_documento, a.traslado, "
                             "a.sin_acta_reason, a.catalog_acta IS NULL, ca.contest, a.state, "
                             "a.settled, a.election FROM acta a LEFT JOIN catalog_acta ca "
                             "ON ca.clave_acta = a.catalog_acta WHERE a.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  if (catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (error && *error == NULL)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO, "acta row vanished");
      return NULL;
    }

  fuera = sqlite3_column_int (stmt, 12);
  contest = sqlite3_column_int64 (stmt, 13);
  catd_acta_state_from_string (catd_column_text (stmt, 14), &state);

  json_builder_begin_object (builder);
  add_string_or_null (builder, "record_id", record_id);
  add_string_or_null (builder, "station_id", catd_station_get_id (self));
  add_string_or_null (builder, "clave_acta", catd_column_text (stmt, 0));
  json_builder_set_member_name (builder, "revision");
  json_builder_add_int_value (builder, revision);
  add_time (builder, "fecha_hora_acopio", catd_column_text (stmt, 1));
  add_time (builder, "fecha_hora_captura", catd_column_text (stmt, 2));
  add_time (builder, "fecha_hora_verificacion", catd_column_text (stmt, 3));
  add_string_or_null (builder, "image_sha256", catd_column_text (stmt, 4));
  json_builder_set_member_name (builder, "values");
  json_builder_begin_object (builder);
  if (state == CATD_ACTA_VERIFIED)
    {
      g_autoptr(GHashTable) values = catd_values_parse (catd_column_text (stmt, 15));

      if (!(fields = _catd_station_contest_fields (self, contest, error)))
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      for (guint i = 0; i < fields->len; i++)
        {
          const CatdField *field = g_ptr_array_index (fields, i);
          CatdValue value;

          if (!catd_value_from_string (g_hash_table_lookup (values, field->code), &value))
            continue;
          json_builder_set_member_name (builder, field->code);
          catd_value_to_json (&value, builder);
        }
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "total_votos_calculado");
  json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 5));
  json_builder_set_member_name (builder, "contabilizada");
  json_builder_add_int_value (builder, sqlite3_column_int (stmt, 6));
  add_string_or_null (builder, "observaciones", catd_column_text (stmt, 7));
  add_string_or_null (builder, "origen", "CATD");
  add_string_or_null (builder, "digitalizacion", catd_column_text (stmt, 8));
  add_string_or_null (builder, "tipo_documento", catd_column_text (stmt, 9));
  add_string_or_null (builder, "mecanismo_traslado", catd_column_text (stmt, 10));
  add_string_or_null (builder, "sin_acta_reason", catd_column_text (stmt, 11));
  json_builder_set_member_name (builder, "fuera_de_catalogo");
  json_builder_add_boolean_value (builder, fuera);
  /* Not in DESIGN's list, and needed: an acta fuera de catálogo has no
   * catalog entry to tell the central site its election. */
  add_string_or_null (builder, "election", catd_column_text (stmt, 16));
  json_builder_end_object (builder);
  sqlite3_reset (stmt);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* Queues an image (once, however many revisions name it) or a record. */
static gboolean
queue_item (CatdStation  *self,
            const char   *kind,
            const char   *ref,
            const char   *now,
            GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store,
                                           "INSERT INTO outbox (kind, ref, created_at) "
                                           "VALUES (?, ?, ?) ON CONFLICT (ref) "
                                           "WHERE kind = 'image' DO NOTHING", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, ref, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, now, -1, SQLITE_STATIC);
  return catd_store_exec (self->store, stmt, error);
}

/* Writes the acta's next record revision and queues it (its image first)
 * in the caller's transaction: the transactional outbox. */
static gboolean
queue_record (CatdStation  *self,
              gint64        acta_id,
              GError      **error)
{
  g_autofree char *record_id = g_uuid_string_random ();
  g_autofree char *now = catd_store_now_iso (self->store);
  g_autofree char *body = NULL;
  g_autofree char *image = NULL;
  sqlite3_stmt *stmt;
  gint64 revision = 0;

  stmt = catd_store_prepare (self->store, "UPDATE acta SET revision = revision + 1 WHERE id = ? "
                             "RETURNING revision, image_sha256", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  if (catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return FALSE;
    }
  revision = sqlite3_column_int64 (stmt, 0);
  image = g_strdup (catd_column_text (stmt, 1));
  sqlite3_reset (stmt);

  if (!(body = build_record (self, acta_id, record_id, revision, error)))
    return FALSE;

  stmt = catd_store_prepare (self->store, "INSERT INTO record (record_id, acta, revision, body, "
                             "created_at) VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, record_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, acta_id);
  sqlite3_bind_int64 (stmt, 3, revision);
  sqlite3_bind_text (stmt, 4, body, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    return FALSE;

  if (image != NULL && !queue_item (self, "image", image, now, error))
    return FALSE;
  return queue_item (self, "record", record_id, now, error);
}

/* Settles a captured acta: applies the counting rules to its final values,
 * marks it verified and queues its record. Runs in the caller's
 * transaction. */
gboolean
_catd_station_finish_acta (CatdStation  *self,
                           gint64        acta_id,
                           GHashTable   *settled,
                           GError      **error)
{
  g_autoptr(GArray) counted = g_array_new (FALSE, TRUE, sizeof (CatdCountedField));
  g_autoptr(GPtrArray) fields = NULL;
  g_autofree char *now = catd_store_now_iso (self->store);
  CatdCountLimits limits = { 0 };
  CatdCountResult result;
  sqlite3_stmt *stmt;
  gint64 contest = 0;

  stmt = catd_store_prepare (self->store,
                             "SELECT ca.contest, c.tipo, c.lista_nominal, c.representantes, "
                             "coalesce (c.max_boletas, 0) FROM acta a "
                             "JOIN catalog_acta ca ON ca.clave_acta = a.catalog_acta "
                             "JOIN casilla c ON c.clave = ca.casilla WHERE a.id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  if (catd_store_step (self->store, stmt, error) == SQLITE_ROW)
    {
      contest = sqlite3_column_int64 (stmt, 0);
      limits.tipo = catd_column_text (stmt, 1)[0];
      limits.lista_nominal = sqlite3_column_int64 (stmt, 2);
      limits.representantes = sqlite3_column_int64 (stmt, 3);
      limits.max_boletas = sqlite3_column_int64 (stmt, 4);
    }
  sqlite3_reset (stmt);
  if (contest == 0 || !(fields = _catd_station_contest_fields (self, contest, error)))
    {
      if (error && *error == NULL)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                     "the acta's casilla is missing from the catalog tables");
      return FALSE;
    }

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);
      CatdCountedField cf = { field->kind };

      /* Every field is settled before an acta is finished; anything else
       * is a bug in the capture engine, not bad input. */
      if (!catd_value_from_string (g_hash_table_lookup (settled, field->code), &cf.value))
        {
          g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                       "field %s has no settled value", field->code);
          return FALSE;
        }
      g_array_append_val (counted, cf);
    }
  catd_count_acta ((CatdCountedField *)(gpointer)counted->data, counted->len, &limits, &result);

  stmt = catd_store_prepare (self->store,
                             "UPDATE acta SET state = 'verified', verificacion_at = ?, "
                             "total_calculado = ?, contabilizada = ?, observaciones = ? "
                             "WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, result.total_votos_calculado);
  sqlite3_bind_int (stmt, 3, result.contabilizada);
  sqlite3_bind_text (stmt, 4, result.observaciones, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, acta_id);
  if (!catd_store_exec (self->store, stmt, error))
    return FALSE;

  return queue_record (self, acta_id, error);
}

/* ---- acopio ------------------------------------------------------------------ */

#define REGISTRATION_SELECT \
  "SELECT a.clave_acta, coalesce (ca.casilla, '-'), a.election, e.nombre, a.state, " \
  "a.acopio_at, a.registered_by FROM acta a JOIN election e ON e.id = a.election " \
  "LEFT JOIN catalog_acta ca ON ca.clave_acta = a.catalog_acta "

static CatdRegistration *
registration_from_row (sqlite3_stmt *stmt)
{
  CatdRegistration *reg = g_new0 (CatdRegistration, 1);

  reg->clave_acta = g_strdup (catd_column_text (stmt, 0));
  reg->clave_casilla = g_strdup (catd_column_text (stmt, 1));
  reg->election = g_strdup (catd_column_text (stmt, 2));
  reg->election_nombre = g_strdup (catd_column_text (stmt, 3));
  catd_acta_state_from_string (catd_column_text (stmt, 4), &reg->state);
  reg->registered_at = catd_time_to_mexico (catd_column_text (stmt, 5));
  reg->registered_by = g_strdup (catd_column_text (stmt, 6));
  return reg;
}

static CatdRegistration *
registration_for (CatdStation  *self,
                  gint64        acta_id,
                  GError      **error)
{
  CatdRegistration *reg;
  sqlite3_stmt *stmt;

  stmt = catd_store_prepare (self->store,
                             REGISTRATION_SELECT "WHERE a.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  if (catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (error && *error == NULL)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO, "the acta just registered "
                     "cannot be read back");
      return NULL;
    }
  reg = registration_from_row (stmt);
  sqlite3_reset (stmt);
  return reg;
}

/**
 * catd_station_find_registration:
 * @clave_acta: the key as typed or read (normalized here)
 *
 * Returns: (transfer full): how and when @clave_acta was registered, for the
 *   acopio screen's answer to a duplicate; %NULL with
 *   %CATD_STATION_ERROR_UNKNOWN_ACTA when it was not registered here.
 */
CatdRegistration *
catd_station_find_registration (CatdStation  *self,
                                const char   *clave_acta,
                                GError      **error)
{
  g_autofree char *clave = NULL;
  CatdRegistration *reg = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);
  g_return_val_if_fail (clave_acta != NULL, NULL);

  clave = catd_normalize_clave (clave_acta);
  if (clave == NULL)
    {
      invalid (error, "the acta key is empty or not a key");
      return NULL;
    }
  LOCKED_BLOCK;
  stmt = catd_store_prepare (self->store, REGISTRATION_SELECT "WHERE a.clave_acta = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_TRANSIENT);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    reg = registration_from_row (stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA,
                 "acta %s was not registered here", clave);
  sqlite3_reset (stmt);
  return reg;
}

/**
 * catd_station_recent_registrations:
 * @limit: at most this many
 *
 * Returns: (transfer full) (element-type CatdRegistration): the newest
 *   registrations of this station, newest first (one indexed scan).
 */
GPtrArray *
catd_station_recent_registrations (CatdStation  *self,
                                   guint         limit,
                                   GError      **error)
{
  g_autoptr(GPtrArray) regs = g_ptr_array_new_with_free_func ((GDestroyNotify)catd_registration_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  LOCKED_BLOCK;
  stmt = catd_store_prepare (self->store, REGISTRATION_SELECT "ORDER BY a.id DESC LIMIT ?",
                             error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (regs, registration_from_row (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&regs);
}

/* Refuses a second registration, naming when and by whom the first was. */
static gboolean
check_not_registered (CatdStation  *self,
                      const char   *clave,
                      GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "SELECT acopio_at, registered_by, state "
                                           "FROM acta WHERE clave_acta = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      g_autofree char *when = catd_time_to_mexico (catd_column_text (stmt, 0));

      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE,
                   "acta %s was already registered on %s by %s (%s)", clave, when,
                   catd_column_text (stmt, 1), catd_column_text (stmt, 2));
    }
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

/* Runs a one-parameter query; 1 and the first column in @out (optional)
 * when there is a row, 0 when none, -1 with @error set. */
static int
lookup_text (CatdStation  *self,
             const char   *sql,
             const char   *param,
             char        **out,
             GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, sql, error);
  int rc;

  if (stmt == NULL)
    return -1;
  catd_bind_text (stmt, 1, param);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW && out != NULL)
    *out = g_strdup (catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc == 0 ? -1 : rc == SQLITE_ROW;
}

static JsonNode *
registration_detail (const CatdRegisterOptions *options,
                     const char                *tipo_documento,
                     const char                *reason)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  add_string_or_null (builder, "tipo_documento", tipo_documento);
  if (options && options->traslado)
    add_string_or_null (builder, "traslado", options->traslado);
  if (options && options->fuera_de_catalogo)
    {
      json_builder_set_member_name (builder, "fuera_de_catalogo");
      json_builder_add_boolean_value (builder, TRUE);
      add_string_or_null (builder, "election", options->election);
    }
  if (reason)
    add_string_or_null (builder, "sin_acta_reason", reason);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* If @clave is registered and still without an image, makes it a sin acta
 * for @reason in the caller's transaction and returns 1 (with the answer in
 * @out); 0 when it is not in that state (not registered, or past it: the
 * caller's duplicate check then says so); -1 with @error set when the
 * database fails. */
static int
sin_acta_of_registered (CatdStation        *self,
                        CatdUser           *user,
                        const char         *clave,
                        CatdSinActaReason   reason,
                        CatdRegistration  **out,
                        GError            **error)
{
  g_autofree char *now = catd_store_now_iso (self->store);
  g_autofree char *observaciones = NULL;
  g_autoptr(JsonNode) detail = NULL;
  sqlite3_stmt *stmt;
  gint64 acta_id = 0;
  int rc;

  stmt = catd_store_prepare (self->store, "SELECT id FROM acta WHERE clave_acta = ? "
                             "AND state = 'registered' AND image_sha256 IS NULL", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    acta_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc == 0)
    return -1;
  if (rc == SQLITE_DONE)
    return 0;

  observaciones = g_strdup_printf ("Sin Acta (%s)", catd_sin_acta_reason_to_label (reason));
  stmt = catd_store_prepare (self->store,
                             "UPDATE acta SET state = 'sin_acta', sin_acta_reason = ?, "
                             "verificacion_at = ?, total_calculado = 0, contabilizada = 0, "
                             "observaciones = ? WHERE id = ?", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, catd_sin_acta_reason_to_label (reason), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, observaciones, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, acta_id);
  if (!catd_store_exec (self->store, stmt, error))
    return -1;

  detail = registration_detail (NULL, NULL, catd_sin_acta_reason_to_string (reason));
  json_object_set_boolean_member (json_node_get_object (detail), "was_registered", TRUE);
  if (!catd_audit_append (self->store, NULL, user->login, "acopio.sin_acta", clave, detail, NULL,
                          error) ||
      !queue_record (self, acta_id, error) ||
      !(*out = registration_for (self, acta_id, error)))
    return -1;
  return 1;
}

/* Registration, sin acta and fuera de catálogo share one writer. */
static CatdRegistration *
insert_acta (CatdStation                *self,
             CatdUser                   *user,
             const char                 *clave_acta,
             const CatdRegisterOptions  *options,
             CatdSinActaReason           reason,
             GError                    **error)
{
  g_autofree char *clave = catd_normalize_clave (clave_acta);
  g_autofree char *election = NULL;
  g_autofree char *now = NULL;
  g_autofree char *observaciones = NULL;
  g_autoptr(JsonNode) detail = NULL;
  g_autoptr(CatdRegistration) registration = NULL;
  const char *tipo_documento = "Acta PREP";
  gboolean fuera = options && options->fuera_de_catalogo;
  CatdActaState state = CATD_ACTA_REGISTERED;
  sqlite3_stmt *stmt;
  gint64 acta_id;
  LOCKED_BLOCK;

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_ACOPIADOR) |
                                   CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   reason ? "recording a sin acta" : "registering an acta",
                                   error))
    return NULL;
  if (clave == NULL)
    {
      invalid (error, "the acta key (CLAVE_ACTA) is empty or malformed");
      return NULL;
    }
  if (options && options->traslado && !g_strv_contains ((const char *[]) { "D", "F", "I", NULL },
                                                        options->traslado))
    {
      invalid (error, "the traslado mechanism must be D, F or I");
      return NULL;
    }
  if (options && options->tipo_documento)
    {
      tipo_documento = options->tipo_documento;
      if (*tipo_documento == '\0' || g_utf8_strlen (tipo_documento, -1) > 64 ||
          strchr (tipo_documento, '|') || strchr (tipo_documento, '\n'))
        {
          invalid (error, "the tipo de documento must be 1 to 64 characters on one line");
          return NULL;
        }
    }

  if (!catd_store_begin (self->store, error))
    return NULL;

  /* A package registered on arrival and opened without its acta inside
   * becomes a sin acta (DESIGN §3: registered --sin_acta-->). */
  if (reason != 0)
    {
      CatdRegistration *converted = NULL;

      switch (sin_acta_of_registered (self, user, clave, reason, &converted, error))
        {
        case 1:
          if (!catd_store_commit (self->store, error))
            {
              catd_registration_free (converted);
              goto fail;
            }
          _catd_station_emit_changed (self, clave, CATD_ACTA_SIN_ACTA);
          return converted;
        case 0:
          break;
        default:
          goto fail;
        }
    }

  if (!check_not_registered (self, clave, error) ||
      lookup_text (self, "SELECT election FROM catalog_acta WHERE clave_acta = ?", clave,
                   &election, error) < 0)
    goto fail;

  if (fuera)
    {
      if (election != NULL)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "acta %s is in the catalog: register it normally, not as fuera de "
                       "catálogo", clave);
          goto fail;
        }
      switch (lookup_text (self, "SELECT id FROM election WHERE id = ?", options->election,
                           NULL, error))
        {
        case 1:
          break;
        case 0:
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "an acta fuera de catálogo needs the election it belongs to: "
                       "no election \"%s\" in the catalog",
                       options->election ? options->election : "");
          goto fail;
        default:
          goto fail;
        }
      election = g_strdup (options->election);
      state = CATD_ACTA_FUERA_DE_CATALOGO;
      observaciones = g_strdup ("Fuera de catálogo");
    }
  else if (election == NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA,
                   "acta %s is not in the catalog: check the key, or register it as fuera de "
                   "catálogo with the election it belongs to", clave);
      goto fail;
    }
  else if (reason != 0)
    {
      state = CATD_ACTA_SIN_ACTA;
      observaciones = g_strdup_printf ("Sin Acta (%s)", catd_sin_acta_reason_to_label (reason));
    }

  now = catd_store_now_iso (self->store);
  stmt = catd_store_prepare (self->store,
                             "INSERT INTO acta (clave_acta, catalog_acta, election, state, "
                             "tipo_documento, traslado, sin_acta_reason, registered_by, "
                             "acopio_at, verificacion_at, total_calculado, contabilizada, "
                             "observaciones, raw_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                             "?9, ?10, ?11, ?12, ?13, ?14) RETURNING id", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, clave, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 2, fuera ? NULL : clave);
  sqlite3_bind_text (stmt, 3, election, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, catd_acta_state_to_string (state), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, tipo_documento, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 6, options ? options->traslado : NULL);
  catd_bind_text (stmt, 7, reason ? catd_sin_acta_reason_to_label (reason) : NULL);
  sqlite3_bind_text (stmt, 8, user->login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, now, -1, SQLITE_STATIC);
  if (catd_acta_state_is_settled (state))
    {
      /* Final at registration: nothing will ever be captured. */
      sqlite3_bind_text (stmt, 10, now, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 11, 0);
      sqlite3_bind_int (stmt, 12, 0);
      sqlite3_bind_text (stmt, 13, observaciones, -1, SQLITE_STATIC);
    }
  sqlite3_bind_text (stmt, 14, clave_acta, -1, SQLITE_TRANSIENT);
  if (catd_store_step (self->store, stmt, error) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      goto fail;
    }
  acta_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  detail = registration_detail (options, tipo_documento,
                                reason ? catd_sin_acta_reason_to_string (reason) : NULL);
  if (g_strcmp0 (clave_acta, clave) != 0)
    json_object_set_string_member (json_node_get_object (detail), "raw_text", clave_acta);
  if (!catd_audit_append (self->store, NULL, user->login,
                          reason ? "acopio.sin_acta" : fuera ? "acopio.fuera_de_catalogo"
                                                             : "acopio.register",
                          clave, detail, NULL, error))
    goto fail;
  if (catd_acta_state_is_settled (state) && !queue_record (self, acta_id, error))
    goto fail;
  /* The answer is read before COMMIT: once committed, the action has been
   * done and must be reported so. */
  if (!(registration = registration_for (self, acta_id, error)))
    goto fail;
  if (!catd_store_commit (self->store, error))
    goto fail;

  _catd_station_emit_changed (self, clave, state);
  return g_steal_pointer (&registration);

fail:
  catd_store_rollback (self->store);
  return NULL;
}

/**
 * catd_station_register:
 * @options: (nullable): tipo de documento, traslado, fuera de catálogo
 *
 * Registers the arrival of an acta; FECHA_HORA_ACOPIO is the commit's time.
 * Refuses a second registration (%CATD_STATION_ERROR_DUPLICATE, naming the
 * first) and a key not in the catalog unless registered fuera de catálogo
 * (%CATD_STATION_ERROR_UNKNOWN_ACTA). An acta fuera de catálogo is final at
 * once and queued for upload.
 */
CatdRegistration *
catd_station_register (CatdStation                *self,
                       CatdUser                   *user,
                       const char                 *clave_acta,
                       const CatdRegisterOptions  *options,
                       GError                    **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), NULL);
  return insert_acta (self, user, clave_acta, options, 0, error);
}

/**
 * catd_station_sin_acta:
 *
 * Records that the package of @clave_acta came without its acta, for
 * @reason: at its arrival, or later for an acta registered and not yet
 * digitized. The acta is final at once (not counted) and queued.
 */
CatdRegistration *
catd_station_sin_acta (CatdStation        *self,
                       CatdUser           *user,
                       const char         *clave_acta,
                       CatdSinActaReason   reason,
                       GError            **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), NULL);
  g_return_val_if_fail (reason >= CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO &&
                        reason <= CATD_SIN_ACTA_SIN_SOBRE, NULL);
  return insert_acta (self, user, clave_acta, NULL, reason, error);
}

static void
register_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  CatdStation *self = source_object;
  gpointer *data = task_data;
  GError *error = NULL;
  CatdRegistration *reg;

  reg = catd_station_register (self, data[0], data[1], NULL, &error);
  if (reg)
    g_task_return_pointer (task, reg, (GDestroyNotify)catd_registration_free);
  else
    g_task_return_error (task, error);
}

static void
pair_free (gpointer data)
{
  gpointer *pair = data;

  g_object_unref (pair[0]);
  g_free (pair[1]);
  g_free (pair);
}

/* The same as catd_station_register() without options, in a worker thread,
 * for the acopio screen. */
void
catd_station_register_async (CatdStation         *self,
                             CatdUser            *user,
                             const char          *clave_acta,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  gpointer *data = g_new0 (gpointer, 2);

  g_return_if_fail (CATD_IS_STATION (self));
  g_return_if_fail (CATD_IS_USER (user));

  data[0] = g_object_ref (user);
  data[1] = g_strdup (clave_acta);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, catd_station_register_async);
  g_task_set_task_data (task, data, pair_free);
  g_task_run_in_thread (task, register_thread);
}

CatdRegistration *
catd_station_register_finish (CatdStation   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- images ------------------------------------------------------------------ */

/* Whether @row may take the image @options bind: a first image goes to a
 * registered acta (or one fuera de catálogo) that has none; a replacement
 * to an acta that has one, and that is not a sin acta. */
static gboolean
check_bindable (const CatdActaRow      *row,
                const CatdBindOptions  *options,
                GError                **error)
{
  if (options->replace)
    {
      if (row->image_sha256 == NULL)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                       "acta %s has no image to replace: digitize it without replacing",
                       row->clave_acta);
          return FALSE;
        }
      if (row->state == CATD_ACTA_SIN_ACTA)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                       "acta %s is sin acta: it takes no image", row->clave_acta);
          return FALSE;
        }
      return TRUE;
    }

  if (row->image_sha256 != NULL)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s already has an image (%s); a re-scan must say it replaces it",
                   row->clave_acta, row->image_sha256);
      return FALSE;
    }
  if (row->state != CATD_ACTA_REGISTERED && row->state != CATD_ACTA_FUERA_DE_CATALOGO)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s is %s: it takes no image", row->clave_acta,
                   catd_acta_state_to_string (row->state));
      return FALSE;
    }
  return TRUE;
}

/**
 * catd_station_bind_image:
 * @tiff: the image's exact bytes, a TIFF
 * @options: where the image comes from, and whether it replaces one
 * @info: (out) (optional): the stored image's hash and size
 *
 * Stores @tiff as the image of a registered acta. The file is durable at
 * its content address before the transaction that names it commits, and
 * libtiff must read it back whole first. One audit row records the image,
 * where it came from and, for a replacement, the image it replaces and why:
 * the old image stays stored and listed among the acta's images. An acta
 * whose record was already queued gets a new revision naming the new image.
 *
 * Refuses (%CATD_STATION_ERROR_WRONG_STATE) an acta that already has an
 * image unless @options replace it, a replacement without a reason
 * (%CATD_STATION_ERROR_INVALID_INPUT), a sin acta, and bytes already bound
 * to another acta, or identical to the image replaced
 * (%CATD_STATION_ERROR_DUPLICATE).
 */
gboolean
catd_station_bind_image (CatdStation            *self,
                         CatdUser               *user,
                         const char             *clave_acta,
                         GBytes                 *tiff,
                         const CatdBindOptions  *options,
                         CatdImageInfo          *info,
                         GError                **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) detail = NULL;
  g_autofree char *now = NULL;
  g_autofree char *replaced = NULL;
  g_autofree char *reason = options->reason ? g_strstrip (g_strdup (options->reason)) : NULL;
  CatdImageInfo local_info;
  const char *action;
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  g_return_val_if_fail (tiff != NULL && options != NULL, FALSE);
  g_return_val_if_fail (g_strcmp0 (options->source, "ESCANER") == 0 ||
                        g_strcmp0 (options->source, "IMPORTADA") == 0, FALSE);

  if (info == NULL)
    info = &local_info;
  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_DIGITALIZADOR) |
                                   CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "digitizing an acta", error))
    return FALSE;
  if (options->replace && (reason == NULL || *reason == '\0'))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "replacing an acta's image needs a reason");
      return FALSE;
    }

  /* Check the acta first, so that an operator who picked the wrong acta is
   * told so before anything is written. */
  if (!_catd_station_load_acta (self, clave_acta, &row, error) ||
      !check_bindable (&row, options, error))
    return FALSE;
  replaced = g_strdup (row.image_sha256);

  if (!(options->encoded
        ? catd_image_store_encoded (catd_store_get_images_dir (self->store), tiff,
                                    options->encoded, info, error)
        : catd_image_store (catd_store_get_images_dir (self->store), tiff, info, error)))
    return FALSE;

  if (!catd_store_begin (self->store, error))
    return FALSE;

  /* The acta may have moved while the image was written. */
  catd_acta_row_clear (&row);
  if (!_catd_station_load_acta (self, clave_acta, &row, error) ||
      !check_bindable (&row, options, error))
    goto fail;
  if (g_strcmp0 (row.image_sha256, replaced) != 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "the image of acta %s was changed by someone else meanwhile", row.clave_acta);
      goto fail;
    }
  if (g_strcmp0 (replaced, info->sha256) == 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE,
                   "the new image of acta %s is identical to the one it would replace",
                   row.clave_acta);
      goto fail;
    }

  /* The same bytes bound to two actas mean one of them shows the wrong
   * paper: a file imported twice, or a page fed twice. */
  stmt = catd_store_prepare (self->store, "SELECT a.clave_acta FROM acta_image ai "
                             "JOIN acta a ON a.id = ai.acta WHERE ai.sha256 = ? AND ai.acta != ?",
                             error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, info->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, row.id);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == 0)
    goto fail;
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_DUPLICATE,
                   "this image is already the image of acta %s: check that the page is the "
                   "one for acta %s", catd_column_text (stmt, 0), row.clave_acta);
      sqlite3_reset (stmt);
      goto fail;
    }
  sqlite3_reset (stmt);

  now = catd_store_now_iso (self->store);
  stmt = catd_store_prepare (self->store, "INSERT INTO image (sha256, size, width, height, dpi, "
                             "stored_at) VALUES (?, ?, ?, ?, ?, ?) "
                             "ON CONFLICT (sha256) DO NOTHING", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, info->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, info->size);
  sqlite3_bind_int64 (stmt, 3, info->width);
  sqlite3_bind_int64 (stmt, 4, info->height);
  if (info->dpi > 0)
    sqlite3_bind_double (stmt, 5, info->dpi);
  sqlite3_bind_text (stmt, 6, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;

  stmt = catd_store_prepare (self->store, "INSERT INTO acta_image (acta, sha256, source, "
                             "bound_by, bound_at) VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, row.id);
  sqlite3_bind_text (stmt, 2, info->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, options->source, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, user->login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;

  stmt = catd_store_prepare (self->store,
                             "UPDATE acta SET image_sha256 = ?, digitalizacion = ?, "
                             "state = CASE state WHEN 'registered' THEN 'digitized' ELSE state END "
                             "WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_text (stmt, 1, info->sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, options->source, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, row.id);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  add_string_or_null (builder, "sha256", info->sha256);
  add_string_or_null (builder, "source", options->source);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, info->size);
  if (options->device != NULL)
    add_string_or_null (builder, "device", options->device);
  if (options->binding != NULL)
    add_string_or_null (builder, "binding", options->binding);
  if (options->replace)
    {
      add_string_or_null (builder, "replaces", replaced);
      add_string_or_null (builder, "reason", reason);
    }
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);
  action = options->replace ? "digitalizacion.replace" :
           g_str_equal (options->source, "ESCANER") ? "digitalizacion.scan" :
           "digitalizacion.import";
  if (!catd_audit_append (self->store, NULL, user->login, action, row.clave_acta, detail, NULL,
                          error))
    goto fail;

  /* An acta whose record is already queued (fuera de catálogo from its
   * registration, a verified one) uploads its new image as a new revision. */
  if (row.revision > 0 && !queue_record (self, row.id, error))
    goto fail;
  if (!catd_store_commit (self->store, error))
    goto fail;

  _catd_station_emit_changed (self, row.clave_acta,
                  row.state == CATD_ACTA_REGISTERED ? CATD_ACTA_DIGITIZED : row.state);
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/**
 * catd_station_check_image_target:
 * @replace: whether the image would replace the acta's current one
 *
 * Whether @user may bind an image to @clave_acta now, with the error
 * catd_station_bind_image () would give: lets a scan refuse before the
 * page is fed rather than after.
 */
gboolean
catd_station_check_image_target (CatdStation  *self,
                                 CatdUser     *user,
                                 const char   *clave_acta,
                                 gboolean      replace,
                                 GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  CatdBindOptions options = { .source = "ESCANER", .replace = replace };
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  return _catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_DIGITALIZADOR) |
                                     CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                     "digitizing an acta", error) &&
         _catd_station_load_acta (self, clave_acta, &row, error) &&
         check_bindable (&row, &options, error);
}

/**
 * catd_station_set_page_aside:
 * @qr_text: (nullable): what the page's QR label said
 * @detail: the page and the operator's decision, for the audit row
 *
 * Records in the audit log that a scanned page was not stored: the
 * operator chose to re-scan it, skip it or end the batch after its checks
 * failed. A page fed through the scanner is never dropped unrecorded.
 */
gboolean
catd_station_set_page_aside (CatdStation  *self,
                             CatdUser     *user,
                             const char   *qr_text,
                             JsonNode     *detail,
                             GError      **error)
{
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!catd_audit_append (self->store, NULL, user->login, "digitalizacion.page_set_aside",
                          qr_text, detail, NULL, error) ||
      !catd_store_commit (self->store, error))
    {
      catd_store_rollback (self->store);
      return FALSE;
    }
  return TRUE;
}

/**
 * catd_station_import_image:
 * @path: a TIFF file
 * @replace_reason: (nullable): why the file replaces the acta's image;
 *   %NULL for an acta that has none yet
 * @info: (out) (optional): the stored image's hash and size
 *
 * Stores the file at @path as the image of a registered acta
 * (digitalización IMPORTADA), as catd_station_bind_image () does: the
 * acta's first image, or with @replace_reason a replacement of the one it
 * has, which stays on record with the reason.
 */
gboolean
catd_station_import_image (CatdStation    *self,
                           CatdUser       *user,
                           const char     *clave_acta,
                           const char     *path,
                           const char     *replace_reason,
                           CatdImageInfo  *info,
                           GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  CatdBindOptions options = {
    .source = "IMPORTADA",
    .replace = replace_reason != NULL,
    .reason = replace_reason,
  };

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  /* The acta is checked before the file is read, so that an operator who
   * picked the wrong acta hears of that first. */
  if (!catd_station_check_image_target (self, user, clave_acta, options.replace, error))
    return FALSE;

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      /* A file named by the operator that is not there, not a file or not
       * readable is bad input; only a failing device is an I/O error. */
      gboolean bad_name = local_error->domain == G_FILE_ERROR &&
                          local_error->code != G_FILE_ERROR_IO &&
                          local_error->code != G_FILE_ERROR_NOMEM &&
                          local_error->code != G_FILE_ERROR_NOSPC &&
                          local_error->code != G_FILE_ERROR_FAILED;

      g_set_error (error, CATD_IMAGE_ERROR,
                   bad_name ? CATD_IMAGE_ERROR_INVALID : CATD_IMAGE_ERROR_IO,
                   "cannot read %s: %s", path, local_error->message);
      return FALSE;
    }
  bytes = g_mapped_file_get_bytes (mapped);
  return catd_station_bind_image (self, user, clave_acta, bytes, &options, info, error);
}
