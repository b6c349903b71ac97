package rtkv.client;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Heartbeats and watchdogs on the timers of a subscription or a client, which may have closed meanwhile. */
final class Timers {

    private Timers() {
    }

    /**
     * One daemon thread's timers. A cancelled watchdog leaves the queue at once: it is moved on at every
     * frame, and would otherwise stay queued for its whole delay, thousands of them on a busy connection.
     */
    static ScheduledExecutorService daemon(String name) {
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    /** Runs {@code task} after {@code delay}, and every {@code delay} after that if {@code repeat}; null once closed. */
    static ScheduledFuture<?> schedule(ScheduledExecutorService timers, Runnable task, Duration delay, boolean repeat) {
        try {
            return repeat
                    ? timers.scheduleAtFixedRate(task, delay.toMillis(), delay.toMillis(), TimeUnit.MILLISECONDS)
                    : timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }
}
