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
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
                String problem = Outcomes.check(g, rs[j], results[j], LIMITS, NOW);
                if (problem != null && failures.size() < 20) {
                    failures.add("#" + (base + j) + " " + g.kind() + ": " + problem);
                }
            }
        }

        System.err.printf(
                Locale.ROOT,
                "decode+validate fuzz: %,d records (%,d examples out, %.1f MB) decoded in %.2f s"
                        + " of CPU (%,.0f records/s, %.1f MB/s per core; %.2f s wall); %d of %d chaos records decoded to"
                        + " valid examples%n  kind                              records  wall µs/record%n%s",
                RECORDS,
                examples,
                bytes / 1e6,
                cpuNanos / 1e9,
                RECORDS / (cpuNanos / 1e9),
                bytes / 1e6 / (cpuNanos / 1e9),
                wallNanos / 1e9,
                chaosAccepted,
                counts.get(Kind.CHAOS),
                HostileRecords.table(
                        counts, k -> String.format(Locale.ROOT, "  %7.1f", nanos.get(k) / 1e3 / counts.get(k))));
        assertThat(failures).isEmpty();
        assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(100_000);
        assertThat(counts.keySet()).containsExactlyInAnyOrder(Kind.values());
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(1_000));
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
        assertThat(d.getReason())
                .startsWith("ex-0@5: ")
                .contains("neither Avro")
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
        java.util.function.Function<String, RecordDecoder.Result> decode = id -> decoder.decode(
                new SourceRecord(
                        "ex",
                        0,
                        0,
                        0,
                        null,
                        codec.encode(Example.newBuilder()
                                .setModelId(id)
                                .setEventTime(java.time.Instant.ofEpochMilli(0))
                                .setDense(List.of(1f, 2f))
                                .setIndices(List.of())
                                .setValues(List.of())
                                .setNamed(Map.of())
                                .setLabel(1f)
                                .setWeight(1f)
                                .build())),
                NOW);

        assertThat(decode.apply("sensor-17")).isInstanceOf(RecordDecoder.Accepted.class);
        assertThat(decode.apply(" "))
                .isInstanceOfSatisfying(
                        RecordDecoder.Rejected.class,
                        rej -> assertThat(rej.deadLetter().getReason())
                                .contains("model_id ' ' is blank")
                                .contains("needs an id of 1 to 255 printable characters"));
        assertThat(decode.apply("a\u0000b"))
                .isInstanceOfSatisfying(
                        RecordDecoder.Rejected.class,
                        rej -> assertThat(rej.deadLetter().getReason()).contains("contains control characters"));
        assertThat(decode.apply("x".repeat(300)))
                .isInstanceOfSatisfying(
                        RecordDecoder.Rejected.class,
                        rej -> assertThat(rej.deadLetter().getReason()).contains("has 300 characters"));
    }
}
