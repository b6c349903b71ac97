package rtkv.schema;

/**
 * MariaDB GTIDs ({@code domain-server-sequence}, comma-separated in a position). Each shard is the
 * primary of replication domain 0, so the domain-0 sequence number orders its commits.
 */
public final class Gtid {

    private Gtid() {
    }

    /**
     * The domain-0 sequence number in a GTID or GTID position, or 0 when there is none.
     *
     * @throws IllegalArgumentException when the text is not a GTID position
     */
    public static long sequence(String position) {
        if (position == null || position.isBlank()) {
            return 0;
        }
        long sequence = 0;
        for (String gtid : position.split(",")) {
            String[] parts = gtid.strip().split("-");
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a GTID: \"" + gtid.strip() + "\"");
            }
            try {
                if (Long.parseLong(parts[0]) == 0) {
                    sequence = Math.max(sequence, Long.parseLong(parts[2]));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a GTID: \"" + gtid.strip() + "\"", e);
            }
        }
        return sequence;
    }
}
