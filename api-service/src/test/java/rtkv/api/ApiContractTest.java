package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract check that every integration test's exchange goes through, fed exchanges as the service makes them and forged ones. */
class ApiContractTest {

    private static final Map<String, List<String>> KEY = Map.of("Authorization", List.of("Bearer rk.0123456789abcdef.s"));
    private static final Map<String, List<String>> JSON = Map.of("Content-Type", List.of("application/json"));
    private static final URI KEY_URI = URI.create("http://127.0.0.1:1/v1/tables/t/keys/k");

    private static List<String> put(int status, String answer) {
        Map<String, List<String>> headers = Map.of("Authorization", KEY.get("Authorization"), "Content-Type", JSON.get("Content-Type"));
        return ApiContract.problems("PUT", KEY_URI, headers, "{\"n\":1}".getBytes(StandardCharsets.UTF_8), status, JSON, answer);
    }

    @Test
    void answersAsTheServiceGivesThemPass() {
        assertEquals(List.of(), put(200, "{\"key\":\"k\",\"version\":1,\"expiresAt\":null}"));
        assertEquals(List.of(), put(412, "{\"error\":\"version_mismatch\",\"message\":\"m\",\"currentVersion\":null}"));
        assertEquals(List.of(), ApiContract.problems("GET", URI.create("http://h/v1/tables/t/keys?prefix=a&limit=10"), KEY,
                null, 200, JSON, "{\"keys\":[],\"next\":null}"));
    }

    @Test
    void aBodyIsReadAsJsonWhateverItsContentType() {
        assertEquals(List.of(), ApiContract.problems("PUT", KEY_URI, KEY, "1".getBytes(StandardCharsets.UTF_8), 200, JSON,
                "{\"key\":\"k\",\"version\":1,\"expiresAt\":null}"));
        List<String> text = ApiContract.problems("PUT", KEY_URI, Map.of("Authorization", KEY.get("Authorization"),
                "Content-Type", List.of("text/plain")), "1".getBytes(StandardCharsets.UTF_8), 200, JSON,
                "{\"key\":\"k\",\"version\":1,\"expiresAt\":null}");
        assertEquals(List.of(), text, "curl -d sends application/x-www-form-urlencoded; the service reads JSON all the same");
    }

    @Test
    void anErrorCodeTheDocumentLacksFails() {
        assertFalse(put(400, "{\"error\":\"made_up\",\"message\":\"m\"}").isEmpty());
    }

    @Test
    void aStatusTheOperationDoesNotListFails() {
        List<String> problems = put(418, "{\"error\":\"bad_request\",\"message\":\"m\"}");
        assertTrue(problems.toString().contains("validation.response.status.unknown"), problems.toString());
    }

    @Test
    void aBodyOutsideItsSchemaFails() {
        assertFalse(put(200, "{\"key\":\"k\",\"version\":\"one\",\"expiresAt\":null}").isEmpty(), "version is a number");
        assertFalse(put(200, "{\"key\":\"k\",\"expiresAt\":null}").isEmpty(), "version is required");
    }

    @Test
    void aRouteTheDocumentLacksFailsUnlessTheServiceRefusedIt() {
        URI unknown = URI.create("http://h/v1/tables/t/compact");
        List<String> served = ApiContract.problems("POST", unknown, KEY, null, 200, JSON, "{}");
        assertTrue(served.toString().contains("a route the document lacks"), served.toString());
        assertEquals(List.of(), ApiContract.problems("POST", unknown, KEY, null, 404, JSON,
                "{\"error\":\"not_found\",\"message\":\"m\"}"));
        assertEquals(List.of(), ApiContract.problems("POST", unknown, Map.of(), null, 401, JSON,
                "{\"error\":\"unauthorized\",\"message\":\"m\"}"), "every /v1 path asks for a key first");
        assertFalse(ApiContract.problems("POST", unknown, KEY, null, 500, JSON,
                "{\"error\":\"internal\",\"message\":\"m\"}").isEmpty());
    }

    @Test
    void aRequestOutsideTheDocumentFailsOnlyWhenTheServiceAcceptedIt() {
        URI badLimit = URI.create("http://h/v1/tables/t/keys?limit=0");
        assertFalse(ApiContract.problems("GET", badLimit, KEY, null, 200, JSON, "{\"keys\":[],\"next\":null}").isEmpty());
        assertEquals(List.of(), ApiContract.problems("GET", badLimit, KEY, null, 400, JSON,
                "{\"error\":\"invalid_parameter\",\"message\":\"m\"}"));
    }
}
