package io.streamgrad.deploy.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter with its HTTP endpoint bound to a given address (see
 * {@link LoopbackPrometheusReporterFactory}). Tries the ports of the range in order and takes the first free one,
 * as Flink's {@code PrometheusReporter} does, and logs the address it took, so that a process's endpoint can be
 * found in its log.
 */
final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer httpServer;
    private final InetSocketAddress address;

    LoopbackPrometheusReporter(String host, PortRange ports) {
        CollectorRegistry registry = registryOf(this);
        HTTPServer started = null;
        InetSocketAddress bound = null;
        IOException last = null;
        for (Iterator<Integer> it = ports.getPortsIterator(); it.hasNext() && started == null; ) {
            InetSocketAddress candidate = new InetSocketAddress(host, it.next());
            try {
                started = new HTTPServer(candidate, registry, true);
                bound = candidate;
            } catch (IOException e) {
                last = e;
            }
        }
        if (started == null) {
            throw new IllegalStateException(
                    "Could not start the Prometheus endpoint on " + host + ", ports " + ports
                            + ": all taken. Choose a free range in metrics.reporter.<name>.port.", last);
        }
        this.httpServer = started;
        this.address = bound;
        log.info("Started Prometheus endpoint on http://{}:{}/metrics", host, started.getPort());
    }

    /** The address the endpoint listens on. */
    InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        httpServer.stop();
        super.close();
    }

    /**
     * The registry that {@code AbstractPrometheusReporter} fills is a package-private field (Flink 2.2.1); reading it
     * reflectively is the one coupling to Flink internals here, and it fails loudly if a Flink upgrade renames it.
     */
    private static CollectorRegistry registryOf(AbstractPrometheusReporter reporter) {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            field.setAccessible(true);
            return (CollectorRegistry) field.get(reporter);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException(
                    "AbstractPrometheusReporter has no field 'registry' of type CollectorRegistry in this Flink"
                            + " version: update LoopbackPrometheusReporter, or use Flink's PrometheusReporterFactory"
                            + " (which binds to all interfaces).", e);
        }
    }
}
