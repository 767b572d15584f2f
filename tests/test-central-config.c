/* test-central-config.c - changing where a station uploads: who may, what is refused, the audit row
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "catd-errors.h"
#include "catd-sync.h"
#include "catd-test-util.h"

/* A self-signed CA certificate (EC P-256, valid until 2126). Only its form
 * matters here: nothing is signed or verified with it. */
static const char test_ca_pem[] =
  "-----BEGIN CERTIFICATE-----\n"
  "MIIBhTCCASugAwIBAgIUPy9+LDam3/sMQ9mFMTAdFUM4w5QwCgYIKoZIzj0EAwIw\n"
  "FzEVMBMGA1UEAwwMQ0FURCB0ZXN0IENBMCAXDTI2MTEyNjE5MDY0MFoYDzIxMjYx\n"
  "MTAyMTkwNjQwWjAXMRUwEwYDVQQDDAxDQVREIHRlc3QgQ0EwWTATBgcqhkjOPQIB\n"
  "BggqhkjOPQMBBwNCAAQS4UmoMmteN6wRIe1tllr05W9FC1O+pmkYY0bQeuHdolCF\n"
  "ZmDEY2XztDxbZzOagxNOT69EWI8HrP9DO8XCuyewo1MwUTAdBgNVHQ4EFgQUy1bl\n"
  "AwkudLC3HQ5RwCFJgQYSdmwwHwYDVR0jBBgwFoAUy1blAwkudLC3HQ5RwCFJgQYS\n"
  "dmwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAzTJx3AgEDr+h\n"
  "FymzwExCVMB6uG85FwwX+guzhp9BuOQCIEhGXOl4dEwt4h1eeRmkU2//JJVfjCWk\n"
  "mWNURORpQSgS\n"
  "-----END CERTIFICATE-----\n";

typedef struct
{
  char          *dir;
  CatdTestClock  clock;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *cap;
  char          *token;      /* a good token file, mode 0600 */
  char          *ca;         /* a good CA file */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->cap = catd_test_add_user (f->station, f->coord, "cap", CATD_ROLE_CAPTURISTA);
  f->token = catd_test_write_file (f->dir, "token", "s3cr3t-t0ken\n", 0600);
  f->ca = catd_test_write_file (f->dir, "ca.pem", test_ca_pem, 0644);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  catd_station_audit_verify (f->station, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&f->cap);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->token);
  g_free (f->ca);
}

static gint64
audit_rows (Fixture *f)
{
  return catd_test_query_int (f->station, "SELECT count(*) FROM audit WHERE action = ?",
                              "station.central_config");
}

/* Asserts the stored settings, NULL meaning unset. */
static void
assert_config (CatdStation *station,
               const char  *url,
               const char  *token_file,
               const char  *ca_file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got_url = NULL;
  g_autofree char *got_token = NULL;
  g_autofree char *got_ca = NULL;

  g_assert_true (catd_station_get_central_config (station, &got_url, &got_token, &got_ca,
                                                  &error));
  g_assert_no_error (error);
  g_assert_cmpstr (got_url, ==, url);
  g_assert_cmpstr (got_token, ==, token_file);
  g_assert_cmpstr (got_ca, ==, ca_file);
}

/* Whether the upload client would start with the station's settings. */
static gboolean
sync_configured (CatdStation *station)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdSync) sync = catd_sync_new (station, NULL, &error);

  if (sync == NULL)
    g_assert_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED);
  return sync != NULL;
}

static void
assert_refused (Fixture    *f,
                CatdUser   *user,
                const char *url,
                const char *token_file,
                const char *ca_file,
                int         code)
{
  g_autoptr(GError) error = NULL;
  CatdCentralConfig config = { url, token_file, ca_file };
  gint64 rows = audit_rows (f);

  g_assert_false (catd_station_set_central_config (f->station, user, &config, &error));
  g_assert_error (error, CATD_STATION_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_cmpint (audit_rows (f), ==, rows);
}

static void
test_unset_at_first (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  assert_config (f->station, NULL, NULL, NULL);
  /* Every out parameter is optional. */
  g_assert_true (catd_station_get_central_config (f->station, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (sync_configured (f->station));
}

static void
test_set_and_audit (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdStation) reopened = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *login = NULL;
  g_autofree char *expected = NULL;
  CatdCentralConfig config = { "https://central.example.org:8443/prep", f->token, f->ca };

  g_assert_true (catd_station_set_central_config (f->station, f->coord, &config, &error));
  g_assert_no_error (error);
  assert_config (f->station, config.central_url, f->token, f->ca);
  g_assert_true (sync_configured (f->station));

  g_assert_cmpint (audit_rows (f), ==, 1);
  login = catd_test_query_text (f->station, "SELECT login FROM audit WHERE action = ?",
                                "station.central_config");
  g_assert_cmpstr (login, ==, "coord");
  detail = catd_test_query_text (f->station, "SELECT detail FROM audit WHERE action = ?",
                                 "station.central_config");
  expected = g_strdup_printf ("{\"before\":{\"central_url\":null,\"token_file\":null,"
                              "\"ca_file\":null},\"after\":{\"central_url\":"
                              "\"https://central.example.org:8443/prep\",\"token_file\":\"%s\","
                              "\"ca_file\":\"%s\"}}", f->token, f->ca);
  g_assert_cmpstr (detail, ==, expected);
  /* The token never reaches the log. */
  g_assert_null (strstr (detail, "s3cr3t"));

  /* The same settings again change nothing and say nothing. */
  g_assert_true (catd_station_set_central_config (f->station, f->coord, &config, &error));
  g_assert_no_error (error);
  g_assert_cmpint (audit_rows (f), ==, 1);

  /* Kept in the station's database. */
  reopened = catd_station_open (f->dir, &error);
  g_assert_no_error (error);
  assert_config (reopened, config.central_url, f->token, f->ca);
}

static void
test_change_and_clear (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *detail = NULL;
  CatdCentralConfig first = { "https://central.example.org", f->token, f->ca };
  CatdCentralConfig loopback = { "http://127.0.0.1:8080", f->token, "" };
  CatdCentralConfig empty = { "", "", "" };

  g_assert_true (catd_station_set_central_config (f->station, f->coord, &first, &error));
  g_assert_no_error (error);

  /* Plain http to this machine; an empty CA file means the system's CAs. */
  g_assert_true (catd_station_set_central_config (f->station, f->coord, &loopback, &error));
  g_assert_no_error (error);
  assert_config (f->station, "http://127.0.0.1:8080", f->token, NULL);
  g_assert_true (sync_configured (f->station));
  detail = catd_test_query_text (f->station, "SELECT detail FROM audit WHERE action = ? "
                                 "ORDER BY seq DESC LIMIT 1", "station.central_config");
  g_assert_nonnull (strstr (detail, "\"before\":{\"central_url\":\"https://central.example.org\""));
  g_assert_nonnull (strstr (detail, "\"ca_file\":null}}"));

  g_assert_true (catd_station_set_central_config (f->station, f->coord, &empty, &error));
  g_assert_no_error (error);
  assert_config (f->station, NULL, NULL, NULL);
  g_assert_false (sync_configured (f->station));

  g_assert_true (catd_station_set_central_config (f->station, f->coord, &first, &error));
  g_assert_no_error (error);
  g_assert_true (catd_station_set_central_config (f->station, f->coord, NULL, &error));
  g_assert_no_error (error);
  assert_config (f->station, NULL, NULL, NULL);
  g_assert_cmpint (audit_rows (f), ==, 5);

  for (const char *const *url = (const char *[]) { "http://localhost:9000/", "http://[::1]:1",
                                                   "HTTPS://Central.Example.org", NULL };
       *url; url++)
    {
      CatdCentralConfig config = { *url, f->token, NULL };

      g_assert_true (catd_station_set_central_config (f->station, f->coord, &config, &error));
      g_assert_no_error (error);
      assert_config (f->station, *url, f->token, NULL);
    }
}

static void
test_only_coordinators (Fixture       *f,
                        gconstpointer  data)
{
  CatdCentralConfig config = { "https://central.example.org", f->token, NULL };
  g_autoptr(GError) error = NULL;

  assert_refused (f, f->cap, config.central_url, f->token, NULL, CATD_STATION_ERROR_ROLE);
  assert_refused (f, NULL, config.central_url, f->token, NULL, CATD_STATION_ERROR_ROLE);
  /* Not even clearing. */
  g_assert_false (catd_station_set_central_config (f->station, f->cap, NULL, &error));
  g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE);
  assert_config (f->station, NULL, NULL, NULL);
}

static void
test_bad_urls (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *long_url = g_strdup_printf ("https://central.example.org/%0*d", 2100, 0);
  const char *urls[] = {
    "http://central.example.org",        /* plain http to another machine */
    "http://127.example.org",            /* a name that only starts like loopback */
    "ftp://127.0.0.1",
    "https://",
    "central.example.org",
    "https://user:password@central.example.org",
    "https://central.example.org/?station=1",
    "https://central.example.org/#top",
    "https://central.example.org/a b",
    "https://central.example.org/\n",
    long_url,
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    assert_refused (f, f->coord, urls[i], f->token, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  /* A central site needs a token; a token needs a central site. */
  assert_refused (f, f->coord, "https://central.example.org", NULL, NULL,
                  CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, NULL, f->token, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, "", "", f->ca, CATD_STATION_ERROR_INVALID_INPUT);
  assert_config (f->station, NULL, NULL, NULL);
}

static void
test_bad_files (Fixture       *f,
                gconstpointer  data)
{
  const char *url = "https://central.example.org";
  g_autofree char *readable = catd_test_write_file (f->dir, "token-644", "t0ken\n", 0644);
  g_autofree char *empty = catd_test_write_file (f->dir, "token-empty", "\n", 0600);
  g_autofree char *two = catd_test_write_file (f->dir, "token-two", "t0ken other\n", 0600);
  g_autofree char *garbage =
    catd_test_write_file (f->dir, "not-a-ca.pem", "this is not a certificate\n", 0644);
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  g_autofree char *folder = g_build_filename (f->dir, "images", NULL);

  assert_refused (f, f->coord, url, "token", NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, missing, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, folder, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, readable, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, empty, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, two, NULL, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, f->token, garbage, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, f->token, f->token, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, f->token, missing, CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->coord, url, f->token, "ca.pem", CATD_STATION_ERROR_INVALID_INPUT);
  assert_config (f->station, NULL, NULL, NULL);
}

/* The check names the setting to mend, so that the preferences can point
 * at it; it needs no station and changes nothing. */
static void
test_check_names_setting (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *readable = catd_test_write_file (f->dir, "token-644", "t0ken\n", 0644);
  const struct
  {
    const char         *url;
    const char         *token_file;
    const char         *ca_file;
    CatdCentralSetting  bad;
  } cases[] = {
    { "http://central.example.org", f->token, NULL, CATD_CENTRAL_SETTING_URL },
    { "https://central.example.org/?a=1", f->token, f->ca, CATD_CENTRAL_SETTING_URL },
    { "", f->token, NULL, CATD_CENTRAL_SETTING_URL },
    { NULL, NULL, f->ca, CATD_CENTRAL_SETTING_URL },
    { "https://central.example.org", "", f->ca, CATD_CENTRAL_SETTING_TOKEN_FILE },
    { "https://central.example.org", readable, f->ca, CATD_CENTRAL_SETTING_TOKEN_FILE },
    { "https://central.example.org", "token", NULL, CATD_CENTRAL_SETTING_TOKEN_FILE },
    { "https://central.example.org", f->token, f->token, CATD_CENTRAL_SETTING_CA_FILE },
    { "https://central.example.org", f->token, "ca.pem", CATD_CENTRAL_SETTING_CA_FILE },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      CatdCentralConfig config = { cases[i].url, cases[i].token_file, cases[i].ca_file };
      CatdCentralSetting bad = 99;

      g_assert_false (catd_central_config_check (&config, &bad, &error));
      g_assert_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT);
      g_assert_cmpint (bad, ==, cases[i].bad);
      g_clear_error (&error);
    }

  {
    CatdCentralConfig good = { "https://central.example.org", f->token, f->ca };
    CatdCentralSetting bad = 99;

    g_assert_true (catd_central_config_check (&good, &bad, &error));
    g_assert_no_error (error);
    g_assert_cmpint (bad, ==, 99);
    g_assert_true (catd_central_config_check (NULL, NULL, &error));
    g_assert_no_error (error);
  }
  assert_config (f->station, NULL, NULL, NULL);
  g_assert_cmpint (audit_rows (f), ==, 0);
}

/* A refusal leaves the settings as they were, not half-changed. */
static void
test_refusal_keeps_settings (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *garbage = catd_test_write_file (f->dir, "not-a-ca.pem", "nothing\n", 0644);
  CatdCentralConfig config = { "https://central.example.org", f->token, f->ca };

  g_assert_true (catd_station_set_central_config (f->station, f->coord, &config, &error));
  g_assert_no_error (error);
  assert_refused (f, f->coord, "https://other.example.org", f->token, garbage,
                  CATD_STATION_ERROR_INVALID_INPUT);
  assert_refused (f, f->cap, "https://other.example.org", f->token, NULL,
                  CATD_STATION_ERROR_ROLE);
  assert_config (f->station, "https://central.example.org", f->token, f->ca);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_set_up, (func), fixture_tear_down)
  ADD ("/central-config/unset-at-first", test_unset_at_first);
  ADD ("/central-config/set-and-audit", test_set_and_audit);
  ADD ("/central-config/change-and-clear", test_change_and_clear);
  ADD ("/central-config/only-coordinators", test_only_coordinators);
  ADD ("/central-config/bad-urls", test_bad_urls);
  ADD ("/central-config/bad-files", test_bad_files);
  ADD ("/central-config/check-names-setting", test_check_names_setting);
  ADD ("/central-config/refusal-keeps-settings", test_refusal_keeps_settings);
#undef ADD

  return g_test_run ();
}
