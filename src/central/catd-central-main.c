/* catd-central-main.c - the central-site receiver: serve, or export (DESIGN §8)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>

#include "catd-catalog.h"
#include "catd-central-server.h"
#include "catd-central.h"
#include "catd-export.h"
#include "catd-errors.h"
#include "catd-tokens.h"

/* Two commands, each thin over libcatd-central:
 *
 *   catd-central --listen HOST:PORT --data-dir DIR --tokens FILE --catalog FILE
 *                [--tls-cert F --tls-key F]
 *   catd-central export --data-dir DIR --format prep-csv [--election ID]
 *                [--out FILE|DIR] [--delimiter ,]
 *
 * Exit codes and the one "error: " line follow catdctl (DESIGN §8): 0 ok,
 * 2 invalid input, 3 refused, 4 I/O or network failure, 5 integrity. The
 * server prints "listening on URL" on standard output once it accepts
 * connections (a port of 0 picks a free one, which is how tests start it),
 * and stops cleanly on SIGINT or SIGTERM. */

#define EXIT_INVALID 2

typedef struct
{
  const char *name;
  const char *value;
} Option;

static void
print_error_line (const char *message)
{
  g_autoptr(GString) line = g_string_new ("error: ");

  for (const char *c = message; *c; c++)
    {
      if (*c == '\n')
        g_string_append (line, "\\n");
      else if ((guchar)*c < 0x20 || *c == 0x7f)
        g_string_append_printf (line, "\\x%02x", (guchar)*c);
      else
        g_string_append_c (line, *c);
    }
  g_printerr ("%s\n", line->str);
}

static int
fail_with (GError *error)
{
  int code = catd_error_classify (error);

  /* A certificate or key that cannot be used is the operator's to fix. */
  if (error->domain == G_TLS_ERROR)
    code = CATD_ERROR_CLASS_INVALID;
  print_error_line (error->message);
  g_error_free (error);
  return code;
}

G_GNUC_PRINTF (1, 2) static int
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  print_error_line (message);
  return EXIT_INVALID;
}

/* Fills @options (names given without "--", value NULL) from @argv;
 * "--name value" and "--name=value" both work. */
static int
parse_options (int      argc,
               char   **argv,
               int      first,
               Option  *options)
{
  for (int i = first; i < argc; i++)
    {
      const char *arg = argv[i];
      g_autofree char *name = NULL;
      const char *value = NULL;
      Option *option = NULL;

      if (!g_str_has_prefix (arg, "--"))
        return usage_error ("unexpected argument '%s' (see 'catd-central --help')", arg);
      name = g_strdup (arg + 2);
      if (strchr (name, '='))
        {
          *strchr (name, '=') = '\0';
          value = strchr (arg, '=') + 1;
        }
      for (Option *o = options; o->name; o++)
        if (g_str_equal (o->name, name))
          option = o;
      if (option == NULL)
        return usage_error ("unknown option --%s (see 'catd-central --help')", name);
      if (value == NULL)
        {
          if (i + 1 >= argc)
            return usage_error ("--%s needs a value", name);
          value = argv[++i];
        }
      option->value = value;
    }
  return 0;
}

static const char *
option_value (const Option *options,
              const char   *name)
{
  for (const Option *o = options; o->name; o++)
    if (g_str_equal (o->name, name))
      return o->value;
  g_assert_not_reached ();
}

/* "HOST:PORT", "[IPV6]:PORT". */
static gboolean
parse_listen (const char  *text,
              char       **host,
              guint       *port)
{
  const char *colon;
  guint64 number;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        return FALSE;
      *host = g_strndup (text + 1, close - text - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL || memchr (text, ':', colon - text) != NULL)
        return FALSE;
      *host = g_strndup (text, colon - text);
    }
  if (**host == '\0' ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &number, NULL))
    {
      g_clear_pointer (host, g_free);
      return FALSE;
    }
  *port = number;
  return TRUE;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

static int
cmd_serve (int    argc,
           char **argv)
{
  Option options[] = {
    { "listen" }, { "data-dir" }, { "tokens" }, { "catalog" }, { "tls-cert" }, { "tls-key" },
    { NULL }
  };
  g_autoptr(CatdCatalog) catalog = NULL;
  g_autoptr(CatdTokens) tokens = NULL;
  g_autoptr(CatdCentral) central = NULL;
  g_autoptr(CatdCentralServer) server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *host = NULL;
  g_auto(GStrv) urls = NULL;
  GError *error = NULL;
  const char *cert, *key;
  guint port = 0;
  int code;

  if ((code = parse_options (argc, argv, 1, options)))
    return code;
  for (const char * const *required = (const char *[]) { "listen", "data-dir", "tokens",
                                                         "catalog", NULL };
       *required; required++)
    if (option_value (options, *required) == NULL)
      return usage_error ("catd-central needs --%s (see 'catd-central --help')", *required);
  if (!parse_listen (option_value (options, "listen"), &host, &port))
    return usage_error ("--listen takes HOST:PORT (an IPv6 address in brackets: [::1]:8443)");
  cert = option_value (options, "tls-cert");
  key = option_value (options, "tls-key");
  if ((cert == NULL) != (key == NULL))
    return usage_error ("--tls-cert and --tls-key go together");

  if (!(catalog = catd_catalog_new_from_file (option_value (options, "catalog"), &error)) ||
      !(tokens = catd_tokens_new_from_file (option_value (options, "tokens"), &error)))
    return fail_with (error);
  if (cert != NULL && !(certificate = g_tls_certificate_new_from_files (cert, key, &error)))
    {
      g_prefix_error (&error, "cannot use the TLS certificate %s with key %s: ", cert, key);
      return fail_with (error);
    }
  if (!(central = catd_central_open (option_value (options, "data-dir"), catalog, &error)) ||
      !(server = catd_central_server_new (central, tokens, certificate, &error)))
    return fail_with (error);
  if (!catd_central_server_listen (server, host, port, &error))
    {
      g_prefix_error (&error, "cannot listen on %s: ", option_value (options, "listen"));
      return fail_with (error);
    }

  urls = catd_central_server_get_urls (server);
  for (guint i = 0; urls[i]; i++)
    {
      g_autoptr(GUri) uri = g_uri_parse (urls[i], G_URI_FLAGS_NONE, NULL);
      g_autoptr(GInetAddress) address = NULL;

      g_print ("listening on %s\n", urls[i]);
      /* Stations send plain HTTP to their own machine only (DESIGN §7):
       * anywhere else this server will hear from nobody. */
      if (certificate == NULL && uri != NULL &&
          (address = g_inet_address_new_from_string (g_uri_get_host (uri))) != NULL &&
          !g_inet_address_get_is_loopback (address))
        g_printerr ("catd-central: %s is plain HTTP on a network address; stations accept "
                    "plain HTTP only from their own machine: give --tls-cert and --tls-key\n",
                    urls[i]);
    }
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  return 0;
}

static char *
central_export_csv (gpointer     data,
                    const char  *election,
                    char         delimiter,
                    GError     **error)
{
  return catd_central_export_prep_csv (data, election, delimiter, error);
}

static GStrv
central_elections (gpointer   data,
                   GError   **error)
{
  return catd_central_list_elections (data, error);
}

/* The same export as 'catdctl export' (same code: catd_export_prep_csv),
 * over every station's current records. */
static int
cmd_export (int    argc,
            char **argv)
{
  Option options[] = {
    { "data-dir" }, { "format" }, { "election" }, { "out" }, { "delimiter" }, { NULL }
  };
  g_autoptr(CatdCentral) central = NULL;
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  const char *delimiter_text;
  GError *error = NULL;
  char delimiter = '|';
  int code;

  if ((code = parse_options (argc, argv, 2, options)))
    return code;
  if (option_value (options, "data-dir") == NULL)
    return usage_error ("export needs --data-dir");
  if (g_strcmp0 (option_value (options, "format"), "prep-csv") != 0)
    return usage_error ("export needs --format prep-csv");
  if ((delimiter_text = option_value (options, "delimiter")))
    {
      if (g_str_equal (delimiter_text, ","))
        delimiter = ',';
      else if (!g_str_equal (delimiter_text, "|"))
        return usage_error ("--delimiter must be '|' or ','");
    }
  if (!(central = catd_central_open (option_value (options, "data-dir"), NULL, &error)))
    return fail_with (error);

  {
    CatdExportSource source = { central_export_csv, central_elections, central };

    if (!catd_export_write (&source, option_value (options, "election"),
                            option_value (options, "out"), delimiter, written, &error))
      return fail_with (error);
  }

  for (guint i = 0; i < written->len; i++)
    g_print ("%s\n", (char *)g_ptr_array_index (written, i));
  return 0;
}

static void
print_help (void)
{
  g_print (
    "Usage:\n"
    "  catd-central --listen HOST:PORT --data-dir DIR --tokens FILE --catalog FILE\n"
    "               [--tls-cert FILE --tls-key FILE]\n"
    "  catd-central export --data-dir DIR --format prep-csv [--election ID]\n"
    "               [--out FILE|DIR] [--delimiter ,]\n"
    "\n"
    "The tokens file holds one station a line: STATION_ID TOKEN ('#' starts a comment).\n"
    "Without --tls-cert the server speaks plain HTTP: stations accept that only from\n"
    "their own machine, so give it a certificate anywhere else.\n"
    "\n"
    "Exit codes: 0 ok, 2 invalid input, 3 refused (another catalog),\n"
    "4 I/O or network failure, 5 integrity failure.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      print_help ();
      return EXIT_INVALID;
    }
  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_help ();
      return 0;
    }
  if (g_str_equal (argv[1], "export"))
    return cmd_export (argc, argv);
  if (!g_str_has_prefix (argv[1], "--"))
    return usage_error ("unknown command '%s' (see 'catd-central --help')", argv[1]);
  return cmd_serve (argc, argv);
}
