/* catd-errors.h - the error domains of libcatd and how callers should treat them
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CATD_CATALOG_ERROR (catd_catalog_error_quark ())
#define CATD_STORE_ERROR   (catd_store_error_quark ())
#define CATD_STATION_ERROR (catd_station_error_quark ())
#define CATD_IMAGE_ERROR   (catd_image_error_quark ())
#define CATD_AUDIT_ERROR   (catd_audit_error_quark ())
#define CATD_SCAN_ERROR    (catd_scan_error_quark ())
#define CATD_CENTRAL_ERROR (catd_central_error_quark ())
#define CATD_SYNC_ERROR    (catd_sync_error_quark ())

typedef enum
{
  CATD_CATALOG_ERROR_INVALID,      /* the document breaks a rule; the message names the JSON path */
  CATD_CATALOG_ERROR_UNREADABLE,   /* the file could not be read */
} CatdCatalogError;

typedef enum
{
  CATD_STORE_ERROR_IO,                 /* SQLite or the file system failed */
  CATD_STORE_ERROR_FULL,               /* the disk is full */
  CATD_STORE_ERROR_BUSY,               /* another process holds the database too long */
  CATD_STORE_ERROR_CORRUPT,            /* the database fails its integrity checks */
  CATD_STORE_ERROR_NOT_INITIALIZED,    /* no station in this data directory */
  CATD_STORE_ERROR_ALREADY_INITIALIZED,
  CATD_STORE_ERROR_TOO_NEW,            /* written by a newer version of the program */
} CatdStoreError;

typedef enum
{
  CATD_STATION_ERROR_INVALID_INPUT,    /* malformed clave, value, option */
  CATD_STATION_ERROR_UNKNOWN_ACTA,     /* not in the catalog and not registered */
  CATD_STATION_ERROR_DUPLICATE,        /* already registered */
  CATD_STATION_ERROR_WRONG_STATE,      /* the acta is not at the stage the action needs */
  CATD_STATION_ERROR_SAME_USER,        /* double-blind rule: the same person cannot key twice */
  CATD_STATION_ERROR_ROLE,             /* the user's role does not allow the action */
  CATD_STATION_ERROR_AUTH,             /* unknown user or wrong PIN */
  CATD_STATION_ERROR_LOCKED,           /* too many wrong PINs: wait */
} CatdStationError;

typedef enum
{
  CATD_IMAGE_ERROR_INVALID,            /* not a readable TIFF */
  CATD_IMAGE_ERROR_IO,                 /* could not read or write the file */
  CATD_IMAGE_ERROR_INTEGRITY,          /* a stored image is missing or its hash differs */
} CatdImageError;

typedef enum
{
  CATD_AUDIT_ERROR_BROKEN,             /* the hash chain does not verify */
} CatdAuditError;

/* One code per thing the operator does differently (see
 * catd_scan_error_advice () for what each asks of them). */
typedef enum
{
  CATD_SCAN_ERROR_NO_DEVICE,           /* no scanner, or none by that name */
  CATD_SCAN_ERROR_INVALID,             /* an option or value the device refuses */
  CATD_SCAN_ERROR_UNSUPPORTED,         /* the device cannot do it (no feeder, say) */
  CATD_SCAN_ERROR_FEEDER_EMPTY,
  CATD_SCAN_ERROR_JAMMED,
  CATD_SCAN_ERROR_COVER_OPEN,
  CATD_SCAN_ERROR_BUSY,
  CATD_SCAN_ERROR_IO,
  CATD_SCAN_ERROR_NO_MEMORY,
  CATD_SCAN_ERROR_ACCESS_DENIED,
  CATD_SCAN_ERROR_DEVICE_GONE,         /* unplugged or switched off: re-found by name */
  CATD_SCAN_ERROR_CANCELLED,
  CATD_SCAN_ERROR_FAILED,              /* anything else the device reports */
} CatdScanError;

/* What the central site (catd-central) refuses, one code per answer a
 * station's upload client handles differently (docs/protocol.md). */
typedef enum
{
  CATD_CENTRAL_ERROR_INVALID,          /* malformed request, record or image: fix the sender */
  CATD_CENTRAL_ERROR_UNAUTHORIZED,     /* no token, or one the site does not know */
  CATD_CENTRAL_ERROR_FORBIDDEN,        /* a known token speaking for another station */
  CATD_CENTRAL_ERROR_TOO_LARGE,        /* the body is over the endpoint's limit */
  CATD_CENTRAL_ERROR_UNSUPPORTED_TYPE, /* the body is not of the media type the endpoint takes */
  CATD_CENTRAL_ERROR_IMAGE_MISSING,    /* a record names an image not uploaded yet: retry */
  CATD_CENTRAL_ERROR_RECORD_CHANGED,   /* a record id already received with another body */
  CATD_CENTRAL_ERROR_CATALOG_MISMATCH, /* the data directory serves another catalog */
  CATD_CENTRAL_ERROR_NOT_CENTRAL,      /* the data directory holds no central site */
} CatdCentralError;

/* What stops a station's upload client (src/sync). */
typedef enum
{
  CATD_SYNC_ERROR_NOT_CONFIGURED,   /* no central site, token or a bad setting */
  CATD_SYNC_ERROR_UNREACHABLE,      /* network, timeouts, 5xx: retried */
  CATD_SYNC_ERROR_TLS,              /* the central site's certificate is not trusted */
  CATD_SYNC_ERROR_AUTH,             /* the token was refused (401/403) */
  CATD_SYNC_ERROR_GAVE_UP,          /* --once: an item kept failing */
} CatdSyncError;

/* What a caller should do with an error, independent of its domain. The
 * numbers are catdctl's exit codes (DESIGN §8). */
typedef enum
{
  CATD_ERROR_CLASS_INVALID   = 2,  /* fix the input and try again */
  CATD_ERROR_CLASS_REFUSED   = 3,  /* the rules or the acta's state forbid it */
  CATD_ERROR_CLASS_FAILURE   = 4,  /* device, I/O or network: retry later */
  CATD_ERROR_CLASS_INTEGRITY = 5,  /* stored data does not verify: call a coordinator */
} CatdErrorClass;

GQuark          catd_catalog_error_quark (void);
GQuark          catd_store_error_quark   (void);
GQuark          catd_station_error_quark (void);
GQuark          catd_image_error_quark   (void);
GQuark          catd_audit_error_quark   (void);
GQuark          catd_scan_error_quark    (void);
GQuark          catd_central_error_quark (void);
GQuark          catd_sync_error_quark    (void);

CatdErrorClass  catd_error_classify      (const GError *error);

G_END_DECLS
