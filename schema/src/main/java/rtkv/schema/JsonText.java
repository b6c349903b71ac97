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

    /** Copies the value at the parser's current token, leaving the parser on its last token. */
    static String copyValue(JsonParser parser) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            int depth = 0;
            do {
                JsonToken token = parser.currentToken();
                generator.copyCurrentEventExact(parser);
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

    /** Thrown for text that is not exactly one JSON value. */
    public static final class InvalidJsonException extends IllegalArgumentException {
        public InvalidJsonException(String message) {
            super(message);
        }
    }
}
