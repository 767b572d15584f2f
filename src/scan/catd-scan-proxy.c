/* catd-scan-proxy.c - the scanner's device layer: SANE, in a helper process
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "catd-scan-backend.h"
#include "catd-scan-wire.h"

/* The station never calls SANE itself: catd-scand does, and this backend
 * (on the scanner's worker thread) sends it requests. Why: SANE backends
 * end their reader threads with pthread_cancel (), which can leave a lock
 * of the C library held for ever (see catd-scand.c). When the helper stops
 * answering, crashes or hangs, it is killed and the next request starts a
 * new one, which opens the same device again: the operator sees a device
 * error with advice, never a frozen station.
 *
 * A page that stopped part-way (a jam, a cancel, any error but an empty
 * feeder) had its reader thread cancelled, so the helper that read it
 * may hold such a lock without showing it yet: the next page's reader
 * would hang in the allocator. That helper is retired at the job's end,
 * and the next job opens the device in a new one. */

typedef struct
{
  CatdScanBackend  parent;
  GSubprocess     *child;
  int              fd;           /* our end of the socket to the helper */
  char            *open_name;    /* the device the station has open */
  gboolean         child_open;   /* the running helper has open_name open */
  gboolean         page_cut;     /* this job's last page stopped part-way */
} Proxy;

/* How long a request may take before the helper is taken for hung.
 * Finding network scanners and warming a lamp take a while; a page whose
 * data stop coming for two minutes will not resume. */
#define LIST_TIMEOUT     (120 * G_USEC_PER_SEC)
#define REQUEST_TIMEOUT  (60 * G_USEC_PER_SEC)
#define PAGE_TIMEOUT     (120 * G_USEC_PER_SEC)
#define CANCEL_TIMEOUT   (5 * G_USEC_PER_SEC)
#define EXIT_TIMEOUT_MS  2000

/* The helper next to the running program (the build tree, or an
 * installation's bindir beside libexecdir) or in libexecdir;
 * CATD_SCAND names another. */
static char *
helper_path (void)
{
  const char *env = g_getenv ("CATD_SCAND");
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : NULL;
  g_autofree char *beside = dir ? g_build_filename (dir, "catd-scand", NULL) : NULL;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (beside != NULL && g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
    return g_steal_pointer (&beside);
  return g_build_filename (CATD_LIBEXECDIR, "catd-scand", NULL);
}

/* Ends the helper: @hung, at once; otherwise closing its input asks it to
 * close the device and exit, and one that does not within the timeout is
 * taken for hung. */
static void
stop_child (Proxy    *self,
            gboolean  hung)
{
  struct pollfd pfd;

  if (self->child == NULL)
    return;

  if (hung)
    g_subprocess_force_exit (self->child);
  shutdown (self->fd, SHUT_WR);
  pfd = (struct pollfd) { self->fd, POLLIN, 0 };
  for (gint64 end = g_get_monotonic_time () + EXIT_TIMEOUT_MS * 1000; !hung;)
    {
      char buffer[4096];
      int left = (int) ((end - g_get_monotonic_time ()) / 1000);

      if (left <= 0 || poll (&pfd, 1, left) <= 0)
        {
          g_subprocess_force_exit (self->child);
          break;
        }
      /* Drain what it still says until it hangs up. */
      if (read (self->fd, buffer, sizeof buffer) <= 0)
        break;
    }
  g_subprocess_wait (self->child, NULL, NULL);
  g_clear_object (&self->child);
  close (self->fd);
  self->fd = -1;
  self->child_open = FALSE;
}

static gboolean
start_child (Proxy   *self,
             GError **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  int fds[2];

  if (self->child != NULL)
    return TRUE;

  /* A socket, not pipes: writing to a helper that died fails with EPIPE
   * (send () with MSG_NOSIGNAL) instead of killing the station with
   * SIGPIPE. The helper gets its end as standard input and output. */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    {
      catd_scan_set_error (error, CATD_SCAN_ERROR_FAILED, NULL, g_strerror (errno));
      return FALSE;
    }
  path = helper_path ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  {
    g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());

    /* So that it can tell whether the station is still there. */
    g_subprocess_launcher_setenv (launcher, "CATD_STATION_PID", pid, TRUE);
  }
  g_subprocess_launcher_take_stdin_fd (launcher, fds[1]);
  g_subprocess_launcher_take_stdout_fd (launcher, dup (fds[1]));
  self->child = g_subprocess_launcher_spawn (launcher, &local_error, path, NULL);
  if (self->child == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("cannot start %s: %s", path,
                                                 local_error->message);

      close (fds[0]);
      catd_scan_set_error (error, CATD_SCAN_ERROR_FAILED, NULL, detail);
      return FALSE;
    }
  self->fd = fds[0];
  return TRUE;
}

/* The helper failed to answer: kill it, so that the next request starts
 * afresh, and say so as a device error. */
static void
helper_failed (Proxy        *self,
               const GError *cause,
               GError      **error)
{
  g_autofree char *detail = g_strdup_printf ("the scanner driver stopped (%s)", cause->message);

  stop_child (self, TRUE);
  catd_scan_set_error (error, CATD_SCAN_ERROR_IO, self->open_name, detail);
}

static gboolean
send_request (Proxy         *self,
              CatdWireType   type,
              JsonNode      *json,
              GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!start_child (self, error))
    return FALSE;
  if (!catd_wire_send (self->fd, type, json, NULL, 0, &local_error))
    {
      helper_failed (self, local_error, error);
      return FALSE;
    }
  return TRUE;
}

/* Sends a request and waits for its answer: the OK's JSON, or the error. */
static JsonNode *
call (Proxy         *self,
      CatdWireType   type,
      JsonNode      *json,
      gint64         timeout,
      GError       **error)
{
  g_autoptr(CatdWireMessage) answer = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!send_request (self, type, json, error))
    return NULL;
  answer = catd_wire_receive (self->fd, -1, g_get_monotonic_time () + timeout,
                              &local_error);
  if (answer == NULL)
    {
      helper_failed (self, local_error, error);
      return NULL;
    }
  if (answer->type == CATD_WIRE_ERROR)
    {
      g_propagate_error (error, catd_wire_error_from_json (answer->json));
      return NULL;
    }
  if (answer->type != CATD_WIRE_OK)
    {
      g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unexpected answer %d",
                   answer->type);
      helper_failed (self, local_error, error);
      return NULL;
    }
  return json_node_ref (answer->json);
}

/* Opens @name in the helper (starting one if none runs). */
static gboolean
open_in_child (Proxy       *self,
               const char  *name,
               GError     **error)
{
  g_autoptr(JsonNode) json = json_node_new (JSON_NODE_VALUE);
  g_autoptr(JsonNode) answer = NULL;

  json_node_set_string (json, name);
  if (!(answer = call (self, CATD_WIRE_OPEN, json, REQUEST_TIMEOUT, error)))
    return FALSE;
  self->child_open = TRUE;
  return TRUE;
}

/* A helper started after another was killed or retired (or to list the
 * devices) has no device open: open the one the worker believes is. */
static gboolean
ensure_device (Proxy   *self,
               GError **error)
{
  if (self->open_name == NULL || (self->child != NULL && self->child_open))
    return TRUE;
  return open_in_child (self, self->open_name, error);
}

static GPtrArray *
proxy_list_devices (CatdScanBackend  *backend,
                    GError          **error)
{
  Proxy *self = (Proxy *) backend;
  g_autoptr(JsonNode) answer = call (self, CATD_WIRE_LIST, NULL, LIST_TIMEOUT, error);
  GPtrArray *devices;
  JsonArray *list;

  if (answer == NULL)
    return NULL;
  devices = g_ptr_array_new_with_free_func ((GDestroyNotify) catd_scan_device_free);
  list = JSON_NODE_HOLDS_ARRAY (answer) ? json_node_get_array (answer) : NULL;
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonArray *fields = json_array_get_array_element (list, i);

      if (fields == NULL || json_array_get_length (fields) != 4)
        continue;
      g_ptr_array_add (devices, catd_scan_device_new (json_array_get_string_element (fields, 0),
                                                      json_array_get_string_element (fields, 1),
                                                      json_array_get_string_element (fields, 2),
                                                      json_array_get_string_element (fields, 3)));
    }
  return devices;
}

static gboolean
proxy_open (CatdScanBackend  *backend,
            const char       *name,
            GError          **error)
{
  Proxy *self = (Proxy *) backend;

  g_clear_pointer (&self->open_name, g_free);
  if (!open_in_child (self, name, error))
    return FALSE;
  self->open_name = g_strdup (name);
  return TRUE;
}

/* After a page cut short, the helper is not trusted with another: it is
 * asked to close the device and exit (sane_close () cancels the page), and
 * killed if it has not within a moment. The next request starts another.
 * Returns whether it was retired. */
static gboolean
retire_after_cut_page (Proxy *self)
{
  if (!self->page_cut)
    return FALSE;
  self->page_cut = FALSE;
  stop_child (self, FALSE);
  return TRUE;
}

static void
proxy_close (CatdScanBackend *backend)
{
  Proxy *self = (Proxy *) backend;
  g_autoptr(JsonNode) answer = NULL;

  if (!retire_after_cut_page (self) && self->child != NULL && self->child_open)
    answer = call (self, CATD_WIRE_CLOSE, NULL, REQUEST_TIMEOUT, NULL);
  self->child_open = FALSE;
  g_clear_pointer (&self->open_name, g_free);
}

static gboolean
proxy_configure (CatdScanBackend         *backend,
                 const CatdScanSettings  *settings,
                 double                  *actual_dpi,
                 GError                 **error)
{
  Proxy *self = (Proxy *) backend;
  g_autoptr(JsonNode) json = catd_wire_settings_to_json (settings);
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!ensure_device (self, error))
    return FALSE;
  answer = call (self, CATD_WIRE_CONFIGURE, json, REQUEST_TIMEOUT, &local_error);
  /* The first request of a job found the helper gone (helper_failed ()
   * cleared it): it died after the last job (a backend that crashed
   * closing a page, say). Nothing of this job was sent yet, so it starts
   * again on a fresh helper, once. */
  if (answer == NULL && self->child == NULL)
    {
      g_debug ("scanner helper gone between jobs (%s): starting another", local_error->message);
      g_clear_error (&local_error);
      if (!ensure_device (self, error) ||
          !(answer = call (self, CATD_WIRE_CONFIGURE, json, REQUEST_TIMEOUT, error)))
        return FALSE;
    }
  else if (answer == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *actual_dpi = JSON_NODE_HOLDS_VALUE (answer) ? json_node_get_double (answer) : 0;
  return TRUE;
}

static CatdScanPage *
page_from_message (Proxy            *self,
                   CatdWireMessage  *message,
                   GError          **error)
{
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (message->json)
                       ? json_node_get_object (message->json) : NULL;
  gint64 width = object ? json_object_get_int_member_with_default (object, "width", 0) : 0;
  gint64 height = object ? json_object_get_int_member_with_default (object, "height", 0) : 0;
  gint64 channels = object ? json_object_get_int_member_with_default (object, "channels", 0) : 0;
  gint64 stride = object ? json_object_get_int_member_with_default (object, "stride", 0) : 0;

  if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || stride < width * channels ||
      (guint64) stride * height > g_bytes_get_size (message->data))
    {
      catd_scan_set_error (error, CATD_SCAN_ERROR_FAILED, self->open_name,
                           "the scanner driver sent a malformed page");
      return NULL;
    }
  return catd_scan_page_new (width, height, channels, stride, message->data);
}

static CatdScanPage *
proxy_acquire (CatdScanBackend       *backend,
               CatdScanProgressFunc   progress,
               gpointer               progress_data,
               GCancellable          *cancellable,
               GError               **error)
{
  Proxy *self = (Proxy *) backend;
  int cancel_fd;
  gboolean cancelled = FALSE;
  gint64 timeout = PAGE_TIMEOUT;
  CatdScanPage *page = NULL;

  if (!ensure_device (self, error) || !send_request (self, CATD_WIRE_ACQUIRE, NULL, error))
    return NULL;

  cancel_fd = cancellable ? g_cancellable_get_fd (cancellable) : -1;
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(CatdWireMessage) message = NULL;

      message = catd_wire_receive (self->fd, cancelled ? -1 : cancel_fd,
                                   g_get_monotonic_time () + timeout, &local_error);
      if (message == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* The helper stops at its next read and answers CANCELLED; one
           * that does not is hung in the device, and is killed. */
          cancelled = TRUE;
          timeout = CANCEL_TIMEOUT;
          if (!catd_wire_send (self->fd, CATD_WIRE_CANCEL, NULL, NULL, 0, &local_error))
            {
              helper_failed (self, local_error, error);
              break;
            }
          continue;
        }
      if (message == NULL)
        {
          helper_failed (self, local_error, error);
          if (cancelled)
            {
              g_clear_error (error);
              catd_scan_set_error (error, CATD_SCAN_ERROR_CANCELLED, self->open_name, NULL);
            }
          break;
        }

      if (message->type == CATD_WIRE_PROGRESS)
        {
          if (!cancelled && JSON_NODE_HOLDS_OBJECT (message->json))
            progress (json_object_get_double_member_with_default (
                        json_node_get_object (message->json), "fraction", -1), progress_data);
          continue;
        }
      if (message->type == CATD_WIRE_PAGE && cancelled)
        catd_scan_set_error (error, CATD_SCAN_ERROR_CANCELLED, self->open_name, NULL);
      else if (message->type == CATD_WIRE_PAGE)
        page = page_from_message (self, message, error);
      else if (message->type == CATD_WIRE_ERROR)
        g_propagate_error (error, catd_wire_error_from_json (message->json));
      else
        {
          g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unexpected answer %d",
                       message->type);
          helper_failed (self, local_error, error);
        }
      break;
    }

  if (cancel_fd >= 0)
    g_cancellable_release_fd (cancellable);
  /* An empty feeder is told by sane_start (), before any reader runs. */
  self->page_cut = page == NULL &&
                   (error == NULL ||
                    !g_error_matches (*error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_FEEDER_EMPTY));
  return page;
}

static void
proxy_end_job (CatdScanBackend *backend)
{
  Proxy *self = (Proxy *) backend;
  g_autoptr(JsonNode) answer = NULL;

  /* A page read whole, or an empty feeder: the helper's sane_cancel ()
   * ends the job. */
  if (!retire_after_cut_page (self) && self->child != NULL)
    answer = call (self, CATD_WIRE_END_JOB, NULL, CANCEL_TIMEOUT, NULL);
}

static void
proxy_free (CatdScanBackend *backend)
{
  Proxy *self = (Proxy *) backend;

  stop_child (self, FALSE);
  g_free (self->open_name);
  g_free (self);
}

/**
 * catd_scan_backend_sane_new:
 *
 * The device layer the product uses: SANE, driven in the catd-scand
 * helper process, started on first use.
 */
CatdScanBackend *
catd_scan_backend_sane_new (void)
{
  Proxy *self = g_new0 (Proxy, 1);

  self->fd = -1;
  self->parent.free = proxy_free;
  self->parent.list_devices = proxy_list_devices;
  self->parent.open = proxy_open;
  self->parent.close = proxy_close;
  self->parent.configure = proxy_configure;
  self->parent.acquire = proxy_acquire;
  self->parent.end_job = proxy_end_job;
  return &self->parent;
}
