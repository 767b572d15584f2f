/* catd-station-work.c - capture work: who keys which acta next, and drafts
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "catd-counting.h"
#include "catd-errors.h"
#include "catd-station-private.h"

#define LOCKED_BLOCK g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex)

/* The capture screens ask the engine what to show; the engine decides, with
 * the rules of DESIGN §5, which step of which acta a user may key:
 *
 *   state        step          who
 *   digitized    capture (1)   any capturista (nobody keyed it yet)
 *   captured_1   capture (2)   a capturista other than the one of pass 1
 *   rekey        rekey         the capturista of pass 2, and only them
 *   arbitration  arbitration   a verificador or coordinador who keyed nothing of it
 *   coordinator  resolution    a coordinador
 *
 * The queue (catd_station_next_task ()) offers, in this order: the user's own
 * re-key (it follows their pass 2 at once), an acta they left half keyed (a
 * draft: they were in the middle of it when the station stopped), a
 * resolution (only a coordinador can do it), then the rest oldest first by
 * first digitization time. It never offers an acta the user already keyed
 * in any step, never pass 2 to the user of pass 1, never arbitration to A or
 * B. Opening a given acta (catd_station_open_task ()) applies the same rules
 * and says why when it refuses.
 *
 * Drafts. A form the user is keying is saved as a draft on every change
 * (catd_station_save_draft (): one upsert, one small transaction) so that
 * a crash, a power cut or a frozen session costs nothing typed. A draft is
 * keyed by (user, acta, step) and is only ever read back for that same user
 * (catd_station_load_draft () and CatdTask.draft take the login from the
 * CatdUser): B can never load A's values. Drafts are not keyings: they are
 * not written to the audit log, neither when saved nor when discarded,
 * because a value becomes part of the record only when its step is saved,
 * and that save writes its own audit row with the values; what a user typed
 * and then changed before saving is no more the record than what they wrote
 * on scrap paper, and keeping it would put one user's unsaved values into an
 * export a coordinador reads while the acta is still blind. show, status,
 * check and the audit export never read the draft table. The step's real
 * save deletes the user's draft in its own transaction, together with every
 * draft of the acta that its new state no longer asks for (a pass 1 another
 * capturista left half keyed when the acta moved on, say); so a draft never
 * outlives the work it was for. */

static const char *kind_names[] = { NULL, "capture", "rekey", "arbitration", "resolution" };

const char *
catd_task_kind_to_string (CatdTaskKind kind)
{
  g_return_val_if_fail (kind >= CATD_TASK_CAPTURE && kind <= CATD_TASK_KIND_LAST, NULL);
  return kind_names[kind];
}

gboolean
catd_task_kind_from_string (const char   *str,
                            CatdTaskKind *kind)
{
  for (CatdTaskKind k = CATD_TASK_CAPTURE; k <= CATD_TASK_KIND_LAST; k++)
    if (g_strcmp0 (str, kind_names[k]) == 0)
      {
        *kind = k;
        return TRUE;
      }
  return FALSE;
}

void
catd_keying_free (CatdKeying *keying)
{
  if (keying == NULL)
    return;
  g_free (keying->step);
  g_free (keying->login);
  g_free (keying->name);
  g_free (keying->keyed_at);
  g_clear_pointer (&keying->values, g_hash_table_unref);
  g_free (keying);
}

void
catd_task_free (CatdTask *task)
{
  if (task == NULL)
    return;
  g_free (task->clave_acta);
  g_free (task->login);
  g_free (task->clave_casilla);
  g_free (task->election);
  g_free (task->election_nombre);
  g_free (task->image_sha256);
  g_free (task->image_path);
  g_free (task->digitized_at);
  g_clear_pointer (&task->fields, g_ptr_array_unref);
  g_strfreev (task->codes);
  g_clear_pointer (&task->own_values, g_hash_table_unref);
  g_clear_pointer (&task->draft, g_hash_table_unref);
  g_clear_pointer (&task->keyings, g_ptr_array_unref);
  g_free (task);
}

/* The steps a role may take at all. */
static guint
kinds_of_role (CatdRole role)
{
  switch (role)
    {
    case CATD_ROLE_CAPTURISTA:
      return CATD_TASK_BIT (CATD_TASK_CAPTURE) | CATD_TASK_BIT (CATD_TASK_REKEY);
    case CATD_ROLE_VERIFICADOR:
      return CATD_TASK_BIT (CATD_TASK_ARBITRATION);
    case CATD_ROLE_COORDINADOR:
      return CATD_TASK_BIT (CATD_TASK_ARBITRATION) | CATD_TASK_BIT (CATD_TASK_RESOLUTION);
    case CATD_ROLE_ACOPIADOR:
    case CATD_ROLE_DIGITALIZADOR:
    default:
      return 0;
    }
}

#define WORK_ROLES (CATD_ROLE_BIT (CATD_ROLE_CAPTURISTA) | CATD_ROLE_BIT (CATD_ROLE_VERIFICADOR) | \
                    CATD_ROLE_BIT (CATD_ROLE_COORDINADOR))

/* Whether @login keyed anything of the acta, in any step. */
static gboolean
keyed_by (CatdStation  *self,
          gint64        acta_id,
          const char   *login,
          gboolean     *keyed,
          GError      **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "SELECT 1 FROM keying "
                                           "WHERE acta = ? AND login = ? LIMIT 1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  sqlite3_reset (stmt);
  *keyed = rc == SQLITE_ROW;
  return rc != 0;
}

/* The step @user may take on the acta of @row now, or an error that says
 * why none: the acta's stage (WRONG_STATE), the user's role (ROLE) or the
 * double-blind rule (SAME_USER). */
static gboolean
task_kind_for (CatdStation   *self,
               CatdUser      *user,
               CatdActaRow   *row,
               CatdTaskKind  *kind,
               GError       **error)
{
  const char *login = catd_user_get_login (user);
  CatdRole role = catd_user_get_role (user);
  gboolean keyed = FALSE;

  if (row->contest == 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s is fuera de catálogo: it is never captured", row->clave_acta);
      return FALSE;
    }

  switch (row->state)
    {
    case CATD_ACTA_DIGITIZED:
    case CATD_ACTA_CAPTURED_1:
      *kind = CATD_TASK_CAPTURE;
      break;
    case CATD_ACTA_REKEY:
      *kind = CATD_TASK_REKEY;
      break;
    case CATD_ACTA_ARBITRATION:
      *kind = CATD_TASK_ARBITRATION;
      break;
    case CATD_ACTA_COORDINATOR:
      *kind = CATD_TASK_RESOLUTION;
      break;
    case CATD_ACTA_REGISTERED:
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s has no image yet: it is captured once it is digitized",
                   row->clave_acta);
      return FALSE;
    case CATD_ACTA_VERIFIED:
    case CATD_ACTA_SIN_ACTA:
    case CATD_ACTA_FUERA_DE_CATALOGO:
    default:
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s is %s: there is nothing left to key", row->clave_acta,
                   catd_acta_state_to_string (row->state));
      return FALSE;
    }

  if ((kinds_of_role (role) & CATD_TASK_BIT (*kind)) == 0)
    {
      static const char *who[] = {
        NULL, "a capturista", "the capturista of its second pass", "a verificador or coordinador",
        "a coordinador",
      };

      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE,
                   "acta %s waits for %s (%s); %s is %s", row->clave_acta, kind_names[*kind],
                   who[*kind], login, catd_role_to_string (role));
      return FALSE;
    }

  switch (*kind)
    {
    case CATD_TASK_CAPTURE:
      if (g_strcmp0 (row->pass1_user, login) == 0)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                       "%s keyed the first capture of acta %s: the second must be keyed by "
                       "another capturista", login, row->clave_acta);
          return FALSE;
        }
      break;
    case CATD_TASK_REKEY:
      if (g_strcmp0 (row->pass2_user, login) != 0)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                       "only the capturista of the second pass re-keys acta %s",
                       row->clave_acta);
          return FALSE;
        }
      return TRUE;
    case CATD_TASK_ARBITRATION:
      if (g_strcmp0 (row->pass1_user, login) == 0 || g_strcmp0 (row->pass2_user, login) == 0)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                       "%s keyed a capture of acta %s: arbitration needs a third person",
                       login, row->clave_acta);
          return FALSE;
        }
      break;
    case CATD_TASK_RESOLUTION:
    default:
      return TRUE;
    }

  /* Whatever the columns say, a user who keyed any step of the acta is not
   * the blind pair of eyes the next step needs. */
  if (!keyed_by (self, row->id, login, &keyed, error))
    return FALSE;
  if (keyed)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_SAME_USER,
                   "%s already keyed acta %s: its next step needs someone else", login,
                   row->clave_acta);
      return FALSE;
    }
  return TRUE;
}

/* ---- building a task ----------------------------------------------------- */

static GStrv
codes_for (GPtrArray    *fields,
           CatdTaskKind  kind,
           GHashTable   *pending)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (fields, i);

      if (kind == CATD_TASK_CAPTURE || g_hash_table_contains (pending, field->code))
        g_strv_builder_add (builder, field->code);
    }
  return g_strv_builder_end (builder);
}

/* The user's draft of the step, or NULL (no error) when there is none. */
static gboolean
read_draft (CatdStation   *self,
            const char    *login,
            gint64         acta_id,
            CatdTaskKind   kind,
            GHashTable   **draft,
            GError       **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "SELECT \"values\" FROM capture_draft "
                                           "WHERE login = ? AND acta = ? AND step = ?", error);
  int rc;

  *draft = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, acta_id);
  sqlite3_bind_text (stmt, 3, kind_names[kind], -1, SQLITE_STATIC);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    *draft = catd_values_parse (catd_column_text (stmt, 0));
  sqlite3_reset (stmt);
  return rc != 0;
}

/* Everything the screen needs for one step of one acta: identity, image,
 * fields, this user's own values and draft, and for a resolution every
 * keying with who keyed it. Read under one snapshot. */
static CatdTask *
build_task (CatdStation   *self,
            CatdUser      *user,
            CatdActaRow   *row,
            CatdTaskKind   kind,
            GError       **error)
{
  g_autoptr(CatdTask) task = g_new0 (CatdTask, 1);
  g_autoptr(GHashTable) pending = NULL;
  const char *login = catd_user_get_login (user);
  sqlite3_stmt *stmt;
  int rc;

  task->clave_acta = g_strdup (row->clave_acta);
  task->kind = kind;
  task->login = g_strdup (login);
  switch (kind)
    {
    case CATD_TASK_CAPTURE:
      task->pass = row->state == CATD_ACTA_CAPTURED_1 ? 2 : 1;
      break;
    case CATD_TASK_REKEY:
      task->pass = 3;
      break;
    case CATD_TASK_ARBITRATION:
      task->pass = 4;
      break;
    case CATD_TASK_RESOLUTION:
    default:
      task->pass = 5;
      break;
    }
  task->image_sha256 = g_strdup (row->image_sha256);
  if (row->image_sha256 != NULL)
    task->image_path = catd_image_path (catd_store_get_images_dir (self->store),
                                        row->image_sha256);

  if (!(task->fields = _catd_station_contest_fields (self, row->contest, error)))
    return NULL;

  stmt = catd_store_prepare (self->store,
                             "SELECT coalesce (ca.casilla, '-'), a.election, e.nombre, a.pending, "
                             "(SELECT min (i.bound_at) FROM acta_image i WHERE i.acta = a.id) "
                             "FROM acta a JOIN election e ON e.id = a.election "
                             "LEFT JOIN catalog_acta ca ON ca.clave_acta = a.catalog_acta "
                             "WHERE a.id = ?", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, row->id);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      task->clave_casilla = g_strdup (catd_column_text (stmt, 0));
      task->election = g_strdup (catd_column_text (stmt, 1));
      task->election_nombre = g_strdup (catd_column_text (stmt, 2));
      pending = catd_codes_parse (catd_column_text (stmt, 3));
      task->digitized_at = catd_time_to_mexico (catd_column_text (stmt, 4));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc != 0)
        g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                     "acta %s cannot be read back", row->clave_acta);
      return NULL;
    }
  task->codes = codes_for (task->fields, kind, pending);
  if (kind != CATD_TASK_CAPTURE && g_strv_length (task->codes) == 0)
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                   "acta %s is %s but names no field to key", row->clave_acta,
                   catd_acta_state_to_string (row->state));
      return NULL;
    }

  /* Keyings in order: the user's own values are their latest for each
   * field; only a resolution, the coordinador's ruling, sees everyone's. */
  task->own_values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (kind == CATD_TASK_RESOLUTION)
    task->keyings = g_ptr_array_new_with_free_func ((GDestroyNotify)catd_keying_free);
  stmt = catd_store_prepare (self->store, "SELECT k.step, k.login, u.name, k.keyed_at, "
                             "k.\"values\" FROM keying k JOIN user u ON u.login = k.login "
                             "WHERE k.acta = ? ORDER BY k.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, row->id);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      const char *who = catd_column_text (stmt, 1);

      if (g_strcmp0 (who, login) == 0)
        {
          g_autoptr(GHashTable) keyed = catd_values_parse (catd_column_text (stmt, 4));
          GHashTableIter iter;
          gpointer code, value;

          g_hash_table_iter_init (&iter, keyed);
          while (g_hash_table_iter_next (&iter, &code, &value))
            g_hash_table_insert (task->own_values, g_strdup (code), g_strdup (value));
        }
      if (task->keyings != NULL)
        {
          CatdKeying *keying = g_new0 (CatdKeying, 1);

          keying->step = g_strdup (catd_column_text (stmt, 0));
          keying->login = g_strdup (who);
          keying->name = g_strdup (catd_column_text (stmt, 2));
          keying->keyed_at = catd_time_to_mexico (catd_column_text (stmt, 3));
          keying->values = catd_values_parse (catd_column_text (stmt, 4));
          g_ptr_array_add (task->keyings, keying);
        }
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return NULL;

  if (!read_draft (self, login, row->id, kind, &task->draft, error))
    return NULL;

  return g_steal_pointer (&task);
}

/* A task is read in one read transaction, so that the acta row, its
 * keyings and the draft are of the same moment even when another process
 * (catdctl, a second window) writes in between. */
static gboolean
begin_read (CatdStation  *self,
            GError      **error)
{
  return catd_store_exec_sql (self->store, "BEGIN", error);
}

static void
end_read (CatdStation *self)
{
  catd_store_rollback (self->store);
}

/**
 * catd_station_open_task:
 *
 * Opens @clave_acta for @user: the step they may key on it now, with its
 * fields, image and their own draft. Refuses with the reason when there is
 * none: %CATD_STATION_ERROR_WRONG_STATE (nothing to key at this stage),
 * %CATD_STATION_ERROR_ROLE (the step is another role's) or
 * %CATD_STATION_ERROR_SAME_USER (the double-blind rule). Reads only. Free
 * the task with catd_task_free ().
 */
CatdTask *
catd_station_open_task (CatdStation  *self,
                        CatdUser     *user,
                        const char   *clave_acta,
                        GError      **error)
{
  g_auto(CatdActaRow) row = { 0 };
  CatdTaskKind kind = 0;
  CatdTask *task = NULL;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (!_catd_station_require_role (user, WORK_ROLES, "keying an acta", error) ||
      !begin_read (self, error))
    return NULL;
  if (_catd_station_load_acta (self, clave_acta, &row, error) &&
      task_kind_for (self, user, &row, &kind, error))
    task = build_task (self, user, &row, kind, error);
  end_read (self);
  return task;
}

/* The conditions shared by the queue and its counts: ?1 the login, ?2..?6
 * the states asked for (NULL for none), ?7 a JSON array of claves to leave
 * out. The per-state rule is the table at the top of this file; the
 * NOT EXISTS is the "never an acta the user keyed" rule, checked against
 * the keying table itself rather than trusted to the pass columns. */
#define WORK_FROM \
  "FROM acta a " \
  "WHERE a.state IN (?2, ?3, ?4, ?5, ?6) AND a.catalog_acta IS NOT NULL " \
  "AND a.clave_acta NOT IN (SELECT value FROM json_each (?7)) " \
  "AND CASE a.state " \
  "  WHEN 'digitized' THEN 1 " \
  "  WHEN 'captured_1' THEN a.pass1_user IS NOT ?1 " \
  "  WHEN 'rekey' THEN a.pass2_user IS ?1 " \
  "  WHEN 'arbitration' THEN a.pass1_user IS NOT ?1 AND a.pass2_user IS NOT ?1 " \
  "  WHEN 'coordinator' THEN 1 ELSE 0 END " \
  "AND (a.state IN ('rekey', 'coordinator') OR NOT EXISTS " \
  "     (SELECT 1 FROM keying k WHERE k.acta = a.id AND k.login = ?1)) "

static void
bind_work (sqlite3_stmt       *stmt,
           CatdUser           *user,
           guint               kinds,
           const char * const *skip)
{
  static const struct { CatdTaskKind kind; const char *state; } states[] = {
    { CATD_TASK_CAPTURE, "digitized" },
    { CATD_TASK_CAPTURE, "captured_1" },
    { CATD_TASK_REKEY, "rekey" },
    { CATD_TASK_ARBITRATION, "arbitration" },
    { CATD_TASK_RESOLUTION, "coordinator" },
  };
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *skip_json = NULL;

  sqlite3_bind_text (stmt, 1, catd_user_get_login (user), -1, SQLITE_TRANSIENT);
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    if (kinds & CATD_TASK_BIT (states[i].kind))
      sqlite3_bind_text (stmt, 2 + i, states[i].state, -1, SQLITE_STATIC);
    else
      sqlite3_bind_null (stmt, 2 + i);

  json_builder_begin_array (builder);
  for (guint i = 0; skip != NULL && skip[i] != NULL; i++)
    {
      g_autofree char *clave = catd_normalize_clave (skip[i]);

      if (clave != NULL)
        json_builder_add_string_value (builder, clave);
    }
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);
  skip_json = json_to_string (node, FALSE);
  sqlite3_bind_text (stmt, 7, skip_json, -1, SQLITE_TRANSIENT);
}

/* The steps @user may be offered among @kinds, or 0 with an error. */
static guint
allowed_kinds (CatdUser  *user,
               guint      kinds,
               GError   **error)
{
  guint role_kinds;

  if (!_catd_station_require_role (user, WORK_ROLES, "the capture queue", error))
    return 0;
  role_kinds = kinds_of_role (catd_user_get_role (user));
  if (kinds != CATD_TASK_ANY)
    role_kinds &= kinds;
  if (role_kinds == 0)
    g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE,
                 "%s, %s, takes none of the steps asked for", catd_user_get_login (user),
                 catd_role_to_string (catd_user_get_role (user)));
  return role_kinds;
}

/**
 * catd_station_next_task:
 * @kinds: CATD_TASK_BIT()s of the steps wanted, or %CATD_TASK_ANY for all
 *   that @user's role takes
 * @skip: (nullable): claves the user passed over in this session
 *
 * The next acta @user should key, opened as by catd_station_open_task ().
 * Order: their own re-key, then an acta they left half keyed (a draft),
 * then a resolution, then the rest oldest first by first digitization (ties
 * by registration order). Never an acta the user keyed in any step. Returns
 * %NULL without an error when nothing waits. A few indexed queries: the
 * candidates are the actas at the stages asked for.
 */
CatdTask *
catd_station_next_task (CatdStation         *self,
                        CatdUser            *user,
                        guint                kinds,
                        const char * const  *skip,
                        GError             **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_autofree char *clave = NULL;
  CatdTaskKind kind = 0;
  CatdTask *task = NULL;
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if ((kinds = allowed_kinds (user, kinds, error)) == 0)
    return NULL;

  stmt = catd_store_prepare (self->store,
                             "SELECT a.clave_acta, "
                             "CASE WHEN a.state = 'rekey' THEN 0 "
                             "  WHEN EXISTS (SELECT 1 FROM capture_draft d "
                             "               WHERE d.login = ?1 AND d.acta = a.id) THEN 1 "
                             "  WHEN a.state = 'coordinator' THEN 2 ELSE 3 END AS priority, "
                             "(SELECT min (i.bound_at) FROM acta_image i WHERE i.acta = a.id) "
                             "  AS digitized_at "
                             WORK_FROM
                             "ORDER BY priority, digitized_at, a.id LIMIT 1", error);
  if (stmt == NULL || !begin_read (self, error))
    return NULL;
  bind_work (stmt, user, kinds, skip);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    clave = g_strdup (catd_column_text (stmt, 0));
  sqlite3_reset (stmt);

  /* The query and the checks of open_task agree by construction; checking
   * again costs nothing and keeps one place the judge of who keys what. */
  if (clave != NULL &&
      _catd_station_load_acta (self, clave, &row, error) &&
      task_kind_for (self, user, &row, &kind, error))
    task = build_task (self, user, &row, kind, error);
  end_read (self);
  return task;
}

/**
 * catd_station_count_tasks:
 *
 * How many actas wait for @user, per step (only the steps of their role are
 * counted; the rest stay 0), for the header of the capture screens. Nothing
 * of anyone's values. One indexed query.
 */
gboolean
catd_station_count_tasks (CatdStation     *self,
                          CatdUser        *user,
                          CatdTaskCounts  *counts,
                          GError         **error)
{
  sqlite3_stmt *stmt;
  guint kinds;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  memset (counts, 0, sizeof *counts);
  if ((kinds = allowed_kinds (user, CATD_TASK_ANY, error)) == 0)
    return FALSE;

  stmt = catd_store_prepare (self->store, "SELECT a.state, count (*) " WORK_FROM
                             "GROUP BY a.state", error);
  if (stmt == NULL)
    return FALSE;
  bind_work (stmt, user, kinds, NULL);
  while ((rc = catd_store_step (self->store, stmt, error)) == SQLITE_ROW)
    {
      CatdActaState state = 0;
      guint n = (guint)sqlite3_column_int64 (stmt, 1);

      catd_acta_state_from_string (catd_column_text (stmt, 0), &state);
      switch (state)
        {
        case CATD_ACTA_DIGITIZED:
          counts->pass1 = n;
          break;
        case CATD_ACTA_CAPTURED_1:
          counts->pass2 = n;
          break;
        case CATD_ACTA_REKEY:
          counts->rekey = n;
          break;
        case CATD_ACTA_ARBITRATION:
          counts->arbitration = n;
          break;
        case CATD_ACTA_COORDINATOR:
          counts->resolution = n;
          break;
        case CATD_ACTA_REGISTERED:
        case CATD_ACTA_VERIFIED:
        case CATD_ACTA_SIN_ACTA:
        case CATD_ACTA_FUERA_DE_CATALOGO:
        default:
          g_assert_not_reached ();
        }
    }
  sqlite3_reset (stmt);
  return rc != 0;
}

/**
 * catd_station_save_task:
 * @note: the resolution's note; ignored by the other steps
 *
 * Saves @values as step @kind of @clave_acta: catd_station_capture (),
 * _rekey (), _arbitrate () or _resolve (), whose rules and answer it has.
 * A step that is not the acta's current one is refused
 * (%CATD_STATION_ERROR_WRONG_STATE): a screen that opened the acta as a
 * capture never saves it as something else. The save deletes the user's
 * draft of the step in its own transaction.
 */
CatdCaptureResult *
catd_station_save_task (CatdStation   *self,
                        CatdUser      *user,
                        const char    *clave_acta,
                        CatdTaskKind   kind,
                        JsonNode      *values,
                        const char    *note,
                        GError       **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  switch (kind)
    {
    case CATD_TASK_CAPTURE:
      return catd_station_capture (self, user, clave_acta, values, error);
    case CATD_TASK_REKEY:
      return catd_station_rekey (self, user, clave_acta, values, error);
    case CATD_TASK_ARBITRATION:
      return catd_station_arbitrate (self, user, clave_acta, values, error);
    case CATD_TASK_RESOLUTION:
      return catd_station_resolve (self, user, clave_acta, values, note, error);
    default:
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "unknown capture step %d", kind);
      return NULL;
    }
}

/* ---- drafts ------------------------------------------------------------- */

/* Opens a write transaction on the acta for @user's draft of step @kind:
 * the step must be the one @user may take on it now. */
static gboolean
begin_draft (CatdStation   *self,
             CatdUser      *user,
             const char    *clave_acta,
             CatdTaskKind   kind,
             CatdActaRow   *row,
             GError       **error)
{
  CatdTaskKind now = 0;

  if (kind < CATD_TASK_CAPTURE || kind > CATD_TASK_KIND_LAST)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "unknown capture step %d", kind);
      return FALSE;
    }
  if (!_catd_station_require_role (user, WORK_ROLES, "keeping a draft", error) ||
      !catd_store_begin (self->store, error))
    return FALSE;
  if (!_catd_station_load_acta (self, clave_acta, row, error) ||
      !task_kind_for (self, user, row, &now, error))
    goto fail;
  if (now != kind)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "acta %s waits for %s now, not %s", row->clave_acta, kind_names[now],
                   kind_names[kind]);
      goto fail;
    }
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

static gboolean
delete_draft (CatdStation   *self,
              const char    *login,
              gint64         acta_id,
              CatdTaskKind   kind,
              GError       **error)
{
  sqlite3_stmt *stmt = catd_store_prepare (self->store, "DELETE FROM capture_draft "
                                           "WHERE login = ? AND acta = ? AND step = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, login, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, acta_id);
  sqlite3_bind_text (stmt, 3, kind_names[kind], -1, SQLITE_STATIC);
  return catd_store_exec (self->store, stmt, error);
}

/**
 * catd_station_save_draft:
 * @values: a JSON object of field code to value (number, "ilegible" or
 *   "sin_dato"): the fields keyed so far, any subset of the step's fields
 *
 * Keeps @user's half-keyed form of step @kind of @clave_acta, replacing
 * their previous draft of it; an empty object removes the draft. The step
 * must be the one @user may take on the acta now (the rules of
 * catd_station_open_task ()), every code one of the step's fields and every
 * value valid (errors name the field). One upsert in one transaction, one
 * fsync of the WAL: cheap enough for every field change, but not for the
 * main loop. Not audited (see the top of this file).
 */
gboolean
catd_station_save_draft (CatdStation   *self,
                         CatdUser      *user,
                         const char    *clave_acta,
                         CatdTaskKind   kind,
                         JsonNode      *values,
                         GError       **error)
{
  g_auto(CatdActaRow) row = { 0 };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GHashTable) parsed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *text = NULL;
  g_autofree char *now = NULL;
  JsonObjectIter iter;
  const char *code;
  JsonNode *node;
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (values == NULL || !JSON_NODE_HOLDS_OBJECT (values))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "a draft is a JSON object of field code to value");
      return FALSE;
    }
  if (!begin_draft (self, user, clave_acta, kind, &row, error))
    return FALSE;
  if (!(fields = _catd_station_contest_fields (self, row.contest, error)))
    goto fail;
  if (kind != CATD_TASK_CAPTURE)
    {
      stmt = catd_store_prepare (self->store, "SELECT pending FROM acta WHERE id = ?", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (stmt, 1, row.id);
      if (catd_store_step (self->store, stmt, error) == SQLITE_ROW)
        pending = catd_codes_parse (catd_column_text (stmt, 0));
      sqlite3_reset (stmt);
      if (pending == NULL)
        goto fail;
    }

  json_object_iter_init (&iter, json_node_get_object (values));
  while (json_object_iter_next (&iter, &code, &node))
    {
      CatdValue value;
      gboolean known = FALSE;

      for (guint i = 0; i < fields->len && !known; i++)
        known = g_str_equal (((CatdField *)g_ptr_array_index (fields, i))->code, code);
      if (!known || (pending != NULL && !g_hash_table_contains (pending, code)))
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "field %s: not a field of this step of acta %s", code, row.clave_acta);
          goto fail;
        }
      if (!catd_value_from_json (node, &value))
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "field %s: a value is a whole number from 0 to %d, \"ilegible\" or "
                       "\"sin_dato\"", code, CATD_VALUE_MAX);
          goto fail;
        }
      g_hash_table_insert (parsed, g_strdup (code), catd_value_to_string (&value));
    }

  if (g_hash_table_size (parsed) == 0)
    {
      if (!delete_draft (self, catd_user_get_login (user), row.id, kind, error))
        goto fail;
    }
  else
    {
      text = catd_values_serialize (fields, parsed);
      now = catd_store_now_iso (self->store);
      stmt = catd_store_prepare (self->store,
                                 "INSERT INTO capture_draft (login, acta, step, \"values\", "
                                 "saved_at) VALUES (?, ?, ?, ?, ?) "
                                 "ON CONFLICT (login, acta, step) DO UPDATE SET "
                                 "\"values\" = excluded.\"values\", saved_at = excluded.saved_at",
                                 error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_text (stmt, 1, catd_user_get_login (user), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 2, row.id);
      sqlite3_bind_text (stmt, 3, kind_names[kind], -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 4, text, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 5, now, -1, SQLITE_STATIC);
      if (!catd_store_exec (self->store, stmt, error))
        goto fail;
    }
  return catd_store_commit (self->store, error);

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/**
 * catd_station_load_draft:
 *
 * @user's own draft of step @kind of @clave_acta, as a map of field code to
 * canonical text ("12", "ilegible", "sin_dato"), or %NULL without an error
 * when they have none. There is no way to read another user's draft: the
 * login is @user's. Reads only.
 */
GHashTable *
catd_station_load_draft (CatdStation   *self,
                         CatdUser      *user,
                         const char    *clave_acta,
                         CatdTaskKind   kind,
                         GError       **error)
{
  g_auto(CatdActaRow) row = { 0 };
  GHashTable *draft = NULL;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), NULL);

  if (kind < CATD_TASK_CAPTURE || kind > CATD_TASK_KIND_LAST)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "unknown capture step %d", kind);
      return NULL;
    }
  if (!_catd_station_require_role (user, WORK_ROLES, "reading a draft", error) ||
      !_catd_station_load_acta (self, clave_acta, &row, error))
    return NULL;
  read_draft (self, catd_user_get_login (user), row.id, kind, &draft, error);
  return draft;
}

/**
 * catd_station_discard_draft:
 *
 * Drops @user's draft of step @kind of @clave_acta, if any (the user
 * cleared the form or gave the acta up). Not audited. Whatever the acta's
 * stage: a draft left behind is always the user's to throw away.
 */
gboolean
catd_station_discard_draft (CatdStation   *self,
                            CatdUser      *user,
                            const char    *clave_acta,
                            CatdTaskKind   kind,
                            GError       **error)
{
  g_auto(CatdActaRow) row = { 0 };
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (kind < CATD_TASK_CAPTURE || kind > CATD_TASK_KIND_LAST)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "unknown capture step %d", kind);
      return FALSE;
    }
  if (!_catd_station_require_role (user, WORK_ROLES, "discarding a draft", error) ||
      !_catd_station_load_acta (self, clave_acta, &row, error))
    return FALSE;
  return delete_draft (self, catd_user_get_login (user), row.id, kind, error);
}

gboolean
_catd_station_drop_drafts (CatdStation   *self,
                           gint64         acta_id,
                           const char    *login,
                           CatdTaskKind   done,
                           CatdActaState  state,
                           GError       **error)
{
  sqlite3_stmt *stmt;
  const char *open_step = NULL;

  switch (state)
    {
    case CATD_ACTA_DIGITIZED:
    case CATD_ACTA_CAPTURED_1:
      open_step = kind_names[CATD_TASK_CAPTURE];
      break;
    case CATD_ACTA_REKEY:
      open_step = kind_names[CATD_TASK_REKEY];
      break;
    case CATD_ACTA_ARBITRATION:
      open_step = kind_names[CATD_TASK_ARBITRATION];
      break;
    case CATD_ACTA_COORDINATOR:
      open_step = kind_names[CATD_TASK_RESOLUTION];
      break;
    case CATD_ACTA_REGISTERED:
    case CATD_ACTA_VERIFIED:
    case CATD_ACTA_SIN_ACTA:
    case CATD_ACTA_FUERA_DE_CATALOGO:
    default:
      break;
    }

  stmt = catd_store_prepare (self->store, "DELETE FROM capture_draft WHERE acta = ?1 AND "
                             "((login = ?2 AND step = ?3) OR step IS NOT ?4)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, acta_id);
  sqlite3_bind_text (stmt, 2, login, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, kind_names[done], -1, SQLITE_STATIC);
  catd_bind_text (stmt, 4, open_step);
  return catd_store_exec (self->store, stmt, error);
}
