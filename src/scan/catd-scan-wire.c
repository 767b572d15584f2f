/* catd-scan-wire.c - messages between the station and its SANE helper process
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "catd-scan-wire.h"

#define HEADER_SIZE 16
/* A colour Letter page at 1200 dpi is 400 MiB; nothing real is larger. */
#define MAX_DATA ((guint64) 1 << 30)
#define MAX_JSON (1 << 20)

void
catd_wire_message_free (CatdWireMessage *message)
{
  if (message == NULL)
    return;
  g_clear_pointer (&message->json, json_node_unref);
  g_clear_pointer (&message->data, g_bytes_unref);
  g_free (message);
}

static gboolean
write_all (int          fd,
           const void  *data,
           gsize        len,
           GError     **error)
{
  const guint8 *p = data;

  while (len > 0)
    {
      /* send () where it can: a closed peer is then EPIPE, not SIGPIPE. */
      gssize n = send (fd, p, len, MSG_NOSIGNAL);

      if (n < 0 && errno == ENOTSOCK)
        n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "writing to the scanner helper: %s", g_strerror (errsv));
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

/**
 * catd_wire_send:
 *
 * Writes one whole message to @fd (blocking).
 */
gboolean
catd_wire_send (int            fd,
                CatdWireType   type,
                JsonNode      *json,
                const void    *data,
                gsize          len,
                GError       **error)
{
  g_autofree char *text = json ? json_to_string (json, FALSE) : g_strdup ("");
  guint32 header32[2] = { GUINT32_TO_LE (type), GUINT32_TO_LE (strlen (text)) };
  guint64 data_len = GUINT64_TO_LE ((guint64) len);
  guint8 header[HEADER_SIZE];

  memcpy (header, header32, 8);
  memcpy (header + 8, &data_len, 8);
  return write_all (fd, header, sizeof header, error) &&
         write_all (fd, text, strlen (text), error) &&
         (len == 0 || write_all (fd, data, len, error));
}

/* Reads exactly @len bytes, waiting no later than @deadline (monotonic
 * time, or -1 for ever) and giving up when @cancel_fd (or -1) is readable. */
static gboolean
read_exact (int          fd,
            void        *buffer,
            gsize        len,
            int          cancel_fd,
            gint64       deadline,
            GError     **error)
{
  guint8 *p = buffer;

  while (len > 0)
    {
      struct pollfd fds[2] = { { fd, POLLIN, 0 }, { cancel_fd, POLLIN, 0 } };
      int timeout = -1;
      gssize n;
      int rc;

      if (deadline >= 0)
        timeout = (int) MAX (0, (deadline - g_get_monotonic_time () + 999) / 1000);
      rc = poll (fds, cancel_fd >= 0 ? 2 : 1, timeout);
      if (rc < 0 && errno == EINTR)
        continue;
      if (rc < 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "waiting for the scanner helper: %s", g_strerror (errsv));
          return FALSE;
        }
      if (rc == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "the scanner helper did not answer in time");
          return FALSE;
        }
      if (cancel_fd >= 0 && (fds[1].revents & POLLIN))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
          return FALSE;
        }

      n = read (fd, p, len);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n <= 0)
        {
          int errsv = errno;

          g_set_error (error, G_IO_ERROR, n == 0 ? G_IO_ERROR_CLOSED : g_io_error_from_errno (errsv),
                       "the scanner helper stopped: %s",
                       n == 0 ? "it closed its end" : g_strerror (errsv));
          return FALSE;
        }
      p += n;
      len -= n;
    }
  return TRUE;
}

/**
 * catd_wire_receive:
 * @cancel_fd: a file descriptor that becomes readable to give up, or -1
 * @deadline: monotonic time to give up at, or -1
 *
 * Reads one whole message. Fails with G_IO_ERROR_CANCELLED, _TIMED_OUT or
 * _CLOSED (the other side is gone), or _INVALID_DATA for a malformed one.
 * A message given up on half-way leaves the stream unusable.
 */
CatdWireMessage *
catd_wire_receive (int      fd,
                   int      cancel_fd,
                   gint64   deadline,
                   GError **error)
{
  g_autoptr(CatdWireMessage) message = g_new0 (CatdWireMessage, 1);
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *text = NULL;
  g_autofree guint8 *data = NULL;
  guint8 header[HEADER_SIZE];
  guint32 header32[2];
  guint64 data_len;

  if (!read_exact (fd, header, sizeof header, cancel_fd, deadline, error))
    return NULL;
  memcpy (header32, header, 8);
  memcpy (&data_len, header + 8, 8);
  message->type = GUINT32_FROM_LE (header32[0]);
  header32[1] = GUINT32_FROM_LE (header32[1]);
  data_len = GUINT64_FROM_LE (data_len);
  if (header32[1] > MAX_JSON || data_len > MAX_DATA)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the scanner helper sent a malformed message");
      return NULL;
    }

  text = g_malloc (header32[1] + 1);
  text[header32[1]] = '\0';
  data = g_malloc (MAX (data_len, 1));
  /* Once a message has begun, the rest of it is waited for: it is on its
   * way, and leaving it half-read would break the stream. */
  if (!read_exact (fd, text, header32[1], -1, deadline, error) ||
      !read_exact (fd, data, data_len, -1, deadline, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (header32[1] > 0 && !json_parser_load_from_data (parser, text, header32[1], NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the scanner helper sent a malformed message");
      return NULL;
    }
  message->json = header32[1] > 0 ? json_node_ref (json_parser_get_root (parser))
                                  : json_node_new (JSON_NODE_NULL);
  message->data = g_bytes_new_take (g_steal_pointer (&data), data_len);
  return g_steal_pointer (&message);
}

/* Whether @fd has something to read now. */
gboolean
catd_wire_poll (int fd)
{
  struct pollfd pfd = { fd, POLLIN, 0 };

  return poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP));
}

JsonNode *
catd_wire_error_to_json (const GError *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, error->domain == CATD_SCAN_ERROR ? error->code
                                                                        : CATD_SCAN_ERROR_FAILED);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, error->message);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

GError *
catd_wire_error_from_json (JsonNode *json)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (json) ? json_node_get_object (json) : NULL;
  gint64 code = object ? json_object_get_int_member_with_default (object, "code",
                                                                  CATD_SCAN_ERROR_FAILED)
                       : CATD_SCAN_ERROR_FAILED;
  const char *message = object ? json_object_get_string_member_with_default (object, "message",
                                                                             NULL) : NULL;

  if (code < 0 || code > CATD_SCAN_ERROR_FAILED)
    code = CATD_SCAN_ERROR_FAILED;
  return g_error_new_literal (CATD_SCAN_ERROR, code,
                              message ? message : "the scanner helper failed");
}

JsonNode *
catd_wire_settings_to_json (const CatdScanSettings *settings)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "source");
  json_builder_add_int_value (builder, settings->source);
  json_builder_set_member_name (builder, "mode");
  json_builder_add_int_value (builder, settings->mode);
  json_builder_set_member_name (builder, "dpi");
  json_builder_add_double_value (builder, settings->dpi);
  json_builder_set_member_name (builder, "page_size");
  json_builder_add_int_value (builder, settings->page_size);
  json_builder_set_member_name (builder, "options");
  json_builder_begin_array (builder);
  for (guint i = 0; settings->options != NULL && settings->options[i] != NULL; i++)
    json_builder_add_string_value (builder, settings->options[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

CatdScanSettings *
catd_wire_settings_from_json (JsonNode *json)
{
  g_autoptr(CatdScanSettings) settings = catd_scan_settings_new ();
  JsonObject *object;
  JsonArray *options;

  if (!JSON_NODE_HOLDS_OBJECT (json))
    return NULL;
  object = json_node_get_object (json);
  settings->source = CLAMP (json_object_get_int_member_with_default (object, "source", 0),
                            CATD_SCAN_SOURCE_FLATBED, CATD_SCAN_SOURCE_DUPLEX);
  settings->mode = CLAMP (json_object_get_int_member_with_default (object, "mode", 0),
                          CATD_SCAN_MODE_GRAY, CATD_SCAN_MODE_COLOR);
  settings->dpi = json_object_get_double_member_with_default (object, "dpi", 300);
  settings->page_size = CLAMP (json_object_get_int_member_with_default (object, "page_size", 0),
                               CATD_PAGE_SIZE_LETTER, CATD_PAGE_SIZE_A4);
  options = json_object_has_member (object, "options") &&
            JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "options"))
            ? json_object_get_array_member (object, "options") : NULL;
  settings->options = g_new0 (char *, (options ? json_array_get_length (options) : 0) + 1);
  for (guint i = 0; options != NULL && i < json_array_get_length (options); i++)
    settings->options[i] = g_strdup (json_array_get_string_element (options, i));
  return g_steal_pointer (&settings);
}
