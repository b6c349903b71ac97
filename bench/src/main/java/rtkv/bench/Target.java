package rtkv.bench;

/** What a benchmark thread talks to: api-service over HTTP, or the shards directly over JDBC. */
interface Target extends AutoCloseable {

    /** Runs one operation; answers false when it failed (a 5xx, an error), which is counted, not timed. */
    boolean run(Mix op, String table, String key, String value) throws Exception;

    @Override
    void close() throws Exception;
}
