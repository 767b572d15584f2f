/* catd-tokens.c - the stations' upload tokens, kept only as hashes
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "catd-errors.h"
#include "catd-tokens.h"

/* The tokens file (`--tokens FILE`) has one station a line, `STATION_ID
 * TOKEN`, blank lines and `#` comments allowed. Only the SHA-256 of each
 * token is kept: a memory dump of the server gives no token away, and the
 * buffer the file was read into is wiped before it is freed.
 *
 * A presented token is hashed and its digest compared with every station's,
 * each comparison touching all 32 bytes and the loop never stopping early,
 * so the answer's timing says nothing about how close a guess came. */

#define DIGEST_LEN 32
#define MIN_TOKEN_LEN 16

typedef struct
{
  char   *station_id;
  guint8  digest[DIGEST_LEN];
} Entry;

struct _CatdTokens
{
  GObject  parent_instance;

  GArray  *entries;   /* Entry */
};

G_DEFINE_FINAL_TYPE (CatdTokens, catd_tokens, G_TYPE_OBJECT)

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  g_free (entry->station_id);
  memset (entry->digest, 0, sizeof entry->digest);
}

static void
catd_tokens_finalize (GObject *object)
{
  CatdTokens *self = (CatdTokens *)object;

  g_clear_pointer (&self->entries, g_array_unref);
  G_OBJECT_CLASS (catd_tokens_parent_class)->finalize (object);
}

static void
catd_tokens_class_init (CatdTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_tokens_finalize;
}

static void
catd_tokens_init (CatdTokens *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
}

static void
digest_of (const char *token,
           gsize       len,
           guint8      digest[DIGEST_LEN])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize digest_len = DIGEST_LEN;

  g_checksum_update (checksum, (const guchar *)token, len);
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_assert (digest_len == DIGEST_LEN);
}

/* The same rule a station applies to its own id (catd_station_create ()). */
static gboolean
station_id_is_valid (const char *id,
                     gsize       len)
{
  if (len == 0 || len > 64)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.')
      return FALSE;
  return TRUE;
}

static gboolean
invalid_line (GError    **error,
              guint       line,
              const char *what)
{
  g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_INVALID,
               "tokens file, line %u: %s", line, what);
  return FALSE;
}

/* Parses one line (without its end); blank and comment lines add nothing. */
static gboolean
parse_line (CatdTokens  *self,
            const char  *line,
            gsize        len,
            guint        number,
            GError     **error)
{
  const char *end = line + len;
  const char *id, *token;
  gsize id_len, token_len;
  Entry entry = { 0 };

  while (line < end && (*line == ' ' || *line == '\t'))
    line++;
  while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  if (line == end || *line == '#')
    return TRUE;

  id = line;
  while (line < end && *line != ' ' && *line != '\t')
    line++;
  id_len = line - id;
  while (line < end && (*line == ' ' || *line == '\t'))
    line++;
  token = line;
  while (line < end && *line != ' ' && *line != '\t')
    line++;
  token_len = line - token;

  /* Messages name the line and the station, never the token. */
  if (!station_id_is_valid (id, id_len))
    return invalid_line (error, number, "the station id must be 1 to 64 letters, digits, "
                         "'-', '_' or '.'");
  if (line != end)
    return invalid_line (error, number, "expected 'STATION_ID TOKEN' and nothing more");
  if (token_len < MIN_TOKEN_LEN)
    return invalid_line (error, number, "the token must be at least 16 characters "
                         "(use e.g. 'openssl rand -hex 32')");
  for (gsize i = 0; i < token_len; i++)
    if (!g_ascii_isgraph (token[i]))
      return invalid_line (error, number, "the token may hold only printable ASCII characters");

  entry.station_id = g_strndup (id, id_len);
  digest_of (token, token_len, entry.digest);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *other = &g_array_index (self->entries, Entry, i);

      if (g_str_equal (other->station_id, entry.station_id))
        {
          g_autofree char *message = g_strdup_printf ("station %s is listed twice",
                                                      entry.station_id);
          entry_clear (&entry);
          return invalid_line (error, number, message);
        }
      if (memcmp (other->digest, entry.digest, DIGEST_LEN) == 0)
        {
          g_autofree char *message = g_strdup_printf ("station %s has the same token as "
                                                      "station %s: each station needs its own",
                                                      entry.station_id, other->station_id);
          entry_clear (&entry);
          return invalid_line (error, number, message);
        }
    }
  g_array_append_val (self->entries, entry);
  return TRUE;
}

/**
 * catd_tokens_new_from_data:
 *
 * Parses a tokens file's contents. Refuses a malformed line, a station
 * listed twice, two stations with one token, a token shorter than 16
 * characters and a file naming no station (%CATD_CENTRAL_ERROR_INVALID,
 * naming the line but never a token).
 */
CatdTokens *
catd_tokens_new_from_data (const char  *data,
                           gsize        len,
                           GError     **error)
{
  g_autoptr(CatdTokens) self = g_object_new (CATD_TYPE_TOKENS, NULL);
  const char *end = data + len;
  guint number = 0;

  while (data < end)
    {
      const char *nl = memchr (data, '\n', end - data);
      const char *line_end = nl ? nl : end;

      if (!parse_line (self, data, line_end - data, ++number, error))
        return NULL;
      data = nl ? nl + 1 : end;
    }
  if (self->entries->len == 0)
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_INVALID,
                   "tokens file: it names no station (one 'STATION_ID TOKEN' a line)");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * catd_tokens_new_from_file:
 *
 * Reads and parses @path (see catd_tokens_new_from_data ()); the file's
 * bytes are wiped from memory once hashed.
 */
CatdTokens *
catd_tokens_new_from_file (const char  *path,
                           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  CatdTokens *self;
  char *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code, "cannot read the tokens "
                   "file: %s", local_error->message);
      return NULL;
    }
  self = catd_tokens_new_from_data (data, len, error);
  memset (data, 0, len);
  g_free (data);
  return self;
}

/**
 * catd_tokens_lookup:
 *
 * Returns the station whose token @token is, or %NULL. Costs one SHA-256
 * and a pass over every station, whatever the answer.
 */
const char *
catd_tokens_lookup (CatdTokens *self,
                    const char *token)
{
  guint8 digest[DIGEST_LEN];
  const char *found = NULL;

  g_return_val_if_fail (CATD_IS_TOKENS (self), NULL);

  if (token == NULL)
    return NULL;
  digest_of (token, strlen (token), digest);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *entry = &g_array_index (self->entries, Entry, i);
      guint8 diff = 0;

      for (guint b = 0; b < DIGEST_LEN; b++)
        diff |= entry->digest[b] ^ digest[b];
      if (diff == 0)
        found = entry->station_id;
    }
  return found;
}

/* The stations the file names, in file order (a new array of borrowed strings). */
GPtrArray *
catd_tokens_get_stations (CatdTokens *self)
{
  GPtrArray *stations;

  g_return_val_if_fail (CATD_IS_TOKENS (self), NULL);

  stations = g_ptr_array_new ();
  for (guint i = 0; i < self->entries->len; i++)
    g_ptr_array_add (stations, g_array_index (self->entries, Entry, i).station_id);
  return stations;
}
