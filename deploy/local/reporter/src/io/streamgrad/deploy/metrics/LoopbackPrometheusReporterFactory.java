package io.streamgrad.deploy.metrics;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

/**
 * Creates a {@link LoopbackPrometheusReporter}: Flink's Prometheus scrape endpoint, bound to one address.
 *
 * <p>Flink's own {@code PrometheusReporterFactory} (flink-metrics-prometheus 2.2.1) binds its HTTP server to the
 * wildcard address and has no option for the host. The local cluster keeps every socket on loopback, so it
 * configures this factory instead:
 *
 * <pre>
 * metrics.reporter.prom.factory.class: io.streamgrad.deploy.metrics.LoopbackPrometheusReporterFactory
 * metrics.reporter.prom.host: 127.0.0.1      # default 127.0.0.1
 * metrics.reporter.prom.port: 9249-9260      # a port or a range; the first free one is taken
 * </pre>
 *
 * <p>Everything else (metric names, labels, the exposition format) is Flink's, because the reporter extends
 * {@code AbstractPrometheusReporter}. On Kubernetes the stock factory is right: there Prometheus scrapes the pod IP.
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {

    /** Reporter option: the address the scrape endpoint binds to. */
    public static final String ARG_HOST = "host";
    /** Reporter option: a port or a port range such as {@code 9249-9260}. */
    public static final String ARG_PORT = "port";

    static final String DEFAULT_HOST = "127.0.0.1";
    static final String DEFAULT_PORT = "9249";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        String host = properties.getProperty(ARG_HOST, DEFAULT_HOST).trim();
        String ports = properties.getProperty(ARG_PORT, DEFAULT_PORT).trim();
        if (host.isEmpty()) {
            throw new IllegalArgumentException(
                    "metrics.reporter.<name>." + ARG_HOST + " is empty: set an address such as 127.0.0.1");
        }
        return new LoopbackPrometheusReporter(host, new PortRange(ports));
    }
}
