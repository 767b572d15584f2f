#!/usr/bin/python3
# gen-catalog.py - deterministic generator of catd-catalog/1 election catalogs
#
# Copyright 2026 The CATD Station authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate a synthetic but realistic catd-catalog/1 catalog (DESIGN.md section 4).

The catalog models a Jalisco local election (Gubernatura, Diputaciones MR,
Municipes) with real municipality names and INEGI codes, coalition fields that
vary between contests, independent candidacies, and every casilla type
(basica, contigua, extraordinaria, especial, prision preventiva).

The catalog has exactly N casillas, every type among them; only a catalog
too small for that (N < municipios + 4, as every municipio gets a seccion)
comes out a few casillas larger. Secciones increase through the file.

The output depends only on the arguments: the same arguments always give the
same bytes, so a catalog can be regenerated instead of stored, and a test can
name one by its seed.

Usage:
  gen-catalog.py [--casillas N] [--distritos D] [--municipios M] [--seed S]
                 [--out FILE]

The demo election in data/demo/catalog.json is
  gen-catalog.py --casillas 300 --distritos 2 --municipios 4 --seed 2024
"""

import argparse
import itertools
import json
import math
import os
import random
import sys

FORMAT = "catd-catalog/1"
PROCESS = "Proceso Electoral Local 2023-2024"
ENTIDAD = {"id": 14, "nombre": "JALISCO"}

ELECTIONS = [
  {"id": "GUB", "tipo_acta": "1", "nombre": "Gubernatura", "ambito": "entidad"},
  {"id": "DIP", "tipo_acta": "2", "nombre": "Diputaciones MR", "ambito": "distrito"},
  {"id": "MUN", "tipo_acta": "3", "nombre": "Munícipes", "ambito": "municipio"},
]

PARTIES = [
  ("PAN", "Partido Acción Nacional"),
  ("PRI", "Partido Revolucionario Institucional"),
  ("PRD", "Partido de la Revolución Democrática"),
  ("PVEM", "Partido Verde Ecologista de México"),
  ("PT", "Partido del Trabajo"),
  ("MC", "Movimiento Ciudadano"),
  ("MORENA", "Morena"),
]

# The two coalitions of the 2023-2024 process. Their acta fields are every
# combination of two or more members, the full coalition first, in the order
# the INE acta prints them.
COALITIONS = [
  ("PAN", "PRI", "PRD"),
  ("PVEM", "PT", "MORENA"),
]

# Partial agreements: in some contests only two of the three parties ran
# together, which puts a single two-party field on the acta.
PARTIAL_COALITIONS = {
  ("PAN", "PRI", "PRD"): ("PAN", "PRI"),
  ("PVEM", "PT", "MORENA"): ("PT", "MORENA"),
}

INDEPENDENT_NAMES = [
  "Ana Lucía Ramírez Orozco",
  "Jorge Alberto Navarro Gómez",
  "María Fernanda Castillo Ruiz",
  "Luis Enrique Mejía Barragán",
  "Claudia Patricia Villaseñor Ochoa",
  "José Manuel Íñiguez Plascencia",
  "Rosa Elena Gutiérrez Cervantes",
  "Francisco Javier Padilla Aceves",
  "Verónica Alejandra Robles Anaya",
  "Miguel Ángel Zúñiga Chávez",
]

# The 125 municipalities of Jalisco with their INEGI codes, uppercase ASCII
# without accents (as printed on PREP files). Weight: rough size of the
# lista nominal in thousands, so casillas are spread the way voters are.
MUNICIPIOS = [
  (1, "ACATIC", 17), (2, "ACATLAN DE JUAREZ", 19), (3, "AHUALULCO DE MERCADO", 18),
  (4, "AMACUECA", 5), (5, "AMATITAN", 12), (6, "AMECA", 47), (7, "SAN JUANITO DE ESCOBEDO", 7),
  (8, "ARANDAS", 55), (9, "EL ARENAL", 16), (10, "ATEMAJAC DE BRIZUELA", 5), (11, "ATENGO", 4),
  (12, "ATENGUILLO", 3), (13, "ATOTONILCO EL ALTO", 43), (14, "ATOYAC", 7),
  (15, "AUTLAN DE NAVARRO", 49), (16, "AYOTLAN", 29), (17, "AYUTLA", 10), (18, "LA BARCA", 49),
  (19, "BOLANOS", 4), (20, "CABO CORRIENTES", 8), (21, "CASIMIRO CASTILLO", 16),
  (22, "CIHUATLAN", 29), (23, "ZAPOTLAN EL GRANDE", 86), (24, "COCULA", 21), (25, "COLOTLAN", 14),
  (26, "CONCEPCION DE BUENOS AIRES", 5), (27, "CUAUTITLAN DE GARCIA BARRAGAN", 14),
  (28, "CUAUTLA", 2), (29, "CUQUIO", 14), (30, "CHAPALA", 41), (31, "CHIMALTITAN", 3),
  (32, "CHIQUILISTLAN", 4), (33, "DEGOLLADO", 17), (34, "EJUTLA", 2),
  (35, "ENCARNACION DE DIAZ", 40), (36, "ETZATLAN", 16), (37, "EL GRULLO", 19),
  (38, "GUACHINANGO", 4), (39, "GUADALAJARA", 1180), (40, "HOSTOTIPAQUILLO", 7),
  (41, "HUEJUCAR", 5), (42, "HUEJUQUILLA EL ALTO", 7), (43, "LA HUERTA", 19),
  (44, "IXTLAHUACAN DE LOS MEMBRILLOS", 52), (45, "IXTLAHUACAN DEL RIO", 16),
  (46, "JALOSTOTITLAN", 23), (47, "JAMAY", 20), (48, "JESUS MARIA", 15),
  (49, "JILOTLAN DE LOS DOLORES", 7), (50, "JOCOTEPEC", 38), (51, "JUANACATLAN", 24),
  (52, "JUCHITLAN", 5), (53, "LAGOS DE MORENO", 124), (54, "EL LIMON", 5), (55, "MAGDALENA", 18),
  (56, "SANTA MARIA DEL ORO", 2), (57, "LA MANZANILLA DE LA PAZ", 3), (58, "MASCOTA", 11),
  (59, "MAZAMITLA", 11), (60, "MEXTICACAN", 5), (61, "MEZQUITIC", 12), (62, "MIXTLAN", 3),
  (63, "OCOTLAN", 76), (64, "OJUELOS DE JALISCO", 22), (65, "PIHUAMO", 10),
  (66, "PONCITLAN", 39), (67, "PUERTO VALLARTA", 229), (68, "VILLA PURIFICACION", 9),
  (69, "QUITUPAN", 7), (70, "EL SALTO", 165), (71, "SAN CRISTOBAL DE LA BARRANCA", 3),
  (72, "SAN DIEGO DE ALEJANDRIA", 6), (73, "SAN JUAN DE LOS LAGOS", 50), (74, "SAN JULIAN", 12),
  (75, "SAN MARCOS", 3), (76, "SAN MARTIN DE BOLANOS", 3), (77, "SAN MARTIN HIDALGO", 21),
  (78, "SAN MIGUEL EL ALTO", 24), (79, "GOMEZ FARIAS", 11), (80, "SAN SEBASTIAN DEL OESTE", 5),
  (81, "SANTA MARIA DE LOS ANGELES", 3), (82, "SAYULA", 27), (83, "TALA", 62),
  (84, "TALPA DE ALLENDE", 11), (85, "TAMAZULA DE GORDIANO", 30), (86, "TAPALPA", 15),
  (87, "TECALITLAN", 13), (88, "TECOLOTLAN", 13), (89, "TECHALUTA DE MONTENEGRO", 3),
  (90, "TENAMAXTLAN", 6), (91, "TEOCALTICHE", 30), (92, "TEOCUITATLAN DE CORONA", 8),
  (93, "TEPATITLAN DE MORELOS", 111), (94, "TEQUILA", 33), (95, "TEUCHITLAN", 8),
  (96, "TIZAPAN EL ALTO", 16), (97, "TLAJOMULCO DE ZUNIGA", 605), (98, "TLAQUEPAQUE", 520),
  (99, "TOLIMAN", 7), (100, "TOMATLAN", 28), (101, "TONALA", 431), (102, "TONAYA", 5),
  (103, "TONILA", 6), (104, "TOTATICHE", 4), (105, "TOTOTLAN", 18), (106, "TUXCACUESCO", 3),
  (107, "TUXCUECA", 5), (108, "TUXPAN", 27), (109, "UNION DE SAN ANTONIO", 14),
  (110, "UNION DE TULA", 11), (111, "VALLE DE GUADALUPE", 5), (112, "VALLE DE JUAREZ", 5),
  (113, "SAN GABRIEL", 12), (114, "VILLA CORONA", 13), (115, "VILLA GUERRERO", 4),
  (116, "VILLA HIDALGO", 15), (117, "CANADAS DE OBREGON", 3),
  (118, "YAHUALICA DE GONZALEZ GALLO", 17), (119, "ZACOALCO DE TORRES", 22),
  (120, "ZAPOPAN", 1090), (121, "ZAPOTILTIC", 23), (122, "ZAPOTITLAN DE VADILLO", 5),
  (123, "ZAPOTLAN DEL REY", 13), (124, "ZAPOTLANEJO", 50), (125, "SAN IGNACIO CERRO GORDO", 14),
]

# Which municipalities a catalog of M municipios takes, in this order: the
# metropolitan area first, then Tequila and the regional centres, then the
# rest by INEGI code.
PREFERRED = [39, 120, 98, 101, 97, 70, 94, 67, 53, 93, 23, 63, 83, 124, 44, 30, 15, 8, 18, 6,
             73, 50, 51, 35, 66]

# Municipalities whose secciones are nearly all urban.
METRO = {39, 120, 98, 101, 97, 70}

SECCION_MAX = 9999
EXT_CONTIGUA_MAX = 99


def pick_municipios(count):
  """Return [(id, nombre, weight)] for @count municipios. Past the 125 real
  ones the list cycles with a number appended and ids from 126 up."""
  by_id = {m[0]: m for m in MUNICIPIOS}
  order = PREFERRED + [m[0] for m in MUNICIPIOS if m[0] not in PREFERRED]
  chosen = []
  for i in range(count):
    cycle, k = divmod(i, len(order))
    mid, nombre, weight = by_id[order[k]]
    if cycle:
      mid = len(MUNICIPIOS) + i - len(order) + 1
      nombre = "%s %d" % (nombre, cycle + 1)
    chosen.append((mid, nombre, weight))
  return chosen


def assign_distritos(municipios, n_distritos):
  """Spread municipios over distritos 1..D balancing voters: the D largest
  each head a distrito (and name it, as its cabecera), the rest join the
  lightest distrito. Returns ({municipio id: distrito id}, [distrito dicts])."""
  by_weight = sorted(municipios, key=lambda m: (-m[2], m[0]))
  load = [0] * n_distritos
  names = ["DISTRITO %02d" % (d + 1) for d in range(n_distritos)]
  owner = {}
  for i, (mid, nombre, weight) in enumerate(by_weight):
    if i < n_distritos:
      d = i
      names[d] = nombre
    else:
      d = min(range(n_distritos), key=lambda x: (load[x], x))
    load[d] += weight
    owner[mid] = d + 1
  distritos = [{"id": d + 1, "nombre": names[d]} for d in range(n_distritos)]
  return owner, distritos


def split_largest_remainder(total, weights, minimum):
  """Split @total into integers proportional to @weights, each >= @minimum
  when total allows it."""
  n = len(weights)
  if total < minimum * n:
    minimum = 0
  rest = total - minimum * n
  wsum = float(sum(weights))
  exact = [rest * w / wsum for w in weights]
  parts = [int(math.floor(x)) for x in exact]
  order = sorted(range(n), key=lambda i: (-(exact[i] - parts[i]), i))
  for i in order[:rest - sum(parts)]:
    parts[i] += 1
  return [p + minimum for p in parts]


def coalition_fields(members):
  """Acta fields of a coalition: every combination of two or more members,
  largest first, in the members' order."""
  fields = []
  for size in range(len(members), 1, -1):
    for combo in itertools.combinations(members, size):
      fields.append({"code": "_".join(combo), "label": "-".join(combo), "kind": "coalition"})
  return fields


def make_fields(coalitions, independent):
  """@coalitions: one of "full", "partial", "none" per entry of COALITIONS;
  @independent: a candidate's name or None."""
  fields = [{"code": code, "label": label, "kind": "party"} for code, label in PARTIES]
  for members, how in zip(COALITIONS, coalitions):
    if how == "full":
      fields += coalition_fields(members)
    elif how == "partial":
      fields += coalition_fields(PARTIAL_COALITIONS[members])
  if independent:
    fields.append({"code": "CAND_IND_1", "label": independent, "kind": "independent"})
  fields.append({"code": "NO_REGISTRADAS", "label": "Candidaturas no registradas",
                 "kind": "no_registradas"})
  fields.append({"code": "NULOS", "label": "Votos nulos", "kind": "nulos"})
  return fields


def pick_coalition(rng, full, partial):
  x = rng.random()
  if x < full:
    return "full"
  if x < full + partial:
    return "partial"
  return "none"


def make_contests(rng, distritos, municipios):
  contests = [{"election": "GUB", "ambito_id": 0,
               "fields": make_fields(("full", "full"), None)}]
  local = []
  for d in distritos:
    how = [pick_coalition(rng, 0.8, 0.1) for _ in COALITIONS]
    local.append(["DIP", d["id"], how, None])
  n_ind = max(1, int(round(len(municipios) * 0.15)))
  with_ind = set(rng.sample([m["id"] for m in municipios], min(n_ind, len(municipios))))
  for m in municipios:
    how = [pick_coalition(rng, 0.65, 0.15) for _ in COALITIONS]
    name = rng.choice(INDEPENDENT_NAMES) if m["id"] in with_ind else None
    local.append(["MUN", m["id"], how, name])
  # Local contests without some coalition are the norm; make sure the
  # catalog shows one even when the dice said otherwise.
  if len(local) >= 2 and all(c[2] == ["full", "full"] for c in local):
    local[-1][2][0] = "none"
  for election, ambito_id, how, name in local:
    contests.append({"election": election, "ambito_id": ambito_id,
                     "fields": make_fields(how, name)})
  return contests


class Group:
  """The casillas of one seccion, as (tipo, id_casilla, ext_contigua)."""

  def __init__(self, municipio):
    self.municipio = municipio
    self.units = []

  def count(self, tipo):
    return sum(1 for u in self.units if u[0] == tipo)

  def add(self, tipo):
    """Contiguas number their ext_contigua; the other types their id_casilla."""
    if tipo == "C":
      self.units.append(("C", 1, self.count("C") + 1))
    else:
      ids = [u[1] for u in self.units if u[0] == tipo]
      self.units.append((tipo, max(ids, default=0) + 1, 0))


def plan_groups(rng, count, municipio, min_contiguas):
  """Exactly @count casillas for one municipio, grouped by seccion."""
  groups = []
  left = count
  while left > 0:
    g = Group(municipio)
    g.add("B")
    n_c = rng.choices((0, 1, 2, 3), weights=(45, 30, 15, 10))[0] + min_contiguas
    for _ in range(min(n_c, EXT_CONTIGUA_MAX)):
      g.add("C")
    if rng.random() < 0.025:
      g.add("E")
      if rng.random() < 0.4:
        g.units.append(("E", 1, 1))  # E1C1: the extraordinaria's contigua
      if rng.random() < 0.2:
        g.add("E")
    if rng.random() < 1 / 80:
      g.add("S")
    if rng.random() < 1 / 1500:
      g.add("V")
    g.units = g.units[:left]
    left -= len(g.units)
    groups.append(g)
  return groups


def force_types(rng, groups):
  """Small catalogs must still show every casilla type: make room by
  trimming as many casillas as types are missing, then add the missing ones
  to random secciones, so the total is unchanged whenever it can be."""
  missing = [t for t in ("C", "E", "S", "V") if not any(g.count(t) for g in groups)]
  for _ in missing:
    trim_one(groups)
  for tipo in missing:
    rng.choice(groups).add(tipo)


def trim_one(groups):
  """Drop one casilla without losing a type or breaking the numbering: the
  last of its tipo in its seccion, a contigua if possible, else any type
  that has another casilla somewhere, else a seccion's lone basica when its
  municipio keeps another seccion, else merge two secciones. Returns False
  when nothing can go (fewer casillas than municipios + 4)."""
  total = {}
  for g in groups:
    for u in g.units:
      total[u[0]] = total.get(u[0], 0) + 1
  for wanted in ("C", None):
    for gi in range(len(groups) - 1, -1, -1):
      g = groups[gi]
      for ui in range(len(g.units) - 1, -1, -1):
        tipo = g.units[ui][0]
        if (wanted and tipo != wanted) or total[tipo] < 2:
          continue
        if any(u[0] == tipo for u in g.units[ui + 1:]):
          continue
        if tipo == "B":
          if len(g.units) > 1 or sum(x.municipio == g.municipio for x in groups) < 2:
            continue
          del groups[gi]
        else:
          del g.units[ui]
        return True
  # Every type is down to one casilla: fold a seccion into the previous one
  # of its municipio, which drops its basica and keeps the rest.
  for gi in range(len(groups) - 1, 0, -1):
    g, prev = groups[gi], groups[gi - 1]
    if prev.municipio != g.municipio:
      continue
    for tipo, id_casilla, ext in g.units[1:]:
      if tipo == "E" and ext and prev.count("E") and ("E", 1, 1) not in prev.units:
        prev.units.append(("E", 1, 1))
      else:
        prev.add(tipo)
    del groups[gi]
    return True
  return False


def make_casillas(rng, n_casillas, municipios, owner):
  weights = [m[2] for m in municipios]
  counts = split_largest_remainder(n_casillas, weights, 1)
  # 9999 secciones at most: very large catalogs need more contiguas each.
  min_contiguas = max(0, int(math.ceil(n_casillas / 9000.0)) - 2)
  groups = []
  for (mid, nombre, weight), count in sorted(zip(municipios, counts)):
    groups += plan_groups(rng, count, mid, min_contiguas)
  if n_casillas >= 5:
    force_types(rng, groups)
  if len(groups) > SECCION_MAX:
    sys.exit("gen-catalog: too many casillas for %d secciones" % SECCION_MAX)

  gap_max = max(1, min(4, (SECCION_MAX - 1) // max(1, len(groups))))
  seccion = 0
  casillas = []
  for g in groups:
    seccion += rng.randint(1, gap_max)
    urban = rng.random() < (0.97 if g.municipio in METRO else 0.55)
    units = sorted(g.units, key=lambda u: ("BCESV".index(u[0]), u[1], u[2]))
    ordinary = [u for u in units if u[0] in "BC"]
    # A seccion's lista nominal is split evenly (alphabetically) between
    # its basica and contiguas, 750 voters per casilla at most.
    if len(ordinary) == 1:
      per = int(rng.triangular(50, 750, 560))
    else:
      per = rng.randint(380, 750)
    extra = rng.randint(0, len(ordinary) - 1) if ordinary else 0
    for tipo, id_casilla, ext in units:
      elections = ["GUB", "DIP", "MUN"]
      max_boletas = None
      ubicacion = 1 if urban else 2
      if tipo in "BC":
        ln = per - (1 if ordinary.index((tipo, id_casilla, ext)) < extra else 0)
      elif tipo == "E":
        ln = rng.randint(50, 420)
        ubicacion = 2
      elif tipo == "S":
        ln = 0
        max_boletas = rng.choice((750, 750, 1000))
      else:
        # Prision preventiva: people held without sentence, who vote only
        # for the entidad-wide office.
        ln = rng.randint(15, 120)
        ubicacion = 1
        elections = ["GUB"]
      representantes = 2 * rng.randint(1, 12)
      if rng.random() < 0.12:
        representantes -= 1
      casillas.append({
        "seccion": seccion, "tipo": tipo, "id_casilla": id_casilla, "ext_contigua": ext,
        "ubicacion": ubicacion, "distrito": owner[g.municipio], "municipio": g.municipio,
        "lista_nominal": ln, "representantes": representantes, "max_boletas": max_boletas,
        "elections": elections,
      })
  return casillas


def generate(n_casillas, n_distritos, n_municipios, seed):
  rng = random.Random(seed)
  chosen = pick_municipios(n_municipios)
  owner, distritos = assign_distritos(chosen, n_distritos)
  municipios = [{"id": mid, "nombre": nombre, "distrito": owner[mid]}
                for mid, nombre, weight in sorted(chosen)]
  contests = make_contests(rng, distritos, municipios)
  casillas = make_casillas(rng, n_casillas, chosen, owner)
  return {
    "format": FORMAT,
    "process": PROCESS,
    "entidad": dict(ENTIDAD),
    "elections": [dict(e) for e in ELECTIONS],
    "distritos": distritos,
    "municipios": municipios,
    "contests": contests,
    "casillas": casillas,
  }


def dump(catalog, out):
  """One element per line: readable, diffable and still plain JSON."""
  def j(value):
    return json.dumps(value, ensure_ascii=False)

  def array(key, items, last=False):
    out.write(' %s: [\n' % j(key))
    out.write(",\n".join("  " + j(x) for x in items))
    out.write("\n ]%s\n" % ("" if last else ","))

  out.write("{\n")
  for key in ("format", "process", "entidad"):
    out.write(" %s: %s,\n" % (j(key), j(catalog[key])))
  array("elections", catalog["elections"])
  array("distritos", catalog["distritos"])
  array("municipios", catalog["municipios"])
  out.write(' "contests": [\n')
  contests = []
  for c in catalog["contests"]:
    head = '  {"election": %s, "ambito_id": %s, "fields": [\n' % (
      j(c["election"]), j(c["ambito_id"]))
    contests.append(head + ",\n".join("   " + j(f) for f in c["fields"]) + "]}")
  out.write(",\n".join(contests))
  out.write("\n ],\n")
  array("casillas", catalog["casillas"], last=True)
  out.write("}\n")


def positive(text):
  value = int(text)
  if value < 1:
    raise argparse.ArgumentTypeError("must be at least 1")
  return value


def main(argv=None):
  parser = argparse.ArgumentParser(description="Generate a catd-catalog/1 catalog "
                                   "(deterministic for a given seed).")
  parser.add_argument("--casillas", type=positive, default=300, metavar="N",
                      help="number of casillas (default 300)")
  parser.add_argument("--distritos", type=positive, default=2, metavar="D",
                      help="number of distritos (default 2, at most 999)")
  parser.add_argument("--municipios", type=positive, default=4, metavar="M",
                      help="number of municipios (default 4)")
  parser.add_argument("--seed", type=int, default=2024, metavar="S",
                      help="random seed (default 2024)")
  parser.add_argument("--out", metavar="FILE", help="output file (default stdout)")
  args = parser.parse_args(argv)
  if args.distritos > 999:
    parser.error("--distritos must be at most 999")
  if args.municipios > 9999:
    parser.error("--municipios must be at most 9999")

  catalog = generate(args.casillas, args.distritos, args.municipios, args.seed)
  if args.out:
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
      dump(catalog, f)
    os.replace(tmp, args.out)
  else:
    sys.stdout.reconfigure(encoding="utf-8", newline="\n")
    dump(catalog, sys.stdout)
  return 0


if __name__ == "__main__":
  sys.exit(main())
