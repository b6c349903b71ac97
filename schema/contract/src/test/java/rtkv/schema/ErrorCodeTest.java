package rtkv.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The one list of error codes against the published schema of the error frame. */
class ErrorCodeTest {

    @Test
    void theErrorFrameSchemaListsExactlyTheFrameCodes() throws Exception {
        JsonNode schema;
        try (InputStream in = ErrorCodeTest.class.getResourceAsStream("/rtkv/schema/frames/error.schema.json")) {
            schema = new ObjectMapper().readTree(in);
        }
        Set<String> published = new HashSet<>();
        schema.at("/properties/error/enum").forEach(code -> published.add(code.asText()));

        assertEquals(ErrorCode.codesOn(ErrorCode.Surface.FRAME), published,
                "error.schema.json's codes are ErrorCode's FRAME codes, no more and no fewer");
    }

    @Test
    void codesAreDistinctLowerSnakeCaseWordsWithAnErrorStatus() {
        Set<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).collect(Collectors.toSet());
        assertEquals(ErrorCode.values().length, codes.size(), "no code is listed twice");
        for (ErrorCode code : ErrorCode.values()) {
            assertTrue(code.code().matches("[a-z]+(_[a-z]+)*"), code.name());
            assertEquals(code.name().toLowerCase(java.util.Locale.ROOT), code.code(), "the constant is named after its word");
            assertTrue(code.status() >= 400 && code.status() < 600, code + " has an error status");
        }
    }

    @Test
    void aStatusWithoutItsOwnCodeFallsBackToTheGeneralOne() {
        assertEquals(ErrorCode.NOT_FOUND, ErrorCode.ofStatus(404));
        assertEquals(ErrorCode.HEADERS_TOO_LARGE, ErrorCode.ofStatus(431));
        assertEquals(ErrorCode.BAD_REQUEST, ErrorCode.ofStatus(418));
        assertEquals(ErrorCode.INTERNAL, ErrorCode.ofStatus(502));
        for (int status : new int[] {400, 404, 405, 413, 414, 426, 431, 500}) {
            assertEquals(status, ErrorCode.ofStatus(status).status(), "ofStatus(" + status + ") answers with that status");
        }
    }
}
