package rtkv.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.tags.Tag;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import rtkv.schema.ErrorCode;

/** openapi.yaml as a client generator reads it: valid OpenAPI 3.1, every operation named and tagged, every error code listed. */
class OpenApiDocumentTest {

    private static SwaggerParseResult parse(String document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIV3Parser().readContents(document, null, options);
    }

    /** What a client generator or a reader would trip on, empty for a good document. */
    static List<String> problems(String document) {
        SwaggerParseResult parsed = parse(document);
        List<String> problems = new ArrayList<>(parsed.getMessages());
        OpenAPI api = parsed.getOpenAPI();
        if (api == null) {
            return problems;
        }
        if (api.getSpecVersion() != SpecVersion.V31) {
            problems.add("not OpenAPI 3.1: " + api.getOpenapi());
        }
        Set<String> declaredTags = api.getTags() == null ? Set.of()
                : api.getTags().stream().map(Tag::getName).collect(Collectors.toSet());
        Set<String> ids = new HashSet<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            String where = method + " " + path;
            if (operation.getOperationId() == null || !ids.add(operation.getOperationId())) {
                problems.add(where + " has no operationId of its own");
            }
            if (operation.getTags() == null || operation.getTags().isEmpty()
                    || !declaredTags.containsAll(operation.getTags())) {
                problems.add(where + " has no tag, or one the document does not declare");
            }
            if (operation.getSummary() == null) {
                problems.add(where + " has no summary");
            }
            if (operation.getRequestBody() != null && !hasExample(operation)) {
                problems.add(where + " shows no example of its body");
            }
        }));
        Set<String> codes = new HashSet<>();
        Schema<?> errorObject = api.getComponents().getSchemas().get("Error");
        Schema<?> error = errorObject.getProperties().get("error");
        error.getEnum().forEach(code -> codes.add(code.toString()));
        if (!codes.equals(ErrorCode.codesOn(ErrorCode.Surface.API))) {
            problems.add("the Error schema lists " + codes + ", not the API's codes " + ErrorCode.codesOn(ErrorCode.Surface.API));
        }
        return problems;
    }

    private static boolean hasExample(Operation operation) {
        return operation.getRequestBody().getContent().values().stream().map(MediaType::getExample).anyMatch(e -> e != null);
    }

    @Test
    void theDocumentIsValidAndComplete() {
        assertEquals(List.of(), problems(ApiContract.DOCUMENT));
    }

    @Test
    void aDocumentWithTheOldUnquotedCommaFails() {
        String broken = ApiContract.DOCUMENT.replace(
                "description: 'Only keys starting with it; empty: every key.'",
                "description: Only keys starting with it, or every key.");
        assertFalse(broken.equals(ApiContract.DOCUMENT), "the forgery changed the document");
        assertFalse(problems(broken).isEmpty());
    }

    @Test
    void aDocumentMissingAnOperationIdOrAnErrorCodeFails() {
        List<String> noId = problems(ApiContract.DOCUMENT.replace("      operationId: incrementKey\n", ""));
        assertTrue(noId.toString().contains("POST /v1/tables/{table}/keys/{key}/incr has no operationId"), noId.toString());
        List<String> noCode = problems(ApiContract.DOCUMENT.replace("idempotency_key_reused, ", ""));
        assertTrue(noCode.toString().contains("not the API's codes"), noCode.toString());
        List<String> twice = problems(ApiContract.DOCUMENT.replace("operationId: getApiKey", "operationId: getKey"));
        assertTrue(twice.toString().contains("has no operationId of its own"), twice.toString());
    }
}
