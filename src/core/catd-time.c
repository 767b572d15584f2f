/* catd-time.c - timestamps: stored in UTC, shown in central Mexico time
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-time.h"

/* Times are stored as ISO 8601 UTC with microseconds ("…T21:15:03.123456Z"),
 * which sorts as text and loses nothing. DESIGN §5 wants them shown and
 * exported in America/Mexico_City time. */

static GTimeZone *
mexico_tz (void)
{
  static gsize tz;

  if (g_once_init_enter (&tz))
    {
      GTimeZone *zone = g_time_zone_new_identifier ("America/Mexico_City");

      /* Without tzdata, fall back to the zone's fixed offset: central Mexico
       * has kept UTC-6 all year since October 2022. */
      if (zone == NULL)
        zone = g_time_zone_new_offset (-6 * 3600);
      g_once_init_leave (&tz, (gsize)zone);
    }
  return (GTimeZone *)tz;
}

char *
catd_time_to_iso (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%06dZ", base, (int)(usec % G_USEC_PER_SEC));
}

gboolean
catd_time_from_iso (const char *iso,
                    gint64     *usec)
{
  g_autoptr(GDateTime) dt = NULL;

  if (iso == NULL || !(dt = g_date_time_new_from_iso8601 (iso, NULL)))
    return FALSE;
  *usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}

/* The record form for the sync protocol: UTC to the second. */
char *
catd_time_to_record (const char *iso)
{
  g_autoptr(GDateTime) dt = NULL;

  if (iso == NULL || !(dt = g_date_time_new_from_iso8601 (iso, NULL)))
    return NULL;
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/* dd/mm/yyyy hh:mm:ss in central Mexico time, or NULL for no time. */
char *
catd_time_to_mexico (const char *iso)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso == NULL || !(dt = g_date_time_new_from_iso8601 (iso, NULL)))
    return NULL;
  local = g_date_time_to_timezone (dt, mexico_tz ());
  return g_date_time_format (local, "%d/%m/%Y %H:%M:%S");
}

/* The cut-off line of a prep-csv file: "dd/mm/yyyy hh:mm (UTC-6)". */
char *
catd_time_cutoff (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (dt, mexico_tz ());

  return g_date_time_format (local, "%d/%m/%Y %H:%M (UTC-6)");
}
