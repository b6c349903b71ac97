package rtkv.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    private static final Pattern SHOWN = Pattern.compile("^SHOWN (\\S+) (\\S+) = (.*) @(\\d+)$", Pattern.MULTILINE);

    @Test
    void theConsoleAndTheArticlePageWorkInABrowser() throws Exception {
        String output = nodeTest("pages.test.mjs", Map.of("RTKV_SCREENSHOTS", HOME.resolve("docs/screenshots").toString()));

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

    @Test
    void aPageBuiltOnlyOnTheNpmTarballWatchesThreeTablesOverOneSocketAndWrites() throws Exception {
        Path app = JsSdkIT.installedTarball();
        for (String file : new String[] {"index.html", "app.js"}) {
            Files.copy(TESTS.resolve("sdk-app").resolve(file), app.resolve(file));
        }
        List<String> tables = List.of(E2eCluster.tableOnShard(0), E2eCluster.tableOnShard(1), E2eCluster.tableOnShard(0));
        String output = nodeTest("sdk-page.test.mjs", Map.of("RTKV_SDK_APP", app.toString(),
                "RTKV_FANOUT_URL", E2eCluster.cluster().fanoutUrl(), "RTKV_TABLES", String.join(",", tables)));

        // What the page showed of each table's key, against the shard's row.
        Matcher shown = SHOWN.matcher(output);
        int checked = 0;
        while (shown.find()) {
            String row = E2eCluster.liveRows(shown.group(1)).get(shown.group(2));
            assertEquals(versionAndValue(row), shown.group(4) + " " + new ObjectMapper().readTree(shown.group(3)), output);
            checked++;
        }
        assertEquals(3, checked, output);
    }

    /** Runs a test file of the browser tests with the cluster's address and admin key; answers its output. */
    private static String nodeTest(String file, Map<String, String> env) throws Exception {
        assertTrue(Files.isDirectory(TESTS.resolve("node_modules/playwright-core")),
                "playwright-core is installed (./rtkv test runs npm ci in " + TESTS + ")");
        ProcessBuilder builder = new ProcessBuilder("node", "--test", "--test-reporter=spec", file)
                .directory(TESTS.toFile())
                .redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().put("RTKV_API_URL", E2eCluster.cluster().apiUrl());
        builder.environment().put("RTKV_ADMIN_KEY", E2eCluster.adminKey());
        Process node = builder.start();
        node.getOutputStream().close();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(node.waitFor(5, TimeUnit.MINUTES), "node finished");
        assertEquals(0, node.exitValue(), output);
        return output;
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
