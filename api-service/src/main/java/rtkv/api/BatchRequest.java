package rtkv.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import rtkv.api.store.KvStore;
import rtkv.api.store.Precondition;
import rtkv.schema.ErrorCode;
import rtkv.schema.JsonText;
import rtkv.schema.Names;

/**
 * {@code {"ops": [...]}}, each operation one of
 * {@code {"op":"put","key","value","ttl"?,"ifMatch"?,"ifNoneMatch"?:"*"}},
 * {@code {"op":"delete","key","ifMatch"?}} and {@code {"op":"incr","key","by"?}}. Everything is
 * validated before the shard is touched; values keep their exact JSON text.
 */
final class BatchRequest {

    private static final Set<String> ANY = Set.of("op", "key", "value", "ttl", "ifMatch", "ifNoneMatch", "by");
    private static final Map<String, Set<String>> FIELDS = Map.of(
            "put", Set.of("op", "key", "value", "ttl", "ifMatch", "ifNoneMatch"),
            "delete", Set.of("op", "key", "ifMatch"),
            "incr", Set.of("op", "key", "by"));

    private BatchRequest() {
    }

    static List<KvStore.BatchOperation> parse(String body, ApiConfig config) {
        List<KvStore.BatchOperation> operations = null;
        try (JsonParser parser = JsonText.parser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw ApiException.of(ErrorCode.INVALID_JSON, "a batch is a JSON object: {\"ops\": [...]}");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (!field.equals("ops")) {
                    throw ApiException.of(ErrorCode.INVALID_FIELD, "unknown field \"" + field + "\" in the batch; it has only \"ops\"");
                }
                List<KvStore.BatchOperation> read = new ArrayList<>();
                RequestFields.readArray(parser, "ops", (index, fields) -> {
                    if (read.size() == config.maxBatchOps()) {
                        throw ApiException.of(ErrorCode.TOO_MANY_OPERATIONS,
                                "a batch may hold at most " + config.maxBatchOps() + " operations");
                    }
                    read.add(operation(index, fields, config));
                });
                operations = read;
            }
            if (parser.nextToken() != null) {
                throw ApiException.of(ErrorCode.INVALID_JSON, "the body holds more than one JSON value");
            }
        } catch (JsonProcessingException e) {
            throw ApiException.of(ErrorCode.INVALID_JSON, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (JsonText.InvalidJsonException e) {
            throw ApiException.of(ErrorCode.INVALID_JSON, e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (operations == null || operations.isEmpty()) {
            throw ApiException.of(ErrorCode.INVALID_FIELD, "a batch needs \"ops\" with at least one operation");
        }
        return operations;
    }

    private static KvStore.BatchOperation operation(int index, Map<String, String> json, ApiConfig config) {
        try {
            String where = "operation " + index;
            String kind = new RequestFields(json, where, ANY).string("op");
            Set<String> allowed = FIELDS.get(kind);
            if (allowed == null) {
                throw ApiException.of(ErrorCode.INVALID_FIELD, "\"op\" must be put, delete or incr, not \"" + kind + "\"");
            }
            RequestFields fields = new RequestFields(json, where, allowed);
            String key = fields.string("key");
            Names.keyProblem(key, config.maxKeyBytes()).ifPresent(problem -> {
                throw ApiException.of(ErrorCode.INVALID_KEY, problem);
            });
            return switch (kind) {
                case "put" -> {
                    String value = fields.json("value");
                    if (value.getBytes(StandardCharsets.UTF_8).length > config.maxValueBytes()) {
                        throw ApiException.of(ErrorCode.VALUE_TOO_LARGE,
                                "a value may be at most " + config.maxValueBytes() + " bytes");
                    }
                    Long ttl = fields.has("ttl") ? fields.integerOrNull("ttl", 1, config.maxTtlSeconds()) : null;
                    yield new KvStore.BatchOperation(KvStore.BatchOperation.Kind.PUT, key, value, ttl,
                            precondition(fields), 0);
                }
                case "delete" -> new KvStore.BatchOperation(KvStore.BatchOperation.Kind.DELETE, key, null, null,
                        precondition(fields), 0);
                default -> new KvStore.BatchOperation(KvStore.BatchOperation.Kind.INCR, key, null, null,
                        Precondition.NONE, fields.has("by") ? fields.integer("by", Long.MIN_VALUE, Long.MAX_VALUE) : 1);
            };
        } catch (ApiException e) {
            throw e.atOperation(index);
        }
    }

    private static Precondition precondition(RequestFields fields) {
        String ifMatch = fields.has("ifMatch") ? Long.toString(fields.integer("ifMatch", 1, Long.MAX_VALUE)) : null;
        String ifNoneMatch = fields.has("ifNoneMatch") ? fields.string("ifNoneMatch") : null;
        return Preconditions.of(ifMatch, ifNoneMatch);
    }
}
