package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** README's Java SDK example is the code {@link JavaSdkIT} runs: a change to either shows here. */
class ReadmeExampleTest {

    private static final Path HOME = Path.of(System.getProperty("rtkv.home", ".."));

    @Test
    void readmesJavaExampleIsTheOneTheTestsRun() throws IOException {
        List<String> source = Files.readAllLines(HOME.resolve("e2e-tests/src/test/java/rtkv/e2e/JavaSdkExample.java"));
        int begins = source.indexOf("        // README example begins");
        int ends = source.indexOf("        // README example ends");
        String example = source.subList(begins + 1, ends).stream().map(line -> line.replaceFirst("^ {8}", ""))
                .collect(Collectors.joining("\n"));

        String readme = Files.readString(HOME.resolve("README.md"));
        String marker = "<!-- the Java SDK example: e2e-tests/src/test/java/rtkv/e2e/JavaSdkExample.java -->\n```java\n";
        int at = readme.indexOf(marker);
        String shown = at < 0 ? "(no example in README)" : readme.substring(at + marker.length(), readme.indexOf("\n```", at + marker.length()));
        assertEquals(example, shown, "README's example differs from JavaSdkExample's");
    }
}
