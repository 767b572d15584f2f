-- catd-central-schema.sql - central migration 1: what the central site keeps
-- beside a station's schema
--
-- Copyright 2026 The CATD Station authors
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- The central database is a station database (catd-schema.sql: the catalog
-- tables, image, acta), so that catd_export_prep_csv runs on it unchanged.
-- These tables hold what only the receiver needs; their version is
-- meta.central_schema_version, apart from the station's user_version, so
-- that either schema can move without renumbering the other.

-- Every station the tokens file names, and what its last heartbeat said.
-- login is the pseudo user ("@" + station id) that stands as registered_by
-- in the acta rows the station's records write.
CREATE TABLE central_station (
  station_id        TEXT PRIMARY KEY,
  login             TEXT NOT NULL REFERENCES user (login),
  added_at          TEXT NOT NULL,
  last_heartbeat_at TEXT,
  heartbeat         TEXT,      -- the last heartbeat body, as received
  queue_depth       INTEGER,   -- its queue.pending
  clock_offset_ms   INTEGER    -- its time minus ours when it arrived
) STRICT;

-- Every record revision ever received, body exactly as received. body_sha256
-- is over the canonical form (members sorted, no blanks): the idempotency
-- check. data_sha256 leaves out what differs between two stations that saw
-- the same paper (record_id, station_id, revision, the three times): equal
-- data from two stations is agreement, different data a conflict.
CREATE TABLE central_record (
  id          INTEGER PRIMARY KEY,
  record_id   TEXT NOT NULL UNIQUE,
  station_id  TEXT NOT NULL REFERENCES central_station (station_id),
  clave_acta  TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  body        TEXT NOT NULL,
  body_sha256 TEXT NOT NULL,
  data_sha256 TEXT NOT NULL,
  received_at TEXT NOT NULL
) STRICT;
CREATE INDEX central_record_by_station ON central_record (station_id);
CREATE INDEX central_record_by_acta ON central_record (clave_acta);

-- The record each acta's row in `acta` was last written from.
CREATE TABLE central_acta (
  clave_acta TEXT PRIMARY KEY,
  record     INTEGER NOT NULL REFERENCES central_record (id),
  station_id TEXT NOT NULL REFERENCES central_station (station_id),
  revision   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX central_acta_by_station ON central_acta (station_id);

-- A record whose data differs from the acta's current record: from another
-- station, or the same revision again from the same station. Kept, never
-- merged; the coordinators decide.
CREATE TABLE central_conflict (
  id             INTEGER PRIMARY KEY,
  clave_acta     TEXT NOT NULL,
  current_record INTEGER NOT NULL REFERENCES central_record (id),
  record         INTEGER NOT NULL UNIQUE REFERENCES central_record (id),
  detected_at    TEXT NOT NULL
) STRICT;

-- Which station uploaded which image (the same bytes may come from two).
CREATE TABLE central_image (
  sha256      TEXT NOT NULL REFERENCES image (sha256),
  station_id  TEXT NOT NULL REFERENCES central_station (station_id),
  received_at TEXT NOT NULL,
  PRIMARY KEY (sha256, station_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX central_image_by_station ON central_image (station_id);

-- What the site has received is its evidence: never rewritten.
CREATE TRIGGER central_record_no_update BEFORE UPDATE ON central_record
  BEGIN SELECT RAISE (ABORT, 'received records are never changed'); END;
CREATE TRIGGER central_record_no_delete BEFORE DELETE ON central_record
  BEGIN SELECT RAISE (ABORT, 'received records are never deleted'); END;
