package io.streamgrad.deploy.probe;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * A small stateful job that exercises what the local cluster must support without the ND4J-backed streamgrad job:
 * a rate-limited source, keyed state, checkpoints, and per-key metrics in a {@code model} key/value group (the
 * shape the streamgrad job uses, so the Prometheus names match: {@code ..._operator_model_examples{model="m0"}}).
 *
 * <p>Arguments: {@code --models N --rate PER_SECOND --checkpoint-ms MS}.
 */
public final class ProbeJob {

    private ProbeJob() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        int models = Integer.parseInt(options.getOrDefault("--models", "4"));
        double rate = Double.parseDouble(options.getOrDefault("--rate", "200"));
        long checkpointMs = Long.parseLong(options.getOrDefault("--checkpoint-ms", "1000"));

        Configuration config = new Configuration();
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(checkpointMs));
        config.set(PipelineOptions.GENERIC_TYPES, false);
        config.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        config.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);

        DataGeneratorSource<Long> source = new DataGeneratorSource<>(
                index -> index, Long.MAX_VALUE, RateLimiterStrategy.perSecond(rate), Types.LONG);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "probe-source").uid("probe-source")
                .keyBy(i -> "m" + (i % models), Types.STRING)
                .process(new CountPerModel()).uid("probe-count").name("probe-count")
                .sinkTo(new DiscardingSink<>()).uid("probe-sink").name("probe-sink");
        env.execute("streamgrad-probe");
    }

    /** Counts examples per model in keyed state and mirrors the count in a per-model counter. */
    static final class CountPerModel extends KeyedProcessFunction<String, Long, Long> {
        private transient ValueState<Long> seen;
        private transient Map<String, Counter> counters;

        @Override
        public void open(OpenContext context) {
            seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.LONG));
            counters = new HashMap<>();
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
            String model = ctx.getCurrentKey();
            long n = (seen.value() == null ? 0 : seen.value()) + 1;
            seen.update(n);
            counters.computeIfAbsent(model,
                    m -> getRuntimeContext().getMetricGroup().addGroup("model", m).counter("examples")).inc();
            out.collect(n);
        }
    }
}
