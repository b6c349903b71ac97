package rtkv.api.store;

import java.util.Arrays;

/** Byte-string ranges over keys, which are compared as their UTF-8 bytes. */
final class KeyRange {

    private KeyRange() {
    }

    /**
     * The smallest byte string greater than every string that starts with {@code prefix}, or null when
     * there is none (the prefix is all 0xFF bytes): the exclusive upper bound of a prefix scan.
     */
    static byte[] successor(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] next = Arrays.copyOf(prefix, i + 1);
                next[i]++;
                return next;
            }
        }
        return null;
    }
}
