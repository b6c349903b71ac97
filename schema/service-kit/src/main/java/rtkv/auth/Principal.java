package rtkv.auth;

import java.util.List;

/**
 * Who made a request: the admin, or a key with its scopes.
 *
 * @param id        the key's id, or "admin"
 * @param rateLimit requests per second, or null for the service's default; the admin is not limited
 */
public record Principal(String id, boolean admin, List<Scope> scopes, Integer rateLimit) {

    public static final Principal ADMIN = new Principal("admin", true, List.of(), null);

    public Principal {
        scopes = List.copyOf(scopes);
    }

    /**
     * The admin may do anything with a table, a key what one of its scopes allows. Nobody reads or writes
     * {@link KeyRecord#TABLE} as a table: it holds the keys' hashes, managed through the admin API only.
     */
    public boolean may(Permission permission, String table) {
        if (table.equals(KeyRecord.TABLE)) {
            return false;
        }
        return admin || scopes.stream().anyMatch(scope -> scope.allows(permission, table));
    }
}
