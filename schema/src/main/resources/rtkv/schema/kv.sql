-- One row per key of every table on a shard. The primary key (table_id, k) makes every write a
-- row lock on exactly one key; nothing ever locks a whole table.
--   table_id  the table's name, ASCII by the naming rule, compared byte for byte
--   k         the key's UTF-8 bytes: byte order is code-point order, no collation surprises
--   v         the value as JSON text; NULL marks a tombstone (a deleted key whose version lives on,
--             so a re-created key continues from it and versions only grow)
--   version   1 on first write, +1 on every put and delete of the key
CREATE TABLE IF NOT EXISTS kv (
  table_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  k VARBINARY(512) NOT NULL,
  v MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (table_id, k)
) ENGINE=InnoDB;
