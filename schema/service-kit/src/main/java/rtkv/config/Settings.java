package rtkv.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import rtkv.schema.ShardMap;

/**
 * One service's settings (environment variables), read once at start-up through the declarations of
 * {@link RtkvSettings}. A value that cannot be read is recorded as a problem, not thrown, so
 * {@link #validate()} reports every problem at once; an {@code RTKV_} variable that no declaration
 * names (a typo, say) is warned about there.
 */
public final class Settings {

    private static final Logger LOG = LoggerFactory.getLogger(Settings.class);

    private final Service service;
    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    public Settings(Service service, Map<String, String> values) {
        this.service = service;
        this.values = Map.copyOf(values);
    }

    /** The setting's value for this service: its default when unset, also (with a problem) when invalid. */
    public <T> T get(Setting<T> setting) {
        return getOr(setting, setting.defaultValue(service));
    }

    /** As {@link #get}, with a default the caller computes (the local cluster's ports, from its layout). */
    public <T> T getOr(Setting<T> setting, T fallback) {
        if (!setting.readers().contains(service)) {
            throw new IllegalStateException(setting + " is not declared as read by " + service + " (RtkvSettings)");
        }
        String text = raw(setting);
        if (text == null) {
            if (setting.required()) {
                problems.add(setting + " is required");
            }
            return fallback;
        }
        try {
            return setting.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(setting + " " + e.getMessage());
            return fallback;
        }
    }

    /** Whether the variable is set, and not blank. */
    public boolean isSet(Setting<?> setting) {
        return raw(setting) != null;
    }

    private String raw(Setting<?> setting) {
        String value = values.get(setting.name());
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * The map for {@code shards} shards from RTKV_SHARD_MAP (an even split when unset); a bad spec is
     * recorded as a problem and answers null.
     */
    public ShardMap shardMap(int shards) {
        String spec = get(RtkvSettings.SHARD_MAP);
        try {
            return spec == null ? ShardMap.evenlySplit(shards) : ShardMap.parse(spec, shards);
        } catch (IllegalArgumentException e) {
            problems.add(RtkvSettings.SHARD_MAP + " is invalid: " + e.getMessage());
            return null;
        }
    }

    /** Records a problem found by the caller's own cross-field checks. */
    public void problem(String message) {
        problems.add(message);
    }

    /** The RTKV_ variables set here that no declaration names, each with what it may have been meant as. */
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        for (String name : new TreeSet<>(values.keySet())) {
            if (name.startsWith("RTKV_") && RtkvSettings.named(name).isEmpty()) {
                warnings.add(name + " is not a setting of rtkv, and nothing reads it"
                        + RtkvSettings.closestTo(name).map(s -> "; did you mean " + s + "?").orElse(""));
            }
        }
        return warnings;
    }

    /**
     * Logs a warning for each unknown RTKV_ variable, then fails if any setting was invalid.
     *
     * @throws ConfigException listing every problem seen so far
     */
    public void validate() {
        warnings().forEach(warning -> LOG.warn("{}: {}", service, warning));
        if (!problems.isEmpty()) {
            throw new ConfigException(service.toString(), problems);
        }
    }
}
