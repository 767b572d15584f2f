/* catd-demo.c - the demo station: election, users, scanners and a central site
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "catd-catalog.h"
#include "catd-demo.h"
#include "catd-synth.h"

/* `catd-station --demo` must show the whole product on a machine with no
 * scanner and no network: a fresh data directory with the demo election and
 * one user per role, SANE's own test and pnm backends (through a private
 * SANE_CONFIG_DIR, so the machine's configuration is not touched), acta pages
 * rendered on demand for the pnm backend, and a catd-central child on a free
 * loopback port for the station to upload to. Layout of the demo folder:
 *
 *   station/        the station's data directory
 *   central/        the central site's data directory
 *   sane/           dll.conf (test, pnm) and test.conf
 *   pages/          synthetic acta pages, CLAVE.pnm
 *   tokens, station.token
 */

#define DEMO_STATION_ID "CATD-14-DEMO"

static const CatdDemoUser demo_users[] = {
  /* The coordinator comes first: the first user of a station must be one. */
  { "coordinadora", "Coordinadora Demo", CATD_ROLE_COORDINADOR, "2024" },
  { "acopio1", "Acopiador Demo", CATD_ROLE_ACOPIADOR, "1111" },
  { "digital1", "Digitalizador Demo", CATD_ROLE_DIGITALIZADOR, "2222" },
  { "captura1", "Capturista Demo A", CATD_ROLE_CAPTURISTA, "3333" },
  { "captura2", "Capturista Demo B", CATD_ROLE_CAPTURISTA, "4444" },
  { "verifica1", "Verificador Demo", CATD_ROLE_VERIFICADOR, "5555" },
};

struct _CatdDemo
{
  char        *dir;
  char        *catalog_path;
  char        *central_url;
  GSubprocess *central;
  CatdStation *station;
};

const CatdDemoUser *
catd_demo_users (guint *n_users)
{
  *n_users = G_N_ELEMENTS (demo_users);
  return demo_users;
}

/* The SANE configuration folder of a demo; export it as SANE_CONFIG_DIR on
 * the main thread before anything scans. */
char *
catd_demo_sane_dir (const char *demo_dir)
{
  return g_build_filename (demo_dir, "sane", NULL);
}

static char *
find_demo_catalog (void)
{
  const char *env = g_getenv ("CATD_DEMO_CATALOG");
  g_autofree char *source = g_build_filename (CATD_SOURCE_DIR, "data", "demo", "catalog.json", NULL);

  if (env != NULL)
    return g_strdup (env);
  /* Run from the build tree, the source tree's copy is the current one. */
  if (g_file_test (source, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&source);
  return g_build_filename (CATD_DATADIR, "demo", "catalog.json", NULL);
}

static char *
find_central_program (void)
{
  const char *env = g_getenv ("CATD_CENTRAL");
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *beside = NULL;

  if (env != NULL)
    return g_strdup (env);
  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);

      beside = g_build_filename (dir, "catd-central", NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  return g_find_program_in_path ("catd-central");
}

static gboolean
write_private_file (const char  *path,
                    const char  *contents,
                    GError     **error)
{
  return g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                   error);
}

static void
die_with_parent (gpointer data)
{
  /* The central site of a demo lives exactly as long as the station. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Spawned from the main thread: PR_SET_PDEATHSIG fires when the *thread*
 * that forked the child ends, and a worker thread of GLib's pool ends
 * whenever it is idle long enough (the demo's central site died with it). */
static gboolean
start_central (CatdDemo    *demo,
               const char  *catalog,
               const char  *token,
               GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = find_central_program ();
  g_autofree char *central_dir = g_build_filename (demo->dir, "central", NULL);
  g_autofree char *tokens = g_build_filename (demo->dir, "tokens", NULL);
  g_autofree char *contents = g_strdup_printf ("%s %s\n", DEMO_STATION_ID, token);

  if (program == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "catd-central was not found beside catd-station nor in PATH");
      return FALSE;
    }
  if (!write_private_file (tokens, contents, error))
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  demo->central = g_subprocess_launcher_spawn (launcher, error, program,
                                               "--listen", "127.0.0.1:0",
                                               "--data-dir", central_dir,
                                               "--tokens", tokens,
                                               "--catalog", catalog, NULL);
  return demo->central != NULL;
}

/* The server prints "listening on URL" once it accepts connections. */
static gboolean
wait_central (CatdDemo  *demo,
              GError   **error)
{
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (demo->central));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "the demo central site did not start");
      return FALSE;
    }
  demo->central_url = g_strdup (line + strlen ("listening on "));
  g_strchomp (demo->central_url);
  return TRUE;
}

static gboolean
write_sane_config (CatdDemo  *demo,
                   GError   **error)
{
  g_autofree char *dir = catd_demo_sane_dir (demo->dir);
  g_autofree char *dll = g_build_filename (dir, "dll.conf", NULL);
  g_autofree char *test = g_build_filename (dir, "test.conf", NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s", dir);
      return FALSE;
    }
  /* The test backend's default page (200 mm) is shorter than a Letter acta. */
  return g_file_set_contents (dll, "test\npnm\n", -1, error) &&
         g_file_set_contents (test, "geometry_max 300\n", -1, error);
}

/**
 * catd_demo_prepare:
 * @data_dir: (nullable): an empty or missing folder for the demo; %NULL: a
 *   new temporary one
 *
 * The demo's first half, on the main thread (it only writes a few small
 * files and starts the central site's process): the folder, the SANE
 * configuration, the central site's tokens and the catd-central child.
 * The caller exports SANE_CONFIG_DIR = catd_demo_sane_dir () next, then
 * runs catd_demo_finish () on a worker thread.
 */
CatdDemo *
catd_demo_prepare (const char  *data_dir,
                   GError     **error)
{
  g_autoptr(CatdDemo) demo = g_new0 (CatdDemo, 1);
  g_autofree char *station_dir = NULL;
  g_autofree char *token_file = NULL;
  g_autofree char *token = NULL;
  g_autofree char *pages = NULL;

  if (data_dir != NULL)
    {
      demo->dir = g_strdup (data_dir);
      if (g_mkdir_with_parents (demo->dir, 0700) != 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                       "cannot create %s", demo->dir);
          return NULL;
        }
    }
  else if (!(demo->dir = g_dir_make_tmp ("catd-demo-XXXXXX", error)))
    return NULL;

  station_dir = g_build_filename (demo->dir, "station", NULL);
  pages = g_build_filename (demo->dir, "pages", NULL);
  token_file = g_build_filename (demo->dir, "station.token", NULL);
  if (g_file_test (station_dir, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s already holds a demo; give an empty folder", demo->dir);
      return NULL;
    }
  g_mkdir_with_parents (pages, 0700);
  if (!write_sane_config (demo, error))
    return NULL;

  demo->catalog_path = find_demo_catalog ();
  {
    guint8 raw[24];

    for (guint i = 0; i < G_N_ELEMENTS (raw); i++)
      raw[i] = g_random_int_range (0, 256);
    token = g_base64_encode (raw, sizeof raw);
  }
  if (!write_private_file (token_file, token, error) ||
      !start_central (demo, demo->catalog_path, token, error))
    return NULL;

  return g_steal_pointer (&demo);
}

/**
 * catd_demo_finish:
 *
 * The demo's slow second half, on a worker thread: waits for the central
 * site to listen, imports the demo election into a new station configured
 * to upload there, and adds the demo users (one PIN hash each).
 */
gboolean
catd_demo_finish (CatdDemo  *demo,
                  GError   **error)
{
  g_autoptr(CatdCatalog) catalog = NULL;
  g_autoptr(CatdUser) coordinator = NULL;
  g_autofree char *station_dir = g_build_filename (demo->dir, "station", NULL);
  g_autofree char *token_file = g_build_filename (demo->dir, "station.token", NULL);
  CatdCentralConfig central = { 0 };

  if (!wait_central (demo, error) ||
      !(catalog = catd_catalog_new_from_file (demo->catalog_path, error)))
    return FALSE;

  central.central_url = demo->central_url;
  central.token_file = token_file;
  demo->station = catd_station_create (station_dir, DEMO_STATION_ID, catalog, &central, error);
  if (demo->station == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (demo_users); i++)
    {
      const CatdDemoUser *u = &demo_users[i];
      g_autoptr(CatdUser) user = catd_station_add_user (demo->station, coordinator, u->login,
                                                        u->name, u->role, u->pin, error);

      if (user == NULL)
        return FALSE;
      if (coordinator == NULL)
        coordinator = g_steal_pointer (&user);
    }
  return TRUE;
}

CatdStation *
catd_demo_get_station (CatdDemo *demo)
{
  return demo->station;
}

const char *
catd_demo_get_dir (CatdDemo *demo)
{
  return demo->dir;
}

const char *
catd_demo_get_central_url (CatdDemo *demo)
{
  return demo->central_url;
}

/**
 * catd_demo_page_for_acta:
 *
 * Returns: (transfer full): the path of a synthetic page of @clave_acta
 *   (binary PGM at 200 dpi, with its QR label), rendered on first use, for the
 *   pnm backend's "filename" option. Slow the first time: call it on a
 *   worker thread.
 */
char *
catd_demo_page_for_acta (CatdStation  *station,
                         const char   *demo_dir,
                         const char   *clave_acta,
                         GError      **error)
{
  g_autofree char *name = g_strconcat (clave_acta, ".pnm", NULL);
  g_autofree char *path = g_build_filename (demo_dir, "pages", name, NULL);
  CatdSynthOptions options = {
    .dpi = 200,
    .skew_degrees = 0.8,
    .noise = TRUE,
    .seed = g_str_hash (clave_acta),
    .format = CATD_SYNTH_PNM,
  };

  if (strchr (clave_acta, '/') != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "not an acta key: %s",
                   clave_acta);
      return NULL;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) &&
      !catd_synth_render (station, clave_acta, &options, path, NULL, error))
    return NULL;
  return g_steal_pointer (&path);
}

void
catd_demo_free (CatdDemo *demo)
{
  if (demo == NULL)
    return;
  if (demo->central != NULL)
    {
      g_subprocess_send_signal (demo->central, SIGTERM);
      g_subprocess_wait (demo->central, NULL, NULL);
    }
  g_clear_object (&demo->central);
  g_clear_object (&demo->station);
  g_free (demo->central_url);
  g_free (demo->catalog_path);
  g_free (demo->dir);
  g_free (demo);
}
