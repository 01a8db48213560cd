package io.streamgrad.job.security;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Everything this JVM logs (every logger at INFO or the given level: Flink, Kafka clients, streamgrad) and
 * prints on System.out / System.err while open, as text; the console keeps showing only what the test log
 * configuration lets through. Restores the configuration on close.
 */
public final class LogCapture implements AutoCloseable {
    private final LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    private final Map<String, Level> originalLevels = new HashMap<>();
    private final Map<String, Appender> rootAppenders;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Appender capture;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;

    public LogCapture(Level level) {
        Configuration config = ctx.getConfiguration();
        capture = new AbstractAppender("streamgrad-log-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent e) {
                StringBuilder sb = new StringBuilder(e.getLevel() + " " + e.getLoggerName() + " - "
                        + e.getMessage().getFormattedMessage());
                for (Throwable t = e.getThrown(); t != null; t = t.getCause()) {
                    sb.append("\n  ").append(t);
                }
                events.add(sb.toString());
            }
        };
        capture.start();
        config.addAppender(capture);
        List<LoggerConfig> all = new ArrayList<>(config.getLoggers().values());
        all.add(config.getRootLogger());
        for (LoggerConfig lc : all) {
            originalLevels.putIfAbsent(lc.getName(), lc.getLevel());
            lc.setLevel(level);
            if (lc == config.getRootLogger() || !lc.isAdditive()) {
                lc.addAppender(capture, level, null);
            }
        }
        // The console shows what it showed before: events at or above the original level of their logger.
        LoggerConfig root = config.getRootLogger();
        rootAppenders = new HashMap<>(root.getAppenders());
        rootAppenders.remove(capture.getName());
        Filter asBefore = new AbstractFilter() {
            @Override
            public Result filter(LogEvent e) {
                return e.getLevel().isMoreSpecificThan(originalLevel(e.getLoggerName())) ? Result.NEUTRAL : Result.DENY;
            }
        };
        for (Appender a : rootAppenders.values()) {
            root.removeAppender(a.getName());
            root.addAppender(a, null, asBefore);
        }
        ctx.updateLoggers();
        System.setOut(tee(originalOut));
        System.setErr(tee(originalErr));
    }

    private PrintStream tee(PrintStream original) {
        return new PrintStream(
                new OutputStream() {
                    @Override
                    public void write(int b) {
                        original.write(b);
                        synchronized (printed) {
                            printed.write(b);
                        }
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        original.write(b, off, len);
                        synchronized (printed) {
                            printed.write(b, off, len);
                        }
                    }
                },
                true,
                StandardCharsets.UTF_8);
    }

    /** The level the test configuration gave the most specific logger config for this logger name. */
    private Level originalLevel(String name) {
        String n = name == null ? "" : name;
        while (true) {
            Level l = originalLevels.get(n);
            if (l != null) {
                return l;
            }
            if (n.isEmpty()) {
                return Level.WARN;
            }
            int dot = n.lastIndexOf('.');
            n = dot < 0 ? "" : n.substring(0, dot);
        }
    }

    /** Every event so far, one string each (level, logger, message, causes). */
    public List<String> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** What was printed on System.out and System.err. */
    public String printed() {
        synchronized (printed) {
            return printed.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        System.setOut(originalOut);
        System.setErr(originalErr);
        Configuration config = ctx.getConfiguration();
        List<LoggerConfig> all = new ArrayList<>(config.getLoggers().values());
        all.add(config.getRootLogger());
        for (LoggerConfig lc : all) {
            lc.removeAppender(capture.getName());
            Level l = originalLevels.get(lc.getName());
            if (l != null) {
                lc.setLevel(l);
            }
        }
        LoggerConfig root = config.getRootLogger();
        for (Appender a : rootAppenders.values()) {
            root.removeAppender(a.getName());
            root.addAppender(a, null, null);
        }
        ctx.updateLoggers();
        capture.stop();
    }
}
