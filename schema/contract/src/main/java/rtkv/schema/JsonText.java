package rtkv.schema;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Values are JSON text end to end; these helpers keep them exact (numbers keep their digits). */
public final class JsonText {

    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private JsonText() {
    }

    /**
     * Parses {@code text} as exactly one JSON value and returns it without insignificant whitespace.
     *
     * @throws InvalidJsonException when the text is not one well-formed JSON value
     */
    public static String compact(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            if (parser.nextToken() == null) {
                throw new InvalidJsonException("the body is empty; send a JSON value such as {\"n\":1}");
            }
            String compact = copyValue(parser);
            if (parser.nextToken() != null) {
                throw new InvalidJsonException("the body holds more than one JSON value");
            }
            return compact;
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A parser for {@code text}, rejecting duplicate field names. */
    public static JsonParser parser(String text) throws IOException {
        return FACTORY.createParser(text);
    }

    /**
     * Parses {@code text} as exactly one JSON object and returns its fields in order, each value as
     * exact compact JSON text ({@code "null"} for null).
     *
     * @throws InvalidJsonException when the text is not one well-formed JSON object
     */
    public static Map<String, String> parseObject(String text) {
        try (JsonParser parser = parser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidJsonException("the body must be a JSON object");
            }
            Map<String, String> fields = readObject(parser);
            if (parser.nextToken() != null) {
                throw new InvalidJsonException("the body holds more than one JSON value");
            }
            return fields;
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the object whose START_OBJECT is the current token; values as exact compact JSON text. */
    public static Map<String, String> readObject(JsonParser parser) throws IOException {
        Map<String, String> fields = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            fields.put(name, copyValue(parser));
        }
        return fields;
    }

    /**
     * Copies the value at the parser's current token, leaving the parser on its last token.
     *
     * @throws InvalidJsonException for a number whose exponent no decimal type holds
     */
    public static String copyValue(JsonParser parser) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            int depth = 0;
            do {
                JsonToken token = parser.currentToken();
                try {
                    generator.copyCurrentEventExact(parser);
                } catch (NumberFormatException e) {
                    // 1E99999999999 is JSON, but no client could read it back as a number exactly.
                    throw new InvalidJsonException("the body holds a number out of range: " + parser.getText());
                }
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                }
            } while (depth > 0 && parser.nextToken() != null);
        }
        return out.toString();
    }

    /** Writes the fields of one JSON object. */
    public interface Fields {
        void write(JsonGenerator generator) throws IOException;
    }

    /** One JSON object as text; the answers and frames of the services are built with this. */
    public static String object(Fields fields) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            generator.writeStartObject();
            fields.write(generator);
            generator.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes a stored value under {@code field}: its JSON text verbatim, or null when there is none. */
    public static void writeValue(JsonGenerator generator, String field, String json) throws IOException {
        generator.writeFieldName(field);
        if (json == null) {
            generator.writeNull();
        } else {
            generator.writeRawValue(json);
        }
    }

    /** Writes {@code number} under {@code field}, or null. */
    public static void writeNumberOrNull(JsonGenerator generator, String field, Long number) throws IOException {
        generator.writeFieldName(field);
        if (number == null) {
            generator.writeNull();
        } else {
            generator.writeNumber(number);
        }
    }

    /** Thrown for text that is not exactly one JSON value. */
    public static final class InvalidJsonException extends IllegalArgumentException {
        public InvalidJsonException(String message) {
            super(message);
        }
    }
}
