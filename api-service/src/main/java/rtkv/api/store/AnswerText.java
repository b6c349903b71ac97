package rtkv.api.store;

import java.util.List;

/**
 * The text a write is answered with, made by whoever answers (api-service's JSON): the store keeps it
 * beside an idempotency key in the write's own transaction, and gives it back to a retry, without ever
 * reading it.
 */
public interface AnswerText {

    String entry(Entry entry);

    String deleted(Entry entry);

    String results(List<Entry> results);
}
