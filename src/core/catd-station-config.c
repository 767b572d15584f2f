/* catd-station-config.c - where the station uploads: the central site's settings
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-audit.h"
#include "catd-errors.h"
#include "catd-station-private.h"
#include "catd-sync.h"

/* The central site's URL, the station's token file and the CA file that
 * vouches for the site's certificate live in the station's own database
 * (meta keys central_url, token_file, ca_file), written by `catdctl init`
 * and changed here. The upload client reads them each time it starts (see
 * catd_sync_new ()), so a change takes effect when the GUI restarts its
 * sync thread. Changing them redirects every acta the station uploads: only
 * a coordinador may, and each change is an audit row with the values
 * before and after. The token itself is never read into the audit log,
 * only the name of its file. */

#define LOCKED_BLOCK g_autoptr(GRecMutexLocker) locker = g_rec_mutex_locker_new (&self->mutex)

#define MAX_URL_LENGTH  2048
#define MAX_PATH_LENGTH 4096

static const char *const meta_keys[] = { "central_url", "token_file", "ca_file" };

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT, message);
  return FALSE;
}

static gboolean
has_control_or_space (const char *text)
{
  for (const char *c = text; *c; c++)
    if (g_ascii_iscntrl (*c) || *c == ' ')
      return TRUE;
  return FALSE;
}

static gboolean
has_control (const char *text)
{
  for (const char *c = text; *c; c++)
    if (g_ascii_iscntrl (*c))
      return TRUE;
  return FALSE;
}

/* The URL the upload client will build request paths on: what
 * catd_sync_url_is_acceptable () takes (https, or http to this machine),
 * without credentials, query or fragment, which would either leak into
 * logs or break every request's path. */
static gboolean
check_url (const char  *url,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;

  if (strlen (url) > MAX_URL_LENGTH || !g_utf8_validate (url, -1, NULL) ||
      has_control_or_space (url))
    return invalid (error, "the central site's URL must be one line of at most %d characters "
                    "with no spaces", MAX_URL_LENGTH);
  if (!catd_sync_url_is_acceptable (url))
    return invalid (error, "the central site %s must be an https:// URL (plain http:// only to "
                    "this machine)", url);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_assert (uri != NULL);
  if (g_uri_get_userinfo (uri) != NULL)
    return invalid (error, "the central site's URL must not hold a user or password: the "
                    "station proves who it is with its token file");
  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    return invalid (error, "the central site's URL must not hold a query (?) or fragment (#)");
  return TRUE;
}

/* A file named by an absolute path (the station runs from any folder), in
 * one line of valid text so that the audit row can hold it. */
static gboolean
check_path (const char  *what,
            const char  *path,
            GError     **error)
{
  if (strlen (path) > MAX_PATH_LENGTH || !g_utf8_validate (path, -1, NULL) || has_control (path))
    return invalid (error, "the %s's name must be one line of text of at most %d bytes",
                    what, MAX_PATH_LENGTH);
  if (!g_path_is_absolute (path))
    return invalid (error, "the %s %s must be given by its full path, from /", what, path);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return invalid (error, "the %s %s does not exist or is not a file", what, path);
  return TRUE;
}

/* What the upload client will do with the CA file: load it as the only
 * trusted authority. A file holding no certificate (a token chosen by
 * mistake, say) would make every upload fail on TLS, long after the
 * coordinator left the preferences. */
static gboolean
check_ca_file (const char  *path,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autolist(GTlsCertificate) certificates = NULL;
  g_autoptr(GTlsDatabase) database = NULL;

  if (!check_path ("CA file", path, error))
    return FALSE;
  certificates = g_tls_certificate_list_new_from_file (path, &local_error);
  if (local_error == NULL && certificates == NULL)
    return invalid (error, "the CA file %s holds no PEM certificate", path);
  if (local_error == NULL)
    database = g_tls_file_database_new (path, &local_error);
  if (database == NULL)
    return invalid (error, "the CA file %s cannot be used: %s", path, local_error->message);
  return TRUE;
}

static gboolean
check_token_file (const char  *path,
                  GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!check_path ("token file", path, error))
    return FALSE;
  if (!catd_sync_check_token_file (path, &local_error))
    return invalid (error, "%s", local_error->message);
  return TRUE;
}

/* NULL for an absent or empty setting: both mean "not set". */
static const char *
nonempty (const char *text)
{
  return text != NULL && *text != '\0' ? text : NULL;
}

/**
 * catd_station_get_central_config:
 * @central_url: (out) (optional) (nullable): the central site's URL, or %NULL
 * @token_file: (out) (optional) (nullable): the station's token file, or %NULL
 * @ca_file: (out) (optional) (nullable): the CA file, or %NULL (the system's CAs)
 *
 * Reads where the station uploads, as `catdctl init` or
 * catd_station_set_central_config () left it. Any user may read it: it
 * names files, it does not hold the token. Returns %FALSE only when the
 * database fails; an unset value is %NULL, never an error.
 */
gboolean
catd_station_get_central_config (CatdStation  *self,
                                 char        **central_url,
                                 char        **token_file,
                                 char        **ca_file,
                                 GError      **error)
{
  char **out[] = { central_url, token_file, ca_file };
  char *values[G_N_ELEMENTS (meta_keys)] = { NULL };
  LOCKED_BLOCK;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (meta_keys); i++)
    if (!catd_store_lookup_meta (self->store, meta_keys[i], &values[i], error))
      {
        for (guint j = 0; j < i; j++)
          g_free (values[j]);
        return FALSE;
      }
  for (guint i = 0; i < G_N_ELEMENTS (meta_keys); i++)
    {
      if (out[i] != NULL)
        *out[i] = values[i];
      else
        g_free (values[i]);
    }
  return TRUE;
}

static void
add_settings (JsonBuilder       *builder,
              const char *const *values)
{
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (meta_keys); i++)
    {
      json_builder_set_member_name (builder, meta_keys[i]);
      if (values[i] != NULL)
        json_builder_add_string_value (builder, values[i]);
      else
        json_builder_add_null_value (builder);
    }
  json_builder_end_object (builder);
}

/**
 * catd_central_config_check:
 * @config: (nullable): settings as catd_station_set_central_config () takes them
 * @bad_setting: (out) (optional): which setting is refused
 *
 * Checks @config the way catd_station_set_central_config () does before
 * it writes anything, without a station: see there for what is refused.
 * On a refusal, sets @bad_setting to the setting to mend (the one that is
 * missing, when one needs another) and @error
 * (%CATD_STATION_ERROR_INVALID_INPUT) to why. Reads the token and CA files.
 */
gboolean
catd_central_config_check (const CatdCentralConfig  *config,
                           CatdCentralSetting       *bad_setting,
                           GError                  **error)
{
  const char *url = config ? nonempty (config->central_url) : NULL;
  const char *token_file = config ? nonempty (config->token_file) : NULL;
  const char *ca_file = config ? nonempty (config->ca_file) : NULL;
  CatdCentralSetting bad = CATD_CENTRAL_SETTING_URL;
  gboolean ok = FALSE;

  if (url == NULL && (token_file != NULL || ca_file != NULL))
    {
      bad = CATD_CENTRAL_SETTING_URL;
      invalid (error, "a token or CA file needs the central site's URL");
    }
  else if (url != NULL && token_file == NULL)
    {
      bad = CATD_CENTRAL_SETTING_TOKEN_FILE;
      invalid (error, "the central site needs the station's token file");
    }
  else if (url != NULL && !check_url (url, error))
    bad = CATD_CENTRAL_SETTING_URL;
  else if (token_file != NULL && !check_token_file (token_file, error))
    bad = CATD_CENTRAL_SETTING_TOKEN_FILE;
  else if (ca_file != NULL && !check_ca_file (ca_file, error))
    bad = CATD_CENTRAL_SETTING_CA_FILE;
  else
    ok = TRUE;

  if (!ok && bad_setting != NULL)
    *bad_setting = bad;
  return ok;
}

/**
 * catd_station_set_central_config:
 * @user: the coordinador making the change
 * @config: (nullable): the new settings; %NULL, or a %NULL or empty URL,
 *   removes the central site (the station then uploads nothing)
 *
 * Changes where the station uploads, in one transaction with its audit row
 * ("station.central_config", the settings before and after). Refuses
 * (%CATD_STATION_ERROR_ROLE) a user who is not a coordinador, and
 * (%CATD_STATION_ERROR_INVALID_INPUT) a URL that is not https:// (plain
 * http:// is taken only to this machine) or holds credentials, a query or
 * a fragment; a central site without a token file; a token or CA file that
 * is not given by its full path, does not exist, or that the upload client
 * would refuse (a token file others may read, a CA file holding no
 * certificate); a token or CA file without a central site. Reads both
 * files, outside the station's lock. Settings equal to the stored ones
 * change nothing and write no audit row.
 *
 * The upload client reads the settings when it starts: a running one goes
 * on with the old ones until it is restarted.
 */
gboolean
catd_station_set_central_config (CatdStation              *self,
                                 CatdUser                 *user,
                                 const CatdCentralConfig  *config,
                                 GError                  **error)
{
  const char *wanted[G_N_ELEMENTS (meta_keys)] = { NULL };
  char *stored[G_N_ELEMENTS (meta_keys)] = { NULL };
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) detail = NULL;
  gboolean changed = FALSE;
  gboolean ok = FALSE;

  g_return_val_if_fail (CATD_IS_STATION (self), FALSE);

  if (!_catd_station_require_role (user, CATD_ROLE_BIT (CATD_ROLE_COORDINADOR),
                                   "changing the central site", error))
    return FALSE;

  if (config != NULL)
    {
      wanted[0] = nonempty (config->central_url);
      wanted[1] = nonempty (config->token_file);
      wanted[2] = nonempty (config->ca_file);
    }
  if (!catd_central_config_check (config, NULL, error))
    return FALSE;

  {
    LOCKED_BLOCK;

    if (!catd_store_begin (self->store, error))
      return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS (meta_keys); i++)
      {
        if (!catd_store_lookup_meta (self->store, meta_keys[i], &stored[i], error))
          goto out;
        if (g_strcmp0 (nonempty (stored[i]), wanted[i]) != 0)
          changed = TRUE;
      }
    if (!changed)
      {
        catd_store_rollback (self->store);
        ok = TRUE;
        goto out;
      }

    for (guint i = 0; i < G_N_ELEMENTS (meta_keys); i++)
      {
        if (wanted[i] != NULL)
          {
            if (!catd_store_set_meta (self->store, meta_keys[i], wanted[i], error))
              goto out;
          }
        else
          {
            sqlite3_stmt *stmt = catd_store_prepare (self->store,
                                                     "DELETE FROM meta WHERE key = ?", error);

            if (stmt == NULL)
              goto out;
            sqlite3_bind_text (stmt, 1, meta_keys[i], -1, SQLITE_STATIC);
            if (!catd_store_exec (self->store, stmt, error))
              goto out;
          }
      }

    builder = json_builder_new_immutable ();
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "before");
    add_settings (builder, (const char *const *)stored);
    json_builder_set_member_name (builder, "after");
    add_settings (builder, wanted);
    json_builder_end_object (builder);
    detail = json_builder_get_root (builder);
    if (!catd_audit_append (self->store, NULL, catd_user_get_login (user),
                            "station.central_config", NULL, detail, NULL, error) ||
        !catd_store_commit (self->store, error))
      goto out;
    ok = TRUE;

  out:
    if (!ok)
      catd_store_rollback (self->store);
  }
  for (guint i = 0; i < G_N_ELEMENTS (meta_keys); i++)
    g_free (stored[i]);
  return ok;
}
