package rtkv.schema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * Which shard holds a table. A table hashes onto one of {@link #BUCKETS} fixed buckets (CRC32C of its
 * UTF-8 name, low 12 bits); buckets map to shards. Adding a shard moves whole buckets, it never
 * rehashes every table. The number of buckets is part of the on-disk contract and never changes.
 */
public final class ShardMap {

    public static final int BUCKETS = 4096;
    private static final Pattern RUN = Pattern.compile("(\\d{1,4})-(\\d{1,4}):(\\d{1,4})");

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

    /**
     * A map from configuration: comma-separated {@code FIRST-LAST:SHARD} runs of buckets, for example
     * {@code 0-2047:0,2048-4095:1}. Every bucket must be mapped exactly once, to one of {@code shards}.
     *
     * @throws IllegalArgumentException naming every problem of the spec
     */
    public static ShardMap parse(String spec, int shards) {
        int[] map = new int[BUCKETS];
        Arrays.fill(map, -1);
        List<String> problems = new ArrayList<>();
        for (String run : spec.split(",")) {
            Matcher m = RUN.matcher(run.strip());
            if (!m.matches()) {
                problems.add("\"" + run.strip() + "\" is not FIRST-LAST:SHARD");
                continue;
            }
            int first = Integer.parseInt(m.group(1));
            int last = Integer.parseInt(m.group(2));
            int shard = Integer.parseInt(m.group(3));
            if (first > last || last >= BUCKETS) {
                problems.add("buckets " + first + "-" + last + " are not a run within 0-" + (BUCKETS - 1));
                continue;
            }
            if (shard >= shards) {
                problems.add("buckets " + first + "-" + last + " go to shard " + shard + ", but there are only " + shards);
            }
            for (int bucket = first; bucket <= last; bucket++) {
                if (map[bucket] != -1) {
                    problems.add("bucket " + bucket + " is mapped twice");
                    break;
                }
                map[bucket] = shard;
            }
        }
        int unmapped = (int) Arrays.stream(map).filter(s -> s == -1).count();
        if (unmapped > 0 && problems.isEmpty()) {
            problems.add(unmapped + " buckets are not mapped to any shard");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
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
