-- One row per key of every table on a shard. The primary key (table_id, k) makes every write a
-- row lock on exactly one key; nothing ever locks a whole table.
--   table_id    the table's name, ASCII by the naming rule, compared byte for byte
--   k           the key's UTF-8 bytes: byte order is code-point order, no collation surprises
--   v           the value as compact JSON text; NULL on a tombstone
--   version     on first write, 1 above the table's floor (kv_floor, 0 when it has none); +1 on
--               every write of the key; a tombstone keeps it, so a key re-created later continues
--               from it, and once it is removed the floor does: versions only grow
--   expires_at  milliseconds since the epoch: when a live key's time to live ends (NULL: never);
--               0 on a tombstone, so "expires_at <= now" alone says a row is not live
--   expired     on a tombstone: TRUE when the sweeper expired the key, FALSE when it was deleted
--   changed_at  milliseconds since the epoch of the last write; a tombstone is removed for good
--               once it is older than the retention period
-- Index due serves the sweeper: live keys whose time ran out (expires_at between 1 and now) and
-- tombstones past retention (expires_at = 0, changed_at < cutoff), without scanning the table.
CREATE TABLE IF NOT EXISTS kv (
  table_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  k VARBINARY(512) NOT NULL,
  v MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  version BIGINT NOT NULL,
  expires_at BIGINT NULL,
  expired BOOLEAN NOT NULL DEFAULT FALSE,
  changed_at BIGINT NOT NULL,
  PRIMARY KEY (table_id, k),
  KEY due (expires_at, changed_at)
) ENGINE=InnoDB;

-- Per table, the highest version among its tombstones the sweeper removed: a key written again with no
-- row left starts above it, so a key's version never goes down, also after its tombstone is gone.
-- A write reads it with a shared lock and the sweeper raises it under an exclusive one in the
-- transaction that removes the tombstones, so a write that lost its key's tombstone sees the new floor.
-- The row exists before a table's first tombstone does (a delete or an expiry makes it), so there is
-- always a row to lock.
--   table_id    the table
--   floor       the version a new row of the table starts after
CREATE TABLE IF NOT EXISTS kv_floor (
  table_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  floor BIGINT NOT NULL,
  PRIMARY KEY (table_id)
) ENGINE=InnoDB;

-- The answers to writes sent with an Idempotency-Key header, so that a client retrying a write whose
-- answer it lost gets that answer again instead of applying the write twice. A row is written in the
-- write's own transaction on the table's shard: it exists exactly when the write committed. Only
-- successful writes are kept; the sweeper removes rows older than RTKV_IDEMPOTENCY_RETENTION_SECONDS.
--   table_id    the table the write was to
--   idem_key    the client's key: 1 to 128 printable ASCII characters
--   request     SHA-256 of the request (method, path, query, preconditions, body): the same key sent
--               with another request is refused rather than answered with the wrong answer
--   answer      the JSON answered
--   version     the version the answer's ETag carries; NULL for a batch
--   created_at  milliseconds since the epoch
CREATE TABLE IF NOT EXISTS idempotency (
  table_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  idem_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request BINARY(32) NOT NULL,
  answer MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  version BIGINT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (table_id, idem_key),
  KEY created (created_at)
) ENGINE=InnoDB;
