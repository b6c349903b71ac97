package rtkv.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Text files shipped in the jars: the DDL, the OpenAPI description, the JavaScript client. */
public final class ClasspathText {

    private ClasspathText() {
    }

    /** @throws IllegalStateException when the resource is missing, a packaging mistake */
    public static String read(String name) {
        try (InputStream in = ClasspathText.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
