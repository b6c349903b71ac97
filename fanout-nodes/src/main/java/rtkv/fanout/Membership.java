package rtkv.fanout;

import java.util.HashSet;
import java.util.Set;

/**
 * Who counts against a table's subscriber cap on one node: the subscribers admitted, and pins that never
 * leave (a table the node reads for itself). Only one that was admitted can leave: a connection that
 * closes while it is being refused, or before its admission was decided, changes no count.
 *
 * @param <T> what is admitted; a subscriber
 */
final class Membership<T> {

    private final Set<T> admitted = new HashSet<>();
    private int pins;

    /** Admits {@code member} unless {@code cap} members are in already; answers whether it is in. */
    boolean admit(T member, int cap) {
        if (admitted.contains(member)) {
            return true;
        }
        if (admitted.size() + pins >= cap) {
            return false;
        }
        admitted.add(member);
        return true;
    }

    /** Answers whether {@code member} was admitted, and so has left now. */
    boolean leave(T member) {
        return admitted.remove(member);
    }

    void pin() {
        pins++;
    }

    /** The members admitted, pins not counted. */
    int admitted() {
        return admitted.size();
    }

    boolean isEmpty() {
        return admitted.isEmpty() && pins == 0;
    }
}
