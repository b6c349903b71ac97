package rtkv.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * API keys: {@code rk.ID.SECRET}, a 16-hex-digit id to look the key up by and a 256-bit random secret.
 * Only the secret's SHA-256 is stored: a secret with that much entropy needs no slow hash, and a leaked
 * table of hashes gives no key.
 */
public final class ApiKeys {

    public static final int MIN_ADMIN_KEY_LENGTH = 32;
    private static final String BEARER = "Bearer ";
    private static final Pattern FORMAT = Pattern.compile("rk\\.([0-9a-f]{16})\\.([A-Za-z0-9_-]{43})");

    private ApiKeys() {
    }

    /** A presented key split into its parts. */
    public record Parsed(String id, String secret) {
        @Override
        public String toString() {
            return "Parsed[" + id + "]";
        }
    }

    public static Optional<Parsed> parse(String key) {
        Matcher m = FORMAT.matcher(key == null ? "" : key);
        return m.matches() ? Optional.of(new Parsed(m.group(1), m.group(2))) : Optional.empty();
    }

    public static String newId(SecureRandom random) {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public static String newSecret(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A fresh admin key, as the local cluster generates at its first start. */
    public static String newAdminKey(SecureRandom random) {
        return "rk.admin." + newSecret(random);
    }

    /**
     * What is wrong with a configured admin key, if anything. It travels in a header, so it is printable
     * ASCII; and it guards everything, so it is long enough not to be guessed.
     */
    public static Optional<String> adminKeyProblem(String key) {
        if (key == null || key.length() < MIN_ADMIN_KEY_LENGTH) {
            return Optional.of("RTKV_ADMIN_KEY must be at least " + MIN_ADMIN_KEY_LENGTH + " characters");
        }
        if (!key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return Optional.of("RTKV_ADMIN_KEY may only hold printable ASCII characters, no spaces");
        }
        return Optional.empty();
    }

    /** The key in an {@code Authorization: Bearer KEY} header, or null when there is none. */
    public static String fromAuthorization(String header) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() > BEARER.length() && value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return value.substring(BEARER.length()).strip();
        }
        return null;
    }

    public static String format(String id, String secret) {
        return "rk." + id + "." + secret;
    }

    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Compares in time independent of where the strings differ. */
    public static boolean sameSecret(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
