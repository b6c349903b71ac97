package rtkv.api.store;

import java.util.List;
import rtkv.link.DatabaseTls;
import rtkv.schema.ShardMap;

/**
 * What the store needs of api-service's configuration.
 *
 * @param shardUrls          the shards' JDBC URLs, in shard order
 * @param shardMap           which shard holds each bucket
 * @param dbUser             the shards' user
 * @param dbPassword         its password
 * @param dbTls              TLS on every connection to the shards
 * @param poolSize           connections per shard
 * @param queuePerShard      requests that may wait for a shard's connections before being refused
 * @param sweepMillis        the sweeper's pause when idle; 0: no sweeper
 * @param sweepBatch         rows the sweeper removes per transaction
 * @param tombstoneSeconds   how long a deleted key's row is kept
 * @param idempotencySeconds how long an answer stored under an idempotency key is kept
 */
public record StoreConfig(List<String> shardUrls, ShardMap shardMap, String dbUser, String dbPassword,
                          DatabaseTls dbTls, int poolSize, int queuePerShard, int sweepMillis, int sweepBatch,
                          int tombstoneSeconds, int idempotencySeconds) {

    public StoreConfig {
        shardUrls = List.copyOf(shardUrls);
    }

    @Override
    public String toString() {
        return "StoreConfig[shards=" + shardUrls + ", user=" + dbUser + ", tls=" + dbTls.mode() + ", pool=" + poolSize + "]";
    }
}
