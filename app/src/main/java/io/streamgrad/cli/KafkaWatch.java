package io.streamgrad.cli;

import io.streamgrad.job.config.JobConfig;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * Whether the job's Kafka answers, asked every {@link #PERIOD} with an Admin {@code describeCluster} request of at most
 * {@link #PROBE_TIMEOUT}: {@code run} waits for an answer before it submits the job, and while the job runs it says on
 * stderr, every period, that Kafka does not answer, and once when it answers again. The job's own Kafka clients retry
 * by themselves and stay silent (or log to the log file only) while a broker is away.
 */
final class KafkaWatch implements AutoCloseable {
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    static final Duration PERIOD = Duration.ofSeconds(5);

    private final JobConfig config;
    private final PrintStream err;
    private final Admin admin;

    private KafkaWatch(JobConfig config, PrintStream err, Admin admin) {
        this.config = config;
        this.err = err;
        this.admin = admin;
    }

    /** An Admin client on the job's Kafka settings; fails at once when the bootstrap servers do not resolve. */
    static KafkaWatch open(JobConfig config, PrintStream err) {
        Properties p = config.kafkaProperties();
        p.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(PROBE_TIMEOUT.toMillis()));
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(PROBE_TIMEOUT.toMillis()));
        try {
            return new KafkaWatch(config, err, Admin.create(p));
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "cannot connect to kafka.bootstrap.servers=" + config.bootstrapServers() + ": " + cause.getMessage()
                            + " (check the host names and ports in kafka.bootstrap.servers of the job config)",
                    e);
        }
    }

    /** The Admin client (for the topic checks before the job starts). */
    Admin admin() {
        return admin;
    }

    /** Empty when Kafka answered within {@link #PROBE_TIMEOUT}, else why not. */
    Optional<String> probe() throws InterruptedException {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()))
                    .clusterId()
                    .get(PROBE_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            if (c instanceof AuthenticationException || c instanceof AuthorizationException) {
                // Kafka answered, and refused this client: waiting cannot help.
                throw new KafkaRefusedException("kafka.bootstrap.servers=" + config.bootstrapServers()
                        + " refused this client: " + c.getClass().getSimpleName() + ": " + c.getMessage()
                        + " (check security.protocol and the sasl.* / ssl.* settings under kafka: in the job config,"
                        + " and the ACLs of this principal)");
            }
            return Optional.of(c.getClass().getSimpleName() + ": " + c.getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            return Optional.of("no answer within " + PROBE_TIMEOUT.toSeconds() + " s");
        }
    }

    /**
     * Returns once Kafka answers, saying on stderr every {@link #PERIOD} while it does not; gives up after {@code
     * limit} (null: waits as long as it takes).
     *
     * @throws KafkaUnreachableException when Kafka did not answer within {@code limit}
     */
    void awaitAnswer(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        Optional<String> failure = probe();
        while (failure.isPresent()) {
            long waited = seconds(System.nanoTime() - start);
            if (limit != null && waited >= limit.toSeconds()) {
                throw new KafkaUnreachableException(noAnswer(waited, failure.get()) + ". Gave up after --kafka-wait "
                        + limit.toSeconds() + " s; the job was not started");
            }
            err.println("streamgrad run: " + noAnswer(waited, failure.get()) + ". The job starts once Kafka answers"
                    + (limit == null
                            ? " (Ctrl-C to stop; --kafka-wait SECONDS gives up instead)"
                            : " (giving up after --kafka-wait " + limit.toSeconds() + " s)"));
            pause(start, waited);
            failure = probe();
        }
        if (System.nanoTime() - start > PERIOD.toNanos()) {
            err.println("streamgrad run: kafka.bootstrap.servers=" + config.bootstrapServers() + " answers (after "
                    + seconds(System.nanoTime() - start) + " s without an answer)");
        }
    }

    /**
     * Probes Kafka every {@link #PERIOD} in a daemon thread until {@code done} says so, saying on stderr while it does
     * not answer and once when it answers again.
     */
    void watchInBackground(BooleanSupplier done) {
        Thread t = new Thread(
                () -> {
                    long since = -1;
                    try {
                        while (!done.getAsBoolean()) {
                            long probeStart = System.nanoTime();
                            Optional<String> failure;
                            try {
                                failure = probe();
                            } catch (KafkaRefusedException e) {
                                err.println("streamgrad run: " + e.getMessage());
                                return;
                            }
                            if (done.getAsBoolean()) {
                                return;
                            }
                            if (failure.isPresent()) {
                                if (since < 0) {
                                    since = probeStart;
                                }
                                err.println("streamgrad run: "
                                        + noAnswer(seconds(System.nanoTime() - since), failure.get())
                                        + ". The job's Kafka clients keep retrying; after restart.attempts="
                                        + config.restartAttempts() + " restarts the job fails");
                            } else if (since >= 0) {
                                err.println("streamgrad run: kafka.bootstrap.servers=" + config.bootstrapServers()
                                        + " answers again (after " + seconds(System.nanoTime() - since)
                                        + " s without an answer)");
                                since = -1;
                            }
                            long left = PERIOD.toNanos() - (System.nanoTime() - probeStart);
                            if (left > 0) {
                                TimeUnit.NANOSECONDS.sleep(left);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "streamgrad-kafka-watch");
        t.setDaemon(true);
        t.start();
    }

    private String noAnswer(long seconds, String failure) {
        return "kafka.bootstrap.servers=" + config.bootstrapServers() + ": no answer for " + seconds + " s (" + failure
                + "): check that the brokers are up and reachable from here at that address (listeners and"
                + " advertised.listeners, DNS, firewalls, and security.protocol/sasl/ssl settings under kafka: in the"
                + " job config)";
    }

    /** Waits out the rest of the current period (a probe of an unreachable broker takes up to PROBE_TIMEOUT). */
    private static void pause(long start, long waitedSeconds) throws InterruptedException {
        long next = start + TimeUnit.SECONDS.toNanos((waitedSeconds / PERIOD.toSeconds() + 1) * PERIOD.toSeconds());
        long left = next - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private static long seconds(long nanos) {
        return TimeUnit.NANOSECONDS.toSeconds(nanos);
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }

    /** Kafka answered and refused the client's credentials or permissions: the job is not started. */
    static final class KafkaRefusedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        KafkaRefusedException(String message) {
            super(message);
        }
    }

    /** Kafka did not answer within {@code --kafka-wait}. */
    static final class KafkaUnreachableException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        KafkaUnreachableException(String message) {
            super(message);
        }
    }
}
