package rtkv.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthTest {

    private static final String ADMIN = "rk.admin.0123456789012345678901234567890123456789abc";
    private final Map<String, KeyRecord> table = new HashMap<>();
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(10_000), ZoneOffset.UTC);
    private final Authenticator authenticator = new Authenticator(ADMIN, id -> Optional.ofNullable(table.get(id)), clock);
    private final SecureRandom random = new SecureRandom();

    private String issue(List<Scope> scopes, Long expiresAt) {
        String id = ApiKeys.newId(random);
        String secret = ApiKeys.newSecret(random);
        table.put(id, new KeyRecord("test", ApiKeys.hash(secret), scopes, 0, expiresAt, null, null));
        return ApiKeys.format(id, secret);
    }

    @Test
    void scopesMatchTheirTablesAndNeverTheSystems() {
        Scope articles = Scope.parse("write:articles.*");
        assertTrue(articles.allows(Permission.WRITE, "articles.42"));
        assertFalse(articles.allows(Permission.READ, "articles.42"));
        assertFalse(articles.allows(Permission.WRITE, "other"));
        assertTrue(Scope.parse("read:demo").allows(Permission.READ, "demo"));
        assertFalse(Scope.parse("read:demo").allows(Permission.READ, "demo2"));
        assertTrue(Scope.parse("subscribe:*").allows(Permission.SUBSCRIBE, "anything"));
        assertFalse(Scope.parse("subscribe:*").allows(Permission.SUBSCRIBE, "rtkv.keys"));
        for (String bad : new String[] {"read", "delete:*", "read:", "read:a b", "read:rtkv.keys", "read:*a", "read:a*b"}) {
            assertThrows(IllegalArgumentException.class, () -> Scope.parse(bad), bad);
        }
    }

    @Test
    void aKeyIsItsScopesUntilRevokedOrExpired() {
        String key = issue(List.of(Scope.parse("read:demo")), null);
        Authenticator.Result result = authenticator.authenticate(key);
        assertTrue(result.ok(), result.refusal());
        assertTrue(result.principal().may(Permission.READ, "demo"));
        assertFalse(result.principal().may(Permission.WRITE, "demo"));

        String id = ApiKeys.parse(key).orElseThrow().id();
        table.put(id, table.get(id).revoked(5_000));
        assertEquals("the API key was revoked", authenticator.authenticate(key).refusal());
        assertEquals("the API key was revoked", authenticator.recheck(id).refusal());

        assertEquals("the API key has expired", authenticator.authenticate(issue(List.of(), 9_999L)).refusal());
        assertTrue(authenticator.authenticate(issue(List.of(), 10_001L)).ok());
    }

    @Test
    void wrongMissingAndForgedKeysAreRefused() {
        String key = issue(List.of(Scope.parse("read:*")), null);
        String forged = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
        assertEquals("unknown API key", authenticator.authenticate(forged).refusal());
        assertEquals("that is not an rtkv API key", authenticator.authenticate("hunter2").refusal());
        assertFalse(authenticator.authenticate(null).ok());
        assertFalse(authenticator.authenticate("rk.0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").ok());
        assertTrue(authenticator.authenticate(ADMIN).principal().admin());
        assertTrue(authenticator.authenticate(ADMIN).principal().may(Permission.WRITE, "rtkv.settings"));
        assertFalse(authenticator.authenticate(ADMIN).principal().may(Permission.READ, KeyRecord.TABLE),
                "the keys' hashes are read through the admin API only");
    }

    @Test
    void theBearerKeyIsTakenFromTheAuthorizationHeader() {
        assertEquals("abc", ApiKeys.fromAuthorization("Bearer abc"));
        assertEquals("abc", ApiKeys.fromAuthorization("  bearer   abc "));
        assertEquals(null, ApiKeys.fromAuthorization("Basic YWJjOmRlZg=="));
        assertEquals(null, ApiKeys.fromAuthorization("Bearer"));
        assertEquals(null, ApiKeys.fromAuthorization(null));
    }

    @Test
    void anAdminKeyMustBeLongAndPrintable() {
        assertTrue(ApiKeys.adminKeyProblem(ApiKeys.newAdminKey(random)).isEmpty());
        assertTrue(ApiKeys.adminKeyProblem("short").isPresent());
        assertTrue(ApiKeys.adminKeyProblem(null).isPresent());
        assertTrue(ApiKeys.adminKeyProblem("x".repeat(40) + " y").isPresent());
    }

    @Test
    void recordsRoundTripThroughJson() {
        KeyRecord record = new KeyRecord("console \"main\"", "ab12", List.of(Scope.parse("read:*"), Scope.parse("write:a.*")),
                1, 2L, null, null);
        assertEquals(record, KeyRecord.fromJson(record.toJson()));
        KeyRecord limited = new KeyRecord("clap page", "cd34", List.of(Scope.parse("subscribe:articles.*")), 1, null, 5L, 50_000);
        assertEquals(limited, KeyRecord.fromJson(limited.toJson()));
        assertThrows(IllegalArgumentException.class, () -> KeyRecord.fromJson("{\"name\": 1}"));
    }
}
