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
    void aConfiguredMapMovesWholeBuckets() {
        ShardMap even = ShardMap.evenlySplit(2);
        // Moving buckets 0-1023 to a third shard moves only the tables in them.
        ShardMap grown = ShardMap.parse("0-1023:2, 1024-2047:0, 2048-4095:1", 3);
        for (int i = 0; i < 1000; i++) {
            String table = "t" + i;
            int bucket = ShardMap.bucketOf(table);
            assertEquals(bucket < 1024 ? 2 : even.shardOf(table), grown.shardOf(table));
        }
        assertEquals(3, grown.shardCount());
    }

    @Test
    void aBrokenSpecNamesEveryProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardMap.parse("0-2047:0,2000-4095:1,x,5-1:0,0-0:7", 2));
        assertTrue(e.getMessage().contains("bucket 2000 is mapped twice"), e.getMessage());
        assertTrue(e.getMessage().contains("\"x\" is not FIRST-LAST:SHARD"), e.getMessage());
        assertTrue(e.getMessage().contains("buckets 5-1 are not a run"), e.getMessage());
        assertTrue(e.getMessage().contains("go to shard 7, but there are only 2"), e.getMessage());
        IllegalArgumentException gap = assertThrows(IllegalArgumentException.class, () -> ShardMap.parse("0-4094:0", 1));
        assertEquals("1 buckets are not mapped to any shard", gap.getMessage());
    }

    @Test
    void rejectsImpossibleShardCounts() {
        assertThrows(IllegalArgumentException.class, () -> ShardMap.evenlySplit(0));
        assertThrows(IllegalArgumentException.class, () -> ShardMap.evenlySplit(ShardMap.BUCKETS + 1));
    }
}
