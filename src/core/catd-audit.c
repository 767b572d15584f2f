/* catd-audit.c - the append-only, hash-chained audit log
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sys/random.h>

#include "catd-audit.h"
#include "catd-errors.h"

/* Each audit row stores hash = SHA-256 over the previous row's hash and the
 * row's own canonical content (seq, time, user, action, acta, detail), each
 * part prefixed with its length so that no two rows can be spelt alike. The
 * meta key "audit_head" holds the last seq and hash, so that deleting rows
 * from the end is caught as well as editing one in the middle.
 *
 * Each row's hashed content also holds a random salt. A row's detail can
 * be withheld from an export (the keyed values of an acta still in
 * arbitration, see catd_audit_export()) together with its salt, and its
 * hash then tells nothing: without the salt, trying the few thousand
 * possible values of a field against the hash would give them away.
 *
 * Rows that record a keying carry its values in detail.values; verification
 * checks that the keying table holds exactly that text for that row, which
 * makes the capture history as tamper-evident as the log. */

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void
update_part (GChecksum  *checksum,
             const char *part)
{
  char prefix[32];
  gsize len = part ? strlen (part) : 0;

  /* NULL and "" differ: a row without a user is not a row by user "". */
  g_snprintf (prefix, sizeof prefix, part ? "%" G_GSIZE_FORMAT ":" : "-:", len);
  g_checksum_update (checksum, (const guchar *)prefix, -1);
  if (part)
    g_checksum_update (checksum, (const guchar *)part, len);
}

static char *
row_hash (const char *prev_hash,
          gint64      seq,
          const char *salt,
          const char *at,
          const char *login,
          const char *action,
          const char *clave_acta,
          const char *detail)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  char seq_str[32];

  g_snprintf (seq_str, sizeof seq_str, "%" G_GINT64_FORMAT, seq);
  update_part (checksum, prev_hash);
  update_part (checksum, seq_str);
  update_part (checksum, salt);
  update_part (checksum, at);
  update_part (checksum, login);
  update_part (checksum, action);
  update_part (checksum, clave_acta);
  update_part (checksum, detail);
  return g_strdup (g_checksum_get_string (checksum));
}

static gboolean
parse_head (const char  *head,
            gint64      *seq,
            char       **hash)
{
  g_auto(GStrv) parts = NULL;

  if (head == NULL)
    {
      *seq = 0;
      *hash = g_strdup (GENESIS_HASH);
      return TRUE;
    }
  parts = g_strsplit (head, " ", 2);
  if (g_strv_length (parts) != 2)
    return FALSE;
  *seq = g_ascii_strtoll (parts[0], NULL, 10);
  *hash = g_strdup (parts[1]);
  return TRUE;
}

/**
 * catd_audit_append:
 * @at: (nullable): the row's time (ISO UTC), when the caller must store the
 *   same time elsewhere; %NULL for now
 * @detail: (nullable): a JSON object with the action's particulars
 *
 * Appends one row. Must run inside the caller's transaction, so that the
 * row commits or vanishes with the change it records. Costs one read of the
 * head and two writes.
 */
gboolean
catd_audit_append (CatdStore   *store,
                   const char  *at,
                   const char  *login,
                   const char  *action,
                   const char  *clave_acta,
                   JsonNode    *detail,
                   gint64      *seq_out,
                   GError     **error)
{
  g_autofree char *head = NULL;
  g_autofree char *prev_hash = NULL;
  g_autofree char *detail_text = NULL;
  g_autofree char *now = at ? NULL : catd_store_now_iso (store);
  g_autofree char *hash = NULL;
  guint8 random[16];
  char salt[33];
  g_autofree char *new_head = NULL;
  sqlite3_stmt *stmt;
  gint64 seq;

  g_return_val_if_fail (!sqlite3_get_autocommit (catd_store_get_db (store)), FALSE);

  if (!catd_store_lookup_meta (store, "audit_head", &head, error))
    return FALSE;
  if (!parse_head (head, &seq, &prev_hash))
    {
      g_set_error (error, CATD_AUDIT_ERROR, CATD_AUDIT_ERROR_BROKEN,
                   "the audit log head is damaged: run 'catdctl audit verify'");
      return FALSE;
    }
  seq++;
  if (getrandom (random, sizeof random, 0) != sizeof random)
    {
      g_set_error (error, CATD_STORE_ERROR, CATD_STORE_ERROR_IO,
                   "the system's random source failed");
      return FALSE;
    }
  for (guint i = 0; i < sizeof random; i++)
    g_snprintf (salt + 2 * i, 3, "%02x", random[i]);
  if (at == NULL)
    at = now;
  detail_text = detail ? json_to_string (detail, FALSE) : g_strdup ("{}");
  hash = row_hash (prev_hash, seq, salt, at, login, action, clave_acta, detail_text);

  stmt = catd_store_prepare (store,
                             "INSERT INTO audit (seq, at, login, action, clave_acta, detail, "
                             "prev_hash, hash, salt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  sqlite3_bind_text (stmt, 2, at, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 3, login);
  sqlite3_bind_text (stmt, 4, action, -1, SQLITE_STATIC);
  catd_bind_text (stmt, 5, clave_acta);
  sqlite3_bind_text (stmt, 6, detail_text, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, prev_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, salt, -1, SQLITE_STATIC);
  if (!catd_store_exec (store, stmt, error))
    return FALSE;

  new_head = g_strdup_printf ("%" G_GINT64_FORMAT " %s", seq, hash);
  if (!catd_store_set_meta (store, "audit_head", new_head, error))
    return FALSE;
  if (seq_out)
    *seq_out = seq;
  return TRUE;
}

G_GNUC_PRINTF (3, 4) static gboolean
broken (GError     **error,
        gint64       seq,
        const char  *format,
        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CATD_AUDIT_ERROR, CATD_AUDIT_ERROR_BROKEN,
               "audit row %" G_GINT64_FORMAT ": %s", seq, message);
  return FALSE;
}

/* Keyings are stored in the order of the audit rows that record them, so
 * verification walks both tables side by side, once. */
typedef struct
{
  sqlite3_stmt *stmt;
  gboolean      done;
  gint64        audit_seq;
  const char   *values;
  const char   *login;
  const char   *step;
  const char   *clave_acta;
  const char   *keyed_at;
} KeyingCursor;

static gboolean
cursor_next (CatdStore     *store,
             KeyingCursor  *cursor,
             GError       **error)
{
  int rc = catd_store_step (store, cursor->stmt, error);

  if (rc == 0)
    return FALSE;
  cursor->done = rc == SQLITE_DONE;
  cursor->audit_seq = cursor->done ? G_MAXINT64 : sqlite3_column_int64 (cursor->stmt, 0);
  cursor->values = cursor->done ? NULL : catd_column_text (cursor->stmt, 1);
  cursor->login = cursor->done ? NULL : catd_column_text (cursor->stmt, 2);
  cursor->step = cursor->done ? NULL : catd_column_text (cursor->stmt, 3);
  cursor->clave_acta = cursor->done ? NULL : catd_column_text (cursor->stmt, 4);
  cursor->keyed_at = cursor->done ? NULL : catd_column_text (cursor->stmt, 5);
  return TRUE;
}

/* Checks the keying at @seq (and any orphan before it) against what the
 * audit row @row (seq, at, login, action, clave_acta) recorded, @values
 * being NULL when it recorded none. */
static gboolean
check_keying (CatdStore     *store,
              KeyingCursor  *cursor,
              sqlite3_stmt  *row,
              gint64         seq,
              JsonNode      *values,
              GError       **error)
{
  g_autofree char *recorded = NULL;
  g_autofree char *action = NULL;

  if (cursor->audit_seq < seq)
    return broken (error, cursor->audit_seq, "keyed values exist that no audit row records");
  if (values == NULL)
    {
      if (cursor->audit_seq == seq)
        return broken (error, seq, "keyed values point at a row that records none");
      return TRUE;
    }
  if (cursor->audit_seq != seq)
    return broken (error, seq, "the keyed values this row records are missing");
  recorded = json_to_string (values, FALSE);
  if (g_strcmp0 (recorded, cursor->values) != 0)
    return broken (error, seq, "the keyed values on record differ from what this row recorded");
  /* Who keyed, when, which step of which acta: the engine relies on them. */
  action = g_strconcat ("captura.", cursor->step, NULL);
  if (g_strcmp0 (cursor->login, catd_column_text (row, 3)) != 0 ||
      g_strcmp0 (action, catd_column_text (row, 4)) != 0 ||
      g_strcmp0 (cursor->clave_acta, catd_column_text (row, 5)) != 0 ||
      g_strcmp0 (cursor->keyed_at, catd_column_text (row, 2)) != 0)
    return broken (error, seq, "who, when or what the keying on record says differs from what "
                   "this row recorded");
  return cursor_next (store, cursor, error);
}

/**
 * catd_audit_verify:
 * @n_rows: (out): how many rows verified
 *
 * Walks the whole log in order, recomputing every hash. On the first
 * inconsistency returns %FALSE with %CATD_AUDIT_ERROR_BROKEN and a message
 * that starts "audit row N:". Linear in the log and the keyed values.
 */
gboolean
catd_audit_verify (CatdStore  *store,
                   gint64     *n_rows,
                   GError    **error)
{
  g_autofree char *head = NULL;
  g_autofree char *head_hash = NULL;
  g_autofree char *prev = g_strdup (GENESIS_HASH);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_auto(CatdStmtGuard) stmt = NULL;
  g_auto(CatdStmtGuard) keyings = NULL;
  KeyingCursor cursor = { 0 };
  gint64 expected = 1, head_seq;
  int rc;

  if (!catd_store_lookup_meta (store, "audit_head", &head, error))
    return FALSE;
  if (!parse_head (head, &head_seq, &head_hash))
    return broken (error, 0, "the recorded head of the log is damaged");

  keyings = cursor.stmt = catd_store_prepare (store,
                                              "SELECT k.audit_seq, k.\"values\", k.login, "
                                              "k.step, a.clave_acta, k.keyed_at FROM keying k "
                                              "LEFT JOIN acta a ON a.id = k.acta "
                                              "ORDER BY k.id", error);
  if (cursor.stmt == NULL || !cursor_next (store, &cursor, error))
    return FALSE;

  stmt = catd_store_prepare (store,
                             "SELECT seq, salt, at, login, action, clave_acta, detail, prev_hash, "
                             "hash FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = catd_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *detail = catd_column_text (stmt, 6);
      const char *prev_hash = catd_column_text (stmt, 7);
      const char *hash = catd_column_text (stmt, 8);
      g_autofree char *computed = NULL;
      JsonNode *root;

      if (seq != expected)
        {
          return broken (error, expected, "missing (the next row present is %" G_GINT64_FORMAT
                         ")", seq);
        }
      if (g_strcmp0 (prev_hash, prev) != 0)
        {
          return broken (error, seq, "does not chain to row %" G_GINT64_FORMAT, seq - 1);
        }
      computed = row_hash (prev_hash, seq, catd_column_text (stmt, 1),
                           catd_column_text (stmt, 2), catd_column_text (stmt, 3),
                           catd_column_text (stmt, 4), catd_column_text (stmt, 5), detail);
      if (g_strcmp0 (computed, hash) != 0)
        {
          return broken (error, seq, "its content does not match its hash (edited)");
        }

      if (!json_parser_load_from_data (parser, detail, -1, NULL) ||
          !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
        {
          return broken (error, seq, "its detail is not a JSON object");
        }
      if (!check_keying (store, &cursor, stmt, seq,
                         json_object_get_member (json_node_get_object (root), "values"), error))
        return FALSE;

      g_free (prev);
      prev = g_strdup (hash);
      expected++;
    }
  if (rc == 0)
    return FALSE;

  if (head_seq != expected - 1 || g_strcmp0 (head_hash, prev) != 0)
    {
      if (head_seq > expected - 1)
        return broken (error, expected, "missing: the log was cut after row %" G_GINT64_FORMAT
                       " but row %" G_GINT64_FORMAT " had been written", expected - 1, head_seq);
      return broken (error, expected - 1, "the log's recorded head does not match its last row");
    }

  /* A keying that no audit row vouches for was added behind the log. */
  if (!cursor.done)
    return broken (error, cursor.audit_seq, "keyed values exist that no audit row records");

  if (n_rows)
    *n_rows = expected - 1;
  return TRUE;
}

/**
 * catd_audit_export:
 *
 * Writes the whole log as JSON lines, oldest first: one object per row with
 * seq, at, login, action, clave_acta, detail, prev_hash and hash. The keyed
 * values of an acta still being captured or arbitrated are withheld
 * (detail.values_withheld instead of detail.values): the export is the
 * coordinador's, who may arbitrate blind; such a row's salt is withheld
 * too, so its hash cannot be used to guess them. Its hash can be recomputed
 * from a later export; "audit verify" checks every row.
 */
gboolean
catd_audit_export (CatdStore      *store,
                   GOutputStream  *out,
                   GError        **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  sqlite3_stmt *stmt;
  int rc;

  /* Keyed values of an acta still in capture stay blind: the export carries
   * them once the acta has left arbitration. */
  stmt = catd_store_prepare (store,
                             "SELECT seq, at, login, action, clave_acta, detail, prev_hash, hash, "
                             "(SELECT state IN ('captured_1', 'rekey', 'arbitration') FROM acta "
                             " WHERE acta.clave_acta = audit.clave_acta), salt "
                             "FROM audit ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;

  while ((rc = catd_store_step (store, stmt, error)) == SQLITE_ROW)
    {
      gboolean withhold = sqlite3_column_int (stmt, 8);
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, 0));
      /* A withheld detail takes its salt with it (see the top of this file). */
      json_builder_set_member_name (builder, "salt");
      if (withhold && strstr (catd_column_text (stmt, 5), "\"values\"") != NULL)
        json_builder_add_null_value (builder);
      else
        json_builder_add_string_value (builder, catd_column_text (stmt, 9));
      for (int col = 1; col <= 7; col++)
        {
          static const char *names[] = {
            NULL, "at", "login", "action", "clave_acta", "detail", "prev_hash", "hash"
          };
          const char *value = catd_column_text (stmt, col);

          json_builder_set_member_name (builder, names[col]);
          if (col == 5 && json_parser_load_from_data (parser, value, -1, NULL))
            {
              JsonNode *detail = json_node_copy (json_parser_get_root (parser));

              if (withhold && JSON_NODE_HOLDS_OBJECT (detail) &&
                  json_object_has_member (json_node_get_object (detail), "values"))
                {
                  json_object_remove_member (json_node_get_object (detail), "values");
                  json_object_set_string_member (json_node_get_object (detail),
                                                 "values_withheld",
                                                 "until the acta leaves arbitration");
                }
              json_builder_add_value (builder, detail);
            }
          else if (value)
            json_builder_add_string_value (builder, value);
          else
            json_builder_add_null_value (builder);
        }
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      text = json_to_string (root, FALSE);
      line = g_strconcat (text, "\n", NULL);
      if (!g_output_stream_write_all (out, line, strlen (line), NULL, NULL, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
    }
  sqlite3_reset (stmt);
  return rc != 0;
}
