package rtkv.fanout;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;

/**
 * A message a client sends on {@code /v1/stream}: {@code {"type":"subscribe","id","table","only"?,"prefix"?,
 * "resume"?,"conflate"?}}, {@code {"type":"unsubscribe","id"}} or {@code {"type":"heartbeat"}}. Parsed in
 * full, or refused with the error frame's code and the id it is about, when there is one.
 */
record StreamRequest(String type, String id, String table, Map<String, String> options) {

    /** A subscription's id: printable, short, and nothing JSON would escape, so frames can carry it as is. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final Set<String> SUBSCRIBE = Set.of("type", "id", "table", "only", "prefix", "resume", "conflate");
    private static final Set<String> UNSUBSCRIBE = Set.of("type", "id");

    /** What is wrong with a message: {@code error} is the error frame's code, {@code id} null when unknown. */
    static final class Invalid extends Exception {
        private final String id;
        private final ErrorCode error;

        Invalid(String id, ErrorCode error, String message) {
            super(message, null, false, false);
            this.id = id;
            this.error = error;
        }

        String id() {
            return id;
        }

        ErrorCode error() {
            return error;
        }
    }

    /** The option of a subscribe ({@code only}, {@code prefix}, {@code resume}, {@code conflate}), or null. */
    String option(String name) {
        return options.get(name);
    }

    static StreamRequest parse(String message) throws Invalid {
        if (Frames.utf8Length(message) > FanoutConfig.MAX_CLIENT_FRAME_BYTES) {
            throw new Invalid(null, ErrorCode.MESSAGE_TOO_LARGE, "a message is at most " + FanoutConfig.MAX_CLIENT_FRAME_BYTES
                    + " bytes");
        }
        Map<String, String> fields;
        try {
            fields = JsonText.parseObject(message);
        } catch (JsonText.InvalidJsonException e) {
            throw new Invalid(null, ErrorCode.INVALID_FRAME, "a message is one JSON object: " + e.getMessage());
        }
        String type = string(fields, "type", null);
        if ("heartbeat".equals(type)) {
            return new StreamRequest(type, null, null, Map.of());
        }
        if (!"subscribe".equals(type) && !"unsubscribe".equals(type)) {
            throw new Invalid(null, ErrorCode.INVALID_FRAME, "a client sends {\"type\": \"subscribe\"}, \"unsubscribe\" or"
                    + " \"heartbeat\", not " + fields.get("type"));
        }
        String id = string(fields, "id", null);
        if (id == null || !ID.matcher(id).matches()) {
            throw new Invalid(null, ErrorCode.INVALID_REQUEST, type + " needs an \"id\" of 1 to 64 characters of A-Z, a-z, 0-9,"
                    + " '_', '.', ':' and '-'; not " + fields.get("id"));
        }
        Set<String> allowed = type.equals("subscribe") ? SUBSCRIBE : UNSUBSCRIBE;
        for (String field : fields.keySet()) {
            if (!allowed.contains(field)) {
                throw new Invalid(id, ErrorCode.INVALID_REQUEST, type + " takes " + allowed + "; not \"" + field + "\"");
            }
        }
        if (type.equals("unsubscribe")) {
            return new StreamRequest(type, id, null, Map.of());
        }
        String table = string(fields, "table", id);
        if (table == null) {
            throw new Invalid(id, ErrorCode.INVALID_TABLE, "subscribe needs a \"table\"");
        }
        Map<String, String> options = new HashMap<>();
        for (String option : new String[] {"only", "prefix", "resume"}) {
            String value = string(fields, option, id);
            if (value != null) {
                options.put(option, value);
            }
        }
        String conflate = fields.get("conflate");
        if (conflate != null && !conflate.equals("null")) {
            if (!conflate.matches("\\d{1,6}")) {
                throw new Invalid(id, ErrorCode.INVALID_REQUEST, "conflate is a whole number of milliseconds, not " + conflate);
            }
            options.put("conflate", conflate);
        }
        return new StreamRequest(type, id, table, Map.copyOf(options));
    }

    /** A field's string value; null when absent or null; refused when it is not a string. */
    private static String string(Map<String, String> fields, String name, String id) throws Invalid {
        String json = fields.get(name);
        if (json == null || json.equals("null")) {
            return null;
        }
        try (JsonParser parser = JsonText.parser(json)) {
            if (parser.nextToken() == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
        } catch (IOException e) {
            // not a string: refused below
        }
        throw new Invalid(id, name.equals("type") ? ErrorCode.INVALID_FRAME : ErrorCode.INVALID_REQUEST, "\"" + name
                + "\" is a string, not " + json);
    }
}
