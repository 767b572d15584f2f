/* catd-sync.c - the upload client: the station's outbox to the central site
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <poll.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catd-errors.h"
#include "catd-sync.h"
#include "catd-thread.h"

/* The client drains the outbox in id order (an image's row precedes the
 * first record naming it), one request at a time, on the thread that calls
 * catd_sync_run () — never the UI's: the GUI runs it on a thread of its
 * own, catdctl on its main thread. Its SoupSession is made on first use in
 * that thread and used only there.
 *
 * Outcomes (DESIGN §7): a 2xx is the only acknowledgement, and only the
 * request's own: redirects are not followed. 3xx, 408, 409 (the image is
 * not there yet), 429 and 5xx, timeouts and network errors are retried
 * after an exponential backoff with full jitter, or after the server's
 * Retry-After when that is longer. A 400 for an image means its
 * bytes did not hash right on arrival: the file is read from disk again
 * and resent, a few times. 401 and 403 put the row in the dead-letter
 * state and stop the run: every other request would fail the same way,
 * and hammering the server helps nobody; 404 and 405 (the URL leads to
 * no catd-central) too. The next run puts such rows back in the queue
 * before it starts (the token or the address may be mended by then). Any
 * other 4xx is a dead letter.
 *
 * An image is hashed before it goes (a file that no longer hashes to its
 * name is damaged on this disk, and is not uploaded). That hash is taken
 * for the queue's next image on a thread of its own while the request
 * before it is on the wire, usually the record of the acta before: the
 * central site's answer to a record takes longer than hashing a page. */

/* An image's file, mapped and hashed, for send_item (). */
typedef struct
{
  gint64       id;          /* its outbox row */
  char        *path;
  GMappedFile *mapped;      /* NULL when the file cannot be read: see error */
  char        *sha256;
  GError      *error;
} LoadedImage;

static void
loaded_image_free (LoadedImage *loaded)
{
  g_free (loaded->path);
  g_clear_pointer (&loaded->mapped, g_mapped_file_unref);
  g_free (loaded->sha256);
  g_clear_error (&loaded->error);
  g_free (loaded);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadedImage, loaded_image_free)

static gpointer
load_image (gpointer data)
{
  LoadedImage *loaded = data;

  loaded->mapped = g_mapped_file_new (loaded->path, FALSE, &loaded->error);
  if (loaded->mapped != NULL)
    {
      g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (loaded->mapped);

      loaded->sha256 = catd_sha256_bytes (bytes);
    }
  return loaded;
}

static LoadedImage *
loaded_image_new (const CatdOutboxItem *item)
{
  LoadedImage *loaded = g_new0 (LoadedImage, 1);

  loaded->id = item->id;
  loaded->path = g_strdup (item->path);
  return loaded;
}

struct _CatdSync
{
  GObject          parent_instance;

  CatdStation     *station;
  CatdSyncOptions  options;
  char            *base_url;
  char            *token;
  char            *ca_file;
  SoupSession     *session;

  /* The image the site last said arrived damaged (400), and how many
   * times in a row in this run. */
  gint64           damaged_id;
  guint            damaged_count;
  gint64           resent_id;       /* the record whose lost image this run sent again */
  GThread         *prefetch;        /* hashing the queue's next image (load_image) */

  CatdSyncObserver observer;
  gpointer         observer_data;
};

G_DEFINE_FINAL_TYPE (CatdSync, catd_sync, G_TYPE_OBJECT)

#define HEARTBEAT_INTERVAL (60 * G_USEC_PER_SEC)
#define IDLE_POLL_MS 1000
#define ONCE_MAX_WAIT_MS 30000

static void
catd_sync_finalize (GObject *object)
{
  CatdSync *self = (CatdSync *)object;

  g_clear_object (&self->session);
  g_clear_object (&self->station);
  g_free (self->base_url);
  if (self->token)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_free (self->ca_file);

  G_OBJECT_CLASS (catd_sync_parent_class)->finalize (object);
}

static void
catd_sync_class_init (CatdSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_sync_finalize;
}

static void
catd_sync_init (CatdSync *self)
{
}

static void
tell (CatdSync          *self,
      CatdSyncEventKind  kind,
      guint              status,
      const char        *message,
      gboolean           is_image)
{
  CatdSyncEvent event = { kind, status, message, 0, is_image };

  if (self->observer != NULL)
    self->observer (&event, self->observer_data);
}

/**
 * catd_sync_set_observer:
 * @observer: (nullable): told of each answer, upload and idle moment
 *
 * Sets who hears what the client does (see #CatdSyncEvent). Set it before
 * the client runs; it is called on the thread that runs it.
 */
void
catd_sync_set_observer (CatdSync         *self,
                        CatdSyncObserver  observer,
                        gpointer          user_data)
{
  g_return_if_fail (CATD_IS_SYNC (self));

  self->observer = observer;
  self->observer_data = user_data;
}

/**
 * catd_sync_backoff_ms:
 *
 * How long to wait before attempt @attempts + 1: a random time between 0
 * and min (@cap_ms, @base_ms · 2^@attempts) ("full jitter"), so that many
 * stations coming back at once do not all knock at the same moment.
 */
gint64
catd_sync_backoff_ms (gint64 base_ms,
                      gint64 cap_ms,
                      int    attempts)
{
  gint64 ceiling = base_ms;

  for (int i = 0; i < attempts && ceiling < cap_ms; i++)
    ceiling *= 2;
  ceiling = MIN (ceiling, cap_ms);
  return ceiling <= 0 ? 0 : (gint64) g_random_double_range (0, (double) ceiling + 1);
}

/* This machine: "localhost", or an address literal of the loopback
 * interface. A name is never taken for an address because of how it
 * starts ("127.example.org" is somebody's server). */
static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/**
 * catd_sync_url_is_acceptable:
 *
 * Whether @url may be a central site's: an https:// URL with a host, or
 * plain http:// to this machine only (DESIGN §7). `catdctl init` and
 * catd_sync_new () ask the same question.
 */
gboolean
catd_sync_url_is_acceptable (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  g_return_val_if_fail (url != NULL, FALSE);

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL || *host == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0)
    return TRUE;
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 && host_is_loopback (host);
}

/* The token, from a file only its owner can read. */
static char *
read_token (const char  *path,
            GError     **error)
{
  g_autofree char *text = NULL;
  struct stat st;

  if (g_stat (path, &st) != 0)
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED,
                   "cannot read the token file %s: %s", path, g_strerror (errno));
      return NULL;
    }
  if (st.st_mode & 0077)
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED,
                   "the token file %s may be read by others: make it readable by its owner "
                   "only (chmod 600)", path);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  g_strstrip (text);
  if (*text == '\0' || strchr (text, '\n') || strchr (text, ' '))
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED,
                   "the token file %s must hold the token alone", path);
      return NULL;
    }
  return g_steal_pointer (&text);
}

/**
 * catd_sync_check_token_file:
 *
 * Whether @path is a token file catd_sync_new () would take: readable,
 * readable by its owner only, and holding the token alone. Reads the file
 * and forgets the token at once; the error (%CATD_SYNC_ERROR_NOT_CONFIGURED)
 * says what is wrong with the file, never what it holds.
 */
gboolean
catd_sync_check_token_file (const char  *path,
                            GError     **error)
{
  g_autofree char *token = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  token = read_token (path, error);
  if (token == NULL)
    return FALSE;
  memset (token, 0, strlen (token));
  return TRUE;
}

/**
 * catd_sync_new:
 * @options: (nullable): timeouts and backoff; %NULL for the defaults
 *
 * A client for @station's central site, as `catdctl init` configured it
 * (--central, --token-file, --ca-file). Refuses a station with no central
 * site, plain HTTP to anything but this machine, and a token file others
 * can read.
 */
CatdSync *
catd_sync_new (CatdStation            *station,
               const CatdSyncOptions  *options,
               GError                **error)
{
  g_autoptr(CatdSync) self = NULL;
  g_autofree char *url = NULL;
  g_autofree char *token_file = NULL;
  g_autofree char *ca_file = NULL;

  g_return_val_if_fail (CATD_IS_STATION (station), NULL);

  if (!catd_station_get_central (station, &url, &token_file, &ca_file, error))
    return NULL;
  if (url == NULL || token_file == NULL)
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED,
                   "this station has no central site: initialise it with --central URL "
                   "--token-file FILE");
      return NULL;
    }
  if (!catd_sync_url_is_acceptable (url))
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED,
                   "the central site %s must be an https:// URL (plain http:// only to this "
                   "machine)", url);
      return NULL;
    }

  self = g_object_new (CATD_TYPE_SYNC, NULL);
  self->station = g_object_ref (station);
  if (options)
    self->options = *options;
  if (self->options.timeout_s == 0)
    self->options.timeout_s = 30;
  if (self->options.backoff_base_ms <= 0)
    self->options.backoff_base_ms = 1000;
  if (self->options.backoff_cap_ms <= 0)
    self->options.backoff_cap_ms = 300000;
  if (self->options.max_failures == 0)
    self->options.max_failures = 5;
  while (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  self->base_url = g_steal_pointer (&url);
  self->ca_file = g_steal_pointer (&ca_file);
  if (!(self->token = read_token (token_file, error)))
    return NULL;
  return g_steal_pointer (&self);
}

static gboolean
ensure_session (CatdSync  *self,
                GError   **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  if (self->session != NULL)
    return TRUE;
  if (self->ca_file != NULL)
    {
      /* Only this CA: a central site's certificate is not taken on trust,
       * and there is no handler that would accept an unknown one. */
      database = g_tls_file_database_new (self->ca_file, error);
      if (database == NULL)
        {
          g_prefix_error (error, "the CA file: ");
          return FALSE;
        }
    }
  self->session = soup_session_new_with_options ("timeout", self->options.timeout_s,
                                                 "idle-timeout", 60,
                                                 "user-agent", "catd-station/" PACKAGE_VERSION,
                                                 NULL);
  if (database != NULL)
    soup_session_set_tls_database (self->session, database);
  return TRUE;
}

typedef struct
{
  guint    status;          /* 0: no answer */
  GBytes  *body;
  gint64   retry_after_ms;  /* -1: none */
  gint64   sent_at;         /* real time, for the clock */
  gint64   answered_at;
  char    *date;            /* the Date header */
  char    *location;        /* the Location header of a redirect */
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->body, g_bytes_unref);
  g_clear_pointer (&answer->date, g_free);
  g_clear_pointer (&answer->location, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Answer, answer_clear)

/* The hash ahead only uses a processor nothing else wants: at the lowest
 * priority, an operator's commit always comes first. */
static gpointer
prefetch_thread (gpointer data)
{
  catd_thread_lower_priority ("sync-hash", CATD_NICE_IDLE);
  return load_image (data);
}

/* The next image's hash, taken while the request before it is sent. */
static void
prefetch_start (CatdSync             *self,
                const CatdOutboxItem *next)
{
  LoadedImage *loaded;

  if (self->prefetch != NULL || next == NULL || !next->is_image)
    return;
  /* Without a thread (no memory, a thread limit) the hash is taken when
   * the image is sent, as it always could be. */
  loaded = loaded_image_new (next);
  self->prefetch = g_thread_try_new ("catd-sync-hash", prefetch_thread, loaded, NULL);
  if (self->prefetch == NULL)
    loaded_image_free (loaded);
}

/* What the prefetch loaded, when it was for @item's row and file; NULL
 * otherwise (the queue moved: its work is dropped). */
static LoadedImage *
prefetch_take (CatdSync             *self,
               const CatdOutboxItem *item)
{
  LoadedImage *loaded;

  if (self->prefetch == NULL)
    return NULL;
  loaded = g_thread_join (g_steal_pointer (&self->prefetch));
  if (item == NULL || loaded->id != item->id || g_strcmp0 (loaded->path, item->path) != 0)
    {
      loaded_image_free (loaded);
      return NULL;
    }
  return loaded;
}

static gint64
parse_retry_after (const char *value)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  char *end = NULL;
  guint64 seconds;

  if (value == NULL)
    return -1;
  seconds = g_ascii_strtoull (value, &end, 10);
  if (end != value && *end == '\0')
    return (gint64) MIN (seconds, 86400) * 1000;
  if (!(when = soup_date_time_new_from_http_string (value)))
    return -1;
  now = g_date_time_new_now_utc ();
  return MAX (0, g_date_time_difference (when, now) / 1000);
}

/* libsoup sends a message again, on a new connection, when the idle
 * connection it reused turns out to have been closed by the other end (a
 * keep-alive timeout at the site or a proxy in between). It does not
 * rewind the body it already read, so the request went again with an
 * empty one: a record answered 400, a dead letter. The body is set again
 * whenever the message restarts. */
static void
restarted_cb (SoupMessage *message,
              GBytes      *body)
{
  g_autofree char *content_type = g_strdup (soup_message_headers_get_content_type (
    soup_message_get_request_headers (message), NULL));

  soup_message_set_request_body_from_bytes (message, content_type, body);
}

/* One request. Fails only when no HTTP answer came (network, TLS,
 * timeout); an HTTP error status is an answer. */
static gboolean
request (CatdSync      *self,
         const char    *method,
         const char    *path,
         const char    *content_type,
         GBytes        *body,
         GCancellable  *cancellable,
         Answer        *answer,
         GError       **error)
{
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *headers;

  if (!ensure_session (self, error))
    return FALSE;
  message = soup_message_new (method, url);
  if (message == NULL)
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED, "bad URL %s", url);
      return FALSE;
    }
  /* A redirect is never followed: libsoup would answer a 303 with a GET
   * of wherever it points, and that GET's 200 would be taken for the
   * upload's acknowledgement. A 3xx is an answer, and not a 2xx. */
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (message);
  {
    g_autofree char *bearer = g_strconcat ("Bearer ", self->token, NULL);

    soup_message_headers_replace (headers, "Authorization", bearer);
  }
  soup_message_headers_replace (headers, "X-Catd-Station", catd_station_get_id (self->station));
  if (body != NULL)
    {
      soup_message_set_request_body_from_bytes (message, content_type, body);
      g_signal_connect_data (message, "restarted", G_CALLBACK (restarted_cb),
                             g_bytes_ref (body), (GClosureNotify) G_CALLBACK (g_bytes_unref), 0);
    }

  answer->sent_at = g_get_real_time ();
  answer->body = soup_session_send_and_read (self->session, message, cancellable, &local_error);
  answer->answered_at = g_get_real_time ();
  if (answer->body == NULL)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        tell (self, CATD_SYNC_EVENT_NO_ANSWER, 0, local_error->message, FALSE);
      if (local_error->domain == G_TLS_ERROR)
        g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_TLS,
                     "the certificate of the central site %s is not trusted%s%s: %s",
                     self->base_url, self->ca_file ? " by the CA in " : "",
                     self->ca_file ? self->ca_file : "", local_error->message);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_UNREACHABLE,
                     "cannot reach the central site %s: %s", self->base_url,
                     local_error->message);
      return FALSE;
    }
  answer->status = soup_message_get_status (message);
  tell (self, CATD_SYNC_EVENT_ANSWERED, answer->status, NULL, FALSE);
  answer->retry_after_ms = parse_retry_after (
    soup_message_headers_get_one (soup_message_get_response_headers (message), "Retry-After"));
  answer->date = g_strdup (soup_message_headers_get_one (
    soup_message_get_response_headers (message), "Date"));
  answer->location = g_strdup (soup_message_headers_get_one (
    soup_message_get_response_headers (message), "Location"));
  return TRUE;
}

/* Answers about the station or the site, not about the row they came
 * for: a token the site does not know (401) or another station's (403), a
 * URL that leads to no catd-central (404, 405). Every request would get
 * the same. Dead letters with these answers (describe_answer () starts
 * every answer "HTTP NNN ") go back in the queue at the next run. */
static const char * const station_refusals[] = {
  "HTTP 401 ", "HTTP 403 ", "HTTP 404 ", "HTTP 405 ",
};

/* What an error answer said, for the dead-letter list. */
static char *
describe_answer (const Answer *answer)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize len = 0;
  const char *data = answer->body ? g_bytes_get_data (answer->body, &len) : NULL;
  const char *detail = NULL;

  if (data != NULL && len > 0 && json_parser_load_from_data (parser, data, len, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));

      detail = json_object_get_string_member_with_default (object, "detail", NULL);
      if (detail == NULL)
        detail = json_object_get_string_member_with_default (object, "title", NULL);
    }
  if (SOUP_STATUS_IS_REDIRECTION (answer->status))
    return g_strdup_printf ("HTTP %u %s to %s: the central site's URL is not the one "
                            "configured, or something in between redirects", answer->status,
                            soup_status_get_phrase (answer->status),
                            answer->location ? answer->location : "(no Location)");
  return g_strdup_printf ("HTTP %u %s%s%s", answer->status,
                          soup_status_get_phrase (answer->status),
                          detail ? ": " : "", detail ? detail : "");
}

/* Waits @ms, or less if @cancellable is cancelled. */
static void
wait_ms (gint64        ms,
         GCancellable *cancellable)
{
  struct pollfd pfd = { cancellable ? g_cancellable_get_fd (cancellable) : -1, POLLIN, 0 };

  if (ms > 0)
    poll (&pfd, pfd.fd >= 0 ? 1 : 0, (int) MIN (ms, G_MAXINT));
  if (pfd.fd >= 0)
    g_cancellable_release_fd (cancellable);
}

typedef enum
{
  OUTCOME_SENT,
  OUTCOME_RETRY,
  OUTCOME_DEAD,
  OUTCOME_REFUSED,  /* dead, and nothing else can go either: the run stops */
  OUTCOME_STOP,     /* no answer, and none will come by retrying: the run stops */
  OUTCOME_RESENT,   /* a record's lost image went back to the queue, ahead of it */
} Outcome;

static Outcome
send_item (CatdSync        *self,
           CatdOutboxItem  *item,
           GCancellable    *cancellable,
           gint64          *retry_after_ms,
           gboolean        *damaged,
           char           **reason,
           GError         **error)
{
  g_auto(Answer) answer = { 0 };
  g_autoptr(GBytes) body = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;

  *retry_after_ms = -1;
  *damaged = FALSE;
  if (item->is_image)
    {
      g_autoptr(LoadedImage) loaded = prefetch_take (self, item);

      if (loaded == NULL)
        loaded = load_image (loaded_image_new (item));
      /* A file that no longer hashes to its name is damaged on this disk:
       * uploading it would publish the damage. */
      if (loaded->mapped == NULL)
        {
          g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INTEGRITY,
                       "image %s cannot be read: %s", item->ref, loaded->error->message);
          return OUTCOME_STOP;
        }
      if (!g_str_equal (loaded->sha256, item->ref))
        {
          g_set_error (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INTEGRITY,
                       "image %s is damaged on disk (it hashes to %s): run catdctl check",
                       item->ref, loaded->sha256);
          return OUTCOME_STOP;
        }
      body = g_mapped_file_get_bytes (loaded->mapped);
      path = g_strconcat ("/api/v1/images/", item->ref, NULL);
      if (!request (self, "PUT", path, "image/tiff", body, cancellable, &answer, &local_error))
        goto no_answer;
    }
  else
    {
      body = g_bytes_new (item->body, strlen (item->body));
      path = g_strconcat ("/api/v1/records/", item->ref, NULL);
      if (!request (self, "PUT", path, "application/json", body, cancellable, &answer,
                    &local_error))
        goto no_answer;
    }

  *retry_after_ms = answer.retry_after_ms;
  if (SOUP_STATUS_IS_SUCCESSFUL (answer.status))
    return OUTCOME_SENT;

  *reason = describe_answer (&answer);
  /* A record the site refuses for want of an image this station saw
   * acknowledged: the site lost it. The image goes again, ahead of the
   * record (head-of-line would otherwise block the queue for ever). */
  if (!item->is_image && answer.status == 409 && self->resent_id != item->id)
    {
      guint n_requeued = 0;

      if (!catd_station_outbox_resend_images (self->station, item->ref, &n_requeued, error))
        return OUTCOME_STOP;
      if (n_requeued > 0)
        {
          /* Once a run: a site that acknowledges the image and still
           * refuses the record gets the usual backoff, not a busy loop. */
          g_debug ("sync: record %s: the central site lost its image; sent again", item->ref);
          self->resent_id = item->id;
          return OUTCOME_RESENT;
        }
    }
  /* A redirect says nothing about the upload itself (a proxy, a moved
   * site): retried, like an outage, until the configuration is mended. */
  if (SOUP_STATUS_IS_REDIRECTION (answer.status) || answer.status == 408 ||
      answer.status == 409 || answer.status == 429 || answer.status >= 500)
    return OUTCOME_RETRY;
  /* The bytes left this disk whole (hashed above): they were damaged on
   * the way. Send them again, a few times in a run. The count is the
   * run's 400s, not the row's attempts: those also count outages, and a
   * row that waited out a long one would die of its first damaged copy. */
  if (item->is_image && answer.status == 400)
    {
      if (self->damaged_id != item->id)
        {
          self->damaged_id = item->id;
          self->damaged_count = 0;
        }
      if (++self->damaged_count < self->options.max_failures)
        {
          *damaged = TRUE;
          return OUTCOME_RETRY;
        }
    }
  if (answer.status == 401 || answer.status == 403)
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_AUTH,
                   "the central site refused this station (%s): check the station id and its "
                   "token; the next sync sends the refused upload again", *reason);
      return OUTCOME_REFUSED;
    }
  if (answer.status == 404 || answer.status == 405)
    {
      g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_UNREACHABLE,
                   "%s does not answer as a central site (%s): check its address; the next "
                   "sync sends the refused upload again", self->base_url, *reason);
      return OUTCOME_REFUSED;
    }
  return OUTCOME_DEAD;

no_answer:
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (local_error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_NOT_CONFIGURED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return OUTCOME_STOP;
    }
  /* An untrusted certificate will not become trusted by waiting, but the
   * operator may fix the CA file while the station keeps its queue. */
  *reason = g_strdup (local_error->message);
  if (local_error->domain == CATD_SYNC_ERROR && local_error->code == CATD_SYNC_ERROR_TLS)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return OUTCOME_STOP;
    }
  return OUTCOME_RETRY;
}

/* Asks the central site for its time: the offset goes into @report and is
 * kept for status. Saying so when it is large is the caller's business
 * (CATD_SYNC_CLOCK_WARNING_MS): a clock that is off is the station's
 * condition, not a bug, and a g_warning () here aborted every catdctl run
 * under G_DEBUG=fatal-warnings. */
static void
check_clock (CatdSync       *self,
             GCancellable   *cancellable,
             CatdSyncReport *report)
{
  g_auto(Answer) answer = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GDateTime) server = NULL;
  const char *data;
  gsize len;
  JsonNode *root;

  if (!request (self, "GET", "/api/v1/health", NULL, NULL, cancellable, &answer, NULL) ||
      answer.status != 200)
    return;
  data = g_bytes_get_data (answer.body, &len);
  if (!json_parser_load_from_data (parser, data, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (root = json_parser_get_root (parser)))
    return;
  server = g_date_time_new_from_iso8601 (
    json_object_get_string_member_with_default (json_node_get_object (root), "time", ""), NULL);
  if (server == NULL)
    return;
  report->clock_offset_ms = (g_date_time_to_unix (server) * G_USEC_PER_SEC +
                             g_date_time_get_microsecond (server) -
                             (answer.sent_at + answer.answered_at) / 2) / 1000;
  report->clock_checked = TRUE;
  catd_station_set_clock_offset (self->station, report->clock_offset_ms, NULL);
  if (self->observer != NULL)
    {
      CatdSyncEvent event = { .kind = CATD_SYNC_EVENT_CLOCK,
                              .clock_offset_ms = report->clock_offset_ms };

      self->observer (&event, self->observer_data);
    }
}

/* Tells the central site how this station is doing. Best effort. */
static void
heartbeat (CatdSync     *self,
           GCancellable *cancellable)
{
  g_autoptr(JsonNode) status = catd_station_status (self->station, NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDateTime) clock = g_date_time_new_now_utc ();
  g_autofree char *now = g_date_time_format_iso8601 (clock);
  g_autoptr(GBytes) body = NULL;
  g_auto(Answer) answer = { 0 };
  JsonObject *object;
  gsize len;

  if (status == NULL || !JSON_NODE_HOLDS_OBJECT (status))
    return;
  object = json_node_get_object (status);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "station_id");
  json_builder_add_string_value (builder, catd_station_get_id (self->station));
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, now);
  json_builder_set_member_name (builder, "states");
  json_builder_add_value (builder, json_node_copy (json_object_get_member (object, "states")));
  json_builder_set_member_name (builder, "queue");
  json_builder_add_value (builder, json_node_copy (json_object_get_member (object, "queue")));
  json_builder_set_member_name (builder, "versions");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "catd");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "schema");
  json_builder_add_int_value (builder, CATD_STORE_SCHEMA_VERSION);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  len = strlen (text);
  body = g_bytes_new_take (g_steal_pointer (&text), len);
  path = g_strdup_printf ("/api/v1/stations/%s/heartbeat", catd_station_get_id (self->station));
  request (self, "POST", path, "application/json", body, cancellable, &answer, NULL);
}

/* Receipts are written together: at most this many, at most this late. A
 * receipt a crash loses only sends its upload again, which the central site
 * answers as already stored; one commit and fsync per upload competed with
 * the operators' own commits for the database and the disk. */
#define RECEIPT_BATCH    64
#define RECEIPT_DELAY_US (250 * G_TIME_SPAN_MILLISECOND)

static gboolean
flush_receipts (CatdSync  *self,
                GArray    *receipts,
                GError   **error)
{
  if (receipts->len == 0)
    return TRUE;
  if (!catd_station_outbox_sent (self->station, (const gint64 *)(gpointer)receipts->data,
                                 receipts->len, error))
    return FALSE;
  g_array_set_size (receipts, 0);
  return TRUE;
}

static gboolean
drain_queue (CatdSync        *self,
             gboolean         once,
             GCancellable    *cancellable,
             CatdSyncReport  *report,
             GError         **error)
{
  gint64 last_heartbeat = 0;
  guint failures = 0;
  gint64 failing_id = 0;
  gint64 receipts_since = 0;
  g_autoptr(GArray) receipts = g_array_new (FALSE, FALSE, sizeof (gint64));

  memset (report, 0, sizeof *report);
  /* The upload is background work (catd-thread.c). */
  catd_thread_lower_priority ("sync", CATD_NICE_BACKGROUND);
  self->damaged_id = 0;
  self->damaged_count = 0;
  self->resent_id = 0;

  /* Rows refused for the token or the site's address went dead in the
   * run that met the refusal; either may have been mended since. They go
   * back in their places first (the records naming a refused image can
   * only follow it): if nothing was mended, the first is refused again and
   * the run stops, one request a run. */
  for (guint i = 0; i < G_N_ELEMENTS (station_refusals); i++)
    if (!catd_station_outbox_requeue_dead (self->station, station_refusals[i], NULL, error))
      return FALSE;
  check_clock (self, cancellable, report);

  for (;;)
    {
      g_autoptr(CatdOutboxItem) item = NULL;
      g_autofree char *reason = NULL;
      g_autoptr(GError) local_error = NULL;
      gint64 retry_after_ms, now = g_get_real_time (), delay;
      gboolean damaged;
      Outcome outcome;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          flush_receipts (self, receipts, NULL);
          return FALSE;
        }
      if (receipts->len > 0 && (receipts->len >= RECEIPT_BATCH ||
                                g_get_monotonic_time () - receipts_since >= RECEIPT_DELAY_US) &&
          !flush_receipts (self, receipts, error))
        return FALSE;
      if (!once && now - last_heartbeat >= HEARTBEAT_INTERVAL)
        {
          heartbeat (self, cancellable);
          last_heartbeat = now;
        }
      /* Rows whose receipts wait are behind us: the queue goes on after them. */
      if (!catd_station_outbox_next (self->station,
                                     receipts->len ? g_array_index (receipts, gint64,
                                                                    receipts->len - 1) : 0,
                                     &item, error))
        return FALSE;
      if (item == NULL && receipts->len > 0)
        {
          /* Nothing more to send now: write what was, before waiting. */
          if (!flush_receipts (self, receipts, error))
            return FALSE;
          continue;
        }
      if (item == NULL)
        {
          if (once)
            break;
          tell (self, CATD_SYNC_EVENT_IDLE, 0, NULL, FALSE);
          wait_ms (IDLE_POLL_MS, cancellable);
          continue;
        }
      /* The service waits out the backoff; an operator's --once does not. */
      if (!once && item->next_attempt_at > now)
        {
          tell (self, CATD_SYNC_EVENT_IDLE, 0, NULL, FALSE);
          wait_ms (MIN ((item->next_attempt_at - now) / 1000 + 1, IDLE_POLL_MS), cancellable);
          continue;
        }

      /* The queue's next row: an image is hashed while this one goes. */
      if (self->prefetch == NULL)
        {
          g_autoptr(CatdOutboxItem) next = NULL;

          if (catd_station_outbox_next (self->station, item->id, &next, NULL))
            prefetch_start (self, next);
        }
      outcome = send_item (self, item, cancellable, &retry_after_ms, &damaged, &reason,
                           &local_error);
      if (outcome == OUTCOME_SENT)
        {
          if (receipts->len == 0)
            receipts_since = g_get_monotonic_time ();
          g_array_append_val (receipts, item->id);
          tell (self, CATD_SYNC_EVENT_SENT, 0, NULL, item->is_image);
          report->sent++;
          failures = 0;
          continue;
        }
      /* Any other outcome writes its row (or reads the queue from its
       * start again): the receipts go first, in order. */
      if (!flush_receipts (self, receipts, outcome == OUTCOME_STOP ? NULL : error) &&
          outcome != OUTCOME_STOP)
        return FALSE;
      switch (outcome)
        {
        case OUTCOME_SENT:
          g_assert_not_reached ();

        case OUTCOME_DEAD:
          if (!catd_station_outbox_dead (self->station, item->id, reason, error))
            return FALSE;
          tell (self, CATD_SYNC_EVENT_DEAD, 0, reason, item->is_image);
          report->dead++;
          failures = 0;
          continue;

        case OUTCOME_REFUSED:
          /* An answer about the station or the site (station_refusals)
           * makes the row a dead letter until the next run. */
          if (!catd_station_outbox_dead (self->station, item->id, reason, error))
            return FALSE;
          tell (self, CATD_SYNC_EVENT_DEAD, 0, reason, item->is_image);
          report->dead++;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;

        case OUTCOME_STOP:
          /* No answer (TLS, a damaged image, cancel): the row stays queued. */
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;

        case OUTCOME_RESENT:
          /* The image is now the queue's head; the record follows it. */
          continue;

        case OUTCOME_RETRY:
        default:
          break;
        }

      /* A damaged copy shows the site is up: it is sent again soon, backing
       * off from this run's damaged copies, not from the outages the row's
       * attempts also count. */
      delay = catd_sync_backoff_ms (self->options.backoff_base_ms, self->options.backoff_cap_ms,
                                    damaged ? (int) self->damaged_count - 1 : item->attempts);
      delay = MAX (delay, retry_after_ms);
      if (!catd_station_outbox_retry (self->station, item->id, g_get_real_time () + delay * 1000,
                                      reason, error))
        return FALSE;
      tell (self, CATD_SYNC_EVENT_RETRY, 0, reason, item->is_image);
      report->retries++;
      if (item->id != failing_id)
        failures = 0;
      failing_id = item->id;
      if (once && ++failures >= self->options.max_failures)
        {
          g_set_error (error, CATD_SYNC_ERROR, CATD_SYNC_ERROR_GAVE_UP,
                       "gave up after %u attempts: %s", failures, reason);
          return FALSE;
        }
      if (once)
        wait_ms (MIN (delay, ONCE_MAX_WAIT_MS), cancellable);
    }

  if (!flush_receipts (self, receipts, error))
    return FALSE;
  heartbeat (self, cancellable);
  return TRUE;
}

static gboolean
drain (CatdSync        *self,
       gboolean         once,
       GCancellable    *cancellable,
       CatdSyncReport  *report,
       GError         **error)
{
  gboolean ok = drain_queue (self, once, cancellable, report, error);

  /* A hash the run did not get to use. */
  prefetch_take (self, NULL);
  return ok;
}

/**
 * catd_sync_run_once:
 * @report: (out): what the run did
 *
 * Drains the queue now, in order, retrying a failing item after a short
 * backoff (Retry-After honoured, at most 30 s a wait) and giving up on it
 * after options->max_failures failures in a row (%CATD_SYNC_ERROR_GAVE_UP;
 * it stays queued). Ends with a heartbeat. Blocks: call it off the UI
 * thread.
 */
gboolean
catd_sync_run_once (CatdSync        *self,
                    GCancellable    *cancellable,
                    CatdSyncReport  *report,
                    GError         **error)
{
  g_return_val_if_fail (CATD_IS_SYNC (self), FALSE);
  return drain (self, TRUE, cancellable, report, error);
}

/**
 * catd_sync_run:
 *
 * Uploads for as long as @cancellable is not cancelled: new outbox rows
 * within a second, failures retried with backoff for ever, a heartbeat a
 * minute. Returns when cancelled, or on an error retrying cannot mend
 * (the token refused, an untrusted certificate, a damaged image).
 */
gboolean
catd_sync_run (CatdSync        *self,
               GCancellable    *cancellable,
               CatdSyncReport  *report,
               GError         **error)
{
  g_return_val_if_fail (CATD_IS_SYNC (self), FALSE);
  return drain (self, FALSE, cancellable, report, error);
}
