package rtkv.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.event.KeyValuePair;

/**
 * A service's log line. In format {@code json} (the default), one JSON object per line for log
 * collectors (Loki, Elasticsearch, Cloud Logging): {@code time}, {@code level}, {@code service},
 * {@code logger}, {@code thread}, {@code message}, then the context as fields of their own (the MDC
 * and the event's key-value pairs: {@code table}, {@code key}, ...), then {@code error} with the stack
 * trace; context never overwrites the layout's own fields. In format {@code text}, the same on one
 * line for people, the context as {@code name=value}, the stack trace on the lines after.
 */
public final class ServiceLayout extends LayoutBase<ILoggingEvent> {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> OWN = Set.of("time", "level", "service", "logger", "thread", "message", "error");

    private String service = "rtkv";
    private boolean text;

    /** Set from logback.xml's {@code <service>}. */
    public void setService(String service) {
        this.service = service;
    }

    /** Set from logback.xml's {@code <format>}: json or text. */
    public void setFormat(String format) {
        if (!format.equals("json") && !format.equals("text")) {
            addError("log format " + format + " is neither json nor text; writing json");
        }
        this.text = format.equals("text");
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        return text ? text(event) : json(event);
    }

    private String text(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128).append(Instant.ofEpochMilli(event.getTimeStamp())).append(' ')
                .append(event.getLevel()).append(' ').append(event.getLoggerName()).append(' ');
        context(event, (name, value) -> line.append(name).append('=').append(value).append(' '));
        line.append("- ").append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        if (event.getThrowableProxy() != null) {
            line.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append(CoreConstants.LINE_SEPARATOR);
        }
        return line.toString();
    }

    /** The MDC, then the key-value pairs the MDC does not have, leaving out the layout's own names. */
    private static void context(ILoggingEvent event, BiConsumer<String, String> field) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc != null) {
            mdc.forEach((name, value) -> {
                if (!OWN.contains(name)) {
                    field.accept(name, value);
                }
            });
        }
        if (event.getKeyValuePairs() != null) {
            for (KeyValuePair pair : event.getKeyValuePairs()) {
                if (!OWN.contains(pair.key) && (mdc == null || !mdc.containsKey(pair.key))) {
                    field.accept(pair.key, String.valueOf(pair.value));
                }
            }
        }
    }

    private String json(ILoggingEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("service", service);
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("message", event.getFormattedMessage());
            context(event, (name, value) -> {
                try {
                    g.writeStringField(name, value);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            IThrowableProxy error = event.getThrowableProxy();
            if (error != null) {
                g.writeStringField("error", ThrowableProxyUtil.asString(error));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append(CoreConstants.LINE_SEPARATOR).toString();
    }
}
