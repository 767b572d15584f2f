/* catd-sync.h - the upload client: the station's outbox to the central site
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-station.h"

G_BEGIN_DECLS

/* A clock offset worth telling the operator about: FECHA_HORA_ACOPIO is the
 * station's clock. */
#define CATD_SYNC_CLOCK_WARNING_MS 2000

/* What a run did. */
typedef struct
{
  guint   sent;
  guint   dead;           /* rows put in the dead-letter state by this run */
  guint   retries;
  gint64  clock_offset_ms;  /* server minus station, measured at the start */
  gboolean clock_checked;
} CatdSyncReport;

typedef struct
{
  guint   timeout_s;       /* per request I/O; 0: 30 s */
  gint64  backoff_base_ms; /* 0: 1000 */
  gint64  backoff_cap_ms;  /* 0: 300000 */
  guint   max_failures;    /* in a run_once, give up on an item after this many; 0: 5 */
} CatdSyncOptions;

/* What the client tells its observer as it works (catd_sync_set_observer ()):
 * enough for a screen to show whether the central site answers, the clock
 * offset and the last upload without reading the queue after every
 * request. */
typedef enum
{
  CATD_SYNC_EVENT_ANSWERED,   /* the central site answered a request (status) */
  CATD_SYNC_EVENT_NO_ANSWER,  /* a request got no answer (message: why) */
  CATD_SYNC_EVENT_CLOCK,      /* the clocks were compared (clock_offset_ms) */
  CATD_SYNC_EVENT_SENT,       /* an upload was acknowledged (is_image) */
  CATD_SYNC_EVENT_DEAD,       /* an upload became a dead letter (is_image, message: the answer) */
  CATD_SYNC_EVENT_RETRY,      /* an upload failed and waits for a retry (is_image, message) */
  CATD_SYNC_EVENT_IDLE,       /* nothing is due: the queue is empty or waits out a backoff;
                               * comes about once a second while so */
} CatdSyncEventKind;

typedef struct
{
  CatdSyncEventKind  kind;
  guint              status;
  const char        *message;
  gint64             clock_offset_ms;
  gboolean           is_image;
} CatdSyncEvent;

/* Called on the thread that runs the client, between requests, with no
 * lock of the station held; it may call the station, and must be quick. */
typedef void (*CatdSyncObserver) (const CatdSyncEvent *event,
                                  gpointer             user_data);

#define CATD_TYPE_SYNC (catd_sync_get_type ())
G_DECLARE_FINAL_TYPE (CatdSync, catd_sync, CATD, SYNC, GObject)

CatdSync *catd_sync_new         (CatdStation            *station,
                                 const CatdSyncOptions  *options,
                                 GError                **error);
gboolean  catd_sync_run_once    (CatdSync               *self,
                                 GCancellable           *cancellable,
                                 CatdSyncReport         *report,
                                 GError                **error);
gboolean  catd_sync_run         (CatdSync               *self,
                                 GCancellable           *cancellable,
                                 CatdSyncReport         *report,
                                 GError                **error);
void      catd_sync_set_observer (CatdSync              *self,
                                 CatdSyncObserver       observer,
                                 gpointer               user_data);
gboolean  catd_sync_url_is_acceptable (const char      *url);
gboolean  catd_sync_check_token_file  (const char      *path,
                                       GError         **error);
gint64    catd_sync_backoff_ms  (gint64                  base_ms,
                                 gint64                  cap_ms,
                                 int                     attempts);

G_END_DECLS
