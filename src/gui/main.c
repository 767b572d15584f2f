/* main.c - entry point of catd-station
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "catd-application.h"

/* Translations from the installed locale folder, or from the build tree's
 * when the program runs uninstalled. */
static const char *
locale_dir (void)
{
  g_autofree char *installed = g_build_filename (LOCALEDIR, "es", "LC_MESSAGES",
                                                 GETTEXT_PACKAGE ".mo", NULL);

  if (g_getenv ("CATD_LOCALEDIR") != NULL)
    return g_getenv ("CATD_LOCALEDIR");
  if (!g_file_test (installed, G_FILE_TEST_EXISTS))
    return CATD_BUILD_LOCALE_DIR;
  return LOCALEDIR;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CatdApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, locale_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = catd_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
