package rtkv.schema;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Which shard holds a table. A table hashes onto one of {@link #BUCKETS} fixed buckets (CRC32C of its
 * UTF-8 name, low 12 bits); buckets map to shards. Adding a shard moves whole buckets, it never
 * rehashes every table. The number of buckets is part of the on-disk contract and never changes.
 */
public final class ShardMap {

    public static final int BUCKETS = 4096;

    private final int[] shardOfBucket;
    private final int shardCount;

    private ShardMap(int[] shardOfBucket, int shardCount) {
        this.shardOfBucket = shardOfBucket;
        this.shardCount = shardCount;
    }

    /** Shard {@code i} of {@code n} owns the {@code i}-th contiguous run of buckets. */
    public static ShardMap evenlySplit(int shards) {
        if (shards < 1 || shards > BUCKETS) {
            throw new IllegalArgumentException("shards must be between 1 and " + BUCKETS + ", was " + shards);
        }
        int[] map = new int[BUCKETS];
        for (int bucket = 0; bucket < BUCKETS; bucket++) {
            map[bucket] = (int) ((long) bucket * shards / BUCKETS);
        }
        return new ShardMap(map, shards);
    }

    public static int bucketOf(String table) {
        CRC32C crc = new CRC32C();
        crc.update(table.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() & (BUCKETS - 1));
    }

    public int shardOf(String table) {
        return shardOfBucket[bucketOf(table)];
    }

    public int shardCount() {
        return shardCount;
    }
}
