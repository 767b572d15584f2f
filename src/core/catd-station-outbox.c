/* catd-station-outbox.c - the upload queue as the sync client sees it
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-audit.h"
#include "catd-errors.h"
#include "catd-station-private.h"

/* The outbox rows are written by the actions that change what must be
 * uploaded (catd-station.c, in their own transactions). The sync client
 * only reads the oldest pending row and records what became of it, each
 * outcome in a transaction of its own. Rows are never deleted: a sent row
 * is the station's receipt. */

#define LOCKED_BLOCK g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex)

void
catd_outbox_item_free (CatdOutboxItem *item)
{
  if (item == NULL)
    return;
  g_free (item->ref);
  g_free (item->path);
  g_free (item->body);
  g_free (item);
}

/**
 * catd_station_outbox_next:
 * @after_id: only rows after this one (0: from the start); the sync client
 *   passes the last row it sent whose receipt it has not written yet
 * @item: (out) (transfer full): the oldest pending row, or %NULL when none
 *
 * The upload queue's head: the oldest row still pending, whatever its
 * next_attempt_at (the caller waits for it; rows are sent in order, so that
 * an image goes before the records that name it). For an image, its file's
 * path; for a record, its body as stored. Returns %FALSE only on a database
 * error.
 */
gboolean
catd_station_outbox_next (CatdStation     *self,
                          gint64           after_id,
                          CatdOutboxItem **item,
                          GError         **error)
{
  g_autoptr(CatdOutboxItem) next = NULL;
  sqlite3_stmt *stmt;
  int rc;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  *item = NULL;
  stmt = catd_store_prepare (self->store,
                             "SELECT o.id, o.kind, o.ref, o.attempts, o.next_attempt_at, r.body "
                             "FROM outbox o LEFT JOIN record r "
                             "ON o.kind = 'record' AND r.record_id = o.ref "
                             "WHERE o.state = 'pending' AND o.id > ? ORDER BY o.id LIMIT 1",
                             error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, after_id);
  rc = catd_store_step (self->store, stmt, error);
  if (rc == SQLITE_ROW)
    {
      next = g_new0 (CatdOutboxItem, 1);
      next->id = sqlite3_column_int64 (stmt, 0);
      next->is_image = g_str_equal (catd_column_text (stmt, 1), "image");
      next->ref = g_strdup (catd_column_text (stmt, 2));
      next->attempts = sqlite3_column_int (stmt, 3);
      next->next_attempt_at = sqlite3_column_int64 (stmt, 4);
      next->body = g_strdup (catd_column_text (stmt, 5));
      if (next->is_image)
        next->path = catd_image_path (catd_store_get_images_dir (self->store), next->ref);
    }
  sqlite3_reset (stmt);
  if (rc == 0)
    return FALSE;
  if (next != NULL && !next->is_image && next->body == NULL)
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_CORRUPT,
                   "outbox row %" G_GINT64_FORMAT " names record %s, which is not stored",
                   next->id, next->ref);
      return FALSE;
    }
  *item = g_steal_pointer (&next);
  return TRUE;
}

static gboolean
update_row (CatdStation  *self,
            const char   *sql,
            gint64        id,
            gint64        when,
            const char   *text,
            GError      **error)
{
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!(stmt = catd_store_prepare (self->store, sql, error)))
    goto fail;
  sqlite3_bind_int64 (stmt, 1, when);
  catd_bind_text (stmt, 2, text);
  sqlite3_bind_int64 (stmt, 3, id);
  if (!catd_store_exec (self->store, stmt, error) || !catd_store_commit (self->store, error))
    goto fail;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/**
 * catd_station_outbox_sent:
 * @ids: rows the central site acknowledged (a 2xx each)
 * @n_ids: how many
 *
 * Writes the receipts of @ids in one transaction. The sync client gathers
 * them for a fraction of a second: a receipt a crash loses only means the
 * upload goes again, which the central site answers as already stored,
 * while one commit (and one fsync) per upload competed with the operators'
 * own commits for the database and the disk.
 */
gboolean
catd_station_outbox_sent (CatdStation   *self,
                          const gint64  *ids,
                          guint          n_ids,
                          GError       **error)
{
  g_autofree char *now = NULL;
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  g_return_val_if_fail (ids != NULL || n_ids == 0, FALSE);

  if (n_ids == 0)
    return TRUE;
  now = catd_store_now_iso (self->store);
  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!(stmt = catd_store_prepare (self->store,
                                   "UPDATE outbox SET state = 'sent', attempts = attempts + 1, "
                                   "next_attempt_at = 0, sent_at = ?, last_error = NULL "
                                   "WHERE id = ? AND state = 'pending'", error)))
    goto fail;
  for (guint i = 0; i < n_ids; i++)
    {
      catd_bind_text (stmt, 1, now);
      sqlite3_bind_int64 (stmt, 2, ids[i]);
      if (!catd_store_exec (self->store, stmt, error))
        goto fail;
    }
  if (!catd_store_commit (self->store, error))
    goto fail;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/**
 * catd_station_outbox_retry:
 * @next_attempt_at: when to try again (unix microseconds)
 * @reason: what went wrong, shown in status
 *
 * Records a failed attempt at row @id that is worth repeating.
 */
gboolean
catd_station_outbox_retry (CatdStation  *self,
                           gint64        id,
                           gint64        next_attempt_at,
                           const char   *reason,
                           GError      **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  return update_row (self, "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, "
                     "last_error = ? WHERE id = ? AND state = 'pending'",
                     id, next_attempt_at, reason, error);
}

/**
 * catd_station_outbox_dead:
 * @reason: the central site's answer
 *
 * Takes row @id out of the queue: the central site refused it in a way no
 * retry will change (the dead letters a coordinador sees in status).
 */
gboolean
catd_station_outbox_dead (CatdStation  *self,
                          gint64        id,
                          const char   *reason,
                          GError      **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  return update_row (self, "UPDATE outbox SET state = 'dead', attempts = attempts + 1, "
                     "next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'",
                     id, 0, reason, error);
}

/* Runs @sql, an UPDATE of outbox rows with one text parameter (?1 =
 * @param), in a transaction of its own; @n_changed: how many rows it
 * changed. */
static gboolean
requeue_rows (CatdStation  *self,
              const char   *sql,
              const char   *param,
              guint        *n_changed,
              GError      **error)
{
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  if (n_changed)
    *n_changed = 0;
  if (!catd_store_begin (self->store, error))
    return FALSE;
  if (!(stmt = catd_store_prepare (self->store, sql, error)))
    goto fail;
  catd_bind_text (stmt, 1, param);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;
  if (n_changed)
    *n_changed = sqlite3_changes (catd_store_get_db (self->store));
  if (!catd_store_commit (self->store, error))
    goto fail;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/**
 * catd_station_outbox_requeue_dead:
 * @error_prefix: which dead letters: those whose error starts with it
 * @n_requeued: (out) (optional): how many rows went back
 *
 * Puts dead letters back in the queue, each in its old place (rows keep
 * their ids, and the queue goes in id order), due at once. For refusals
 * that were about the station, not the row (a token the central site did
 * not know): once that is mended the rows must go, and the records naming
 * a refused image can go only after it. Costs one transaction.
 */
gboolean
catd_station_outbox_requeue_dead (CatdStation  *self,
                                  const char   *error_prefix,
                                  guint        *n_requeued,
                                  GError      **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  g_return_val_if_fail (error_prefix != NULL && *error_prefix != '\0', FALSE);

  /* substr (), not LIKE: the prefix is text, not a pattern. */
  return requeue_rows (self,
                       "UPDATE outbox SET state = 'pending', next_attempt_at = 0 "
                       "WHERE state = 'dead' AND substr (last_error, 1, length (?1)) = ?1",
                       error_prefix, n_requeued, error);
}

/**
 * catd_station_requeue_dead:
 * @user: a coordinador
 * @ref: (nullable): the dead letter to send again (an image's SHA-256 or a
 *   record's id); %NULL: every one
 * @n_requeued: (out) (optional): how many went back to the queue
 *
 * A coordinator's decision, once the cause of dead letters is mended (a
 * catalog corrected at the central site, a record the site refused by
 * mistake): the rows go back to pending, in their places (the queue is in
 * id order), with their attempts reset. Audited as
 * "transmision.requeue". %CATD_STATION_ERROR_WRONG_STATE when @ref names no
 * dead letter; %CATD_STATION_ERROR_ROLE for anybody but a coordinador.
 */
gboolean
catd_station_requeue_dead (CatdStation  *self,
                           CatdUser     *user,
                           const char   *ref,
                           guint        *n_requeued,
                           GError      **error)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) detail = NULL;
  sqlite3_stmt *stmt;
  guint n;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (n_requeued)
    *n_requeued = 0;
  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "sending dead letters again", error))
    return FALSE;
  if (!catd_store_begin (self->store, error))
    return FALSE;
  stmt = catd_store_prepare (self->store,
                             "UPDATE outbox SET state = 'pending', next_attempt_at = 0, "
                             "attempts = 0 WHERE state = 'dead' AND (?1 IS NULL OR ref = ?1)",
                             error);
  if (stmt == NULL)
    goto fail;
  catd_bind_text (stmt, 1, ref);
  if (!catd_store_exec (self->store, stmt, error))
    goto fail;
  n = sqlite3_changes (catd_store_get_db (self->store));
  if (ref != NULL && n == 0)
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE,
                   "%s is not a dead letter of the upload queue", ref);
      goto fail;
    }

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ref");
  if (ref != NULL)
    json_builder_add_string_value (builder, ref);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "requeued");
  json_builder_add_int_value (builder, n);
  json_builder_end_object (builder);
  detail = json_builder_get_root (builder);
  if (!catd_audit_append (self->store, NULL, catd_user_get_login (user), "transmision.requeue",
                          NULL, detail, NULL, error) ||
      !catd_store_commit (self->store, error))
    goto fail;
  if (n_requeued)
    *n_requeued = n;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}

/**
 * catd_station_outbox_resend_images:
 * @record_ref: the record_id the central site answered 409 for
 * @n_requeued: (out) (optional): how many image rows went back to pending
 *
 * A record is refused with 409 when the central site does not hold an image
 * it names. When this station's row for that image says "sent", the site
 * acknowledged it once and lost it since (restored from a backup, a disk
 * replaced): the image goes back to pending. Its row is older than the
 * record's, so it goes out first. A dead image is left dead (a coordinator
 * requeues it); a pending one goes out anyway. One transaction.
 */
gboolean
catd_station_outbox_resend_images (CatdStation  *self,
                                   const char   *record_ref,
                                   guint        *n_requeued,
                                   GError      **error)
{
  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  g_return_val_if_fail (record_ref != NULL, FALSE);

  return requeue_rows (self,
                       "UPDATE outbox SET state = 'pending', next_attempt_at = 0, "
                       "last_error = 'the central site no longer holds it: sent again' "
                       "WHERE kind = 'image' AND state = 'sent' AND ref IN "
                       "(SELECT json_extract (body, '$.image_sha256') FROM record "
                       "WHERE record_id = ?1)", record_ref, n_requeued, error);
}

/**
 * catd_station_set_clock_offset:
 * @offset_ms: the central site's clock minus this station's
 *
 * Keeps the last measured clock offset for status.
 */
gboolean
catd_station_set_clock_offset (CatdStation  *self,
                               gint64        offset_ms,
                               GError      **error)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, offset_ms);
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);
  return catd_store_set_meta (self->store, "clock_offset_ms", text, error);
}

/**
 * catd_station_outbox_due_now:
 * @n_due: (out) (optional): how many rows were waiting out a backoff
 *
 * Makes every queued row due at once: the coordinador's "sync now" after
 * the network or the central site came back, instead of waiting out each
 * row's backoff (up to five minutes). Dead letters stay dead. One
 * transaction.
 */
gboolean
catd_station_outbox_due_now (CatdStation  *self,
                             guint        *n_due,
                             GError      **error)
{
  sqlite3_stmt *stmt;
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (n_due)
    *n_due = 0;
  if (!catd_store_begin (self->store, error))
    return FALSE;
  stmt = catd_store_prepare (self->store, "UPDATE outbox SET next_attempt_at = 0 "
                             "WHERE state = 'pending' AND next_attempt_at > 0", error);
  if (stmt == NULL || !catd_store_exec (self->store, stmt, error))
    goto fail;
  if (n_due)
    *n_due = sqlite3_changes (catd_store_get_db (self->store));
  if (!catd_store_commit (self->store, error))
    goto fail;
  return TRUE;

fail:
  catd_store_rollback (self->store);
  return FALSE;
}
