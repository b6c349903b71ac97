package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The browser pages as api-service serves them; BrowserIT (e2e) runs them in a browser. */
@ExtendWith(ApiFixture.class)
class PagesIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theConsoleAndArticlesAreServedWithTheFanoutAddressAndAStrictPolicy() throws Exception {
        int port = ApiFixture.server().port();
        for (String path : new String[] {"/", "/articles/hello-rtkv"}) {
            HttpResponse<String> page = get(port, path);
            assertEquals(200, page.statusCode(), path);
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html;"), path);
            assertTrue(page.body().contains("<meta name=\"rtkv-fanout\" content=\"http://127.0.0.1:8081\">"), path);
            String policy = page.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(policy.contains("script-src 'self';"), "every script is this origin's: " + policy);
            assertTrue(policy.contains("connect-src 'self' ws://127.0.0.1:8081;"), policy);
            assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        }
        HttpResponse<String> script = get(port, "/pages/console.js");
        assertEquals(200, script.statusCode());
        assertTrue(script.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript;"));
        assertTrue(script.body().contains("import"));
        assertEquals(200, get(port, "/pages/pages.css").statusCode());
    }

    @Test
    void theJavaScriptSdkIsServedWholeForThePagesToImport() throws Exception {
        List<String> sources;
        try (java.util.stream.Stream<Path> files = Files.list(Path.of(System.getProperty("rtkv.home"), "client-js/src"))) {
            sources = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".js")).sorted().toList();
        }
        assertTrue(sources.contains("index.js"), sources.toString());
        int port = ApiFixture.server().port();
        for (String file : sources) {
            HttpResponse<String> module = get(port, "/pages/sdk/" + file);
            assertEquals(200, module.statusCode(), file + ": every module of client-js/src is served (Pages.SDK)");
            assertEquals(Files.readString(Path.of(System.getProperty("rtkv.home"), "client-js/src", file)), module.body(), file);
        }
        assertEquals(404, get(port, "/pages/sdk/package.json").statusCode());
    }

    @Test
    void onlyThePagesFilesAreServed() throws Exception {
        int port = ApiFixture.server().port();
        for (String path : new String[] {"/pages/console.html", "/pages/..%2Fopenapi.yaml", "/pages/Pages.class",
                "/pages/", "/articles/"}) {
            HttpResponse<String> answer = get(port, path);
            assertEquals(404, answer.statusCode(), path);
            assertTrue(answer.body().startsWith("{\"error\":"), path + ": " + answer.body());
        }
    }

    @Test
    void pagesCanBeTurnedOff() throws Exception {
        try (ApiServer off = new ApiServer(ApiFixture.config(ApiFixture.cluster(), Map.of("RTKV_PAGES_FANOUT_URL", "off")),
                Clock.systemUTC()).start()) {
            assertEquals(404, get(off.port(), "/").statusCode());
            assertEquals(404, get(off.port(), "/pages/console.js").statusCode());
        }
    }
}
