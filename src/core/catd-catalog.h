/* catd-catalog.h - the election catalog (catd-catalog/1): parsing and lookups
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "catd-types.h"

G_BEGIN_DECLS

#define CATD_CATALOG_FORMAT "catd-catalog/1"

typedef enum
{
  CATD_AMBITO_ENTIDAD,
  CATD_AMBITO_DISTRITO,
  CATD_AMBITO_MUNICIPIO,
} CatdAmbito;

/* The kinds of a contest field. The five vote kinds are summed into
 * TOTAL_VOTOS_CALCULADO; CATD_FIELD_INFO marks the five informative fields
 * every acta carries, which are captured but never summed. */
typedef enum
{
  CATD_FIELD_PARTY,
  CATD_FIELD_COALITION,
  CATD_FIELD_INDEPENDENT,
  CATD_FIELD_NO_REGISTRADAS,
  CATD_FIELD_NULOS,
  CATD_FIELD_INFO,
} CatdFieldKind;

typedef struct
{
  char          *code;
  char          *label;
  CatdFieldKind  kind;
} CatdField;

typedef struct
{
  char       *id;
  char       *tipo_acta;
  char       *nombre;
  CatdAmbito  ambito;
} CatdElection;

typedef struct
{
  gint64  id;
  char   *nombre;
} CatdDistrito;

typedef struct
{
  gint64  id;
  char   *nombre;
  gint64  distrito;
} CatdMunicipio;

typedef struct
{
  const CatdElection *election;
  gint64              ambito_id;
  GPtrArray          *fields;     /* CatdField*, in acta order */
} CatdContest;

typedef struct
{
  char        clave[16];          /* CLAVE_CASILLA, e.g. 140338B0100 */
  gint64      seccion;
  char        tipo;               /* B C E S V */
  gint64      id_casilla;
  gint64      ext_contigua;
  gint64      ubicacion;
  gint64      distrito;
  gint64      municipio;
  gint64      lista_nominal;
  gint64      representantes;
  gint64      max_boletas;        /* -1 when the catalog has null */
  GPtrArray  *elections;          /* const CatdElection* */
} CatdCasilla;

/* The five informative fields of every acta, in acta order. */
extern const char * const catd_info_field_codes[5];
extern const char * const catd_info_field_labels[5];

#define CATD_TYPE_CATALOG (catd_catalog_get_type ())
G_DECLARE_FINAL_TYPE (CatdCatalog, catd_catalog, CATD, CATALOG, GObject)

CatdCatalog        *catd_catalog_new_from_bytes   (GBytes             *bytes,
                                                   GError            **error);
CatdCatalog        *catd_catalog_new_from_file    (const char         *path,
                                                   GError            **error);
GBytes             *catd_catalog_get_bytes        (CatdCatalog        *self);
const char         *catd_catalog_get_sha256       (CatdCatalog        *self);
const char         *catd_catalog_get_process      (CatdCatalog        *self);
gint64              catd_catalog_get_entidad_id   (CatdCatalog        *self);
const char         *catd_catalog_get_entidad_nombre (CatdCatalog      *self);
GPtrArray          *catd_catalog_get_elections    (CatdCatalog        *self);
GPtrArray          *catd_catalog_get_distritos    (CatdCatalog        *self);
GPtrArray          *catd_catalog_get_municipios   (CatdCatalog        *self);
GPtrArray          *catd_catalog_get_contests     (CatdCatalog        *self);
GPtrArray          *catd_catalog_get_casillas     (CatdCatalog        *self);
const CatdElection *catd_catalog_find_election    (CatdCatalog        *self,
                                                   const char         *id);
const CatdContest  *catd_catalog_find_contest     (CatdCatalog        *self,
                                                   const char         *election_id,
                                                   gint64              ambito_id);
const CatdContest  *catd_catalog_contest_for      (CatdCatalog        *self,
                                                   const CatdCasilla  *casilla,
                                                   const CatdElection *election);
guint               catd_catalog_count_actas      (CatdCatalog        *self);

void                catd_field_free               (gpointer           field);
gboolean            catd_field_kind_is_vote       (CatdFieldKind      kind);
const char         *catd_field_kind_to_string     (CatdFieldKind      kind);
gboolean            catd_field_kind_from_string   (const char        *str,
                                                   CatdFieldKind     *kind);
const char         *catd_ambito_to_string         (CatdAmbito         ambito);
gboolean            catd_ambito_from_string       (const char        *str,
                                                   CatdAmbito        *ambito);
gboolean            catd_field_code_is_info       (const char        *code);

G_END_DECLS
