/* catd-errors.c - error domains and their classes
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "catd-errors.h"

G_DEFINE_QUARK (catd-catalog-error-quark, catd_catalog_error)
G_DEFINE_QUARK (catd-store-error-quark, catd_store_error)
G_DEFINE_QUARK (catd-station-error-quark, catd_station_error)
G_DEFINE_QUARK (catd-image-error-quark, catd_image_error)
G_DEFINE_QUARK (catd-audit-error-quark, catd_audit_error)
G_DEFINE_QUARK (catd-scan-error-quark, catd_scan_error)
G_DEFINE_QUARK (catd-central-error-quark, catd_central_error)
G_DEFINE_QUARK (catd-sync-error-quark, catd_sync_error)

CatdErrorClass
catd_error_classify (const GError *error)
{
  g_return_val_if_fail (error != NULL, CATD_ERROR_CLASS_FAILURE);

  if (error->domain == CATD_CATALOG_ERROR || error->domain == JSON_PARSER_ERROR)
    return CATD_ERROR_CLASS_INVALID;

  if (error->domain == CATD_STATION_ERROR)
    {
      switch ((CatdStationError) error->code)
        {
        case CATD_STATION_ERROR_INVALID_INPUT:
        case CATD_STATION_ERROR_UNKNOWN_ACTA:
          return CATD_ERROR_CLASS_INVALID;
        case CATD_STATION_ERROR_DUPLICATE:
        case CATD_STATION_ERROR_WRONG_STATE:
        case CATD_STATION_ERROR_SAME_USER:
        case CATD_STATION_ERROR_ROLE:
        case CATD_STATION_ERROR_AUTH:
        case CATD_STATION_ERROR_LOCKED:
          return CATD_ERROR_CLASS_REFUSED;
        default:
          return CATD_ERROR_CLASS_FAILURE;
        }
    }

  if (error->domain == CATD_STORE_ERROR)
    {
      switch ((CatdStoreError) error->code)
        {
        case CATD_STORE_ERROR_NOT_INITIALIZED:
          return CATD_ERROR_CLASS_INVALID;
        case CATD_STORE_ERROR_ALREADY_INITIALIZED:
        case CATD_STORE_ERROR_TOO_NEW:
          return CATD_ERROR_CLASS_REFUSED;
        case CATD_STORE_ERROR_CORRUPT:
          return CATD_ERROR_CLASS_INTEGRITY;
        case CATD_STORE_ERROR_IO:
        case CATD_STORE_ERROR_FULL:
        case CATD_STORE_ERROR_BUSY:
        default:
          return CATD_ERROR_CLASS_FAILURE;
        }
    }

  /* A scanner that fails is a device failure, whatever the cause; only a
   * setting the device refuses is the caller's to fix. */
  if (error->domain == CATD_SCAN_ERROR)
    return error->code == CATD_SCAN_ERROR_INVALID || error->code == CATD_SCAN_ERROR_UNSUPPORTED
           ? CATD_ERROR_CLASS_INVALID : CATD_ERROR_CLASS_FAILURE;

  if (error->domain == CATD_SYNC_ERROR)
    return error->code == CATD_SYNC_ERROR_NOT_CONFIGURED ? CATD_ERROR_CLASS_INVALID
                                                         : CATD_ERROR_CLASS_FAILURE;

  if (error->domain == CATD_IMAGE_ERROR)
    {
      switch ((CatdImageError) error->code)
        {
        case CATD_IMAGE_ERROR_INVALID:
          return CATD_ERROR_CLASS_INVALID;
        case CATD_IMAGE_ERROR_INTEGRITY:
          return CATD_ERROR_CLASS_INTEGRITY;
        case CATD_IMAGE_ERROR_IO:
        default:
          return CATD_ERROR_CLASS_FAILURE;
        }
    }

  if (error->domain == CATD_AUDIT_ERROR)
    return CATD_ERROR_CLASS_INTEGRITY;

  /* A central site started on another catalog's data is refused like a
   * station initialised twice; what a station sent wrong is input. */
  if (error->domain == CATD_CENTRAL_ERROR)
    {
      switch ((CatdCentralError) error->code)
        {
        case CATD_CENTRAL_ERROR_INVALID:
        case CATD_CENTRAL_ERROR_TOO_LARGE:
        case CATD_CENTRAL_ERROR_UNSUPPORTED_TYPE:
        case CATD_CENTRAL_ERROR_NOT_CENTRAL:
          return CATD_ERROR_CLASS_INVALID;
        case CATD_CENTRAL_ERROR_UNAUTHORIZED:
        case CATD_CENTRAL_ERROR_FORBIDDEN:
        case CATD_CENTRAL_ERROR_IMAGE_MISSING:
        case CATD_CENTRAL_ERROR_RECORD_CHANGED:
        case CATD_CENTRAL_ERROR_CATALOG_MISMATCH:
        default:
          return CATD_ERROR_CLASS_REFUSED;
        }
    }

  /* A file named on the command line that does not exist is bad input, not
   * a device failure. */
  if (error->domain == G_FILE_ERROR &&
      (error->code == G_FILE_ERROR_NOENT || error->code == G_FILE_ERROR_ISDIR))
    return CATD_ERROR_CLASS_INVALID;
  if (error->domain == G_IO_ERROR &&
      (error->code == G_IO_ERROR_NOT_FOUND || error->code == G_IO_ERROR_INVALID_ARGUMENT))
    return CATD_ERROR_CLASS_INVALID;

  return CATD_ERROR_CLASS_FAILURE;
}
