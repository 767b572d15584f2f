/* catd-scan-wire.h - messages between the station and its SANE helper process
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "catd-scanner.h"

G_BEGIN_DECLS

/* A message is a fixed header (type, JSON length, data length, all
 * little-endian), a JSON body and raw data (a page's pixels). Requests go
 * to the helper; each gets one answer, but ACQUIRE, which is answered by
 * PROGRESS messages and then a PAGE or an ERROR. CANCEL has no answer. */
typedef enum
{
  CATD_WIRE_LIST = 1,
  CATD_WIRE_OPEN,         /* {"name"} */
  CATD_WIRE_CONFIGURE,    /* the settings */
  CATD_WIRE_ACQUIRE,
  CATD_WIRE_END_JOB,
  CATD_WIRE_CLOSE,
  CATD_WIRE_CANCEL,

  CATD_WIRE_OK = 100,     /* the request's answer, if any */
  CATD_WIRE_ERROR,        /* {"code", "message"}: a CATD_SCAN_ERROR */
  CATD_WIRE_PROGRESS,     /* {"fraction"} */
  CATD_WIRE_PAGE,         /* {"width", "height", "channels", "stride"} + pixels */
} CatdWireType;

typedef struct
{
  CatdWireType  type;
  JsonNode     *json;     /* never NULL: null when there was none */
  GBytes       *data;     /* never NULL: empty when there was none */
} CatdWireMessage;

void              catd_wire_message_free  (CatdWireMessage  *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdWireMessage, catd_wire_message_free)

gboolean          catd_wire_send          (int               fd,
                                           CatdWireType      type,
                                           JsonNode         *json,
                                           const void       *data,
                                           gsize             len,
                                           GError          **error);
CatdWireMessage  *catd_wire_receive       (int               fd,
                                           int               cancel_fd,
                                           gint64            deadline,
                                           GError          **error);
gboolean          catd_wire_poll          (int               fd);

JsonNode         *catd_wire_error_to_json (const GError     *error);
GError           *catd_wire_error_from_json (JsonNode       *json);
JsonNode         *catd_wire_settings_to_json (const CatdScanSettings *settings);
CatdScanSettings *catd_wire_settings_from_json (JsonNode     *json);

G_END_DECLS
