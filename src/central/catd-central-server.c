/* catd-central-server.c - the central site's HTTP API (DESIGN §7) over libsoup
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "catd-central-server.h"
#include "catd-errors.h"
#include "catd-image.h"
#include "catd-time.h"

/* One SoupServer on the thread that runs the main loop. Requests are
 * answered one at a time, in the order their bodies complete: each upload
 * is a short transaction (one fsync), and an image's fsync'd write costs
 * about a second per 100 MiB, which a few dozen stations' steady trickle of
 * 1-MiB pages never queues behind for long.
 *
 * Every request is looked at twice. The early handler runs when the
 * headers are in, before the body is read: it refuses a wrong method, a
 * missing or wrong token and a declared body over the endpoint's limit
 * there, so a 256-MiB upload from someone without a token is never kept in
 * memory (its bytes are read and dropped; a client that asked
 * `Expect: 100-continue` is answered before it sends them). The handler
 * runs when the body is complete and does the work. Every error is an
 * application/problem+json body (RFC 7807: type, title, status, detail). */

#define PROBLEM_TYPE_PREFIX "urn:catd:problem:"

typedef enum
{
  ROUTE_NONE,
  ROUTE_STATUS,
  ROUTE_HEALTH,
  ROUTE_CATALOG,
  ROUTE_IMAGE,
  ROUTE_RECORD,
  ROUTE_HEARTBEAT,
} RouteKind;

typedef struct
{
  RouteKind   kind;
  const char *method;      /* the one method it takes (GET also takes HEAD) */
  gboolean    auth;
  gsize       max_body;    /* the largest body taken; 0 for a GET */
  char       *arg;         /* the {sha256}, {record_id} or {id} of the path */
} Route;

static void
route_clear (Route *route)
{
  g_clear_pointer (&route->arg, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Route, route_clear)

struct _CatdCentralServer
{
  GObject      parent_instance;

  CatdCentral *central;
  CatdTokens  *tokens;
  SoupServer  *server;
};

G_DEFINE_FINAL_TYPE (CatdCentralServer, catd_central_server, G_TYPE_OBJECT)

static void
catd_central_server_dispose (GObject *object)
{
  CatdCentralServer *self = (CatdCentralServer *)object;

  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_object (&self->central);
  g_clear_object (&self->tokens);
  G_OBJECT_CLASS (catd_central_server_parent_class)->dispose (object);
}

static void
catd_central_server_class_init (CatdCentralServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = catd_central_server_dispose;
}

static void
catd_central_server_init (CatdCentralServer *self)
{
}

/* ---- routing -------------------------------------------------------------------- */

/* The one segment after @prefix, with nothing after it but @suffix. */
static char *
segment_after (const char *path,
               const char *prefix,
               const char *suffix)
{
  const char *start, *end;

  if (!g_str_has_prefix (path, prefix))
    return NULL;
  start = path + strlen (prefix);
  end = strchr (start, '/');
  if (end == NULL)
    end = start + strlen (start);
  if (end == start || !g_str_equal (end, suffix))
    return NULL;
  return g_strndup (start, end - start);
}

static void
route_of (const char *path,
          Route      *route)
{
  memset (route, 0, sizeof *route);
  if (g_str_equal (path, "/"))
    *route = (Route) { ROUTE_STATUS, SOUP_METHOD_GET, FALSE, 0 };
  else if (g_str_equal (path, "/api/v1/health"))
    *route = (Route) { ROUTE_HEALTH, SOUP_METHOD_GET, FALSE, 0 };
  else if (g_str_equal (path, "/api/v1/catalog"))
    *route = (Route) { ROUTE_CATALOG, SOUP_METHOD_GET, TRUE, 0 };
  else if ((route->arg = segment_after (path, "/api/v1/images/", "")))
    {
      route->kind = ROUTE_IMAGE;
      route->method = SOUP_METHOD_PUT;
      route->auth = TRUE;
      route->max_body = CATD_IMAGE_MAX_SIZE;
    }
  else if ((route->arg = segment_after (path, "/api/v1/records/", "")))
    {
      route->kind = ROUTE_RECORD;
      route->method = SOUP_METHOD_PUT;
      route->auth = TRUE;
      route->max_body = CATD_CENTRAL_MAX_JSON_SIZE;
    }
  else if ((route->arg = segment_after (path, "/api/v1/stations/", "/heartbeat")))
    {
      route->kind = ROUTE_HEARTBEAT;
      route->method = SOUP_METHOD_POST;
      route->auth = TRUE;
      route->max_body = CATD_CENTRAL_MAX_JSON_SIZE;
    }
}

static gboolean
method_allowed (const Route *route,
                const char  *method)
{
  return method == route->method ||
         (route->method == SOUP_METHOD_GET && method == SOUP_METHOD_HEAD);
}

/* ---- answers -------------------------------------------------------------------- */

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              const char        *content_type,
              JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, FALSE);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY, text, strlen (text));
}

/* Answers with an application/problem+json body. The request's own body,
 * if it is still coming, is read and dropped rather than kept. */
static void
respond_problem (SoupServerMessage *msg,
                 guint              status,
                 const char        *type,
                 const char        *detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autofree char *type_uri = g_strconcat (PROBLEM_TYPE_PREFIX, type, NULL);
  GUri *uri = soup_server_message_get_uri (msg);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type_uri);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, soup_status_get_phrase (status));
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, detail);
  json_builder_end_object (builder);

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_message_body_truncate (soup_server_message_get_request_body (msg));
  respond_json (msg, status, "application/problem+json", builder);
  g_message ("%s %s: %u %s", soup_server_message_get_method (msg),
             uri ? g_uri_get_path (uri) : "?", status, detail);
}

/* The HTTP answer to an error of libcatd, by domain and code. */
static void
respond_error (SoupServerMessage *msg,
               const GError      *error)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  guint status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
  const char *type = "internal";

  if (error->domain == CATD_CENTRAL_ERROR)
    {
      switch ((CatdCentralError) error->code)
        {
        case CATD_CENTRAL_ERROR_INVALID:
          status = SOUP_STATUS_BAD_REQUEST;
          type = "invalid-request";
          break;
        case CATD_CENTRAL_ERROR_UNAUTHORIZED:
          status = SOUP_STATUS_UNAUTHORIZED;
          type = "unauthorized";
          soup_message_headers_replace (headers, "WWW-Authenticate",
                                        "Bearer realm=\"catd-central\"");
          break;
        case CATD_CENTRAL_ERROR_FORBIDDEN:
          status = SOUP_STATUS_FORBIDDEN;
          type = "forbidden";
          break;
        case CATD_CENTRAL_ERROR_TOO_LARGE:
          status = SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
          type = "too-large";
          /* The rest of a refused body is not worth waiting for. */
          soup_message_headers_replace (headers, "Connection", "close");
          break;
        case CATD_CENTRAL_ERROR_UNSUPPORTED_TYPE:
          status = SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE;
          type = "unsupported-media-type";
          break;
        case CATD_CENTRAL_ERROR_IMAGE_MISSING:
          status = SOUP_STATUS_CONFLICT;
          type = "image-not-uploaded";
          break;
        case CATD_CENTRAL_ERROR_RECORD_CHANGED:
          status = SOUP_STATUS_UNPROCESSABLE_ENTITY;
          type = "record-changed";
          break;
        case CATD_CENTRAL_ERROR_CATALOG_MISMATCH:
        case CATD_CENTRAL_ERROR_NOT_CENTRAL:
        default:
          break;
        }
    }
  else if (g_error_matches (error, CATD_IMAGE_ERROR, CATD_IMAGE_ERROR_INVALID))
    {
      status = SOUP_STATUS_BAD_REQUEST;
      type = "not-a-tiff";
    }
  else if (g_error_matches (error, CATD_STORE_ERROR, CATD_STORE_ERROR_BUSY))
    {
      /* Another writer (an export, a backup) holds the database: the
       * client retries 503s after Retry-After. */
      status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      type = "busy";
      soup_message_headers_replace (headers, "Retry-After", "5");
    }
  else if (g_error_matches (error, CATD_STORE_ERROR, CATD_STORE_ERROR_FULL))
    {
      status = SOUP_STATUS_INSUFFICIENT_STORAGE;
      type = "disk-full";
    }
  respond_problem (msg, status, type, error->message);
}

static void
respond_ack (SoupServerMessage  *msg,
             CatdCentralOutcome  outcome,
             const char         *key,
             const char         *value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, key);
  json_builder_add_string_value (builder, value);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, outcome == CATD_CENTRAL_STORED ? "stored"
                                                                         : "already_stored");
  json_builder_end_object (builder);
  respond_json (msg, outcome == CATD_CENTRAL_STORED ? SOUP_STATUS_CREATED : SOUP_STATUS_OK,
                "application/json", builder);
}

/* ---- authentication -------------------------------------------------------------- */

/* The station the request speaks for: a known bearer token (else
 * UNAUTHORIZED) whose station is the one X-Catd-Station names (else
 * FORBIDDEN). */
static const char *
authenticate (CatdCentralServer  *self,
              SoupServerMessage  *msg,
              GError            **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *claimed = soup_message_headers_get_one (headers, "X-Catd-Station");
  const char *station;

  if (authorization == NULL || g_ascii_strncasecmp (authorization, "Bearer ", 7) != 0)
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_UNAUTHORIZED,
                   "this request needs the station's token (Authorization: Bearer TOKEN)");
      return NULL;
    }
  authorization += 7;
  while (*authorization == ' ')
    authorization++;
  station = catd_tokens_lookup (self->tokens, authorization);
  if (station == NULL)
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_UNAUTHORIZED,
                   "the token is not one this site knows: check the station's token file");
      return NULL;
    }
  if (claimed == NULL)
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_FORBIDDEN,
                   "the request does not say which station sends it (X-Catd-Station)");
      return NULL;
    }
  if (!g_str_equal (claimed, station))
    {
      g_set_error (error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_FORBIDDEN,
                   "the token belongs to another station than %s", claimed);
      return NULL;
    }
  return station;
}

/* ---- the endpoints ------------------------------------------------------------- */

static void
handle_status (CatdCentralServer *self,
               SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GError) error = NULL;
  char *html = catd_central_status_html (self->central, &error);

  if (html == NULL)
    {
      respond_error (msg, error);
      return;
    }
  /* No script may run on this page, whatever a station manages to get
   * into it. */
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, html,
                                    strlen (html));
}

static void
handle_health (CatdCentralServer *self,
               SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  gint64 now = catd_store_now (catd_central_get_store (self->central));
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (now / G_USEC_PER_SEC);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  /* Milliseconds: the stations measure their clock offset from this. */
  g_autofree char *stamp = g_strdup_printf ("%s.%03dZ", base,
                                            (int)(now % G_USEC_PER_SEC / 1000));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, "ok");
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, stamp);
  json_builder_end_object (builder);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  respond_json (msg, SOUP_STATUS_OK, "application/json", builder);
}

/* Whether an If-None-Match header names @etag (or is "*"). Weak and strong
 * forms compare alike: the catalog is one exact document either way. */
static gboolean
etag_matches (const char *if_none_match,
              const char *etag)
{
  g_auto(GStrv) tags = NULL;

  if (if_none_match == NULL)
    return FALSE;
  tags = g_strsplit (if_none_match, ",", -1);
  for (guint i = 0; tags[i]; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_has_prefix (tag, "W/"))
        tag += 2;
      if (g_str_equal (tag, "*") || g_str_equal (tag, etag))
        return TRUE;
    }
  return FALSE;
}

static void
handle_catalog (CatdCentralServer *self,
                SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) document = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *etag = NULL;
  gsize len;
  const char *data;

  if (!(document = catd_central_get_catalog (self->central, &sha256, &error)))
    {
      respond_error (msg, error);
      return;
    }
  etag = g_strdup_printf ("\"%s\"", sha256);
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  if (etag_matches (soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                                   "If-None-Match"), etag))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }
  data = g_bytes_get_data (document, &len);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, data, len);
}

static void
handle_image (CatdCentralServer *self,
              SoupServerMessage *msg,
              const char        *station,
              const char        *sha256)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *type;
  CatdCentralOutcome outcome;

  type = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg),
                                                NULL);
  if (g_strcmp0 (type, "image/tiff") != 0)
    {
      g_set_error (&error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_UNSUPPORTED_TYPE,
                   "an image is sent as Content-Type: image/tiff, not %s",
                   type ? type : "without a type");
      respond_error (msg, error);
      return;
    }
  bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  outcome = catd_central_put_image (self->central, station, sha256, bytes, &error);
  if (outcome == CATD_CENTRAL_FAILED)
    respond_error (msg, error);
  else
    respond_ack (msg, outcome, "sha256", sha256);
}

static void
handle_record (CatdCentralServer *self,
               SoupServerMessage *msg,
               const char        *station,
               const char        *record_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  CatdCentralOutcome outcome;

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  outcome = catd_central_put_record (self->central, station, record_id, body, &error);
  if (outcome == CATD_CENTRAL_FAILED)
    respond_error (msg, error);
  else
    respond_ack (msg, outcome, "record_id", record_id);
}

static void
handle_heartbeat (CatdCentralServer *self,
                  SoupServerMessage *msg,
                  const char        *station,
                  const char        *url_station)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;

  if (!g_str_equal (station, url_station))
    {
      g_set_error (&error, CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_FORBIDDEN,
                   "station %s may not send the heartbeat of station %s", station, url_station);
      respond_error (msg, error);
      return;
    }
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (!catd_central_heartbeat (self->central, station, body, &error))
    {
      respond_error (msg, error);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* ---- the two handlers ------------------------------------------------------------ */

static void
refuse_method (SoupServerMessage *msg,
               const Route       *route)
{
  g_autofree char *allow = route->method == SOUP_METHOD_GET ? g_strdup ("GET, HEAD")
                                                            : g_strdup (route->method);
  g_autofree char *detail = g_strdup_printf ("this resource takes %s only", allow);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  respond_problem (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", detail);
}

/* Counts a body that came without a Content-Length as it arrives, and stops
 * keeping it once it is over the limit. */
static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  gsize limit = GPOINTER_TO_SIZE (user_data);
  gsize *seen = g_object_get_data (G_OBJECT (msg), "catd-body-seen");

  if (seen == NULL || soup_server_message_get_status (msg) != 0)
    return;
  *seen += g_bytes_get_size (chunk);
  if (*seen > limit)
    {
      g_autoptr(GError) error = g_error_new (CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_TOO_LARGE,
                                             "the body is over this endpoint's limit of %"
                                             G_GSIZE_FORMAT " bytes", limit);
      respond_error (msg, error);
    }
}

static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  CatdCentralServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  g_auto(Route) route = { 0 };
  const char *station;

  route_of (path, &route);
  if (route.kind == ROUTE_NONE)
    {
      respond_problem (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                       "no such resource (see docs/protocol.md)");
      return;
    }
  if (!method_allowed (&route, soup_server_message_get_method (msg)))
    {
      refuse_method (msg, &route);
      return;
    }
  if (route.auth)
    {
      if (!(station = authenticate (self, msg, &error)))
        {
          respond_error (msg, error);
          return;
        }
      g_object_set_data_full (G_OBJECT (msg), "catd-station", g_strdup (station), g_free);
    }

  /* A body over the limit (none at all for a GET) is refused here, before
   * it is read into memory. */
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    {
      goffset declared = soup_message_headers_get_content_length (headers);

      if (declared > (goffset)route.max_body)
        {
          error = g_error_new (CATD_CENTRAL_ERROR, CATD_CENTRAL_ERROR_TOO_LARGE,
                               "the body (%" G_GOFFSET_FORMAT " bytes) is over this endpoint's "
                               "limit of %" G_GSIZE_FORMAT " bytes", declared, route.max_body);
          respond_error (msg, error);
        }
    }
  else
    {
      g_object_set_data_full (G_OBJECT (msg), "catd-body-seen", g_new0 (gsize, 1), g_free);
      g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb),
                        GSIZE_TO_POINTER (route.max_body));
    }
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  CatdCentralServer *self = user_data;
  g_auto(Route) route = { 0 };
  const char *station = g_object_get_data (G_OBJECT (msg), "catd-station");

  route_of (path, &route);
  /* The early handler has refused what it could; what reaches here is
   * a known path, its method and, where needed, an authenticated station.
   * The checks below only keep a request safe should it not have run. */
  if (route.kind == ROUTE_NONE)
    {
      respond_problem (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                       "no such resource (see docs/protocol.md)");
      return;
    }
  if (!method_allowed (&route, soup_server_message_get_method (msg)) ||
      (route.auth && station == NULL))
    {
      respond_problem (msg, SOUP_STATUS_FORBIDDEN, "forbidden", "request refused");
      return;
    }

  switch (route.kind)
    {
    case ROUTE_STATUS:
      handle_status (self, msg);
      break;
    case ROUTE_HEALTH:
      handle_health (self, msg);
      break;
    case ROUTE_CATALOG:
      handle_catalog (self, msg);
      break;
    case ROUTE_IMAGE:
      handle_image (self, msg, station, route.arg);
      break;
    case ROUTE_RECORD:
      handle_record (self, msg, station, route.arg);
      break;
    case ROUTE_HEARTBEAT:
      handle_heartbeat (self, msg, station, route.arg);
      break;
    case ROUTE_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* ---- set-up ------------------------------------------------------------------- */

/**
 * catd_central_server_new:
 * @certificate: (nullable): the server's certificate with its private key;
 *   %NULL for plain HTTP
 *
 * Creates the server of @central, accepting the stations of @tokens (each
 * is made known to @central). It answers once listening and while the
 * thread-default main context runs.
 */
CatdCentralServer *
catd_central_server_new (CatdCentral      *central,
                         CatdTokens       *tokens,
                         GTlsCertificate  *certificate,
                         GError          **error)
{
  g_autoptr(CatdCentralServer) self = NULL;
  g_autoptr(GPtrArray) stations = NULL;

  g_return_val_if_fail (CATD_IS_CENTRAL (central), NULL);
  g_return_val_if_fail (CATD_IS_TOKENS (tokens), NULL);
  g_return_val_if_fail (certificate == NULL || G_IS_TLS_CERTIFICATE (certificate), NULL);

  stations = catd_tokens_get_stations (tokens);
  for (guint i = 0; i < stations->len; i++)
    if (!catd_central_add_station (central, g_ptr_array_index (stations, i), error))
      return NULL;

  self = g_object_new (CATD_TYPE_CENTRAL_SERVER, NULL);
  self->central = g_object_ref (central);
  self->tokens = g_object_ref (tokens);
  self->server = soup_server_new ("server-header", "catd-central/" PACKAGE_VERSION,
                                  "tls-certificate", certificate,
                                  NULL);
  soup_server_add_early_handler (self->server, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->server, NULL, handler_cb, self, NULL);
  return g_steal_pointer (&self);
}

/**
 * catd_central_server_listen:
 * @host: an address ("127.0.0.1", "::", "0.0.0.0") or a host name, whose
 *   every address is listened on
 * @port: the port; 0 picks a free one (see catd_central_server_get_urls ())
 *
 * Starts listening, with TLS when the server has a certificate.
 */
gboolean
catd_central_server_listen (CatdCentralServer  *self,
                            const char         *host,
                            guint               port,
                            GError            **error)
{
  g_autolist(GInetAddress) addresses = NULL;
  SoupServerListenOptions options = 0;
  GInetAddress *literal;

  g_return_val_if_fail (CATD_IS_CENTRAL_SERVER (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (soup_server_get_tls_certificate (self->server) != NULL)
    options |= SOUP_SERVER_LISTEN_HTTPS;

  literal = g_inet_address_new_from_string (host);
  if (literal != NULL)
    addresses = g_list_append (NULL, literal);
  else if (!(addresses = g_resolver_lookup_by_name (g_resolver_get_default (), host, NULL,
                                                    error)))
    return FALSE;

  for (GList *l = addresses; l; l = l->next)
    {
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (l->data, port);

      if (!soup_server_listen (self->server, address, options, error))
        return FALSE;
      /* Every address of a name on the same port, the one picked first. */
      if (port == 0)
        {
          g_autoslist(GUri) uris = soup_server_get_uris (self->server);

          port = uris ? g_uri_get_port (uris->data) : 0;
        }
    }
  return TRUE;
}

/* The base URLs the server listens on ("http://127.0.0.1:8080/"). */
GStrv
catd_central_server_get_urls (CatdCentralServer *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoslist(GUri) uris = NULL;

  g_return_val_if_fail (CATD_IS_CENTRAL_SERVER (self), NULL);

  uris = soup_server_get_uris (self->server);
  for (GSList *l = uris; l; l = l->next)
    {
      g_autofree char *url = g_uri_to_string (l->data);

      g_strv_builder_add (builder, url);
    }
  return g_strv_builder_end (builder);
}
