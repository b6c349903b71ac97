package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console and the article page in a real browser (Debian's chromium, driven by playwright-core
 * from Node) against the real cluster. The screenshots it takes are the ones README shows.
 */
@ExtendWith(E2eCluster.class)
class BrowserIT {

    private static final Path HOME = Path.of(System.getProperty("rtkv.home"));
    private static final Path TESTS = HOME.resolve("e2e-tests/src/test/browser");
    private static final Pattern ROWS = Pattern.compile("^ROWS (\\S+) (.*)$", Pattern.MULTILINE);

    @Test
    void theConsoleAndTheArticlePageWorkInABrowser() throws Exception {
        assertTrue(Files.isDirectory(TESTS.resolve("node_modules/playwright-core")),
                "playwright-core is installed (./rtkv test runs npm ci in " + TESTS + ")");
        ProcessBuilder builder = new ProcessBuilder("node", "--test", "--test-reporter=spec", "pages.test.mjs")
                .directory(TESTS.toFile())
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("RTKV_API_URL", E2eCluster.cluster().apiUrl());
        env.put("RTKV_ADMIN_KEY", E2eCluster.adminKey());
        env.put("RTKV_SCREENSHOTS", HOME.resolve("docs/screenshots").toString());
        Process node = builder.start();
        node.getOutputStream().close();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(5, TimeUnit.MINUTES), "node finished");
        assertEquals(0, node.exitValue(), output);

        // The console that was cut off shows what MySQL holds, read here from the shard itself.
        Matcher rows = ROWS.matcher(output);
        assertTrue(rows.find(), output);
        JsonNode shown = new ObjectMapper().readTree(rows.group(2));
        TreeMap<String, String> expected = new TreeMap<>();
        E2eCluster.liveRows(rows.group(1)).forEach((key, row) -> expected.put(key, versionAndValue(row)));
        TreeMap<String, String> actual = new TreeMap<>();
        shown.fields().forEachRemaining(e -> actual.put(e.getKey(), versionAndValue(e.getValue().asText())));
        assertEquals(expected, actual, "the console's rows against MySQL's");
        for (String shot : new String[] {"console.png", "article.png"}) {
            assertTrue(Files.size(HOME.resolve("docs/screenshots").resolve(shot)) > 10_000, shot);
        }
    }

    /** "VERSION VALUE" with the value's JSON written one way, whoever wrote it. */
    private static String versionAndValue(String row) {
        int space = row.indexOf(' ');
        try {
            return row.substring(0, space) + " " + new ObjectMapper().readTree(row.substring(space + 1)).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
