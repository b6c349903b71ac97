package rtkv.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The HTTP API's requests, with retries of what is known to be safe to retry: a request that never reached
 * the server, a 429 (nothing was done), and, for a read or a write with an idempotency key, a 503 or an
 * answer lost on the way. A write without one whose answer was lost is not retried: it may have been applied.
 */
final class Requests {

    private static final long MAX_BACKOFF_MILLIS = 2_000;
    private static final long MAX_RETRY_AFTER_MILLIS = 30_000;

    private final HttpClient http;
    private final String api;
    private final String apiKey;
    private final Duration timeout;
    private final int retries;

    Requests(HttpClient http, String api, String apiKey, Duration timeout, int retries) {
        this.http = http;
        this.api = api;
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.retries = retries;
    }

    /** What to send; {@code idempotent} when sending it twice does no harm. */
    record Call(String method, String path, String body, Map<String, String> headers, boolean idempotent) {
    }

    /** The answer's JSON; null for a 404 when {@code missingIsNull}. */
    JsonNode send(Call call, boolean missingIsNull) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(api + call.path())).timeout(timeout)
                .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(call.body()));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        if (call.body() != null) {
            builder.header("Content-Type", "application/json");
        }
        call.headers().forEach(builder::header);
        HttpRequest request = builder.build();
        for (int attempt = 0; ; attempt++) {
            boolean more = attempt < retries;
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (ConnectException | HttpConnectTimeoutException e) {
                if (more) {
                    pause(attempt, null);
                    continue;
                }
                throw unreachable(call, "could not connect to " + api, e);
            } catch (IOException e) {
                if (more && call.idempotent()) {
                    pause(attempt, null);
                    continue;
                }
                throw unreachable(call, call.idempotent() ? "no answer from " + api
                        : "the answer was lost: the write may or may not have been applied (send an idempotency key"
                        + " to have it retried safely)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RtkvException(0, "interrupted", "interrupted while waiting for " + api
                        + (call.idempotent() ? "" : ": the write may or may not have been applied"), null, null, null, e);
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                return json(response.body(), status);
            }
            RtkvException refused = refused(response);
            if (status == 404 && missingIsNull && refused.code().equals("not_found")) {
                return null;
            }
            if (more && (status == 429 || status == 503 && call.idempotent())) {
                pause(attempt, refused.retryAfter());
                continue;
            }
            throw refused;
        }
    }

    private static RtkvException refused(HttpResponse<String> response) {
        int status = response.statusCode();
        Duration retryAfter = response.headers().firstValue("Retry-After").flatMap(Requests::seconds).orElse(null);
        JsonNode error;
        try {
            error = Frames.parse(response.body());
        } catch (JsonProcessingException e) {
            error = Frames.JSON.createObjectNode();
        }
        String code = error.path("error").asText("http_" + status);
        String message = error.path("message").asText(response.body());
        JsonNode current = error.path("currentVersion");
        JsonNode operation = error.path("operation");
        return new RtkvException(status, code, message, current.isNumber() ? current.asLong() : null,
                operation.isNumber() ? operation.asInt() : null, retryAfter, null);
    }

    private static java.util.Optional<Duration> seconds(String header) {
        try {
            return java.util.Optional.of(Duration.ofSeconds(Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    private static JsonNode json(String body, int status) {
        try {
            return Frames.parse(body);
        } catch (JsonProcessingException e) {
            throw new RtkvException(status, "invalid_answer", "the server's answer is not JSON: " + e.getMessage(), null,
                    null, null, e);
        }
    }

    private RtkvException unreachable(Call call, String message, Throwable cause) {
        return new RtkvException(0, "unreachable", call.method() + " " + call.path() + ": " + message, null, null, null,
                cause);
    }

    /** Backoff with jitter, or what the server asked for when it said. */
    private static void pause(int attempt, Duration retryAfter) {
        long millis = (long) (Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(attempt, 10))
                * (0.5 + ThreadLocalRandom.current().nextDouble() / 2));
        if (retryAfter != null) {
            millis = Math.max(millis, Math.min(retryAfter.toMillis(), MAX_RETRY_AFTER_MILLIS));
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RtkvException(0, "interrupted", "interrupted while waiting to retry", null, null, null, e);
        }
    }

    /** A path segment: percent-encoded UTF-8, '/' and a space included. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String key(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("a key is a non-empty string");
        }
        return key;
    }
}
