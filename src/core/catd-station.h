/* catd-station.h - the station engine: users, acopio, images, double-blind capture
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "catd-catalog.h"
#include "catd-image.h"
#include "catd-store.h"
#include "catd-types.h"

G_BEGIN_DECLS

#define CATD_TYPE_USER (catd_user_get_type ())
G_DECLARE_FINAL_TYPE (CatdUser, catd_user, CATD, USER, GObject)

const char *catd_user_get_login (CatdUser *self);
const char *catd_user_get_name  (CatdUser *self);
CatdRole    catd_user_get_role  (CatdUser *self);

typedef enum
{
  CATD_CAPTURE_AWAITING_PASS2,
  CATD_CAPTURE_VERIFIED,
  CATD_CAPTURE_REKEY_REQUIRED,
  CATD_CAPTURE_ARBITRATION,
  CATD_CAPTURE_COORDINATOR,
} CatdCaptureStatus;

/* What a capture step answers: field codes only, never anyone's values. */
typedef struct
{
  char              *clave_acta;
  int                pass;      /* 1, 2, 3 re-key, 4 arbitration, 5 resolution */
  CatdCaptureStatus  status;
  GStrv              fields;    /* codes needing the next action, in acta order */
} CatdCaptureResult;

void        catd_capture_result_free        (CatdCaptureResult *result);
const char *catd_capture_status_to_string   (CatdCaptureStatus  status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdCaptureResult, catd_capture_result_free)

typedef struct
{
  const char *tipo_documento;     /* NULL: "Acta PREP" */
  const char *traslado;           /* NULL, "D", "F" or "I" */
  gboolean    fuera_de_catalogo;
  const char *election;           /* required with fuera_de_catalogo */
} CatdRegisterOptions;

/* Where an acta's image comes from, for catd_station_bind_image (). */
typedef struct
{
  const char *source;     /* "ESCANER" or "IMPORTADA" (DIGITALIZACION) */
  const char *device;     /* the scanner, or NULL */
  const char *binding;    /* how the page was matched to the acta: "qr", "hand", or NULL */
  gboolean    replace;    /* a re-scan: the old image is kept, the acta shows the new */
  const char *reason;     /* why it is replaced; required with replace */
  const CatdImageInfo *encoded;  /* encoded here from pixels: width, height, dpi; not decoded again */
} CatdBindOptions;

/* What the acopio screen shows after a registration. */
typedef struct
{
  char          *clave_acta;
  char          *clave_casilla;   /* "-" fuera de catálogo */
  char          *election;
  char          *election_nombre;
  CatdActaState  state;
  char          *registered_at;   /* dd/mm/yyyy hh:mm:ss, central Mexico time */
  char          *registered_by;   /* the acopiador's login */
} CatdRegistration;

void catd_registration_free (CatdRegistration *registration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdRegistration, catd_registration_free)

typedef struct
{
  const char *central_url;
  const char *token_file;
  const char *ca_file;
} CatdCentralConfig;

/* Which of the central site's settings catd_central_config_check () refuses. */
typedef enum
{
  CATD_CENTRAL_SETTING_URL,
  CATD_CENTRAL_SETTING_TOKEN_FILE,
  CATD_CENTRAL_SETTING_CA_FILE,
} CatdCentralSetting;

gboolean catd_central_config_check (const CatdCentralConfig  *config,
                                    CatdCentralSetting       *bad_setting,
                                    GError                  **error);

#define CATD_TYPE_STATION (catd_station_get_type ())
G_DECLARE_FINAL_TYPE (CatdStation, catd_station, CATD, STATION, GObject)

CatdStation       *catd_station_create          (const char              *data_dir,
                                                 const char              *station_id,
                                                 CatdCatalog             *catalog,
                                                 const CatdCentralConfig *central,
                                                 GError                 **error);
CatdStation       *catd_station_open            (const char              *data_dir,
                                                 GError                 **error);
CatdStore         *catd_station_get_store       (CatdStation             *self);
const char        *catd_station_get_id          (CatdStation             *self);
void               catd_station_set_clock       (CatdStation             *self,
                                                 CatdClockFunc            func,
                                                 gpointer                 user_data);
guint              catd_station_get_removed_temp_files (CatdStation      *self);
gboolean           catd_station_get_central_config (CatdStation          *self,
                                                 char                   **central_url,
                                                 char                   **token_file,
                                                 char                   **ca_file,
                                                 GError                 **error);
gboolean           catd_station_set_central_config (CatdStation          *self,
                                                 CatdUser                *user,
                                                 const CatdCentralConfig *config,
                                                 GError                 **error);

gboolean           catd_station_has_users       (CatdStation             *self);
CatdUser          *catd_station_add_user        (CatdStation             *self,
                                                 CatdUser                *actor,
                                                 const char              *login,
                                                 const char              *name,
                                                 CatdRole                 role,
                                                 const char              *pin,
                                                 GError                 **error);
CatdUser          *catd_station_authenticate    (CatdStation             *self,
                                                 const char              *login,
                                                 const char              *pin,
                                                 GError                 **error);

CatdRegistration  *catd_station_register        (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 const CatdRegisterOptions *options,
                                                 GError                 **error);
void               catd_station_register_async  (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 GCancellable            *cancellable,
                                                 GAsyncReadyCallback      callback,
                                                 gpointer                 user_data);
CatdRegistration  *catd_station_register_finish (CatdStation             *self,
                                                 GAsyncResult            *result,
                                                 GError                 **error);
CatdRegistration  *catd_station_find_registration (CatdStation        *self,
                                                 const char              *clave_acta,
                                                 GError                 **error);
GPtrArray         *catd_station_recent_registrations (CatdStation     *self,
                                                 guint                    limit,
                                                 GError                 **error);
CatdRegistration  *catd_station_sin_acta        (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 CatdSinActaReason        reason,
                                                 GError                 **error);
gboolean           catd_station_bind_image      (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 GBytes                  *tiff,
                                                 const CatdBindOptions   *options,
                                                 CatdImageInfo           *info,
                                                 GError                 **error);
gboolean           catd_station_check_image_target (CatdStation          *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 gboolean                 replace,
                                                 GError                 **error);
gboolean           catd_station_set_page_aside  (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *qr_text,
                                                 JsonNode                *detail,
                                                 GError                 **error);
gboolean           catd_station_import_image    (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 const char              *path,
                                                 CatdImageInfo           *info,
                                                 GError                 **error);

GPtrArray         *catd_station_get_acta_fields (CatdStation             *self,
                                                 const char              *clave_acta,
                                                 GError                 **error);
CatdCaptureResult *catd_station_capture         (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 JsonNode                *values,
                                                 GError                 **error);
void               catd_station_capture_async   (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 JsonNode                *values,
                                                 GCancellable            *cancellable,
                                                 GAsyncReadyCallback      callback,
                                                 gpointer                 user_data);
CatdCaptureResult *catd_station_capture_finish  (CatdStation             *self,
                                                 GAsyncResult            *result,
                                                 GError                 **error);
CatdCaptureResult *catd_station_rekey           (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 JsonNode                *values,
                                                 GError                 **error);
CatdCaptureResult *catd_station_arbitrate       (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 JsonNode                *values,
                                                 GError                 **error);
CatdCaptureResult *catd_station_resolve         (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 JsonNode                *values,
                                                 const char              *note,
                                                 GError                 **error);

JsonNode          *catd_station_show            (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 GError                 **error);
JsonNode          *catd_station_status          (CatdStation             *self,
                                                 GError                 **error);
char              *catd_station_export_prep_csv (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *election,
                                                 char                     delimiter,
                                                 GError                 **error);
GStrv              catd_station_list_elections  (CatdStation             *self,
                                                 GError                 **error);
gboolean           catd_station_audit_export    (CatdStation             *self,
                                                 CatdUser                *user,
                                                 GOutputStream           *out,
                                                 GError                 **error);
gboolean           catd_station_audit_verify    (CatdStation             *self,
                                                 gint64                  *n_rows,
                                                 GError                 **error);
gboolean           catd_station_check           (CatdStation             *self,
                                                 GPtrArray              **warnings,
                                                 GError                 **error);

/* One row of the upload queue (catd-station-outbox.c). */
typedef struct
{
  gint64    id;
  gboolean  is_image;
  char     *ref;               /* the image's SHA-256, or the record's id */
  int       attempts;
  gint64    next_attempt_at;   /* unix microseconds; 0: at once */
  char     *path;              /* an image's file */
  char     *body;              /* a record's body, as stored */
} CatdOutboxItem;

void               catd_outbox_item_free        (CatdOutboxItem          *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdOutboxItem, catd_outbox_item_free)

gboolean           catd_station_outbox_next     (CatdStation             *self,
                                                 CatdOutboxItem         **item,
                                                 GError                 **error);
gboolean           catd_station_outbox_sent     (CatdStation             *self,
                                                 gint64                   id,
                                                 GError                 **error);
gboolean           catd_station_outbox_retry    (CatdStation             *self,
                                                 gint64                   id,
                                                 gint64                   next_attempt_at,
                                                 const char              *reason,
                                                 GError                 **error);
gboolean           catd_station_outbox_dead     (CatdStation             *self,
                                                 gint64                   id,
                                                 const char              *reason,
                                                 GError                 **error);
gboolean           catd_station_outbox_requeue_dead (CatdStation         *self,
                                                 const char              *error_prefix,
                                                 guint                   *n_requeued,
                                                 GError                 **error);
gboolean           catd_station_set_clock_offset (CatdStation            *self,
                                                 gint64                   offset_ms,
                                                 GError                 **error);

char              *catd_normalize_clave         (const char              *text);
gboolean           catd_store_import_catalog    (CatdStore               *store,
                                                 CatdCatalog             *catalog,
                                                 GError                 **error);

G_END_DECLS
