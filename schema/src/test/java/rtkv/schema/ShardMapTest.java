package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardMapTest {

    @Test
    void bucketIsStableAndInRange() {
        int bucket = ShardMap.bucketOf("articles.42");
        assertEquals(bucket, ShardMap.bucketOf("articles.42"));
        assertTrue(bucket >= 0 && bucket < ShardMap.BUCKETS);
    }

    @Test
    void evenSplitGivesEachShardAContiguousShareOfBuckets() {
        ShardMap map = ShardMap.evenlySplit(2);
        int[] tables = new int[2];
        for (int i = 0; i < 10_000; i++) {
            tables[map.shardOf("table-" + i)]++;
        }
        // CRC32C spreads sequential names well: each shard gets close to half.
        assertTrue(tables[0] > 4_500 && tables[1] > 4_500, () -> tables[0] + " / " + tables[1]);
    }

    @Test
    void oneShardOwnsEverything() {
        ShardMap map = ShardMap.evenlySplit(1);
        for (int i = 0; i < 100; i++) {
            assertEquals(0, map.shardOf("t" + i));
        }
    }

    @Test
    void rejectsImpossibleShardCounts() {
        assertThrows(IllegalArgumentException.class, () -> ShardMap.evenlySplit(0));
        assertThrows(IllegalArgumentException.class, () -> ShardMap.evenlySplit(ShardMap.BUCKETS + 1));
    }
}
