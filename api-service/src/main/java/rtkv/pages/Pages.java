package rtkv.pages;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import rtkv.schema.ClasspathText;

/**
 * The browser pages api-service serves: the console at {@code /} and an article with its live clap
 * counter at {@code /articles/{id}}, with their scripts under {@code /pages/} and the JavaScript SDK's under
 * {@code /pages/sdk/}. Plain files, no build step; through the SDK they call this origin's HTTP API and
 * subscribe through the fanout node they are told of.
 */
public final class Pages {

    private static final String DIR = "/rtkv/pages/";
    private static final String SCRIPT = "text/javascript; charset=utf-8";
    /** The JavaScript SDK's modules (client-js/src, copied in by the build), which the pages import. */
    static final List<String> SDK = List.of("index.js", "errors.js", "http.js", "stream.js", "subscription.js");
    private static final Map<String, String> ASSETS = assets();

    private final String console;
    private final String article;
    private final Map<String, String> assets;
    private final String policy;

    /** @param fanoutUrl the http(s) address of the fanout node (or its load balancer) the pages subscribe through */
    public Pages(String fanoutUrl) {
        String fanout = fanoutUrl.replaceAll("/+$", "");
        this.console = page("console.html", fanout);
        this.article = page("article.html", fanout);
        this.assets = ASSETS.keySet().stream().collect(Collectors.toUnmodifiableMap(f -> f, f -> ClasspathText.read(DIR + f)));
        URI uri = URI.create(fanout);
        String origin = uri.getScheme() + "://" + uri.getAuthority();
        String socketOrigin = origin.replaceFirst("^http", "ws");
        // Values are shown as text, never as markup; the policy is a second line for a console that holds a key.
        this.policy = "default-src 'none'; script-src 'self'; connect-src 'self' " + socketOrigin
                + "; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    private static Map<String, String> assets() {
        Map<String, String> assets = new java.util.HashMap<>(Map.of("common.js", SCRIPT, "console.js", SCRIPT,
                "article.js", SCRIPT, "pages.css", "text/css; charset=utf-8"));
        SDK.forEach(file -> assets.put("sdk/" + file, SCRIPT));
        return Map.copyOf(assets);
    }

    /** Whether {@code url} can be the fanout address of the pages: http or https, with a host. */
    public static boolean isFanoutUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getQuery() == null && uri.getFragment() == null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public void addTo(JavalinConfig c) {
        c.routes.get("/", ctx -> html(ctx, console));
        c.routes.get("/articles/{id}", ctx -> html(ctx, article));
        c.routes.get("/pages/{file}", ctx -> asset(ctx, ctx.pathParam("file")));
        c.routes.get("/pages/sdk/{file}", ctx -> asset(ctx, "sdk/" + ctx.pathParam("file")));
    }

    private void html(Context ctx, String page) {
        secure(ctx).header("Cache-Control", "no-cache").contentType("text/html; charset=utf-8").result(page);
    }

    private void asset(Context ctx, String file) {
        String text = assets.get(file);
        if (text == null) {
            ctx.status(404).contentType("application/json").result("{\"error\":\"not_found\",\"message\":\"no such page file\"}");
            return;
        }
        secure(ctx).header("Cache-Control", "no-cache").contentType(ASSETS.get(file)).result(text);
    }

    private Context secure(Context ctx) {
        return ctx.header("Content-Security-Policy", policy)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer");
    }

    private static String page(String name, String fanout) {
        return ClasspathText.read(DIR + name).replace("{{FANOUT_URL}}", attribute(fanout));
    }

    private static String attribute(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
