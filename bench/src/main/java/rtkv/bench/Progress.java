package rtkv.bench;

import java.io.PrintStream;

/**
 * The line a run shows while it works: rewritten in place on a terminal, else printed every five
 * seconds so a log (or a test's output) stays readable.
 */
final class Progress {

    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final PrintStream out;
    private final String name;
    private final boolean terminal = System.console() != null;
    private long lastLogged = Long.MIN_VALUE;
    private int width;

    Progress(PrintStream out, String name) {
        this.out = out;
        this.name = name;
    }

    synchronized void show(String line) {
        String text = "[" + name + "] " + line;
        if (terminal) {
            out.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
            out.flush();
            width = text.length();
            return;
        }
        long now = System.nanoTime();
        if (lastLogged == Long.MIN_VALUE || now - lastLogged >= LOG_EVERY_NANOS) {
            out.println(text);
            lastLogged = now;
        }
    }

    /** Ends the in-place line, so what follows starts on a line of its own. */
    synchronized void done() {
        if (terminal && width > 0) {
            out.println();
        }
        width = 0;
    }
}
