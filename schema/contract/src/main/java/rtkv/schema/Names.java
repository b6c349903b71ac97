package rtkv.schema;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/** The naming rules for tables and keys; each check answers with the problem, worded for the client. */
public final class Names {

    private static final Pattern TABLE_CHARS = Pattern.compile("[A-Za-z0-9_.-]+");

    private Names() {
    }

    public static Optional<String> tableProblem(String table, int maxLength) {
        if (table == null || table.isEmpty()) {
            return Optional.of("the table name is empty");
        }
        if (table.length() > maxLength) {
            return Optional.of("the table name is " + table.length() + " characters long; the limit is " + maxLength);
        }
        if (!TABLE_CHARS.matcher(table).matches()) {
            return Optional.of("the table name may only contain A-Z, a-z, 0-9, '_', '.' and '-'");
        }
        return Optional.empty();
    }

    public static Optional<String> keyProblem(String key, int maxBytes) {
        if (key == null || key.isEmpty()) {
            return Optional.of("the key is empty");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == 0) {
                // No URL path can carry it: a key holding one could be written in a batch but never read.
                return Optional.of("the key may not contain the NUL character (U+0000)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return Optional.of("the key is not valid UTF-8");
            }
        }
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            return Optional.of("the key is " + bytes + " bytes of UTF-8; the limit is " + maxBytes);
        }
        return Optional.empty();
    }
}
