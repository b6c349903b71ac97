package rtkv.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import rtkv.schema.ShardMap;

/**
 * Reads a component's settings (environment variables) once, at start-up. Every getter records a
 * problem instead of throwing, so {@link #validate()} can report all of them at once.
 */
public final class Settings {

    private final String component;
    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    public Settings(String component, Map<String, String> values) {
        this.component = component;
        this.values = Map.copyOf(values);
    }

    public String text(String key, String fallback) {
        String value = values.get(key);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    public String required(String key) {
        String value = text(key, null);
        if (value == null) {
            problems.add(key + " is required");
            return "";
        }
        return value;
    }

    public int integer(String key, int fallback, int min, int max) {
        String value = text(key, null);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                problems.add(key + " must be between " + min + " and " + max + ", was " + parsed);
                return fallback;
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add(key + " must be an integer, was \"" + value + "\"");
            return fallback;
        }
    }

    public int port(String key, int fallback) {
        return integer(key, fallback, 0, 65535);
    }

    public Path path(String key, Path fallback) {
        String value = text(key, null);
        return value == null ? fallback : Path.of(value);
    }

    /** A required comma-separated list with no empty items. */
    public List<String> list(String key) {
        String value = required(key);
        if (value.isEmpty()) {
            return List.of();
        }
        List<String> items = Arrays.stream(value.split(",")).map(String::strip).toList();
        if (items.stream().anyMatch(String::isEmpty)) {
            problems.add(key + " has an empty item: \"" + value + "\"");
        }
        return items;
    }

    /**
     * The map for {@code shards} shards from RTKV_SHARD_MAP (an even split when unset); a bad spec is
     * recorded as a problem and answers null.
     */
    public ShardMap shardMap(int shards) {
        String spec = text("RTKV_SHARD_MAP", null);
        try {
            return spec == null ? ShardMap.evenlySplit(shards) : ShardMap.parse(spec, shards);
        } catch (IllegalArgumentException e) {
            problems.add("RTKV_SHARD_MAP is invalid: " + e.getMessage());
            return null;
        }
    }

    /** Records a problem found by the caller's own cross-field checks. */
    public void problem(String message) {
        problems.add(message);
    }

    /** @throws ConfigException listing every problem seen so far */
    public void validate() {
        if (!problems.isEmpty()) {
            throw new ConfigException(component, problems);
        }
    }
}
