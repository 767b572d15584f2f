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
                                                 const char              *replace_reason,
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
                                                 gint64                   after_id,
                                                 CatdOutboxItem         **item,
                                                 GError                 **error);
gboolean           catd_station_outbox_sent     (CatdStation             *self,
                                                 const gint64            *ids,
                                                 guint                    n_ids,
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
gboolean           catd_station_requeue_dead    (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *ref,
                                                 guint                   *n_requeued,
                                                 GError                 **error);
gboolean           catd_station_outbox_resend_images (CatdStation        *self,
                                                 const char              *record_ref,
                                                 guint                   *n_requeued,
                                                 GError                 **error);
gboolean           catd_station_set_clock_offset (CatdStation            *self,
                                                 gint64                   offset_ms,
                                                 GError                 **error);

char              *catd_normalize_clave         (const char              *text);
gboolean           catd_store_import_catalog    (CatdStore               *store,
                                                 CatdCatalog             *catalog,
                                                 GError                 **error);

/* ---- capture work: the queue and drafts (catd-station-work.c) -------------
 *
 * What the capture and arbitration screens ask: the next acta a user should
 * key, a given acta opened for them with the same checks, how much is
 * waiting, and the half-keyed form of a user kept across a crash. Nothing
 * here reveals another user's values: a task carries this user's own values
 * and draft only, except a resolution task, which is the coordinador's to
 * rule on and carries every keying (DESIGN §5). */

typedef enum
{
  CATD_TASK_CAPTURE = 1,   /* pass 1 or pass 2 of a digitized acta: the engine decides at save */
  CATD_TASK_REKEY,         /* the second capturista keys the mismatching fields again */
  CATD_TASK_ARBITRATION,   /* a third person keys the disputed fields, blind */
  CATD_TASK_RESOLUTION,    /* the coordinador sets what arbitration could not settle */
} CatdTaskKind;

#define CATD_TASK_KIND_LAST CATD_TASK_RESOLUTION
#define CATD_TASK_BIT(kind) (1u << (kind))
#define CATD_TASK_ANY       0u   /* for catd_station_next_task (): whatever the role allows */

const char *catd_task_kind_to_string   (CatdTaskKind  kind);
gboolean    catd_task_kind_from_string (const char   *str,
                                        CatdTaskKind *kind);

/* One keying of an acta, as a resolution task shows it to the coordinador. */
typedef struct
{
  char       *step;       /* "pass1", "pass2", "rekey", "arbitration", "resolution" */
  char       *login;
  char       *name;
  char       *keyed_at;   /* dd/mm/yyyy hh:mm:ss, central Mexico time */
  GHashTable *values;     /* code -> canonical text ("12", "ilegible", "sin_dato") */
} CatdKeying;

void catd_keying_free (CatdKeying *keying);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdKeying, catd_keying_free)

/* One acta handed to one user for one step. */
typedef struct
{
  char         *clave_acta;
  CatdTaskKind  kind;
  int           pass;           /* what a save is now: 1 or 2 (capture), 3, 4 or 5, as in
                                 * CatdCaptureResult; a capture handed out as pass 1 is saved
                                 * as pass 2 if someone saved pass 1 in between */
  char         *login;          /* the user the task was opened for */
  char         *clave_casilla;
  char         *election;
  char         *election_nombre;
  char         *image_sha256;
  char         *image_path;     /* the acta's current image file */
  char         *digitized_at;   /* first digitization, dd/mm/yyyy hh:mm:ss */
  GPtrArray    *fields;         /* CatdField*, every field of the acta, in acta order */
  GStrv         codes;          /* the fields this step keys, in acta order */
  GHashTable   *own_values;     /* code -> text: this user's own latest keyed values (a re-key
                                 * shows the user's pass 2 around the fields asked again) */
  GHashTable   *draft;          /* code -> text: this user's draft of this step, or NULL */
  GPtrArray    *keyings;        /* CatdKeying*, every keying in order: resolution only, else NULL */
} CatdTask;

void catd_task_free (CatdTask *task);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdTask, catd_task_free)

/* What waits for one user, for the header of the capture screens. */
typedef struct
{
  guint pass1;         /* digitized actas nobody keyed yet */
  guint pass2;         /* actas with a pass 1 by someone else */
  guint rekey;         /* this user's own re-keys */
  guint arbitration;   /* disputes this user keyed nothing of */
  guint resolution;    /* actas waiting for the coordinador */
} CatdTaskCounts;

CatdTask          *catd_station_next_task       (CatdStation             *self,
                                                 CatdUser                *user,
                                                 guint                    kinds,
                                                 const char * const      *skip,
                                                 GError                 **error);
CatdTask          *catd_station_open_task       (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 GError                 **error);
gboolean           catd_station_count_tasks     (CatdStation             *self,
                                                 CatdUser                *user,
                                                 CatdTaskCounts          *counts,
                                                 GError                 **error);
CatdCaptureResult *catd_station_save_task       (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 CatdTaskKind             kind,
                                                 JsonNode                *values,
                                                 const char              *note,
                                                 GError                 **error);

gboolean           catd_station_save_draft      (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 CatdTaskKind             kind,
                                                 JsonNode                *values,
                                                 GError                 **error);
GHashTable        *catd_station_load_draft      (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 CatdTaskKind             kind,
                                                 GError                 **error);
gboolean           catd_station_discard_draft   (CatdStation             *self,
                                                 CatdUser                *user,
                                                 const char              *clave_acta,
                                                 CatdTaskKind             kind,
                                                 GError                 **error);

/* ---- end of capture work ------------------------------------------------- */

/* ---- Coordination: what the coordinador's screen asks (catd-station-query.c) -------------
 *
 * Read-only, no keyed value is revealed except by the two coordinador-only
 * calls (acta history, audit page), which withhold the values of an acta
 * still being captured or arbitrated, as catd_station_show () does.
 * Per-user statistics (fields keyed, errors, errors per 1,000 fields,
 * actas per hour) are in catd_station_status (), with the upload queue. */

/* One election's progress against the catalog. The cumulative counts
 * (registered … contabilizadas) are of catalog actas; fuera de catálogo is
 * counted apart. states[] holds how many actas are in each state now,
 * fuera de catálogo included ([0] unused). */
typedef struct
{
  char   *election;
  char   *nombre;
  gint64  esperadas;          /* the election's actas in the catalog (ACTAS_ESPERADAS) */
  gint64  registered;         /* registered, whatever their state (sin acta included) */
  gint64  digitized;          /* with an image */
  gint64  captured;           /* whose pass 1 is saved */
  gint64  verified;           /* settled by capture (state verified) */
  gint64  sin_acta;
  gint64  contabilizadas;     /* verified and counted */
  gint64  fuera_de_catalogo;  /* registered for this election outside the catalog */
  gint64  states[CATD_ACTA_STATE_LAST + 1];
} CatdElectionProgress;

void       catd_election_progress_free  (CatdElectionProgress    *progress);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdElectionProgress, catd_election_progress_free)

GPtrArray *catd_station_progress        (CatdStation             *self,
                                         GError                 **error);

/* The stages whose pace the throughput chart shows. */
typedef enum
{
  CATD_STAGE_ACOPIO,          /* registrations (FECHA_HORA_ACOPIO) */
  CATD_STAGE_DIGITALIZACION,  /* actas given their first image */
  CATD_STAGE_CAPTURA,         /* pass 1 saved (FECHA_HORA_CAPTURA) */
  CATD_STAGE_VERIFICACION,    /* values settled (FECHA_HORA_VERIFICACION of verified actas) */
} CatdStage;

#define CATD_N_STAGES 4
#define CATD_THROUGHPUT_BUCKET_USEC (G_GINT64_CONSTANT (15) * 60 * G_USEC_PER_SEC)

/* Actas per 15 minutes per stage: bucket i covers [start + i × 15 min,
 * start + (i + 1) × 15 min); the last bucket holds the present moment. */
typedef struct
{
  gint64  start;                    /* unix µs, a multiple of 15 minutes */
  guint   n_buckets;
  guint  *counts[CATD_N_STAGES];    /* n_buckets each */
  guint   max;                      /* the largest count of any stage and bucket */
  guint   totals[CATD_N_STAGES];    /* the sum of each stage over the window */
} CatdThroughput;

void            catd_throughput_free      (CatdThroughput  *throughput);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdThroughput, catd_throughput_free)
const char     *catd_stage_to_string      (CatdStage        stage);

CatdThroughput *catd_station_throughput   (CatdStation     *self,
                                           guint            hours,
                                           GError         **error);

/* Why an acta (or a page) is on the coordinador's list. The string forms
 * are stable codes; the GUI translates them. */
typedef enum
{
  CATD_INCONSISTENCY_ARBITRATION = 1,     /* waiting for a third, blind keying */
  CATD_INCONSISTENCY_COORDINATOR,         /* arbitration did not settle it */
  CATD_INCONSISTENCY_EXCEDE_LISTA_NOMINAL,
  CATD_INCONSISTENCY_TODOS_ILEGIBLES,
  CATD_INCONSISTENCY_TODOS_VACIOS,
  CATD_INCONSISTENCY_FUERA_DE_CATALOGO,
  CATD_INCONSISTENCY_SIN_ACTA,
  CATD_INCONSISTENCY_DEAD_IMAGE,          /* the central site refused the image */
  CATD_INCONSISTENCY_DEAD_RECORD,         /* the central site refused the record */
  CATD_INCONSISTENCY_PAGE_SET_ASIDE,      /* a scanned page left unbound */
} CatdInconsistencyReason;

#define CATD_INCONSISTENCY_REASON_LAST CATD_INCONSISTENCY_PAGE_SET_ASIDE

typedef struct
{
  CatdInconsistencyReason  reason;
  char                    *clave_acta;  /* NULL: a page whose QR named nothing */
  char                    *election;    /* NULL when not known */
  char                    *at;          /* ISO UTC: when it arose */
  /* Untranslated particulars: a sin acta's reason code
   * ("paquete-no-entregado"), the central site's answer to a dead letter,
   * a set-aside page's check verdict ("no_qr"); else NULL. */
  char                    *detail;
  gint64                   ref;         /* the outbox row or audit row behind it; else 0 */
} CatdInconsistency;

void        catd_inconsistency_free             (CatdInconsistency       *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdInconsistency, catd_inconsistency_free)
const char *catd_inconsistency_reason_to_string (CatdInconsistencyReason  reason);

GPtrArray  *catd_station_inconsistencies        (CatdStation             *self,
                                                 GError                 **error);

/* An acta found by catd_station_search_actas (). */
typedef struct
{
  char          *clave_acta;
  char          *clave_casilla;   /* "-" fuera de catálogo */
  char          *election;
  CatdActaState  state;           /* 0: in the catalog, not registered yet */
  char          *acopio_at;       /* ISO UTC; NULL when not registered */
} CatdActaMatch;

void        catd_acta_match_free          (CatdActaMatch           *match);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdActaMatch, catd_acta_match_free)

GPtrArray  *catd_station_search_actas     (CatdStation             *self,
                                           const char              *text,
                                           guint                    limit,
                                           GError                 **error);

/* One row of the audit log, as the coordinador's screen shows it. */
typedef struct
{
  gint64    seq;
  char     *at;           /* ISO UTC */
  char     *login;        /* NULL: the station itself */
  char     *user_name;    /* NULL when no user */
  char     *action;       /* "acopio.register", "captura.pass1", … */
  char     *clave_acta;
  char     *detail;       /* the row's JSON object, values withheld when they must be */
  gboolean  withheld;     /* keyed values were left out of detail */
} CatdAuditEntry;

void        catd_audit_entry_free         (CatdAuditEntry          *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdAuditEntry, catd_audit_entry_free)

GPtrArray  *catd_station_acta_history     (CatdStation             *self,
                                           CatdUser                *user,
                                           const char              *clave_acta,
                                           GError                 **error);

typedef struct
{
  const char *login;        /* NULL: anyone's */
  const char *action;       /* NULL: every action; ending in '.': every action it begins */
  gint64      before_seq;   /* 0: from the newest row */
  guint       limit;        /* 0: 100 */
} CatdAuditQuery;

GPtrArray  *catd_station_audit_page       (CatdStation             *self,
                                           CatdUser                *user,
                                           const CatdAuditQuery    *query,
                                           gboolean                *more,
                                           GError                 **error);

/* The upload client's settings and the coordinador's "sync now". */
gboolean    catd_station_get_central      (CatdStation             *self,
                                           char                   **central_url,
                                           char                   **token_file,
                                           char                   **ca_file,
                                           GError                 **error);
gboolean    catd_station_outbox_due_now   (CatdStation             *self,
                                           guint                   *n_due,
                                           GError                 **error);

/* ---- end of the coordination block ------------------------------------------------------ */

G_END_DECLS
