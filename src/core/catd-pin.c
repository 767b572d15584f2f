/* catd-pin.c - PIN hashing with yescrypt (libxcrypt)
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <crypt.h>
#include <string.h>

#include "catd-errors.h"
#include "catd-pin.h"

/* A PIN has few digits, so its hash must be slow and salted: yescrypt at
 * libxcrypt's default cost, with a fresh salt from the system's random
 * source. A bare digest of a 6-digit PIN falls to a laptop in a second.
 * The station also locks a login after repeated failures (catd-station.c). */

#define PIN_MIN 4
#define PIN_MAX 12

/* PINs are 4 to 12 digits: typed on a numeric keypad under pressure. */
gboolean
catd_pin_is_valid (const char *pin)
{
  gsize len;

  if (pin == NULL)
    return FALSE;
  len = strlen (pin);
  if (len < PIN_MIN || len > PIN_MAX)
    return FALSE;
  for (const char *c = pin; *c; c++)
    if (!g_ascii_isdigit (*c))
      return FALSE;
  return TRUE;
}

char *
catd_pin_hash (const char  *pin,
               GError     **error)
{
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data data;

  g_return_val_if_fail (catd_pin_is_valid (pin), NULL);

  memset (&data, 0, sizeof data);
  if (crypt_gensalt_rn ("$y$", 0, NULL, 0, salt, sizeof salt) == NULL ||
      crypt_rn (pin, salt, &data, sizeof data) == NULL || data.output[0] == '*')
    {
      g_set_error (error, CATD_STATION_ERROR, CATD_STATION_ERROR_INVALID_INPUT,
                   "cannot hash the PIN: yescrypt is not available");
      return NULL;
    }
  return g_strdup (data.output);
}

/* Constant time in the comparison, so that timing tells nothing. */
gboolean
catd_pin_verify (const char *pin,
                 const char *stored_hash)
{
  struct crypt_data data;
  gsize len;
  guchar diff = 0;

  if (pin == NULL || stored_hash == NULL)
    return FALSE;

  memset (&data, 0, sizeof data);
  if (crypt_rn (pin, stored_hash, &data, sizeof data) == NULL || data.output[0] == '*')
    return FALSE;
  len = strlen (stored_hash);
  if (strlen (data.output) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    diff |= (guchar)(data.output[i] ^ stored_hash[i]);
  return diff == 0;
}
