package rtkv.config;

/** What reads rtkv's settings: the three services, the chart's schema Job, and the local cluster's launcher. */
public enum Service {
    API_SERVICE("api-service"),
    FANOUT_NODES("fanout-nodes"),
    CDC_RELAY("cdc-relay"),
    SCHEMA_JOB("schema job"),
    LOCAL_CLUSTER("local cluster");

    private final String label;

    Service(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
