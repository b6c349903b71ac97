package rtkv.fanout;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a subscriber is in its table's stream: it holds every change of the table up to
 * {@code offset} of {@code partition}, and every change of {@code shard} with a GTID sequence up to
 * {@code covered} (its snapshot's, or the one before the last change it received). Resuming replays the
 * partition after {@code offset} and drops what {@code covered} says it has. The topic's id is part of
 * the text so a token from another cluster or an older topic is refused, never misread.
 */
record Token(int partition, long offset, int shard, long covered) {

    private static final Pattern FORMAT = Pattern.compile("1\\.([0-9A-Za-z_-]{1,22})\\.(\\d{1,9})\\.(-1|\\d{1,18})\\.(\\d{1,4})\\.(-1|\\d{1,18})");

    String encode(String topicTag) {
        return "1." + topicTag + "." + partition + "." + offset + "." + shard + "." + covered;
    }

    /** Empty when the text is not a token of this topic. */
    static Optional<Token> parse(String text, String topicTag) {
        Matcher m = FORMAT.matcher(text == null ? "" : text);
        if (!m.matches() || !m.group(1).equals(topicTag)) {
            return Optional.empty();
        }
        return Optional.of(new Token(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), Integer.parseInt(m.group(4)),
                Long.parseLong(m.group(5))));
    }
}
