/* catd-scanner.h - the scanner: one worker thread that owns the device
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-errors.h"

G_BEGIN_DECLS

typedef enum
{
  CATD_SCAN_SOURCE_FLATBED,
  CATD_SCAN_SOURCE_ADF,
  CATD_SCAN_SOURCE_DUPLEX,
} CatdScanSource;

typedef enum
{
  CATD_SCAN_MODE_GRAY,
  CATD_SCAN_MODE_COLOR,
} CatdScanMode;

typedef enum
{
  CATD_PAGE_SIZE_LETTER,
  CATD_PAGE_SIZE_LEGAL,
  CATD_PAGE_SIZE_A4,
} CatdPageSize;

/* A scanner as discovery finds it. */
typedef struct
{
  char *name;     /* what the backend calls it, e.g. "epson2:libusb:001:004" */
  char *vendor;
  char *model;
  char *type;     /* "flatbed scanner", "sheetfed scanner", … */
} CatdScanDevice;

CatdScanDevice *catd_scan_device_new  (const char      *name,
                                       const char      *vendor,
                                       const char      *model,
                                       const char      *type);
CatdScanDevice *catd_scan_device_copy (const CatdScanDevice *device);
void            catd_scan_device_free (CatdScanDevice  *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdScanDevice, catd_scan_device_free)

/* What a scan job asks for. The device may not do exactly this: the
 * resolution is snapped to what it allows, and each page says what was
 * really used. */
typedef struct
{
  char           *device;      /* NULL: the first scanner found */
  CatdScanSource  source;
  CatdScanMode    mode;
  double          dpi;
  CatdPageSize    page_size;
  GStrv           options;     /* more backend options, each "NAME=VALUE" */
} CatdScanSettings;

CatdScanSettings *catd_scan_settings_new  (void);
CatdScanSettings *catd_scan_settings_copy (const CatdScanSettings *settings);
void              catd_scan_settings_free (CatdScanSettings       *settings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdScanSettings, catd_scan_settings_free)

/* One page as acquired: 8-bit grey or RGB rows, top to bottom. Shared
 * between threads, never changed after it is made. */
typedef struct
{
  guint         number;      /* 1-based, within its job */
  guint         width;
  guint         height;
  guint         channels;    /* 1 grey, 3 RGB */
  gsize         stride;
  GBytes       *pixels;
  double        dpi;         /* as read back from the device */
  char         *device;
  char         *vendor;
  char         *model;
  gint64        time_usec;   /* when the page was acquired (real time) */
} CatdScanPage;

CatdScanPage *catd_scan_page_ref   (CatdScanPage *page);
void          catd_scan_page_unref (CatdScanPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdScanPage, catd_scan_page_unref)

const guint8 *catd_scan_page_get_gray (CatdScanPage *page,
                                       gsize        *stride);

#define CATD_TYPE_SCANNER (catd_scanner_get_type ())
G_DECLARE_FINAL_TYPE (CatdScanner, catd_scanner, CATD, SCANNER, GObject)

typedef struct _CatdScanBackend CatdScanBackend;

CatdScanner *catd_scanner_new                (void);
CatdScanner *catd_scanner_new_for_backend    (CatdScanBackend     *backend);
void         catd_scanner_list_devices_async (CatdScanner         *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
GPtrArray   *catd_scanner_list_devices_finish (CatdScanner        *self,
                                               GAsyncResult       *result,
                                               GError            **error);
guint        catd_scanner_start              (CatdScanner         *self,
                                              const CatdScanSettings *settings,
                                              gboolean             hold_between_pages);
void         catd_scanner_continue           (CatdScanner         *self,
                                              guint                job);
void         catd_scanner_cancel             (CatdScanner         *self,
                                              guint                job);
gboolean     catd_scanner_is_busy            (CatdScanner         *self);

const char  *catd_scan_error_advice          (const GError        *error,
                                              const char          *language);
void         catd_scan_set_error             (GError             **error,
                                              CatdScanError        code,
                                              const char          *device,
                                              const char          *detail);
const char  *catd_scan_source_to_string      (CatdScanSource       source);
const char  *catd_scan_mode_to_string        (CatdScanMode         mode);
const char  *catd_page_size_to_string        (CatdPageSize         size);
gboolean     catd_scan_source_from_string    (const char          *text,
                                              CatdScanSource      *source);
gboolean     catd_scan_mode_from_string      (const char          *text,
                                              CatdScanMode        *mode);
gboolean     catd_page_size_from_string      (const char          *text,
                                              CatdPageSize        *size);
void         catd_page_size_get_mm           (CatdPageSize         size,
                                              double              *width,
                                              double              *height);

G_END_DECLS
