/* catd-page.h - the checks every digitized page passes before it is accepted
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "catd-station.h"

G_BEGIN_DECLS

/* What a page's checks found, in the order they are made. Anything but OK
 * stops an ADF batch and asks the operator (DESIGN §10): a page is never
 * dropped silently. */
typedef enum
{
  CATD_PAGE_OK,                 /* the QR names a registered acta without an image */
  CATD_PAGE_BLANK,              /* (almost) no ink: a blank sheet, or the back of one */
  CATD_PAGE_NO_QR,              /* no readable QR label: bind by hand or re-scan */
  CATD_PAGE_NOT_IN_CATALOG,     /* the QR holds a key the catalog does not have */
  CATD_PAGE_NOT_REGISTERED,     /* in the catalog, but acopio has not registered it */
  CATD_PAGE_ALREADY_DIGITIZED,  /* the acta already has an image */
  CATD_PAGE_NOT_DIGITIZABLE,    /* sin acta: it takes no image */
  CATD_PAGE_WRONG_ACTA,         /* bound to one acta, but its QR names another */
} CatdPageVerdict;

typedef struct
{
  CatdPageVerdict  verdict;
  char            *clave_acta;    /* what the QR said, or NULL */
  double           ink;           /* fraction of dark pixels, 0..1 */
} CatdPageCheck;

void        catd_page_check_free       (CatdPageCheck   *check);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CatdPageCheck, catd_page_check_free)

const char *catd_page_verdict_to_string (CatdPageVerdict verdict);
double      catd_page_ink              (const guint8    *gray,
                                        guint            width,
                                        guint            height,
                                        gsize            stride);
char       *catd_page_read_qr          (const guint8    *gray,
                                        guint            width,
                                        guint            height,
                                        gsize            stride);
CatdPageCheck *catd_station_check_page (CatdStation     *station,
                                        const guint8    *gray,
                                        guint            width,
                                        guint            height,
                                        gsize            stride,
                                        GError         **error);

G_END_DECLS
