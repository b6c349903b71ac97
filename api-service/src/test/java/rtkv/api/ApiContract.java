package rtkv.api;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import rtkv.schema.ClasspathText;

/**
 * Every request an integration test sends and the answer it gets, checked against openapi.yaml by
 * openapi-request-validator. What fails:
 * <ul>
 *   <li>an answer the document does not describe: a status not listed for the operation, a body or a
 *       header outside its schema, an error code not in the document's list;</li>
 *   <li>a route the document lacks, or a request outside the document, that the service did not refuse
 *       with a 4xx (it refuses an unknown route with 404 or 405, or first with 401 when the key is wrong,
 *       as it does on every /v1 path);</li>
 * </ul>
 * A request the tests send broken on purpose may break the document: the service refused it, and the
 * answer to it is still checked. A body's Content-Type is not checked: the service reads every body as
 * JSON, as the document says.
 */
final class ApiContract {

    static final String DOCUMENT = ClasspathText.read("/rtkv/api/openapi.yaml");

    private static final OpenApiInteractionValidator VALIDATOR =
            OpenApiInteractionValidator.createForInlineApiSpecification(DOCUMENT).build();
    /**
     * Query parameters the document allows empty (allowEmptyValue). openapi-request-validator 3.0.0 honours
     * that only for a 3.0 document's string schema and reads "prefix=" (or "prefix=%20") in a 3.1 one as
     * a required parameter missing, so these are left out of what it sees when blank.
     */
    private static final Set<String> MAY_BE_EMPTY = new OpenAPIV3Parser().readContents(DOCUMENT).getOpenAPI().getPaths().values().stream()
            .flatMap(item -> item.readOperations().stream())
            .flatMap(operation -> operation.getParameters() == null ? Stream.empty() : operation.getParameters().stream())
            .filter(parameter -> Boolean.TRUE.equals(parameter.getAllowEmptyValue()))
            .map(Parameter::getName).collect(Collectors.toUnmodifiableSet());

    /** Refusals Jetty makes before any route, on whichever route was asked for. */
    private static final Set<Integer> BEFORE_ROUTING = Set.of(414, 431);
    private static final Set<String> NO_SUCH_ROUTE = Set.of("validation.request.path.missing",
            "validation.request.operation.notAllowed");

    private ApiContract() {
    }

    /** The problems of one exchange, empty when it is as the document says. */
    static List<String> problems(String method, URI uri, Map<String, List<String>> requestHeaders, byte[] body,
                                 HttpResponse<String> response) {
        return problems(method, uri, requestHeaders, body, response.statusCode(), response.headers().map(), response.body());
    }

    static List<String> problems(String method, URI uri, Map<String, List<String>> requestHeaders, byte[] body,
                                 int status, Map<String, List<String>> responseHeaders, String responseBody) {
        SimpleResponse.Builder answer = SimpleResponse.Builder.status(status).withBody(responseBody);
        responseHeaders.forEach(answer::withHeader);
        ValidationReport report = VALIDATOR.validate(request(method, uri, requestHeaders, body), answer.build());
        List<String> problems = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() != ValidationReport.Level.ERROR) {
                continue;
            }
            String key = message.getKey();
            boolean refusedRequest = key.startsWith("validation.request.") && status >= 400 && status < 500;
            boolean unknownRoute = NO_SUCH_ROUTE.contains(key);
            // The validator folds "//" into "/" and checks the answer against that route's operation; the
            // service finds no route there.
            boolean foldedPath = status == 404 && uri.getRawPath().contains("//") && key.equals("validation.response.status.unknown");
            if (refusedRequest || foldedPath || key.equals("validation.request.contentType.notAllowed")
                    || key.equals("validation.response.status.unknown") && BEFORE_ROUTING.contains(status)) {
                continue;
            }
            problems.add(key + ": " + message.getMessage() + (unknownRoute ? " (a route the document lacks)" : ""));
        }
        return problems;
    }

    private static SimpleRequest request(String method, URI uri, Map<String, List<String>> headers, byte[] body) {
        SimpleRequest.Builder request = new SimpleRequest.Builder(method, uri.getRawPath());
        queryOf(uri).forEach(request::withQueryParam);
        headers.forEach(request::withHeader);
        if (body != null) {
            request.withBody(body);
        }
        return request.build();
    }

    private static Map<String, List<String>> queryOf(URI uri) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (uri.getRawQuery() == null) {
            return query;
        }
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!value.isBlank() || !MAY_BE_EMPTY.contains(name)) {
                query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
        }
        return query;
    }
}
