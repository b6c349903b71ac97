package rtkv.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** FuzzIT's generator: structured requests whose every part may be right, wrong or hostile. */
final class FuzzInputs {

    record Request(String method, String path, Map<String, String> headers, byte[] body) {
        @Override
        public String toString() {
            String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8);
            return method + " " + (path.length() > 200 ? path.substring(0, 200) + "..." : path) + " " + headers.keySet()
                    + " " + shown;
        }
    }

    private static final String[] METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    private static final String[] HOSTILE = {"'; DROP TABLE kv; --", "\" OR 1=1 --", "\\", "%", "_", "a%b_c", "\u0000",
            "a\u0000b", "😀", "\u202Eevil", "ñ", "<script>", "..", "/", "%2F", "%00", "%FF%FE", "%C0%AF", "?", "#", " ",
            "\r\n", "\t", "{}", "[]", "null", "*", "rtkv.keys", "rtkv.settings", "\uFFFF", "𝔘𝔫𝔦"};
    private static final String[] NUMBERS = {"0", "-1", "1", "600", "86400", "315360001", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "1e3", "1.5", "00", "-0", "\"600\"", "null", "true", "[]", "{}",
            "1".repeat(400)};
    private static final String[] PARAMS = {"ttl", "prefix", "after", "limit", "x", "", "ttl[]"};

    private final Random random;
    private final List<String> tables;

    FuzzInputs(Random random, List<String> tables) {
        this.random = random;
        this.tables = tables;
    }

    private <T> T pick(T[] options) {
        return options[random.nextInt(options.length)];
    }

    private boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    Request next(String apiKey) {
        String method = chance(85) ? pick(new String[] {"GET", "PUT", "POST", "DELETE"}) : pick(METHODS);
        String table = table();
        String key = encoded(text(600));
        String base = "/v1/tables/" + table;
        String path = switch (random.nextInt(9)) {
            case 0, 1 -> base + "/keys/" + key;
            case 2 -> base + "/keys/" + key + "/ttl";
            case 3 -> base + "/keys/" + key + "/incr";
            case 4 -> base + "/keys";
            case 5 -> base + "/batch";
            case 6 -> "/v1/admin/keys" + (chance(50) ? "/" + encoded(text(20)) : "");
            case 7 -> "/" + encoded(text(30)) + "/" + encoded(text(30));
            default -> base + "/keys/" + key + "/" + encoded(text(10));
        };
        if (chance(40)) {
            path += "?" + query();
        }
        Map<String, String> headers = new TreeMap<>();
        if (chance(95)) {
            headers.put("Authorization", chance(95) ? "Bearer " + apiKey : pick(new String[] {"Bearer", "Basic eDp5",
                    "Bearer " + apiKey.substring(0, apiKey.length() - 1), "bearer  " + apiKey, "Bearer rk.admin.x",
                    "Bearer " + text(60)}).replaceAll("[\\r\\n\\x00]", ""));
        }
        if (chance(15)) {
            headers.put("If-Match", headerText(pick(NUMBERS)));
        }
        if (chance(10)) {
            headers.put("If-None-Match", pick(new String[] {"*", "\"*\"", "", "x", "1"}));
        }
        if (chance(10)) {
            headers.put("Content-Type", pick(new String[] {"text/plain", "application/json; charset=latin1", "x/y"}));
        }
        byte[] body = method.equals("GET") || method.equals("HEAD") || chance(5) ? null : body(path);
        return new Request(method, path, headers, body);
    }

    private String table() {
        if (chance(70)) {
            return tables.get(random.nextInt(tables.size()));
        }
        return encoded(chance(50) ? pick(HOSTILE) : text(140));
    }

    private String query() {
        List<String> parts = new ArrayList<>();
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            String name = pick(PARAMS);
            String value = switch (name) {
                case "ttl", "limit" -> chance(70) ? pick(NUMBERS) : text(8);
                default -> text(40);
            };
            parts.add(encoded(name) + "=" + encoded(value));
        }
        return String.join("&", parts);
    }

    private byte[] body(String path) {
        int kind = random.nextInt(10);
        String text;
        if (kind == 0) {
            byte[] bytes = new byte[random.nextInt(300)];
            random.nextBytes(bytes);
            return bytes;
        } else if (kind == 1) {
            text = "[".repeat(2_000 + random.nextInt(20_000));
        } else if (kind == 2) {
            text = "\"" + "x".repeat(1_000 + random.nextInt(80_000)) + "\"";
        } else if (kind <= 5 && path.endsWith("/batch")) {
            text = batch();
        } else if (kind <= 5) {
            text = "{\"ttl\":" + pick(NUMBERS) + ",\"by\":" + pick(NUMBERS) + (chance(20) ? ",\"" + text(5) + "\":1" : "") + "}";
        } else {
            text = json(3);
        }
        if (chance(25)) {
            text = mangle(text);
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private String batch() {
        StringBuilder ops = new StringBuilder("{\"ops\":[");
        int n = random.nextInt(chance(5) ? 600 : 6);
        for (int i = 0; i < n; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"op\":\"").append(pick(new String[] {"put", "delete", "incr", "get", ""}))
                    .append("\",\"key\":").append(chance(90) ? quoted(text(20)) : pick(NUMBERS));
            if (chance(60)) {
                ops.append(",\"value\":").append(json(2));
            }
            if (chance(20)) {
                ops.append(",\"ttl\":").append(pick(NUMBERS));
            }
            if (chance(20)) {
                ops.append(",\"by\":").append(pick(NUMBERS));
            }
            if (chance(10)) {
                ops.append(",\"ifMatch\":").append(pick(NUMBERS));
            }
            if (chance(5)) {
                ops.append(",\"ifNoneMatch\":\"*\"");
            }
            ops.append("}");
        }
        return ops.append("]}").toString();
    }

    private String json(int depth) {
        return switch (depth <= 0 ? random.nextInt(4) : random.nextInt(6)) {
            case 0 -> pick(NUMBERS);
            case 1 -> quoted(text(30));
            case 2 -> "true";
            case 3 -> "null";
            case 4 -> {
                StringBuilder array = new StringBuilder("[");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    array.append(i == 0 ? "" : ",").append(json(depth - 1));
                }
                yield array.append("]").toString();
            }
            default -> {
                StringBuilder object = new StringBuilder("{");
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    object.append(i == 0 ? "" : ",").append(quoted(text(10))).append(":").append(json(depth - 1));
                }
                yield object.append("}").toString();
            }
        };
    }

    /** Inserts, deletes or replaces a few characters anywhere. */
    private String mangle(String text) {
        StringBuilder mangled = new StringBuilder(text);
        int edits = 1 + random.nextInt(3);
        for (int i = 0; i < edits; i++) {
            int at = mangled.length() == 0 ? 0 : random.nextInt(mangled.length());
            switch (random.nextInt(3)) {
                case 0 -> mangled.insert(at, pick(new String[] {"\"", "{", "}", "[", "]", ",", ":", "\\", "\u0000", "é"}));
                case 1 -> {
                    if (mangled.length() > 0) {
                        mangled.deleteCharAt(at);
                    }
                }
                default -> {
                    if (mangled.length() > 0) {
                        mangled.setCharAt(at, (char) random.nextInt(0x80));
                    }
                }
            }
        }
        return mangled.toString();
    }

    /** A string of 0 to {@code max} characters, ASCII, Unicode or hostile. */
    private String text(int max) {
        if (chance(20)) {
            return pick(HOSTILE);
        }
        int length = random.nextInt(max + 1);
        StringBuilder text = new StringBuilder(length);
        int alphabet = random.nextInt(3);
        for (int i = 0; i < length; i++) {
            text.appendCodePoint(switch (alphabet) {
                case 0 -> 'a' + random.nextInt(26);
                case 1 -> 0x20 + random.nextInt(0x5f);
                default -> chance(80) ? 0x20 + random.nextInt(0x5f) : 0xa0 + random.nextInt(0x2ff60);
            });
        }
        return text.toString();
    }

    private static String quoted(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"').toString();
    }

    /** Percent-encodes as a client would, except now and then a raw hostile sequence is left in. */
    private String encoded(String text) {
        if (chance(5) && text.matches("[%0-9A-Fa-f./]*")) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }

    private static String headerText(String text) {
        return text.replaceAll("[\\r\\n\\x00]", "");
    }
}
