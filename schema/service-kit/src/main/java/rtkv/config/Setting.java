package rtkv.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One environment variable of rtkv, declared once (in {@link RtkvSettings}) as Kafka's ConfigDef declares a
 * key: its name, how its text becomes a value (type and range), its default, for which services, and
 * what it does. {@link Settings#get} reads it.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {

    private final String name;
    private final Function<String, T> parser;
    private final Map<Service, T> defaults;
    private final boolean required;
    private final Set<Service> readers;
    private final String doc;

    private Setting(String name, Function<String, T> parser, Map<Service, T> defaults, boolean required,
                    Set<Service> readers, String doc) {
        if (!name.matches("RTKV_[A-Z0-9_]+")) {
            throw new IllegalArgumentException("a setting is named RTKV_ and capitals: " + name);
        }
        this.name = name;
        this.parser = parser;
        this.defaults = defaults;
        this.required = required;
        this.readers = Set.copyOf(readers);
        this.doc = doc;
    }

    private static <T> Setting<T> of(String name, Function<String, T> parser, T fallback, boolean required, String doc,
                                     Service first, Service... more) {
        Set<Service> readers = EnumSet.of(first, more);
        Map<Service, T> defaults = new EnumMap<>(Service.class);
        readers.forEach(service -> defaults.put(service, fallback));
        return new Setting<>(name, parser, defaults, required, readers, doc);
    }

    /** Text, {@code fallback} (which may be null) when unset or blank. */
    static Setting<String> text(String name, String fallback, String doc, Service first, Service... more) {
        return of(name, text -> text, fallback, false, doc, first, more);
    }

    /** Text that must be set. */
    static Setting<String> requiredText(String name, String doc, Service first, Service... more) {
        return of(name, text -> text, "", true, doc, first, more);
    }

    /** One of {@code choices}, as written there (compared without case). */
    static Setting<String> choice(String name, String fallback, List<String> choices, String doc, Service first,
                                  Service... more) {
        return of(name, text -> choices.stream().filter(text::equalsIgnoreCase).findFirst().orElseThrow(
                () -> new IllegalArgumentException("must be one of " + choices + ", was \"" + text + "\"")),
                fallback, false, doc, first, more);
    }

    /** A whole number from {@code min} to {@code max}. */
    static Setting<Integer> integer(String name, int fallback, int min, int max, String doc, Service first, Service... more) {
        return of(name, text -> integer(text, min, max), fallback, false, doc, first, more);
    }

    /** A whole number from {@code min} to {@code max} that must be set. */
    static Setting<Integer> requiredInteger(String name, int min, int max, String doc, Service first, Service... more) {
        return of(name, text -> integer(text, min, max), min, true, doc, first, more);
    }

    static Setting<Integer> port(String name, int fallback, String doc, Service first, Service... more) {
        return integer(name, fallback, 0, 65_535, doc, first, more);
    }

    static Setting<Path> path(String name, Path fallback, String doc, Service first, Service... more) {
        return of(name, Path::of, fallback, false, doc, first, more);
    }

    /** Comma-separated items, none empty; an empty list when unset. */
    static Setting<List<String>> list(String name, String doc, Service first, Service... more) {
        return of(name, Setting::items, List.of(), false, doc, first, more);
    }

    /** Comma-separated items, none empty, at least one. */
    static Setting<List<String>> requiredList(String name, String doc, Service first, Service... more) {
        return of(name, Setting::items, List.of(), true, doc, first, more);
    }

    /** The same setting with another default for {@code service}, which must read it. */
    Setting<T> defaultFor(Service service, T fallback) {
        if (!readers.contains(service)) {
            throw new IllegalArgumentException(name + " is not read by " + service);
        }
        Map<Service, T> changed = new EnumMap<>(defaults);
        changed.put(service, fallback);
        return new Setting<>(name, parser, changed, required, readers, doc);
    }

    public String name() {
        return name;
    }

    public String doc() {
        return doc;
    }

    public Set<Service> readers() {
        return readers;
    }

    public boolean required() {
        return required;
    }

    /** What {@code service} takes when the variable is unset. */
    public T defaultValue(Service service) {
        return defaults.get(service);
    }

    /** The value of {@code text}; an IllegalArgumentException's message says what is wrong with it. */
    T parse(String text) {
        return parser.apply(text);
    }

    private static int integer(String text, int min, int max) {
        int parsed;
        try {
            parsed = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be an integer, was \"" + text + "\"");
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max + ", was " + parsed);
        }
        return parsed;
    }

    private static List<String> items(String text) {
        List<String> items = Arrays.stream(text.split(",", -1)).map(String::strip).toList();
        if (items.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("has an empty item: \"" + text + "\"");
        }
        return items;
    }

    @Override
    public String toString() {
        return name;
    }
}
