package rtkv.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** A thin HTTP client of api-service for the tests. */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper()
            .setNodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true))
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** A JSON text in one canonical spelling, for comparing values from MySQL and from a client. */
    static String canonical(String json) {
        try {
            return JSON.writeValueAsString(JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final HttpClient http;
    private final String baseUrl;
    private final String key;

    /** @param key the API key every call is made with, or null for none */
    Api(String baseUrl, String key) {
        this(HttpClient.newHttpClient(), baseUrl, key);
    }

    private Api(HttpClient http, String baseUrl, String key) {
        this.http = http;
        this.baseUrl = baseUrl;
        this.key = key;
    }

    /** The same API and connections, called with another key. */
    Api as(String otherKey) {
        return new Api(http, baseUrl, otherKey);
    }

    record Answer(int status, JsonNode body) {
        long version() {
            return body.get("version").asLong();
        }
    }

    static String keyPath(String table, String key) {
        return "/v1/tables/" + segment(table) + "/keys/" + segment(key);
    }

    private static String segment(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    Answer put(String table, String key, String json) {
        return call("PUT", keyPath(table, key), json);
    }

    Answer get(String table, String key) {
        return call("GET", keyPath(table, key), null);
    }

    Answer delete(String table, String key) {
        return call("DELETE", keyPath(table, key), null);
    }

    /** @param headers names and values, alternating */
    Answer call(String method, String path, String body, String... headers) {
        // A bound, so that a request to a process stopped by a fault test fails instead of hanging.
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(java.time.Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        if (key != null) {
            builder.header("Authorization", "Bearer " + key);
        }
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
