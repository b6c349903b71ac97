package rtkv.infra;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import rtkv.auth.ApiKeys;
import rtkv.schema.JsonText;

/**
 * What a newcomer sees at once on a fresh local cluster: a {@code demo} table, an article with a clap
 * counter, and an API key for the article's readers, all made through the HTTP API as any app would.
 * Loaded only when there is no demo data yet, so nothing a user changed is ever written over.
 */
public final class DemoData {

    public static final String ARTICLE = "hello-rtkv";
    static final String READER_KEY_FILE = "reader.key";

    /** The addresses to print: the console with the admin key, the article with the readers' key. */
    public record Pages(String console, String article) {
    }

    private static final String TITLE = "Realtime on the database you already run";
    private static final String BODY = """
            rtkv keeps your keys in MySQL, streams every committed change through Kafka, and pushes it to \
            every browser that watches the table, in commit order, with no gap and no duplicate.

            Click the clap button below, then open this page in a second window: both counts move together. \
            Clicks are sent in batches, and readers receive a few updates a second carrying the latest count, \
            however many people clap at once.

            The console at / shows any table live and writes to it through the same HTTP API your app uses.""";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String apiUrl;
    private final String adminKey;

    public DemoData(String apiUrl, String adminKey) {
        this.apiUrl = apiUrl;
        this.adminKey = adminKey;
    }

    /** Loads the demo on an empty cluster; makes the readers' key if it has none; answers the pages to open. */
    public Pages loadIfEmpty(Path dataDir) {
        String articleTable = "article." + ARTICLE;
        boolean empty = call("GET", "/v1/tables/demo/keys?limit=1", null).body().contains("\"keys\":[]")
                && call("GET", keyPath(articleTable, "title"), null).statusCode() == 404;
        if (empty) {
            put("demo", "greeting", "\"Hello from rtkv\"");
            put("demo", "counter", "0");
            put("demo", "color", "{\"name\": \"teal\", \"hex\": \"#0f766e\"}");
            put("demo", "session:ada", "{\"user\": \"ada\", \"since\": \"today\"}");
            put(articleTable, "title", quoted(TITLE));
            put(articleTable, "body", quoted(BODY));
            put(articleTable, "claps", "0");
        }
        String readerKey = readerKey(dataDir.resolve(READER_KEY_FILE));
        return new Pages(apiUrl + "/#key=" + adminKey, apiUrl + "/articles/" + ARTICLE + "#key=" + readerKey);
    }

    /**
     * A key that may read, subscribe to and write the article tables only: what a page in anyone's
     * browser may hold. Kept in the data directory and made again when missing or no longer accepted.
     */
    private String readerKey(Path file) {
        try {
            if (Files.exists(file)) {
                String key = Files.readString(file).strip();
                Optional<ApiKeys.Parsed> parsed = ApiKeys.parse(key);
                if (parsed.isPresent()) {
                    HttpResponse<String> stored = call("GET", "/v1/admin/keys/" + parsed.get().id(), null);
                    if (stored.statusCode() == 200 && stored.body().contains("\"revokedAt\":null")) {
                        return key;
                    }
                }
            }
            HttpResponse<String> created = call("POST", "/v1/admin/keys", """
                    {"name": "article readers (demo)", "scopes": ["read:article.*", "subscribe:article.*", "write:article.*"]}""");
            if (created.statusCode() != 201) {
                throw new LauncherException("cannot make the demo readers' key: " + created.statusCode() + " " + created.body());
            }
            String key = unquoted(JsonText.parseObject(created.body()).get("key"));
            Secrets.writeOwnerOnly(file);
            Files.writeString(file, key + "\n");
            return key;
        } catch (IOException e) {
            throw new LauncherException("cannot keep the demo readers' key in " + file + ": " + e.getMessage(), e);
        }
    }

    private void put(String table, String key, String json) {
        HttpResponse<String> answer = call("PUT", keyPath(table, key), json);
        if (answer.statusCode() != 200) {
            throw new LauncherException("cannot load the demo data: PUT " + table + "/" + key + " answered "
                    + answer.statusCode() + " " + answer.body());
        }
    }

    private HttpResponse<String> call(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(apiUrl + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + adminKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new LauncherException("demo data: " + method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("demo data: interrupted", e);
        }
    }

    private static String keyPath(String table, String key) {
        return "/v1/tables/" + segment(table) + "/keys/" + segment(key);
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String quoted(String text) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    private static String unquoted(String json) {
        return json == null ? null : json.substring(1, json.length() - 1);
    }
}
