/* catd-types.h - forward declarations and small enums shared by all of libcatd
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _CatdCatalog  CatdCatalog;
typedef struct _CatdStation  CatdStation;
typedef struct _CatdUser     CatdUser;

typedef enum
{
  CATD_ROLE_ACOPIADOR = 1,
  CATD_ROLE_DIGITALIZADOR,
  CATD_ROLE_CAPTURISTA,
  CATD_ROLE_VERIFICADOR,
  CATD_ROLE_COORDINADOR,
} CatdRole;

/* The stages of DESIGN §3. The string forms are stored in the database and
 * printed by catdctl: never rename one without a migration. */
typedef enum
{
  CATD_ACTA_REGISTERED = 1,
  CATD_ACTA_DIGITIZED,
  CATD_ACTA_CAPTURED_1,
  CATD_ACTA_REKEY,
  CATD_ACTA_ARBITRATION,
  CATD_ACTA_COORDINATOR,
  CATD_ACTA_VERIFIED,
  CATD_ACTA_SIN_ACTA,
  CATD_ACTA_FUERA_DE_CATALOGO,
} CatdActaState;

#define CATD_ACTA_STATE_LAST CATD_ACTA_FUERA_DE_CATALOGO

typedef enum
{
  CATD_SIN_ACTA_PAQUETE_NO_ENTREGADO = 1,
  CATD_SIN_ACTA_CASILLA_NO_INSTALADA,
  CATD_SIN_ACTA_SIN_SOBRE,
} CatdSinActaReason;

const char        *catd_role_to_string           (CatdRole           role);
void               catd_idle_add_to              (GMainContext      *context,
                                                  GSourceFunc        func,
                                                  gpointer           data,
                                                  GDestroyNotify     notify);
gboolean           catd_name_lookup              (const char * const *names,
                                                  guint              n_names,
                                                  const char        *str,
                                                  int               *value);
gboolean           catd_role_from_string         (const char        *str,
                                                  CatdRole          *role);
const char        *catd_acta_state_to_string     (CatdActaState      state);
gboolean           catd_acta_state_from_string   (const char        *str,
                                                  CatdActaState     *state);
gboolean           catd_acta_state_is_settled    (CatdActaState      state);
const char        *catd_sin_acta_reason_to_string (CatdSinActaReason reason);
const char        *catd_sin_acta_reason_to_label  (CatdSinActaReason reason);
gboolean           catd_sin_acta_reason_from_string (const char      *str,
                                                     CatdSinActaReason *reason);

G_END_DECLS
