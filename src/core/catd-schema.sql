-- catd-schema.sql - migration 1: the station's whole schema
--
-- Copyright 2026 The CATD Station authors
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- Every table is STRICT so that a value of the wrong type is an error, not a
-- silent conversion. Times are ISO 8601 UTC text with microseconds.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- The catalog document exactly as imported (served again to whoever asks),
-- and below it the same catalog in tables, which is what the engine queries.
CREATE TABLE catalog (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  sha256         TEXT NOT NULL,
  process        TEXT NOT NULL,
  entidad_id     INTEGER NOT NULL,
  entidad_nombre TEXT NOT NULL,
  n_actas        INTEGER NOT NULL,
  document       BLOB NOT NULL,
  imported_at    TEXT NOT NULL
) STRICT;

CREATE TABLE election (
  id        TEXT PRIMARY KEY,
  position  INTEGER NOT NULL UNIQUE,
  tipo_acta TEXT NOT NULL UNIQUE,
  nombre    TEXT NOT NULL,
  ambito    TEXT NOT NULL
) STRICT;

CREATE TABLE distrito (
  id     INTEGER PRIMARY KEY,
  nombre TEXT NOT NULL
) STRICT;

CREATE TABLE municipio (
  id       INTEGER PRIMARY KEY,
  nombre   TEXT NOT NULL,
  distrito INTEGER NOT NULL REFERENCES distrito (id)
) STRICT;

CREATE TABLE contest (
  id        INTEGER PRIMARY KEY,           -- catalog order
  election  TEXT NOT NULL REFERENCES election (id),
  ambito_id INTEGER NOT NULL,
  UNIQUE (election, ambito_id)
) STRICT;

CREATE TABLE contest_field (
  contest  INTEGER NOT NULL REFERENCES contest (id),
  position INTEGER NOT NULL,               -- acta order
  code     TEXT NOT NULL,
  label    TEXT NOT NULL,
  kind     TEXT NOT NULL,
  PRIMARY KEY (contest, position),
  UNIQUE (contest, code)
) STRICT;

CREATE TABLE casilla (
  clave          TEXT PRIMARY KEY,
  seccion        INTEGER NOT NULL,
  tipo           TEXT NOT NULL,
  id_casilla     INTEGER NOT NULL,
  ext_contigua   INTEGER NOT NULL,
  ubicacion      INTEGER NOT NULL,
  distrito       INTEGER NOT NULL REFERENCES distrito (id),
  municipio      INTEGER NOT NULL REFERENCES municipio (id),
  lista_nominal  INTEGER NOT NULL,
  representantes INTEGER NOT NULL,
  max_boletas    INTEGER
) STRICT, WITHOUT ROWID;

-- The actas the catalog expects (ACTAS_ESPERADAS).
CREATE TABLE catalog_acta (
  clave_acta TEXT PRIMARY KEY,
  casilla    TEXT NOT NULL REFERENCES casilla (clave),
  election   TEXT NOT NULL REFERENCES election (id),
  contest    INTEGER NOT NULL REFERENCES contest (id)
) STRICT, WITHOUT ROWID;
CREATE INDEX catalog_acta_by_election ON catalog_acta (election);

CREATE TABLE user (
  login        TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,
  pin_hash     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  failed_pins  INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,  -- unix seconds
  -- A PIN of this login is being checked until this time (unix us), by
  -- this process, under this token (see catd-station.c, begin_check).
  checking_until INTEGER NOT NULL DEFAULT 0,
  checking_pid   INTEGER NOT NULL DEFAULT 0,
  checking_token INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE image (
  sha256    TEXT PRIMARY KEY,
  size      INTEGER NOT NULL,
  width     INTEGER NOT NULL,
  height    INTEGER NOT NULL,
  dpi       REAL,
  stored_at TEXT NOT NULL
) STRICT;

-- One row per registered acta. clave_acta is the catalog key, or for an acta
-- fuera de catálogo the text read from it.
CREATE TABLE acta (
  id              INTEGER PRIMARY KEY,
  clave_acta      TEXT NOT NULL UNIQUE,
  raw_text        TEXT NOT NULL,                -- what was typed or read, as it was
  catalog_acta    TEXT REFERENCES catalog_acta (clave_acta),
  election        TEXT NOT NULL REFERENCES election (id),
  state           TEXT NOT NULL,
  tipo_documento  TEXT NOT NULL,
  traslado        TEXT,
  sin_acta_reason TEXT,
  registered_by   TEXT NOT NULL REFERENCES user (login),
  acopio_at       TEXT NOT NULL,
  captura_at      TEXT,
  verificacion_at TEXT,
  image_sha256    TEXT REFERENCES image (sha256),
  digitalizacion  TEXT,
  pass1_user      TEXT REFERENCES user (login),
  pass2_user      TEXT REFERENCES user (login),
  arbiter_user    TEXT REFERENCES user (login),
  total_calculado INTEGER,
  contabilizada   INTEGER,
  observaciones   TEXT,
  revision        INTEGER NOT NULL DEFAULT 0,
  cotejada        INTEGER NOT NULL DEFAULT 0,
  -- After pass 2: the settled values (JSON object, code to canonical text)
  -- and the codes still waiting for the step the state names (JSON array).
  settled         TEXT,
  pending         TEXT
) STRICT;
CREATE INDEX acta_by_state ON acta (state);
CREATE INDEX acta_by_election ON acta (election, clave_acta);

-- Every image ever bound to an acta; a re-scan adds a row and keeps the old.
CREATE TABLE acta_image (
  id       INTEGER PRIMARY KEY,
  acta     INTEGER NOT NULL REFERENCES acta (id),
  sha256   TEXT NOT NULL REFERENCES image (sha256),
  source   TEXT NOT NULL,
  bound_by TEXT NOT NULL REFERENCES user (login),
  bound_at TEXT NOT NULL
) STRICT;
CREATE INDEX acta_image_by_sha256 ON acta_image (sha256);

-- Every keying anyone ever did: one row per step, the values as a JSON
-- object of field code to canonical value text, byte for byte what the
-- step's audit row recorded. Never updated.
CREATE TABLE keying (
  id        INTEGER PRIMARY KEY,             -- in audit_seq order
  acta      INTEGER NOT NULL REFERENCES acta (id),
  step      TEXT NOT NULL CHECK (step IN ('pass1', 'pass2', 'rekey', 'arbitration', 'resolution')),
  login     TEXT NOT NULL REFERENCES user (login),
  keyed_at  TEXT NOT NULL,
  audit_seq INTEGER NOT NULL,
  "values"  TEXT NOT NULL
) STRICT;
CREATE INDEX keying_by_acta ON keying (acta);

-- Kept up to date in the transactions that change them, so that status
-- costs the same at 30,000 actas as at 30.
CREATE TABLE user_stats (
  login        TEXT PRIMARY KEY REFERENCES user (login),
  fields_keyed INTEGER NOT NULL DEFAULT 0,
  fields_lost  INTEGER NOT NULL DEFAULT 0,
  actas_keyed  INTEGER NOT NULL DEFAULT 0,
  first_at     TEXT,
  last_at      TEXT
) STRICT;

-- Append-only, hash-chained: hash = SHA-256 (prev_hash, seq, salt, at,
-- login, action, clave_acta, detail). See catd-audit.c.
CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY,
  salt       TEXT NOT NULL,                 -- 128 random bits, hex
  at         TEXT NOT NULL,
  login      TEXT,
  action     TEXT NOT NULL,
  clave_acta TEXT,
  detail     TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
) STRICT;

-- One row per revision of an acta's record, body exactly as uploaded.
-- record_id is a random UUID (the upload's idempotency key); the upload
-- queue finds rows by it, through the index of migration 2 (catd-store.c).
CREATE TABLE record (
  id         INTEGER PRIMARY KEY,
  record_id  TEXT NOT NULL,
  acta       INTEGER NOT NULL REFERENCES acta (id),
  revision   INTEGER NOT NULL,
  body       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (acta, revision)
) STRICT;

-- The transactional outbox: written in the same transaction as the change
-- it uploads, drained in id order (images before the records naming them).
-- An image is queued once however many revisions name it.
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('image', 'record')),
  ref             TEXT NOT NULL,             -- image sha256 or record_id
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  sent_at         TEXT
) STRICT;
CREATE INDEX outbox_by_state ON outbox (state, id);
CREATE UNIQUE INDEX outbox_image_once ON outbox (ref) WHERE kind = 'image';

-- The application never rewrites history; these make a bug that tries fail
-- loudly. (Someone with the sqlite3 shell can drop them: the audit chain is
-- what catches that.)
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE (ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER keying_no_update BEFORE UPDATE ON keying
  BEGIN SELECT RAISE (ABORT, 'keyed values are never changed'); END;
CREATE TRIGGER keying_no_delete BEFORE DELETE ON keying
  BEGIN SELECT RAISE (ABORT, 'keyed values are never deleted'); END;
