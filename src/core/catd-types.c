/* catd-types.c - string forms of the shared enums
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "catd-types.h"

static const char *role_names[] = {
  NULL, "acopiador", "digitalizador", "capturista", "verificador", "coordinador",
};

static const char *state_names[] = {
  NULL, "registered", "digitized", "captured_1", "rekey", "arbitration",
  "coordinator", "verified", "sin_acta", "fuera_de_catalogo",
};

/* The option spelling (catdctl), then the label exported in OBSERVACIONES. */
static const char *reason_names[][2] = {
  { NULL, NULL },
  { "paquete-no-entregado", "Paquete no entregado" },
  { "casilla-no-instalada", "Casilla no instalada" },
  { "sin-sobre", "Sin sobre" },
};

/**
 * catd_idle_add_to:
 *
 * Runs @func once on @context's next iteration, from any thread.
 * Unlike g_main_context_invoke (), it never runs @func at once in the
 * calling thread (which GLib does when that thread can acquire @context):
 * signals promised on a main context must be emitted there.
 */
void
catd_idle_add_to (GMainContext   *context,
                  GSourceFunc     func,
                  gpointer        data,
                  GDestroyNotify  notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
}

/**
 * catd_name_lookup:
 * @names: spellings, indexed by value; %NULL entries never match
 * @n_names: how many
 * @str: (nullable): the text to look up
 * @value: (out): the index of the spelling that matched
 *
 * The one loop behind every enum's from_string: exact spellings, as they
 * are stored and typed.
 */
gboolean
catd_name_lookup (const char * const *names,
                  guint               n_names,
                  const char         *str,
                  int                *value)
{
  for (guint i = 0; str != NULL && i < n_names; i++)
    if (names[i] != NULL && g_str_equal (str, names[i]))
      {
        *value = i;
        return TRUE;
      }
  return FALSE;
}

const char *
catd_role_to_string (CatdRole role)
{
  g_return_val_if_fail (role >= CATD_ROLE_ACOPIADOR && role <= CATD_ROLE_COORDINADOR, NULL);
  return role_names[role];
}

gboolean
catd_role_from_string (const char *str,
                       CatdRole   *role)
{
  int value;

  if (!catd_name_lookup (role_names, G_N_ELEMENTS (role_names), str, &value))
    return FALSE;
  *role = value;
  return TRUE;
}

const char *
catd_acta_state_to_string (CatdActaState state)
{
  g_return_val_if_fail (state >= CATD_ACTA_REGISTERED && state <= CATD_ACTA_STATE_LAST, NULL);
  return state_names[state];
}

gboolean
catd_acta_state_from_string (const char    *str,
                             CatdActaState *state)
{
  int value;

  if (!catd_name_lookup (state_names, G_N_ELEMENTS (state_names), str, &value))
    return FALSE;
  *state = value;
  return TRUE;
}

/* Settled actas are the ones whose values are final: they enter the export
 * summary and the upload queue (DESIGN §9). */
gboolean
catd_acta_state_is_settled (CatdActaState state)
{
  return state == CATD_ACTA_VERIFIED ||
         state == CATD_ACTA_SIN_ACTA ||
         state == CATD_ACTA_FUERA_DE_CATALOGO;
}

const char *
catd_sin_acta_reason_to_string (CatdSinActaReason reason)
{
  g_return_val_if_fail (reason >= 1 && reason < G_N_ELEMENTS (reason_names), NULL);
  return reason_names[reason][0];
}

const char *
catd_sin_acta_reason_to_label (CatdSinActaReason reason)
{
  g_return_val_if_fail (reason >= 1 && reason < G_N_ELEMENTS (reason_names), NULL);
  return reason_names[reason][1];
}

gboolean
catd_sin_acta_reason_from_string (const char        *str,
                                  CatdSinActaReason *reason)
{
  for (guint i = 1; str != NULL && i < G_N_ELEMENTS (reason_names); i++)
    {
      if (g_str_equal (str, reason_names[i][0]))
        {
          *reason = i;
          return TRUE;
        }
    }
  return FALSE;
}
