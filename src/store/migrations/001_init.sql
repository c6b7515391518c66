-- tiphash schema, version 1. Runs unchanged on PostgreSQL 15+ and PGlite.
--
-- Hashes and digests are bytea, not hex text: half the bytes on disk and in every index
-- (a PDQ hash is 32 bytes instead of 64 characters), no upper/lower-case ambiguity, and the
-- length is checked per algorithm. The store's API speaks lowercase hex; SQL converts with
-- encode(…, 'hex') / decode(…, 'hex').
--
-- Ids are bigint identities; enumerations are text with CHECK constraints (readable in
-- psql and easy to extend in a later migration, unlike CREATE TYPE … AS ENUM).

CREATE TABLE hash_lists (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name            text NOT NULL UNIQUE CHECK (name <> ''),
  source          text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('block', 'allow')),
  -- {"pdq": 31, "blockhash": 26}: algorithms not named use the built-in defaults.
  thresholds      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(thresholds) = 'object'),
  enabled         boolean NOT NULL DEFAULT true,
  dihedral        boolean NOT NULL DEFAULT false,
  -- NULL until the first import; points at a row of list_versions (FK added below).
  current_version integer,
  -- Bumped by every change a matcher must see (version switch, enable, thresholds, an
  -- entry disabled), so a worker can tell whether its index is stale.
  revision        integer NOT NULL DEFAULT 1,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE list_versions (
  list_id     bigint NOT NULL REFERENCES hash_lists (id),
  version     integer NOT NULL CHECK (version > 0),
  imported_at timestamptz NOT NULL DEFAULT now(),
  imported_by text NOT NULL,
  format      text NOT NULL,
  entries     integer NOT NULL DEFAULT 0 CHECK (entries >= 0),
  rejected    integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
  PRIMARY KEY (list_id, version)
);

ALTER TABLE hash_lists
  ADD CONSTRAINT hash_lists_current_version_fk
  FOREIGN KEY (id, current_version) REFERENCES list_versions (list_id, version);

-- Entries are never updated except for `enabled`, and never deleted while a match points at
-- them: a match keeps the list version it was made against.
-- No foreign key to list_versions: its per-row check costs more than the row itself
-- (500k rows: 3.6 s with it, 1.5 s without, PostgreSQL 15). Entries are written only by the
-- import, in the transaction that creates their version row, and versions are never deleted.
CREATE TABLE hash_entries (
  id          bigint GENERATED ALWAYS AS IDENTITY,
  list_id     bigint NOT NULL,
  version     integer NOT NULL,
  algorithm   text NOT NULL CHECK (algorithm IN ('md5', 'sha1', 'sha256', 'pdq', 'blockhash', 'vpdq')),
  hash        bytea NOT NULL,
  category    text,
  external_id text,
  enabled     boolean NOT NULL DEFAULT true,
  -- One index serves loading a version in id order, the FK from matches and the import's
  -- COPY (every extra index slows a million-row import).
  PRIMARY KEY (list_id, version, id),
  CHECK (octet_length(hash) = CASE algorithm WHEN 'md5' THEN 16 WHEN 'sha1' THEN 20 ELSE 32 END)
);
-- Tiny (analysts disable few entries): lets an import carry them over to the new version.
CREATE INDEX hash_entries_disabled ON hash_entries (list_id, version) WHERE NOT enabled;

CREATE TABLE api_keys (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL UNIQUE CHECK (name <> ''),
  role       text NOT NULL CHECK (role IN ('submitter', 'intake', 'analyst', 'admin')),
  -- SHA-256 of the key. The key is 256 random bits, so a slow password hash (bcrypt) would
  -- add nothing against guessing but would cost every request and rule out lookup by hash.
  key_hash   bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
  prefix     text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE batches (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_ref       text,
  submitter_key  bigint REFERENCES api_keys (id),
  submitter_name text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('investigator', 'tip')),
  tip_id         text,
  received_at    timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  item_count     integer NOT NULL CHECK (item_count >= 0),
  CHECK ((kind = 'tip') = (tip_id IS NOT NULL))
);
-- A tip portal that re-delivers the same tip gets the batch it already created.
CREATE UNIQUE INDEX batches_tip_id ON batches (tip_id) WHERE tip_id IS NOT NULL;

CREATE TABLE items (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id      bigint NOT NULL REFERENCES batches (id),
  seq           integer NOT NULL CHECK (seq > 0),
  source_kind   text NOT NULL CHECK (source_kind IN ('url', 'upload', 'digest')),
  -- What people see: the URL without credentials, or the original file name.
  source_label  text NOT NULL,
  -- What the worker needs: the URL to fetch or the staged upload's key. It may carry a
  -- token, so it is cleared when the item reaches a terminal state.
  source_ref    text,
  status        text NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'processing', 'matched', 'no_match', 'failed')),
  md5           bytea CHECK (octet_length(md5) = 16),
  sha1          bytea CHECK (octet_length(sha1) = 20),
  sha256        bytea CHECK (octet_length(sha256) = 32),
  size          bigint CHECK (size >= 0),
  media_type    text,
  width         integer,
  height        integer,
  error_code    text,
  error_message text,
  attempts      integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  UNIQUE (batch_id, seq),
  CHECK ((status = 'failed') = (error_code IS NOT NULL)),
  CHECK ((status IN ('matched', 'no_match', 'failed')) = (finished_at IS NOT NULL))
);
CREATE INDEX items_batch_status ON items (batch_id, status);
-- Small: only the items still in flight, for recovery sweeps.
CREATE INDEX items_in_flight ON items (status, id) WHERE status IN ('queued', 'processing');

CREATE TABLE item_hashes (
  item_id   bigint NOT NULL REFERENCES items (id),
  algorithm text NOT NULL CHECK (algorithm IN ('pdq', 'blockhash', 'vpdq')),
  -- 'pdq', 'pdqTrimmed', a dihedral name ('rot90', …), 'blockhash', or a video frame index.
  variant   text NOT NULL,
  hash      bytea NOT NULL CHECK (octet_length(hash) = 32),
  quality   smallint CHECK (quality BETWEEN 0 AND 100),
  frame_ts  double precision,
  PRIMARY KEY (item_id, algorithm, variant)
);

CREATE TABLE matches (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  item_id        bigint NOT NULL REFERENCES items (id),
  list_id        bigint NOT NULL,
  list_version   integer NOT NULL,
  entry_id       bigint NOT NULL,
  algorithm      text NOT NULL CHECK (algorithm IN ('md5', 'sha1', 'sha256', 'pdq', 'blockhash', 'vpdq')),
  distance       integer NOT NULL CHECK (distance >= 0),
  quality        smallint CHECK (quality BETWEEN 0 AND 100),
  threshold      integer NOT NULL CHECK (threshold >= 0),
  category       text,
  via            text,
  low_confidence boolean NOT NULL DEFAULT false,
  score          double precision NOT NULL,
  -- Video: matched frame timestamps / ranges, e.g. {"item": [[0, 4.5]], "entry": [[10, 14.5]]}.
  frames         jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (list_id, list_version, entry_id) REFERENCES hash_entries (list_id, version, id),
  -- The matcher keeps one (best) record per item, entry and algorithm; a retried job that
  -- records the same result again adds nothing.
  UNIQUE (item_id, entry_id, algorithm)
);
CREATE INDEX matches_score ON matches (score DESC, id DESC);
CREATE INDEX matches_list ON matches (list_id, id);

CREATE TABLE reviews (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  match_id bigint NOT NULL REFERENCES matches (id),
  verdict  text NOT NULL CHECK (verdict IN ('confirmed', 'false_positive', 'escalate')),
  note     text,
  reviewer text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reviews_match ON reviews (match_id, id);

-- Append-only, hash-chained. `id` is assigned from audit_head under its row lock, so ids
-- are gapless and the chain has exactly one successor per row even with many writers.
CREATE TABLE audit_log (
  id        bigint PRIMARY KEY CHECK (id > 0),
  at        timestamptz NOT NULL,
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text,
  details   jsonb NOT NULL DEFAULT '{}',
  prev_hash bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
  hash      bytea NOT NULL UNIQUE CHECK (octet_length(hash) = 32)
);

CREATE TABLE audit_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_id   bigint NOT NULL,
  last_hash bytea NOT NULL CHECK (octet_length(last_hash) = 32)
);
INSERT INTO audit_head (last_id, last_hash) VALUES (0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Webhook replay protection: a signature is accepted once within its validity window.
-- Stored as SHA-256 of the signature string, whatever its encoding.
CREATE TABLE webhook_signatures (
  signature  bytea PRIMARY KEY CHECK (octet_length(signature) = 32),
  expires_at timestamptz NOT NULL
);
CREATE INDEX webhook_signatures_expiry ON webhook_signatures (expires_at);
