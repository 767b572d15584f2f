/* catd-scand.c - the helper process that holds SANE for the station
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "catd-scan-backend.h"
#include "catd-scan-wire.h"

/* SANE backends run their own threads and end them with pthread_cancel ()
 * (sanei_thread): a thread cancelled while it holds a lock of the C
 * library (malloc's, the dynamic loader's) leaves that lock held for ever,
 * and the next thread to need it hangs. In the station's own process that
 * would freeze the screen; here, only this helper hangs, and the station
 * kills it and starts another (catd-scan-proxy.c). A backend that crashes
 * takes down only this process too.
 *
 * The helper reads requests on standard input and answers on standard
 * output (catd-scan-wire.h), one at a time. It exits when its input
 * closes. */

typedef struct
{
  CatdScanBackend *backend;
  GCancellable    *cancellable;
} Helper;

static void
answer_error (const GError *error)
{
  g_autoptr(JsonNode) json = catd_wire_error_to_json (error);

  if (!catd_wire_send (STDOUT_FILENO, CATD_WIRE_ERROR, json, NULL, 0, NULL))
    exit (1);
}

static void
answer_ok (JsonNode *json)
{
  if (!catd_wire_send (STDOUT_FILENO, CATD_WIRE_OK, json, NULL, 0, NULL))
    exit (1);
}

/* Between two reads of a page: report progress, and see whether the
 * station has asked to cancel. */
static void
progress_cb (double   fraction,
             gpointer data)
{
  Helper *helper = data;
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) json = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "fraction");
  json_builder_add_double_value (builder, fraction);
  json_builder_end_object (builder);
  json = json_builder_get_root (builder);
  if (!catd_wire_send (STDOUT_FILENO, CATD_WIRE_PROGRESS, json, NULL, 0, NULL))
    exit (1);

  while (catd_wire_poll (STDIN_FILENO))
    {
      g_autoptr(CatdWireMessage) message = catd_wire_receive (STDIN_FILENO, -1, -1, NULL);

      if (message == NULL)
        exit (0);
      if (message->type == CATD_WIRE_CANCEL)
        g_cancellable_cancel (helper->cancellable);
    }
}

static void
acquire (Helper *helper)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdScanPage) page = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) json = NULL;

  g_cancellable_reset (helper->cancellable);
  page = helper->backend->acquire (helper->backend, progress_cb, helper, helper->cancellable,
                                   &error);
  if (page == NULL)
    {
      answer_error (error);
      return;
    }

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, page->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, page->height);
  json_builder_set_member_name (builder, "channels");
  json_builder_add_int_value (builder, page->channels);
  json_builder_set_member_name (builder, "stride");
  json_builder_add_int_value (builder, page->stride);
  json_builder_end_object (builder);
  json = json_builder_get_root (builder);
  if (!catd_wire_send (STDOUT_FILENO, CATD_WIRE_PAGE, json,
                       g_bytes_get_data (page->pixels, NULL), (gsize) page->stride * page->height,
                       NULL))
    exit (1);
}

static void
handle (Helper          *helper,
        CatdWireMessage *message)
{
  g_autoptr(GError) error = NULL;

  switch (message->type)
    {
    case CATD_WIRE_LIST:
      {
        g_autoptr(GPtrArray) devices = helper->backend->list_devices (helper->backend, &error);
        g_autoptr(JsonBuilder) builder = NULL;
        g_autoptr(JsonNode) json = NULL;

        if (devices == NULL)
          break;
        builder = json_builder_new_immutable ();
        json_builder_begin_array (builder);
        for (guint i = 0; i < devices->len; i++)
          {
            CatdScanDevice *device = g_ptr_array_index (devices, i);

            json_builder_begin_array (builder);
            json_builder_add_string_value (builder, device->name);
            json_builder_add_string_value (builder, device->vendor);
            json_builder_add_string_value (builder, device->model);
            json_builder_add_string_value (builder, device->type);
            json_builder_end_array (builder);
          }
        json_builder_end_array (builder);
        json = json_builder_get_root (builder);
        answer_ok (json);
        return;
      }

    case CATD_WIRE_OPEN:
      {
        const char *name = JSON_NODE_HOLDS_VALUE (message->json)
                           ? json_node_get_string (message->json) : NULL;

        if (name == NULL)
          catd_scan_set_error (&error, CATD_SCAN_ERROR_INVALID, NULL, "no scanner named");
        else if (helper->backend->open (helper->backend, name, &error))
          {
            answer_ok (NULL);
            return;
          }
        break;
      }

    case CATD_WIRE_CONFIGURE:
      {
        g_autoptr(CatdScanSettings) settings = catd_wire_settings_from_json (message->json);
        double dpi = 0;

        if (settings == NULL)
          catd_scan_set_error (&error, CATD_SCAN_ERROR_INVALID, NULL, "malformed settings");
        else if (helper->backend->configure (helper->backend, settings, &dpi, &error))
          {
            g_autoptr(JsonNode) json = json_node_new (JSON_NODE_VALUE);

            json_node_set_double (json, dpi);
            answer_ok (json);
            return;
          }
        break;
      }

    case CATD_WIRE_ACQUIRE:
      acquire (helper);
      return;

    case CATD_WIRE_END_JOB:
      helper->backend->end_job (helper->backend);
      answer_ok (NULL);
      return;

    case CATD_WIRE_CLOSE:
      helper->backend->close (helper->backend);
      answer_ok (NULL);
      return;

    case CATD_WIRE_CANCEL:
      /* For a page that had already ended: nothing to answer. */
      return;

    case CATD_WIRE_OK:
    case CATD_WIRE_ERROR:
    case CATD_WIRE_PROGRESS:
    case CATD_WIRE_PAGE:
    default:
      catd_scan_set_error (&error, CATD_SCAN_ERROR_FAILED, NULL, "unknown request");
      break;
    }
  answer_error (error);
}

int
main (int    argc,
      char **argv)
{
  Helper helper;

  setlocale (LC_ALL, "");
  /* The station may be gone while an answer is written. */
  signal (SIGPIPE, SIG_IGN);
  /* A helper hung in a backend never reads its closed socket: it dies with
   * the station instead (the thread that started it, the scanner's). One
   * whose station died before this line exits here. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (g_getenv ("CATD_STATION_PID") != NULL &&
      getppid () != (pid_t) atoi (g_getenv ("CATD_STATION_PID")))
    return 1;

  if (argc > 1)
    {
      g_printerr ("catd-scand: started by the station, not by hand\n");
      return 2;
    }

  helper.backend = catd_scan_backend_sane_direct_new ();
  helper.cancellable = g_cancellable_new ();

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CatdWireMessage) message = catd_wire_receive (STDIN_FILENO, -1, -1, &error);

      if (message == NULL)
        break;
      handle (&helper, message);
    }

  helper.backend->free (helper.backend);
  g_object_unref (helper.cancellable);
  return 0;
}
