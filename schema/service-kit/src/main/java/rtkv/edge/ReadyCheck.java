package rtkv.edge;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Asks each address given for a 200, as the Helm chart's test pod does with the services' /readyz
 * (the image has a JRE and no shell tools). Exits 0 when every one answered 200, 1 otherwise.
 */
public final class ReadyCheck {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ReadyCheck() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 0) {
            System.err.println("usage: ReadyCheck URL...");
            System.exit(2);
        }
        System.exit(failures(List.of(args)) == 0 ? 0 : 1);
    }

    /** Asks each URL once; prints what each answered and answers how many did not answer 200. */
    static int failures(List<String> urls) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        int failures = 0;
        for (String url : urls) {
            String outcome;
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build(),
                        HttpResponse.BodyHandlers.ofString());
                outcome = response.statusCode() + " " + response.body();
                failures += response.statusCode() == 200 ? 0 : 1;
            } catch (IOException | IllegalArgumentException e) {
                outcome = "no answer: " + e;
                failures++;
            }
            System.out.println(url + ": " + outcome);
        }
        return failures;
    }
}
