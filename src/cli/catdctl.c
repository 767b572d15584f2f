/* catdctl.c - command-line front end to the station engine (DESIGN §8)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "catd-audit.h"
#include "catd-catalog.h"
#include "catd-errors.h"
#include "catd-export.h"
#include "catd-scan-batch.h"
#include "catd-station.h"
#include "catd-sync.h"
#include "catd-synth.h"

/* catdctl is deliberately thin: it parses arguments, authenticates the
 * acting user, calls one libcatd function and prints the answer. Exit codes
 * and the one-line "error: " message are the contract of DESIGN §8:
 * 0 ok, 2 invalid input, 3 refused by state or rule, 4 device, I/O or
 * network failure, 5 integrity failure. */

#define EXIT_INVALID 2

typedef struct
{
  const char *name;
  gboolean    has_arg;
} OptSpec;

typedef struct
{
  /* global */
  char        *data_dir;
  char        *login;
  gboolean     json;
  /* the command */
  char        *command;
  GPtrArray   *positional;   /* char* */
  GHashTable  *options;      /* name -> GPtrArray of char* (flags hold "") */
  GPtrArray   *rest;         /* unparsed command words */
} Args;

static void
args_clear (Args *args)
{
  g_clear_pointer (&args->data_dir, g_free);
  g_clear_pointer (&args->login, g_free);
  g_clear_pointer (&args->command, g_free);
  g_clear_pointer (&args->positional, g_ptr_array_unref);
  g_clear_pointer (&args->options, g_hash_table_unref);
  g_clear_pointer (&args->rest, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Args, args_clear)

/* Prints @message on one line whatever it quotes from the input: control
 * characters are written as escapes. */
static void
print_error_line (const char *message)
{
  g_autoptr(GString) line = g_string_new ("error: ");

  for (const char *c = message; *c; c++)
    {
      if (*c == '\n')
        g_string_append (line, "\\n");
      else if (*c == '\r')
        g_string_append (line, "\\r");
      else if (*c == '\t')
        g_string_append (line, "\\t");
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
  int code;

  /* A NULL error here is a bug in libcatd; still answer in the contract. */
  if (error == NULL)
    {
      print_error_line ("internal error: the operation failed without saying why");
      return 4;
    }
  code = catd_error_classify (error);
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

static const char *
opt (Args       *args,
     const char *name)
{
  GPtrArray *values = g_hash_table_lookup (args->options, name);

  return values && values->len ? g_ptr_array_index (values, values->len - 1) : NULL;
}

static gboolean
has_opt (Args       *args,
         const char *name)
{
  return g_hash_table_contains (args->options, name);
}

/* Splits off the global options (which may stand anywhere) and the command
 * word(s); the rest waits for the command's own spec. */
static int
parse_global (int    argc,
              char **argv,
              Args  *args)
{
  args->rest = g_ptr_array_new_with_free_func (g_free);
  args->positional = g_ptr_array_new_with_free_func (g_free);
  args->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify)g_ptr_array_unref);

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      char **target = NULL;

      if (g_str_equal (arg, "--json"))
        {
          args->json = TRUE;
          continue;
        }
      if (g_str_equal (arg, "--data-dir"))
        target = &args->data_dir;
      else if (g_str_equal (arg, "--user"))
        target = &args->login;
      if (target != NULL)
        {
          if (i + 1 >= argc)
            return usage_error ("%s needs a value", arg);
          g_free (*target);
          *target = g_strdup (argv[++i]);
          continue;
        }
      if (g_str_has_prefix (arg, "--data-dir="))
        {
          g_free (args->data_dir);
          args->data_dir = g_strdup (arg + strlen ("--data-dir="));
          continue;
        }
      if (g_str_has_prefix (arg, "--user="))
        {
          g_free (args->login);
          args->login = g_strdup (arg + strlen ("--user="));
          continue;
        }
      if (args->command == NULL && arg[0] != '-')
        {
          args->command = g_strdup (arg);
          /* Two-word commands. */
          if ((g_str_equal (arg, "user") || g_str_equal (arg, "audit")) && i + 1 < argc &&
              argv[i + 1][0] != '-')
            {
              g_free (args->command);
              args->command = g_strdup_printf ("%s %s", arg, argv[++i]);
            }
          continue;
        }
      g_ptr_array_add (args->rest, g_strdup (arg));
    }
  return 0;
}

static int
parse_command (Args          *args,
               const OptSpec *specs,
               guint          min_positional,
               guint          max_positional)
{
  for (guint i = 0; i < args->rest->len; i++)
    {
      const char *arg = g_ptr_array_index (args->rest, i);
      g_autofree char *name = NULL;
      const char *value = NULL;
      const OptSpec *spec = NULL;
      GPtrArray *values;

      if (!g_str_has_prefix (arg, "--") || g_str_equal (arg, "-"))
        {
          g_ptr_array_add (args->positional, g_strdup (arg));
          continue;
        }
      name = g_strdup (arg + 2);
      if (strchr (name, '='))
        {
          *strchr (name, '=') = '\0';
          value = strchr (arg, '=') + 1;
        }
      for (const OptSpec *s = specs; s && s->name; s++)
        if (g_str_equal (s->name, name))
          spec = s;
      if (spec == NULL)
        return usage_error ("'%s' takes no option --%s (see 'catdctl --help')", args->command,
                            name);
      if (spec->has_arg && value == NULL)
        {
          if (i + 1 >= args->rest->len)
            return usage_error ("--%s needs a value", name);
          value = g_ptr_array_index (args->rest, ++i);
        }
      else if (!spec->has_arg && value != NULL)
        return usage_error ("--%s takes no value", name);

      values = g_hash_table_lookup (args->options, name);
      if (values == NULL)
        {
          values = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (args->options, g_strdup (name), values);
        }
      g_ptr_array_add (values, g_strdup (value ? value : ""));
    }

  if (args->positional->len < min_positional)
    return usage_error ("'%s' needs %u argument%s (see 'catdctl --help')", args->command,
                        min_positional, min_positional == 1 ? "" : "s");
  if (args->positional->len > max_positional)
    return usage_error ("'%s' got an unexpected argument '%s'", args->command,
                        (char *)g_ptr_array_index (args->positional, max_positional));
  return 0;
}

static const char *
positional (Args  *args,
            guint  index)
{
  return g_ptr_array_index (args->positional, index);
}

static char *
default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "catd-station", NULL);
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

/* ---- the acting user --------------------------------------------------------- */

/* Authenticates --user with the PIN in CATD_PIN. Returns NULL with an exit
 * code in @code when it cannot. With @required FALSE and no --user, returns
 * NULL and code 0. */
static CatdUser *
acting_user (CatdStation *station,
             Args        *args,
             gboolean     required,
             int         *code)
{
  GError *error = NULL;
  const char *pin;
  CatdUser *user;

  *code = 0;
  if (args->login == NULL)
    {
      if (required)
        *code = usage_error ("'%s' needs the acting user: --user LOGIN, with the PIN in CATD_PIN",
                             args->command);
      return NULL;
    }
  pin = g_getenv ("CATD_PIN");
  if (pin == NULL || *pin == '\0')
    {
      *code = usage_error ("set the PIN of %s in the environment variable CATD_PIN", args->login);
      return NULL;
    }
  user = catd_station_authenticate (station, args->login, pin, &error);
  if (user == NULL)
    *code = fail_with (error);
  return user;
}

static CatdStation *
open_station (Args *args,
              int  *code)
{
  g_autofree char *dir = args->data_dir ? g_strdup (args->data_dir) : default_data_dir ();
  GError *error = NULL;
  CatdStation *station = catd_station_open (dir, &error);

  *code = station ? 0 : fail_with (error);
  return station;
}

static JsonNode *
read_values (const char  *source,
             GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (g_str_equal (source, "-"))
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);

      if (!json_parser_load_from_stream (parser, in, NULL, &local_error))
        goto bad;
    }
  else if (!json_parser_load_from_file (parser, source, &local_error))
    {
      if (local_error->domain == G_FILE_ERROR)
        {
          g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                       "cannot read values file: %s", local_error->message);
          return NULL;
        }
      goto bad;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "values must be a JSON object of field code to value");
      return NULL;
    }
  return json_node_ref (root);

bad:
  g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
               "values are not valid JSON: %s", local_error->message);
  return NULL;
}

/* ---- commands ---------------------------------------------------------------- */

static int
cmd_init (Args *args)
{
  static const OptSpec specs[] = {
    { "station-id", TRUE }, { "catalog", TRUE }, { "central", TRUE }, { "token-file", TRUE },
    { "ca-file", TRUE }, { NULL }
  };
  g_autofree char *dir = NULL;
  g_autoptr(CatdCatalog) catalog = NULL;
  g_autoptr(CatdStation) station = NULL;
  CatdCentralConfig central = { 0 };
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, specs, 0, 0)))
    return code;
  if (!opt (args, "station-id") || !opt (args, "catalog"))
    return usage_error ("init needs --station-id ID and --catalog FILE");
  if (opt (args, "central") && !catd_sync_url_is_acceptable (opt (args, "central")))
    return usage_error ("--central must be an https:// URL (plain http:// only to this machine)");
  for (const char *const *f = (const char *[]) { "token-file", "ca-file", NULL }; *f; f++)
    if (opt (args, *f) && !g_file_test (opt (args, *f), G_FILE_TEST_IS_REGULAR))
      return usage_error ("--%s: %s is not a readable file", *f, opt (args, *f));

  if (!(catalog = catd_catalog_new_from_file (opt (args, "catalog"), &error)))
    return fail_with (error);

  central.central_url = opt (args, "central");
  central.token_file = opt (args, "token-file");
  central.ca_file = opt (args, "ca-file");
  dir = args->data_dir ? g_strdup (args->data_dir) : default_data_dir ();
  station = catd_station_create (dir, opt (args, "station-id"), catalog, &central, &error);
  if (station == NULL)
    return fail_with (error);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "station_id");
      json_builder_add_string_value (builder, catd_station_get_id (station));
      json_builder_set_member_name (builder, "data_dir");
      json_builder_add_string_value (builder,
                                     catd_store_get_data_dir (catd_station_get_store (station)));
      json_builder_set_member_name (builder, "catalog_sha256");
      json_builder_add_string_value (builder, catd_catalog_get_sha256 (catalog));
      json_builder_set_member_name (builder, "actas_esperadas");
      json_builder_add_int_value (builder, catd_catalog_count_actas (catalog));
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      print_json (root);
    }
  else
    g_print ("station %s created in %s: %u casillas, %u actas esperadas\n",
             catd_station_get_id (station),
             catd_store_get_data_dir (catd_station_get_store (station)),
             catd_catalog_get_casillas (catalog)->len, catd_catalog_count_actas (catalog));
  return 0;
}

static char *
read_pin_from_stdin (void)
{
  char line[128];

  if (fgets (line, sizeof line, stdin) == NULL)
    return NULL;
  return g_strstrip (g_strdup (line));
}

static int
cmd_user_add (Args *args)
{
  static const OptSpec specs[] = { { "role", TRUE }, { "name", TRUE }, { NULL } };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) actor = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autofree char *pin = NULL;
  GError *error = NULL;
  CatdRole role;
  int code;

  if ((code = parse_command (args, specs, 1, 1)))
    return code;
  if (!opt (args, "role") || !catd_role_from_string (opt (args, "role"), &role))
    return usage_error ("--role must be acopiador, digitalizador, capturista, verificador or "
                        "coordinador");
  if (!opt (args, "name"))
    return usage_error ("user add needs --name NAME");
  if (!(station = open_station (args, &code)))
    return code;
  if (catd_station_has_users (station) && !(actor = acting_user (station, args, TRUE, &code)))
    return code;
  if (!(pin = read_pin_from_stdin ()))
    return usage_error ("give the new user's PIN on standard input");

  user = catd_station_add_user (station, actor, positional (args, 0), opt (args, "name"), role,
                                pin, &error);
  explicit_bzero (pin, strlen (pin));
  if (user == NULL)
    return fail_with (error);
  if (args->json)
    g_print ("{\"login\": \"%s\", \"role\": \"%s\"}\n", catd_user_get_login (user),
             catd_role_to_string (role));
  else
    g_print ("user %s (%s) added\n", catd_user_get_login (user), catd_role_to_string (role));
  return 0;
}

static void
print_registration (Args             *args,
                    CatdRegistration *reg)
{
  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "clave_acta");
      json_builder_add_string_value (builder, reg->clave_acta);
      json_builder_set_member_name (builder, "clave_casilla");
      json_builder_add_string_value (builder, reg->clave_casilla);
      json_builder_set_member_name (builder, "election");
      json_builder_add_string_value (builder, reg->election);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, catd_acta_state_to_string (reg->state));
      json_builder_set_member_name (builder, "fecha_hora_acopio");
      json_builder_add_string_value (builder, reg->registered_at);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      print_json (root);
    }
  else
    g_print ("acta %s (casilla %s, %s) %s at %s\n", reg->clave_acta, reg->clave_casilla,
             reg->election_nombre, catd_acta_state_to_string (reg->state), reg->registered_at);
}

static int
cmd_register (Args *args)
{
  static const OptSpec specs[] = {
    { "tipo-documento", TRUE }, { "traslado", TRUE }, { "fuera-de-catalogo", FALSE },
    { "election", TRUE }, { NULL }
  };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  CatdRegisterOptions options = { 0 };
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, specs, 1, 1)))
    return code;
  options.tipo_documento = opt (args, "tipo-documento");
  options.traslado = opt (args, "traslado");
  options.fuera_de_catalogo = has_opt (args, "fuera-de-catalogo");
  options.election = opt (args, "election");
  if (options.fuera_de_catalogo && options.election == NULL)
    return usage_error ("--fuera-de-catalogo needs --election ID: the election the acta is for");
  if (!options.fuera_de_catalogo && options.election != NULL)
    return usage_error ("--election is only for --fuera-de-catalogo: a catalog acta's key "
                        "already names its election");
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;

  reg = catd_station_register (station, user, positional (args, 0), &options, &error);
  if (reg == NULL)
    return fail_with (error);
  print_registration (args, reg);
  return 0;
}

static int
cmd_sin_acta (Args *args)
{
  static const OptSpec specs[] = { { "reason", TRUE }, { NULL } };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(CatdRegistration) reg = NULL;
  CatdSinActaReason reason;
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, specs, 1, 1)))
    return code;
  if (!opt (args, "reason") || !catd_sin_acta_reason_from_string (opt (args, "reason"), &reason))
    return usage_error ("--reason must be paquete-no-entregado, casilla-no-instalada or "
                        "sin-sobre");
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;

  reg = catd_station_sin_acta (station, user, positional (args, 0), reason, &error);
  if (reg == NULL)
    return fail_with (error);
  print_registration (args, reg);
  return 0;
}

static int
cmd_requeue (Args *args)
{
  static const OptSpec specs[] = { { NULL } };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  GError *error = NULL;
  guint n = 0;
  int code;

  if ((code = parse_command (args, specs, 0, 1)))
    return code;
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;
  if (!catd_station_requeue_dead (station, user, args->positional->len ? positional (args, 0) : NULL,
                                  &n, &error))
    return fail_with (error);
  if (args->json)
    g_print ("{\"requeued\":%u}\n", n);
  else
    g_print ("%u dead letter%s back in the upload queue\n", n, n == 1 ? "" : "s");
  return 0;
}

static int
cmd_import_image (Args *args)
{
  static const OptSpec specs[] = {
    { "acta", TRUE }, { "replace", FALSE }, { "reason", TRUE }, { NULL }
  };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  CatdImageInfo info;
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, specs, 1, 1)))
    return code;
  if (!opt (args, "acta"))
    return usage_error ("import-image needs --acta CLAVE_ACTA");
  if (has_opt (args, "replace") && !opt (args, "reason"))
    return usage_error ("--replace needs --reason TEXT");
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;

  if (!catd_station_import_image (station, user, opt (args, "acta"), positional (args, 0),
                                  has_opt (args, "replace") ? opt (args, "reason") : NULL, &info,
                                  &error))
    return fail_with (error);
  if (args->json)
    {
      g_autofree char *path = catd_image_path (catd_store_get_images_dir (
                                                 catd_station_get_store (station)), info.sha256);
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *clave = catd_normalize_clave (opt (args, "acta"));

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "clave_acta");
      json_builder_add_string_value (builder, clave);
      json_builder_set_member_name (builder, "sha256");
      json_builder_add_string_value (builder, info.sha256);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, path);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, info.size);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, info.width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, info.height);
      json_builder_set_member_name (builder, "dpi");
      json_builder_add_double_value (builder, info.dpi);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      print_json (root);
    }
  else
    g_print ("image %s stored for acta %s (%ux%u)\n", info.sha256, opt (args, "acta"),
             info.width, info.height);
  return 0;
}

typedef enum { STEP_CAPTURE, STEP_REKEY, STEP_ARBITRATE, STEP_RESOLVE } Step;

static int
cmd_capture_step (Args *args,
                  Step  step)
{
  static const OptSpec specs[] = { { "values", TRUE }, { "note", TRUE }, { NULL } };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(JsonNode) values = NULL;
  g_autoptr(CatdCaptureResult) result = NULL;
  GError *error = NULL;
  const char *clave;
  int code;

  if ((code = parse_command (args, specs, 1, 1)))
    return code;
  if (!opt (args, "values"))
    return usage_error ("'%s' needs --values FILE (or - for standard input)", args->command);
  if (step == STEP_RESOLVE && !opt (args, "note"))
    return usage_error ("resolve needs --note TEXT saying why");
  if (step != STEP_RESOLVE && opt (args, "note"))
    return usage_error ("--note is only for resolve");
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;
  if (!(values = read_values (opt (args, "values"), &error)))
    return fail_with (error);

  clave = positional (args, 0);
  switch (step)
    {
    case STEP_CAPTURE:
      result = catd_station_capture (station, user, clave, values, &error);
      break;
    case STEP_REKEY:
      result = catd_station_rekey (station, user, clave, values, &error);
      break;
    case STEP_ARBITRATE:
      result = catd_station_arbitrate (station, user, clave, values, &error);
      break;
    case STEP_RESOLVE:
      result = catd_station_resolve (station, user, clave, values, opt (args, "note"), &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (result == NULL)
    return fail_with (error);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "clave_acta");
      json_builder_add_string_value (builder, result->clave_acta);
      json_builder_set_member_name (builder, "pass");
      json_builder_add_int_value (builder, result->pass);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, catd_capture_status_to_string (result->status));
      json_builder_set_member_name (builder, "fields");
      json_builder_begin_array (builder);
      for (guint i = 0; result->fields[i]; i++)
        json_builder_add_string_value (builder, result->fields[i]);
      json_builder_end_array (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      print_json (root);
    }
  else
    {
      g_autofree char *fields = g_strjoinv (", ", result->fields);

      switch (result->status)
        {
        case CATD_CAPTURE_AWAITING_PASS2:
          g_print ("acta %s: first capture saved; it waits for a second capturista\n",
                   result->clave_acta);
          break;
        case CATD_CAPTURE_VERIFIED:
          g_print ("acta %s: verified and queued for upload\n", result->clave_acta);
          break;
        case CATD_CAPTURE_REKEY_REQUIRED:
          g_print ("acta %s: the captures disagree; re-key these fields: %s\n",
                   result->clave_acta, fields);
          break;
        case CATD_CAPTURE_ARBITRATION:
          g_print ("acta %s: still disputed, sent to arbitration: %s\n", result->clave_acta,
                   fields);
          break;
        case CATD_CAPTURE_COORDINATOR:
          g_print ("acta %s: arbitration did not settle these fields; the coordinator decides: "
                   "%s\n", result->clave_acta, fields);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return 0;
}

static int
cmd_show (Args *args)
{
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, NULL, 1, 1)))
    return code;
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;
  if (!(node = catd_station_show (station, user, positional (args, 0), &error)))
    return fail_with (error);
  print_json (node);
  return 0;
}

static int
cmd_status (Args *args)
{
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;
  JsonObject *object, *states, *queue;
  JsonArray *users;
  GList *members;
  int code;

  if ((code = parse_command (args, NULL, 0, 0)))
    return code;
  if (!(station = open_station (args, &code)))
    return code;
  /* Status reveals no values; a user given is still checked. */
  if (args->login && !(user = acting_user (station, args, TRUE, &code)))
    return code;
  if (!(node = catd_station_status (station, &error)))
    return fail_with (error);
  if (args->json)
    {
      print_json (node);
      return 0;
    }

  object = json_node_get_object (node);
  states = json_object_get_object_member (object, "states");
  queue = json_object_get_object_member (object, "queue");
  users = json_object_get_array_member (object, "users");
  g_print ("station %s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " actas registered, %"
           G_GINT64_FORMAT " final\n",
           json_object_get_string_member (object, "station_id"),
           json_object_get_int_member (object, "registered"),
           json_object_get_int_member (object, "actas_esperadas"),
           json_object_get_int_member (object, "settled"));
  members = json_object_get_members (states);
  for (GList *m = members; m; m = m->next)
    g_print ("  %-18s %6" G_GINT64_FORMAT "\n", (char *)m->data,
             json_object_get_int_member (states, m->data));
  g_list_free (members);
  g_print ("upload queue: %" G_GINT64_FORMAT " pending (%" G_GINT64_FORMAT " images, %"
           G_GINT64_FORMAT " records), %" G_GINT64_FORMAT " sent, %" G_GINT64_FORMAT
           " failed for good\n",
           json_object_get_int_member (queue, "pending"),
           json_object_get_int_member (queue, "pending_images"),
           json_object_get_int_member (queue, "pending_records"),
           json_object_get_int_member (queue, "sent"),
           json_object_get_int_member (queue, "dead"));
  g_print ("%-16s %-14s %8s %7s %9s %7s %8s\n", "user", "role", "fields", "errors", "err/1000",
           "actas", "actas/h");
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *u = json_array_get_object_element (users, i);

      g_print ("%-16s %-14s %8" G_GINT64_FORMAT " %7" G_GINT64_FORMAT " %9.1f %7"
               G_GINT64_FORMAT " %8.1f\n",
               json_object_get_string_member (u, "login"),
               json_object_get_string_member (u, "role"),
               json_object_get_int_member (u, "fields_keyed"),
               json_object_get_int_member (u, "errors"),
               json_object_get_double_member (u, "errors_per_1000_fields"),
               json_object_get_int_member (u, "actas_keyed"),
               json_object_get_double_member (u, "actas_per_hour"));
    }
  return 0;
}

/* The station's export, as its acting user may see it. */
typedef struct
{
  CatdStation *station;
  CatdUser    *user;
} StationExport;

static char *
station_export_csv (gpointer     data,
                    const char  *election,
                    char         delimiter,
                    GError     **error)
{
  StationExport *source = data;

  return catd_station_export_prep_csv (source->station, source->user, election, delimiter,
                                       error);
}

static GStrv
station_elections (gpointer   data,
                   GError   **error)
{
  return catd_station_list_elections (((StationExport *) data)->station, error);
}

static int
cmd_export (Args *args)
{
  static const OptSpec specs[] = {
    { "format", TRUE }, { "election", TRUE }, { "out", TRUE }, { "delimiter", TRUE }, { NULL }
  };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;
  char delimiter = '|';
  int code;

  if ((code = parse_command (args, specs, 0, 0)))
    return code;
  if (g_strcmp0 (opt (args, "format"), "prep-csv") != 0)
    return usage_error ("export needs --format prep-csv");
  if (opt (args, "delimiter"))
    {
      if (g_str_equal (opt (args, "delimiter"), ","))
        delimiter = ',';
      else if (!g_str_equal (opt (args, "delimiter"), "|"))
        return usage_error ("--delimiter must be '|' or ','");
    }
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;

  {
    StationExport data = { station, user };
    CatdExportSource source = { station_export_csv, station_elections, &data };

    if (!catd_export_write (&source, opt (args, "election"), opt (args, "out"), delimiter,
                            written, &error))
      return fail_with (error);
  }

  if (written->len > 0)
    {
      if (args->json)
        {
          g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
          g_autoptr(JsonNode) root = NULL;

          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "files");
          json_builder_begin_array (builder);
          for (guint i = 0; i < written->len; i++)
            json_builder_add_string_value (builder, g_ptr_array_index (written, i));
          json_builder_end_array (builder);
          json_builder_end_object (builder);
          root = json_builder_get_root (builder);
          print_json (root);
        }
      else
        for (guint i = 0; i < written->len; i++)
          g_print ("%s\n", (char *)g_ptr_array_index (written, i));
    }
  return 0;
}

static int
cmd_audit_verify (Args *args)
{
  g_autoptr(CatdStation) station = NULL;
  GError *error = NULL;
  gint64 n = 0;
  int code;

  if ((code = parse_command (args, NULL, 0, 0)))
    return code;
  if (!(station = open_station (args, &code)))
    return code;
  if (!catd_station_audit_verify (station, &n, &error))
    return fail_with (error);
  if (args->json)
    g_print ("{\"ok\": true, \"rows\": %" G_GINT64_FORMAT "}\n", n);
  else
    g_print ("audit log intact: %" G_GINT64_FORMAT " rows verified\n", n);
  return 0;
}

static int
cmd_audit_export (Args *args)
{
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(GOutputStream) out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, NULL, 0, 0)))
    return code;
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;
  if (!catd_station_audit_export (station, user, out, &error))
    return fail_with (error);
  return 0;
}

static int
cmd_check (Args *args)
{
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, NULL, 0, 0)))
    return code;
  if (!(station = open_station (args, &code)))
    return code;
  if (!catd_station_check (station, &warnings, &error))
    return fail_with (error);
  for (guint i = 0; i < warnings->len; i++)
    g_printerr ("warning: %s\n", (char *)g_ptr_array_index (warnings, i));
  if (args->json)
    g_print ("{\"ok\": true, \"warnings\": %u}\n", warnings->len);
  else
    g_print ("station database and images check out\n");
  return 0;
}

static int
cmd_synth (Args *args)
{
  static const OptSpec specs[] = {
    { "out", TRUE }, { "format", TRUE }, { "dpi", TRUE }, { "skew", TRUE }, { "noise", FALSE },
    { "seed", TRUE }, { NULL }
  };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(JsonBuilder) answers = json_builder_new ();
  g_autoptr(JsonBuilder) pages = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *answers_path = NULL;
  g_autofree char *answers_text = NULL;
  CatdSynthOptions options = { .dpi = 300, .format = CATD_SYNTH_PNM };
  GError *error = NULL;
  const char *out;
  int code;

  if ((code = parse_command (args, specs, 1, G_MAXUINT)))
    return code;
  if (!(out = opt (args, "out")))
    return usage_error ("synth needs --out DIR");
  if (opt (args, "format") && g_str_equal (opt (args, "format"), "tiff"))
    options.format = CATD_SYNTH_TIFF;
  else if (opt (args, "format") && !g_str_equal (opt (args, "format"), "pnm"))
    return usage_error ("--format must be pnm or tiff");
  if (opt (args, "dpi"))
    options.dpi = (guint)g_ascii_strtoull (opt (args, "dpi"), NULL, 10);
  if (opt (args, "skew"))
    options.skew_degrees = g_ascii_strtod (opt (args, "skew"), NULL);
  if (opt (args, "seed"))
    options.seed = (guint32)g_ascii_strtoull (opt (args, "seed"), NULL, 10);
  options.noise = has_opt (args, "noise");
  if (g_mkdir_with_parents (out, 0755) != 0)
    return usage_error ("cannot create the directory %s: %s", out, g_strerror (errno));
  if (!(station = open_station (args, &code)))
    return code;

  json_builder_begin_object (answers);
  json_builder_begin_array (pages);
  for (guint i = 0; i < args->positional->len; i++)
    {
      g_autofree char *clave = catd_normalize_clave (positional (args, i));
      g_autofree char *name = NULL;
      g_autofree char *path = NULL;
      JsonNode *values = NULL;

      if (clave == NULL)
        return usage_error ("'%s' is not an acta key", positional (args, i));
      name = g_strconcat (clave, options.format == CATD_SYNTH_TIFF ? ".tif" : ".pnm", NULL);
      path = g_build_filename (out, name, NULL);
      if (!catd_synth_render (station, clave, &options, path, &values, &error))
        return fail_with (error);
      json_builder_set_member_name (answers, clave);
      json_builder_add_value (answers, values);
      json_builder_begin_object (pages);
      json_builder_set_member_name (pages, "clave_acta");
      json_builder_add_string_value (pages, clave);
      json_builder_set_member_name (pages, "path");
      json_builder_add_string_value (pages, path);
      json_builder_end_object (pages);
    }
  json_builder_end_object (answers);
  json_builder_end_array (pages);

  /* The answer key: acta -> the values file `capture` takes for it. */
  root = json_builder_get_root (answers);
  answers_text = json_to_string (root, TRUE);
  answers_path = g_build_filename (out, "answers.json", NULL);
  if (!g_file_set_contents (answers_path, answers_text, -1, &error))
    return fail_with (error);

  if (args->json)
    {
      g_autoptr(JsonNode) list = json_builder_get_root (pages);
      g_autoptr(JsonBuilder) result = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;

      json_builder_begin_object (result);
      json_builder_set_member_name (result, "pages");
      json_builder_add_value (result, g_steal_pointer (&list));
      json_builder_set_member_name (result, "answers");
      json_builder_add_string_value (result, answers_path);
      json_builder_end_object (result);
      node = json_builder_get_root (result);
      print_json (node);
    }
  else
    g_print ("%u page(s) in %s; answer key %s\n", args->positional->len, out, answers_path);
  return 0;
}

/* ---- scanning ---------------------------------------------------------------- */

static void
print_json_line (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, FALSE);

  g_print ("%s\n", text);
}

/* A device name in messages: the scanner's own errors name it already. */
static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
await_list_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

static int
cmd_scanners (Args *args)
{
  g_autoptr(CatdScanner) scanner = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, NULL, 0, 0)))
    return code;

  scanner = catd_scanner_new ();
  catd_scanner_list_devices_async (scanner, NULL, await_list_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!(devices = catd_scanner_list_devices_finish (scanner, result, &error)))
    return fail_with (error);

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; i < devices->len; i++)
        {
          CatdScanDevice *device = g_ptr_array_index (devices, i);

          json_builder_begin_object (builder);
          add_string_member (builder, "name", device->name);
          add_string_member (builder, "vendor", device->vendor);
          add_string_member (builder, "model", device->model);
          add_string_member (builder, "type", device->type);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      print_json (root);
    }
  else if (devices->len == 0)
    g_print ("no scanner found\n");
  else
    for (guint i = 0; i < devices->len; i++)
      {
        CatdScanDevice *device = g_ptr_array_index (devices, i);

        g_print ("%s\t%s %s (%s)\n", device->name, device->vendor, device->model, device->type);
      }
  return 0;
}

typedef struct
{
  Args           *args;
  CatdScanBatch  *batch;
  GMainLoop      *loop;
  GError         *error;        /* how the batch ended */
  char           *stopped_at;   /* why a non-interactive batch stopped */
  gboolean        interactive;
  gboolean        operator_cancelled;
  guint           n_stored;
} ScanRun;

static void
print_page (ScanRun              *run,
            const CatdScanResult *result,
            const char           *status)
{
  CatdScanPage *page = result->page;

  if (run->args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "page");
      json_builder_add_int_value (builder, result->number);
      add_string_member (builder, "status", status);
      add_string_member (builder, "clave_acta", result->stored ? result->clave_acta :
                         result->check ? result->check->clave_acta : NULL);
      add_string_member (builder, "sha256", result->stored ? result->info.sha256 : NULL);
      add_string_member (builder, "path", result->path);
      json_builder_set_member_name (builder, "width");
      json_builder_add_int_value (builder, page->width);
      json_builder_set_member_name (builder, "height");
      json_builder_add_int_value (builder, page->height);
      json_builder_set_member_name (builder, "dpi");
      json_builder_add_double_value (builder, page->dpi);
      add_string_member (builder, "mode", page->channels == 3 ? "color" : "gray");
      add_string_member (builder, "device", page->device);
      add_string_member (builder, "binding", result->stored ? result->binding : NULL);
      json_builder_set_member_name (builder, "checks");
      json_builder_begin_object (builder);
      add_string_member (builder, "verdict", result->check
                         ? catd_page_verdict_to_string (result->check->verdict) : NULL);
      json_builder_set_member_name (builder, "blank");
      json_builder_add_boolean_value (builder, result->check &&
                                      result->check->verdict == CATD_PAGE_BLANK);
      add_string_member (builder, "qr", result->check ? result->check->clave_acta : NULL);
      json_builder_set_member_name (builder, "ink");
      json_builder_add_double_value (builder, result->check ? result->check->ink : 0);
      json_builder_end_object (builder);
      add_string_member (builder, "problem", result->problem);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      print_json_line (root);
    }
  else if (result->stored)
    g_print ("page %u: acta %s stored, %s (%ux%u, %.0f dpi, %s)\n", result->number,
             result->clave_acta, result->info.sha256, page->width, page->height, page->dpi,
             page->channels == 3 ? "color" : "gray");
  else
    g_print ("page %u: %s\n", result->number, result->problem);
}

static void
page_stored_cb (CatdScanBatch  *batch,
                CatdScanResult *result,
                ScanRun        *run)
{
  run->n_stored++;
  print_page (run, result, "stored");
}

/* Asks on standard input what to do with a page that failed: "bind
 * CLAVE_ACTA", "rescan", "skip" or "cancel". End of input cancels. */
static void
ask_decision (ScanRun        *run,
              CatdScanResult *result)
{
  for (;;)
    {
      char line[256];
      g_auto(GStrv) words = NULL;
      CatdScanDecision decision;
      g_autoptr(GError) error = NULL;

      g_printerr ("page %u: %s\ndecide: bind CLAVE_ACTA | rescan | skip | cancel\n",
                  result->number, result->problem);
      if (fgets (line, sizeof line, stdin) == NULL)
        decision = CATD_SCAN_DECISION_CANCEL;
      else
        {
          words = g_strsplit_set (g_strstrip (line), " \t", 2);
          if (words[0] == NULL || !catd_scan_decision_from_string (words[0], &decision))
            continue;
        }
      run->operator_cancelled = decision == CATD_SCAN_DECISION_CANCEL;
      if (catd_scan_batch_decide (run->batch, decision, words ? words[1] : NULL, &error))
        return;
      g_printerr ("%s\n", error->message);
      if (!catd_scan_batch_is_paused (run->batch))
        return;
    }
}

static void
page_problem_cb (CatdScanBatch  *batch,
                 CatdScanResult *result,
                 ScanRun        *run)
{
  g_autoptr(GError) error = NULL;

  print_page (run, result, "paused");
  if (run->interactive)
    {
      ask_decision (run, result);
      return;
    }
  /* Nobody to ask: stop the feed at this page and say so. */
  g_free (run->stopped_at);
  run->stopped_at = g_strdup_printf ("page %u: %s", result->number, result->problem);
  if (!catd_scan_batch_decide (batch, CATD_SCAN_DECISION_CANCEL, NULL, &error))
    g_printerr ("warning: %s\n", error->message);
}

static void
batch_finished_cb (CatdScanBatch *batch,
                   const GError  *error,
                   ScanRun       *run)
{
  if (error != NULL)
    run->error = g_error_copy (error);
  g_main_loop_quit (run->loop);
}

static int
cmd_scan (Args *args)
{
  static const OptSpec specs[] = {
    { "device", TRUE }, { "source", TRUE }, { "resolution", TRUE }, { "mode", TRUE },
    { "option", TRUE }, { "acta", TRUE }, { "identify", FALSE }, { "page-size", TRUE },
    { "compression", TRUE }, { "replace", FALSE }, { "reason", TRUE }, { "interactive", FALSE },
    { NULL }
  };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdUser) user = NULL;
  g_autoptr(CatdScanner) scanner = NULL;
  g_autoptr(CatdScanBatch) batch = NULL;
  g_autoptr(CatdScanSettings) settings = catd_scan_settings_new ();
  g_autoptr(GMainLoop) loop = NULL;
  GPtrArray *option_values;
  CatdScanBatchOptions options = { 0 };
  ScanRun run = { args };
  GError *error = NULL;
  int code;

  if ((code = parse_command (args, specs, 0, 0)))
    return code;
  if (has_opt (args, "acta") == has_opt (args, "identify"))
    return usage_error ("scan needs either --acta CLAVE_ACTA or --identify");
  if (opt (args, "source") && !catd_scan_source_from_string (opt (args, "source"),
                                                             &settings->source))
    return usage_error ("--source must be flatbed, adf or duplex");
  if (opt (args, "mode") && !catd_scan_mode_from_string (opt (args, "mode"), &settings->mode))
    return usage_error ("--mode must be gray or color");
  if (opt (args, "page-size") && !catd_page_size_from_string (opt (args, "page-size"),
                                                              &settings->page_size))
    return usage_error ("--page-size must be letter, legal or a4");
  if (opt (args, "resolution"))
    {
      char *end = NULL;

      settings->dpi = g_ascii_strtod (opt (args, "resolution"), &end);
      if (*end != '\0' || settings->dpi < 50 || settings->dpi > 1200)
        return usage_error ("--resolution must be a number of dpi between 50 and 1200");
    }
  if (opt (args, "compression") && g_str_equal (opt (args, "compression"), "jpeg"))
    {
      if (settings->mode != CATD_SCAN_MODE_COLOR)
        return usage_error ("--compression jpeg is for colour pages (--mode color)");
      options.compression = CATD_TIFF_JPEG;
    }
  else if (opt (args, "compression") && !g_str_equal (opt (args, "compression"), "deflate"))
    return usage_error ("--compression must be deflate or jpeg");
  if (has_opt (args, "replace") && !opt (args, "reason"))
    return usage_error ("--replace needs --reason TEXT");
  settings->device = g_strdup (opt (args, "device"));
  if ((option_values = g_hash_table_lookup (args->options, "option")))
    {
      settings->options = g_new0 (char *, option_values->len + 1);
      for (guint i = 0; i < option_values->len; i++)
        settings->options[i] = g_strdup (g_ptr_array_index (option_values, i));
    }
  options.acta = opt (args, "acta");
  options.replace = has_opt (args, "replace");
  options.reason = opt (args, "reason");

  /* The scanner's helper and SANE start while the PIN is checked. */
  scanner = catd_scanner_new ();
  catd_scanner_list_devices_async (scanner, NULL, NULL, NULL);
  if (!(station = open_station (args, &code)) || !(user = acting_user (station, args, TRUE, &code)))
    return code;

  if (!(batch = catd_scan_batch_new (station, user, scanner, settings, &options, &error)))
    return fail_with (error);

  loop = g_main_loop_new (NULL, FALSE);
  run.batch = batch;
  run.loop = loop;
  run.interactive = has_opt (args, "interactive");
  g_signal_connect (batch, "page-stored", G_CALLBACK (page_stored_cb), &run);
  g_signal_connect (batch, "page-problem", G_CALLBACK (page_problem_cb), &run);
  g_signal_connect (batch, "finished", G_CALLBACK (batch_finished_cb), &run);
  if (!catd_scan_batch_start (batch, &error))
    return fail_with (error);
  g_main_loop_run (loop);

  if (!args->json)
    g_print ("%u page(s) stored\n", run.n_stored);
  if (run.stopped_at != NULL)
    {
      print_error_line (run.stopped_at);
      g_free (run.stopped_at);
      g_clear_error (&run.error);
      return CATD_ERROR_CLASS_REFUSED;
    }
  /* The operator's own cancel, at a page that failed, is theirs to make. */
  if (run.operator_cancelled && g_error_matches (run.error, CATD_SCAN_ERROR,
                                                 CATD_SCAN_ERROR_CANCELLED))
    g_clear_error (&run.error);
  if (run.error != NULL)
    return fail_with (run.error);
  return 0;
}

/* ---- upload ------------------------------------------------------------------ */

static gboolean
stop_sync_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_CONTINUE;
}

/* The signal thread's share: the run's cancellable, which SIGINT and SIGTERM
 * cancel, and the main context the thread waits in, which the main thread
 * wakes once the run is over. (A GCancellableSource would do the waking,
 * but GLib 2.74 leaks one destroyed while another thread cancels.) */
typedef struct
{
  GCancellable *cancellable;
  GMainContext *context;
} SyncSignals;

static gpointer
sync_signal_thread (gpointer data)
{
  SyncSignals *signals = data;
  g_autoptr(GSource) sigint = NULL;
  g_autoptr(GSource) sigterm = NULL;

  g_main_context_push_thread_default (signals->context);
  sigint = g_unix_signal_source_new (SIGINT);
  sigterm = g_unix_signal_source_new (SIGTERM);
  g_source_set_callback (sigint, stop_sync_cb, signals->cancellable, NULL);
  g_source_set_callback (sigterm, stop_sync_cb, signals->cancellable, NULL);
  g_source_attach (sigint, signals->context);
  g_source_attach (sigterm, signals->context);
  while (!g_cancellable_is_cancelled (signals->cancellable))
    g_main_context_iteration (signals->context, TRUE);
  g_source_destroy (sigint);
  g_source_destroy (sigterm);
  g_main_context_pop_thread_default (signals->context);
  return NULL;
}

static int
cmd_sync (Args *args)
{
  static const OptSpec specs[] = { { "once", FALSE }, { "timeout", TRUE }, { NULL } };
  g_autoptr(CatdStation) station = NULL;
  g_autoptr(CatdSync) sync = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) signal_context = g_main_context_new ();
  g_autoptr(GThread) signals = NULL;
  SyncSignals shared = { cancellable, signal_context };
  CatdSyncOptions options = { 0 };
  CatdSyncReport report;
  GError *error = NULL;
  gboolean ok;
  int code;

  if ((code = parse_command (args, specs, 0, 0)))
    return code;
  if (opt (args, "timeout"))
    {
      char *end = NULL;
      guint64 seconds = g_ascii_strtoull (opt (args, "timeout"), &end, 10);

      if (*end != '\0' || seconds < 1 || seconds > 600)
        return usage_error ("--timeout must be 1 to 600 seconds");
      options.timeout_s = seconds;
    }
  if (!(station = open_station (args, &code)))
    return code;
  if (!(sync = catd_sync_new (station, &options, &error)))
    return fail_with (error);

  /* SIGINT and SIGTERM end the run between two requests. */
  signals = g_thread_new ("catdctl-signals", sync_signal_thread, &shared);
  if (has_opt (args, "once"))
    ok = catd_sync_run_once (sync, cancellable, &report, &error);
  else
    ok = catd_sync_run (sync, cancellable, &report, &error);
  if (!ok && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      ok = TRUE;
    }
  /* The run is over: the signal thread sees the cancellable once woken (a
   * wakeup before it waits is not lost: the next wait returns at once). */
  g_cancellable_cancel (cancellable);
  g_main_context_wakeup (signal_context);
  g_thread_join (g_steal_pointer (&signals));

  if (args->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "sent");
      json_builder_add_int_value (builder, report.sent);
      json_builder_set_member_name (builder, "dead");
      json_builder_add_int_value (builder, report.dead);
      json_builder_set_member_name (builder, "retries");
      json_builder_add_int_value (builder, report.retries);
      json_builder_set_member_name (builder, "clock_offset_ms");
      if (report.clock_checked)
        json_builder_add_int_value (builder, report.clock_offset_ms);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      print_json (root);
    }
  else
    g_print ("%u sent, %u refused (dead letters), %u retries\n", report.sent, report.dead,
             report.retries);
  if (report.clock_checked && ABS (report.clock_offset_ms) > CATD_SYNC_CLOCK_WARNING_MS)
    g_printerr ("warning: this station's clock is %.1f s %s the central site's\n",
                ABS (report.clock_offset_ms) / 1000.0,
                report.clock_offset_ms > 0 ? "behind" : "ahead of");
  return ok ? 0 : fail_with (error);
}

static void
print_help (void)
{
  g_print (
    "Usage: catdctl [--data-dir DIR] [--json] [--user LOGIN] COMMAND ...\n"
    "\n"
    "The acting user's PIN is read from the environment variable CATD_PIN.\n"
    "\n"
    "Commands:\n"
    "  init --station-id ID --catalog FILE [--central URL --token-file F --ca-file F]\n"
    "  user add LOGIN --role ROLE --name NAME        (the new PIN on standard input)\n"
    "  register CLAVE_ACTA [--tipo-documento T] [--traslado D|F|I]\n"
    "                      [--fuera-de-catalogo --election ID]\n"
    "  sin-acta CLAVE_ACTA --reason paquete-no-entregado|casilla-no-instalada|sin-sobre\n"
    "  scanners\n"
    "  scan [--device NAME] [--source flatbed|adf|duplex] [--resolution DPI]\n"
    "       [--mode gray|color] [--page-size letter|legal|a4] [--compression deflate|jpeg]\n"
    "       [--option NAME=VALUE]... (--acta CLAVE_ACTA [--replace --reason TEXT] | --identify)\n"
    "       [--interactive]        (a page that fails its checks: read bind CLAVE_ACTA,\n"
    "                               rescan, skip or cancel from standard input)\n"
    "  import-image FILE --acta CLAVE_ACTA [--replace --reason TEXT]\n"
    "  capture CLAVE_ACTA --values FILE|-            (pass 1 or 2)\n"
    "  rekey CLAVE_ACTA --values FILE|-              (the fields named by the mismatch)\n"
    "  arbitrate CLAVE_ACTA --values FILE|-          (the disputed fields)\n"
    "  resolve CLAVE_ACTA --values FILE|- --note TEXT\n"
    "  show CLAVE_ACTA\n"
    "  status\n"
    "  export --format prep-csv [--election ID] [--out FILE|DIR] [--delimiter ,]\n"
    "  sync [--once] [--timeout S]                   (upload the queue to the central site)\n"
    "  requeue [REF]                                 (coordinador: dead letters back in the queue)\n"
    "  audit verify | audit export\n"
    "  check\n"
    "  synth CLAVE_ACTA... --out DIR [--format pnm|tiff] [--dpi N] [--skew DEG] [--noise]\n"
    "        [--seed N]                             (synthetic acta pages and their answer key)\n"
    "\n"
    "Exit codes: 0 ok, 2 invalid input, 3 refused by state or rule,\n"
    "4 device, I/O or network failure, 5 integrity failure.\n");
}

int
main (int    argc,
      char **argv)
{
  g_auto(Args) args = { 0 };
  int code;

  setlocale (LC_ALL, "");

  if ((code = parse_global (argc, argv, &args)))
    return code;
  if (args.command == NULL || g_str_equal (args.command, "help") ||
      (args.rest->len > 0 && (g_str_equal (g_ptr_array_index (args.rest, 0), "--help") ||
                              g_str_equal (g_ptr_array_index (args.rest, 0), "-h"))))
    {
      print_help ();
      return args.command == NULL && args.rest->len == 0 ? EXIT_INVALID : 0;
    }

  if (g_str_equal (args.command, "init"))
    return cmd_init (&args);
  if (g_str_equal (args.command, "user add"))
    return cmd_user_add (&args);
  if (g_str_equal (args.command, "register"))
    return cmd_register (&args);
  if (g_str_equal (args.command, "sin-acta"))
    return cmd_sin_acta (&args);
  if (g_str_equal (args.command, "scanners"))
    return cmd_scanners (&args);
  if (g_str_equal (args.command, "scan"))
    return cmd_scan (&args);
  if (g_str_equal (args.command, "import-image"))
    return cmd_import_image (&args);
  if (g_str_equal (args.command, "capture"))
    return cmd_capture_step (&args, STEP_CAPTURE);
  if (g_str_equal (args.command, "rekey"))
    return cmd_capture_step (&args, STEP_REKEY);
  if (g_str_equal (args.command, "arbitrate"))
    return cmd_capture_step (&args, STEP_ARBITRATE);
  if (g_str_equal (args.command, "resolve"))
    return cmd_capture_step (&args, STEP_RESOLVE);
  if (g_str_equal (args.command, "show"))
    return cmd_show (&args);
  if (g_str_equal (args.command, "status"))
    return cmd_status (&args);
  if (g_str_equal (args.command, "export"))
    return cmd_export (&args);
  if (g_str_equal (args.command, "audit verify"))
    return cmd_audit_verify (&args);
  if (g_str_equal (args.command, "audit export"))
    return cmd_audit_export (&args);
  if (g_str_equal (args.command, "check"))
    return cmd_check (&args);
  if (g_str_equal (args.command, "sync"))
    return cmd_sync (&args);
  if (g_str_equal (args.command, "requeue"))
    return cmd_requeue (&args);
  if (g_str_equal (args.command, "synth"))
    return cmd_synth (&args);

  return usage_error ("unknown command '%s' (see 'catdctl --help')", args.command);
}
