package io.streamgrad.job.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.ModelCatalog;
import io.streamgrad.job.decode.RecordDecoder;
import io.streamgrad.job.hostile.HostileRecords.Generated;
import io.streamgrad.job.hostile.HostileRecords.Kind;
import io.streamgrad.job.hostile.HostileRecords.Shape;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Decode + validate ({@link RecordDecoder}, no Flink) against a seeded stream of 120,000 valid, broken and hostile
 * records ({@link HostileRecords}): nothing throws, every valid record yields exactly its examples, every invalid
 * one exactly one dead letter with its coordinates and a reason of its class that names the problem and the fix,
 * and whatever gets through — even from randomly corrupted bytes — satisfies every invariant of a training example.
 */
class DecodeFuzzTest {
    /** Small limits, so oversized and giant records are cheap to make. */
    static final Limits LIMITS = new Limits(16 * 1024, 64, 32, 1.0e6, 8 * 1024);
    static final int RECORDS = 120_000;
    static final long SEED = 0x5EED_2024L;
    static final long NOW = 1_700_000_000_000L;

    @Test
    void validAndHostileRecords_eachGetExactlyTheirExpectedOutcome_andNothingThrows() {
        HostileRecords gen = new HostileRecords(SEED, LIMITS, true, true);
        RecordDecoder decoder = new RecordDecoder(HostileRecords.catalog(), LIMITS);
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
        Map<Kind, Long> nanos = new EnumMap<>(Kind.class);
        int chaosAccepted = 0;
        long bytes = 0;
        long examples = 0;
        List<String> failures = new ArrayList<>();
        long wallNanos = 0;
        long cpuNanos = 0;
        int chunk = 1_000;
        Generated[] gs = new Generated[chunk];
        SourceRecord[] rs = new SourceRecord[chunk];
        RecordDecoder.Result[] results = new RecordDecoder.Result[chunk];
        long[] dts = new long[chunk];
        for (int base = 0; base < RECORDS; base += chunk) {
            // Generate a chunk, then decode it: the CPU time of the decoding alone gives the throughput figure
            // (wall time on a shared machine measures the neighbours too).
            for (int j = 0; j < chunk; j++) {
                gs[j] = gen.next();
                int i = base + j;
                rs[j] = new SourceRecord("examples", i % 4, i, 0L, gs[j].key(), gs[j].value());
            }
            long c0 = cpu.getCurrentThreadCpuTime();
            for (int j = 0; j < chunk; j++) {
                long t0 = System.nanoTime();
                try {
                    results[j] = decoder.decode(rs[j], NOW);
                } catch (Throwable t) {
                    fail("record #" + (base + j) + " (" + gs[j].kind() + ") made the decoder throw", t);
                }
                dts[j] = System.nanoTime() - t0;
            }
            cpuNanos += cpu.getCurrentThreadCpuTime() - c0;
            for (int j = 0; j < chunk; j++) {
                Generated g = gs[j];
                wallNanos += dts[j];
                counts.merge(g.kind(), 1, Integer::sum);
                nanos.merge(g.kind(), dts[j], Long::sum);
                bytes += g.value() == null ? 0 : g.value().length;
                if (results[j] instanceof RecordDecoder.Accepted a) {
                    examples += a.examples().size();
                    chaosAccepted += g.kind() == Kind.CHAOS ? 1 : 0;
                }
                String problem = check(g, rs[j], results[j]);
                if (problem != null && failures.size() < 20) {
                    failures.add("#" + (base + j) + " " + g.kind() + ": " + problem);
                }
            }
        }

        System.err.printf(Locale.ROOT, "decode+validate fuzz: %,d records (%,d examples out, %.1f MB) decoded in %.2f s"
                        + " of CPU (%,.0f records/s, %.1f MB/s per core; %.2f s wall); %d of %d chaos records decoded to"
                        + " valid examples%n  kind                              records  wall µs/record%n%s",
                RECORDS, examples, bytes / 1e6, cpuNanos / 1e9, RECORDS / (cpuNanos / 1e9), bytes / 1e6 / (cpuNanos / 1e9),
                wallNanos / 1e9, chaosAccepted, counts.get(Kind.CHAOS), HostileRecords.table(counts,
                        k -> String.format(Locale.ROOT, "  %7.1f", nanos.get(k) / 1e3 / counts.get(k))));
        assertThat(failures).isEmpty();
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(100_000);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(Kind.values());
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(1_000));
    }

    /** What is wrong with the outcome, or null. */
    static String check(Generated g, SourceRecord r, RecordDecoder.Result res) {
        if (g.kind() == Kind.VALID) {
            if (!(res instanceof RecordDecoder.Accepted a)) {
                return "valid record rejected: " + ((RecordDecoder.Rejected) res).deadLetter().getReason();
            }
            return sameExamples(g, r, a.examples());
        }
        if (g.kind() == Kind.CHAOS) {
            if (res instanceof RecordDecoder.Accepted a) {
                for (TrainingExample t : a.examples()) {
                    String p = invariantProblem(t, r);
                    if (p != null) {
                        return "corrupted record got through as an invalid example: " + p;
                    }
                }
                return null;
            }
            return deadLetterProblem(g, r, ((RecordDecoder.Rejected) res).deadLetter(), false);
        }
        if (!(res instanceof RecordDecoder.Rejected rej)) {
            return "invalid record accepted as " + ((RecordDecoder.Accepted) res).examples().size() + " examples";
        }
        return deadLetterProblem(g, r, rej.deadLetter(), true);
    }

    static String deadLetterProblem(Generated g, SourceRecord r, DeadLetter d, boolean known) {
        String reason = d.getReason();
        if (!r.topic.equals(d.getTopic()) || r.partition != d.getPartition() || r.offset != d.getOffset()) {
            return "dead letter coordinates " + d.getTopic() + "-" + d.getPartition() + "@" + d.getOffset();
        }
        if (!reason.startsWith(r.coordinates() + ": ")) {
            return "reason does not start with the coordinates: " + reason;
        }
        if (reason.contains("internal error")) {
            return "internal error: " + reason;
        }
        if (reason.length() > RecordDecoder.MAX_REASON_CHARS + 300) {
            return "reason of " + reason.length() + " characters";
        }
        if (d.getFailedAt().toEpochMilli() != NOW) {
            return "failed_at " + d.getFailedAt();
        }
        if (d.getModelId() != null && d.getModelId().length() > RecordDecoder.MAX_MODEL_ID_CHARS) {
            return "model_id of " + d.getModelId().length() + " characters";
        }
        int keyBytes = r.key == null ? 0 : r.key.length;
        int valueBytes = r.value == null ? 0 : r.value.length;
        if (keyBytes + valueBytes <= LIMITS.maxDeadLetterBytes()) {
            if (!Objects.equals(d.getValue(), r.value == null ? null : ByteBuffer.wrap(r.value))
                    || !Objects.equals(d.getKey(), r.key == null ? null : ByteBuffer.wrap(r.key))) {
                return "key or value not copied into the dead letter";
            }
        } else if (d.getValue() != null || d.getKey() != null || !reason.contains("not copied")) {
            return "key and value of " + (keyBytes + valueBytes) + " bytes copied, or not said so";
        }
        if (!known) {
            return null;
        }
        for (String f : g.fragments()) {
            if (!reason.contains(f)) {
                return "reason lacks '" + f + "': " + abbreviate(reason);
            }
        }
        if (!Objects.equals(g.modelId(), d.getModelId())) {
            return "model_id " + d.getModelId() + ", expected " + g.modelId();
        }
        return null;
    }

    /** Each example out is the generated one, field by field, with the record's coordinates. */
    static String sameExamples(Generated g, SourceRecord r, List<TrainingExample> out) {
        if (out.size() != g.examples().size()) {
            return out.size() + " examples out of " + g.examples().size();
        }
        for (int i = 0; i < out.size(); i++) {
            TrainingExample t = out.get(i);
            Example e = g.examples().get(i);
            String where = "examples[" + i + "] ";
            if (!g.modelId().equals(t.modelId) || !r.topic.equals(t.topic) || t.partition != r.partition
                    || t.offset != r.offset) {
                return where + "model or coordinates differ: " + t.modelId + " " + t.topic + "-" + t.partition + "@"
                        + t.offset;
            }
            if (Float.floatToIntBits(t.label) != Float.floatToIntBits(e.getLabel())
                    || Float.floatToIntBits(t.weight) != Float.floatToIntBits(e.getWeight())
                    || t.eventTime != e.getEventTime().toEpochMilli()) {
                return where + "label/weight/time " + t.label + "/" + t.weight + "/" + t.eventTime + " instead of " + e;
            }
            if (!Arrays.equals(t.dense, floats(e.getDense()))) {
                return where + "dense " + Arrays.toString(t.dense) + " instead of " + e.getDense();
            }
            int sparse = e.getIndices().size();
            if (t.indices.length != sparse + e.getNamed().size() || t.values.length != t.indices.length) {
                return where + t.indices.length + " sparse entries instead of " + sparse + " + " + e.getNamed().size();
            }
            for (int k = 0; k < sparse; k++) {
                if (t.indices[k] != e.getIndices().get(k)
                        || Float.floatToIntBits(t.values[k]) != Float.floatToIntBits(e.getValues().get(k))) {
                    return where + "sparse entry " + k + " differs";
                }
            }
            String p = invariantProblem(t, r);
            if (p != null) {
                return where + p;
            }
        }
        return null;
    }

    /** The promises of a TrainingExample, checked independently of the validator's code. */
    static String invariantProblem(TrainingExample t, SourceRecord r) {
        Shape m = HostileRecords.MODELS.stream().filter(s -> s.id().equals(t.modelId)).findFirst().orElse(null);
        if (m == null) {
            return "unknown model " + t.modelId;
        }
        if (t.dense.length != 0 && t.dense.length != m.features()) {
            return "dense of " + t.dense.length;
        }
        if (t.indices.length != t.values.length || t.indices.length > LIMITS.maxNonZerosPerExample()) {
            return "sparse part of " + t.indices.length + "/" + t.values.length;
        }
        for (float v : t.dense) {
            if (!(Math.abs(v) <= LIMITS.maxAbsValue())) {
                return "dense value " + v;
            }
        }
        for (int k = 0; k < t.indices.length; k++) {
            if (t.indices[k] < 0 || t.indices[k] >= m.features() || !(Math.abs(t.values[k]) <= LIMITS.maxAbsValue())) {
                return "sparse entry " + t.indices[k] + ":" + t.values[k];
            }
        }
        boolean labelOk = switch (m.task()) {
            case BINARY -> t.label == 0f || t.label == 1f;
            case MULTICLASS -> t.label >= 0 && t.label < m.classes() && t.label == Math.rint(t.label);
            case REGRESSION -> Math.abs(t.label) <= LIMITS.maxAbsValue();
        };
        if (!labelOk || !(t.weight >= 0 && t.weight <= LIMITS.maxAbsValue())) {
            return "label " + t.label + " weight " + t.weight;
        }
        if (t.offset != r.offset || t.partition != r.partition) {
            return "coordinates";
        }
        return null;
    }

    @Test
    void generator_isDeterministic_sameSeedSameRecords() {
        HostileRecords a = new HostileRecords(7, LIMITS, true, true);
        HostileRecords b = new HostileRecords(7, LIMITS, true, true);
        for (int i = 0; i < 2_000; i++) {
            Generated x = a.next();
            Generated y = b.next();
            assertThat(y.kind()).isEqualTo(x.kind());
            assertThat(y.value()).isEqualTo(x.value());
            assertThat(y.fragments()).isEqualTo(x.fragments());
        }
    }

    @Test
    void recordAtTheBrokersSizeLimit_deadLetterStaysUnderOneMebibyte_withoutCopyingItsBytes() throws Exception {
        Limits defaults = new Limits(1 << 20, 65_536, 1 << 20); // the job's defaults
        RecordDecoder decoder = new RecordDecoder(HostileRecords.catalog(), defaults);
        byte[] key = new byte[1000];
        byte[] value = new byte[1_047_000]; // just fits Kafka's default max.message.bytes with the key
        Arrays.fill(value, (byte) 'x');

        DeadLetter d = ((RecordDecoder.Rejected) decoder.decode(new SourceRecord("ex", 0, 5, 0, key, value), NOW))
                .deadLetter();

        assertThat(d.getValue()).isNull();
        assertThat(d.getKey()).isNull();
        assertThat(d.getReason()).startsWith("ex-0@5: ").contains("neither Avro")
                .contains("key and value (1048000 bytes) not copied: over limits.max_dead_letter_bytes=524288")
                .contains("the record stays in ex partition 0 at offset 5");
        assertThat(SingleObjectCodec.deadLetter().encode(d).length).isLessThan(4096);
    }

    @Test
    void megabyteModelId_isCutInTheDeadLetter_soItCannotBloatIt() throws Exception {
        String id = "m".repeat(1_000_000);
        byte[] value = ("{\"model_id\": \"" + id + "\", \"label\": 1}").getBytes(StandardCharsets.UTF_8);
        RecordDecoder decoder = new RecordDecoder(HostileRecords.catalog(), new Limits(2 << 20, 10, 10));

        DeadLetter d = ((RecordDecoder.Rejected) decoder.decode(new SourceRecord("ex", 1, 9, 0, null, value), NOW))
                .deadLetter();

        assertThat(d.getReason()).contains("unknown model 'mmm").hasSizeLessThan(RecordDecoder.MAX_REASON_CHARS + 300);
        assertThat(d.getModelId()).hasSize(RecordDecoder.MAX_MODEL_ID_CHARS).endsWith("...");
        assertThat(d.getValue()).isNull(); // over the 512 KiB default for copies
    }

    @Test
    void templateMode_createsModelsOnlyForSaneIds() throws Exception {
        ModelCatalog template = ModelCatalog.of(Map.of(), TestConfigs.parse(TestConfigs.linearYaml(2, 4)));
        RecordDecoder decoder = new RecordDecoder(template, LIMITS);
        SingleObjectCodec<Example> codec = SingleObjectCodec.example();
        java.util.function.Function<String, RecordDecoder.Result> decode = id -> decoder.decode(new SourceRecord("ex",
                0, 0, 0, null, codec.encode(Example.newBuilder().setModelId(id).setEventTime(java.time.Instant.ofEpochMilli(0))
                .setDense(List.of(1f, 2f)).setIndices(List.of()).setValues(List.of()).setNamed(Map.of()).setLabel(1f)
                .setWeight(1f).build())), NOW);

        assertThat(decode.apply("sensor-17")).isInstanceOf(RecordDecoder.Accepted.class);
        assertThat(decode.apply(" ")).isInstanceOfSatisfying(RecordDecoder.Rejected.class, rej ->
                assertThat(rej.deadLetter().getReason()).contains("model_id ' ' is blank")
                        .contains("needs an id of 1 to 255 printable characters"));
        assertThat(decode.apply("a\u0000b")).isInstanceOfSatisfying(RecordDecoder.Rejected.class, rej ->
                assertThat(rej.deadLetter().getReason()).contains("contains control characters"));
        assertThat(decode.apply("x".repeat(300))).isInstanceOfSatisfying(RecordDecoder.Rejected.class, rej ->
                assertThat(rej.deadLetter().getReason()).contains("has 300 characters"));
    }

    private static float[] floats(List<Float> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }
}
