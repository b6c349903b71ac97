package rtkv.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/** The fields of a JSON object in a request, each checked for its type and range with a clear 400. */
final class RequestFields {

    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*)");

    private final Map<String, String> fields;
    private final String where;

    /** @param where what the object is, for messages: "the body", "operation 3" */
    RequestFields(Map<String, String> fields, String where, Set<String> allowed) {
        this.fields = fields;
        this.where = where;
        for (String name : fields.keySet()) {
            if (!allowed.contains(name)) {
                throw ApiException.of(ErrorCode.INVALID_FIELD, "unknown field \"" + name + "\" in " + where
                        + "; the fields are " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    /** The body as one object; an empty body counts as {@code {}}. */
    static RequestFields ofBody(String body, Set<String> allowed) {
        if (body.isBlank()) {
            return new RequestFields(Map.of(), "the body", allowed);
        }
        try {
            return new RequestFields(JsonText.parseObject(body), "the body", allowed);
        } catch (JsonText.InvalidJsonException e) {
            throw ApiException.of(ErrorCode.INVALID_JSON, e.getMessage());
        }
    }

    boolean has(String name) {
        return fields.containsKey(name);
    }

    /** The field's JSON text, exactly as sent. */
    String json(String name) {
        String json = fields.get(name);
        if (json == null) {
            throw invalid("\"" + name + "\" is required in " + where);
        }
        return json;
    }

    String string(String name) {
        String json = json(name);
        if (!json.startsWith("\"")) {
            throw invalid("\"" + name + "\" in " + where + " must be a string");
        }
        try (JsonParser parser = JsonText.parser(json)) {
            parser.nextToken();
            return parser.getText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An array of 1 to {@code max} strings. */
    List<String> strings(String name, int max) {
        String json = json(name);
        List<String> strings = new ArrayList<>();
        try (JsonParser parser = JsonText.parser(json)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw invalid("\"" + name + "\" in " + where + " must be an array of strings");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (parser.currentToken() != JsonToken.VALUE_STRING) {
                    throw invalid("\"" + name + "\" in " + where + " must be an array of strings");
                }
                strings.add(parser.getText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (strings.isEmpty() || strings.size() > max) {
            throw invalid("\"" + name + "\" in " + where + " must hold 1 to " + max + " strings");
        }
        return strings;
    }

    /** An integer within [min, max]; {@code null} when the field is JSON null. */
    Long integerOrNull(String name, long min, long max) {
        String json = json(name);
        if (json.equals("null")) {
            return null;
        }
        if (INTEGER.matcher(json).matches()) {
            try {
                long value = Long.parseLong(json);
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // out of range, answered below
            }
            throw invalid("\"" + name + "\" in " + where + " must be between " + min + " and " + max);
        }
        throw invalid("\"" + name + "\" in " + where + " must be an integer");
    }

    long integer(String name, long min, long max) {
        Long value = integerOrNull(name, min, max);
        if (value == null) {
            throw invalid("\"" + name + "\" in " + where + " must be an integer, not null");
        }
        return value;
    }

    private static ApiException invalid(String message) {
        return ApiException.of(ErrorCode.INVALID_FIELD, message);
    }

    /** Reads an array of objects from a parser positioned on START_ARRAY, one callback per element. */
    static void readArray(JsonParser parser, String what, ElementReader reader) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw ApiException.of(ErrorCode.INVALID_FIELD, "\"" + what + "\" must be an array");
        }
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                throw ApiException.of(ErrorCode.INVALID_FIELD, "element " + index + " of \"" + what + "\" must be an object");
            }
            reader.read(index++, JsonText.readObject(parser));
        }
    }

    interface ElementReader {
        void read(int index, Map<String, String> fields);
    }
}
