package rtkv.auth;

import java.util.Locale;

/**
 * One grant of a key: a permission on the tables a pattern matches, written {@code read:articles.*}.
 * A pattern is {@code *} (every table), {@code PREFIX*} or an exact name. Tables under {@code rtkv.}
 * (keys, settings) belong to the system and no pattern of a key matches them: only the admin key does.
 */
public record Scope(Permission permission, String pattern) {

    public static final String SYSTEM_PREFIX = "rtkv.";

    /** @throws IllegalArgumentException with a message for the client */
    public static Scope parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("a scope is PERMISSION:PATTERN, such as read:articles.*; got \"" + text + "\"");
        }
        Permission permission;
        try {
            permission = Permission.valueOf(text.substring(0, colon).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the permission of a scope is read, write or subscribe; got \""
                    + text.substring(0, colon) + "\"");
        }
        String pattern = text.substring(colon + 1);
        if (!pattern.matches("\\*|[A-Za-z0-9_.-]{1,128}\\*?")) {
            throw new IllegalArgumentException("a scope's pattern is *, a table name, or a name prefix ending in *; got \""
                    + pattern + "\"");
        }
        if (pattern.startsWith(SYSTEM_PREFIX)) {
            throw new IllegalArgumentException("tables under " + SYSTEM_PREFIX + " are the system's: only the admin key reaches them");
        }
        return new Scope(permission, pattern);
    }

    public boolean allows(Permission wanted, String table) {
        return wanted == permission && matches(pattern, table);
    }

    static boolean matches(String pattern, String table) {
        if (table.startsWith(SYSTEM_PREFIX)) {
            return false;
        }
        if (pattern.equals("*")) {
            return true;
        }
        if (pattern.endsWith("*")) {
            return table.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return table.equals(pattern);
    }

    @Override
    public String toString() {
        return permission.wire() + ":" + pattern;
    }
}
