package rtkv.schema;

/** What happened to a key. The wire form is the lower-case name. */
public enum ChangeOp {
    /** The key was created or its value replaced. */
    PUT("put"),
    /** The key was deleted by a client. */
    DELETE("delete"),
    /** The key's time to live ran out and the sweeper deleted it. */
    EXPIRE("expire");

    private final String wire;

    ChangeOp(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static ChangeOp fromWire(String wire) {
        for (ChangeOp op : values()) {
            if (op.wire.equals(wire)) {
                return op;
            }
        }
        throw new IllegalArgumentException("unknown op \"" + wire + "\"; expected put, delete or expire");
    }
}
