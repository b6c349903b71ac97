package rtkv.config;

import java.util.List;

/** A component's configuration is invalid; the message lists every problem, not only the first. */
public final class ConfigException extends IllegalArgumentException {

    private final List<String> problems;

    ConfigException(String component, List<String> problems) {
        super(component + " configuration is invalid:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
