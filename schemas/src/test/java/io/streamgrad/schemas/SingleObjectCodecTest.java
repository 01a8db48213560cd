package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.avro.TrainingMetrics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SingleObjectCodecTest {

    static Example example() {
        return Example.newBuilder()
                .setModelId("m")
                .setEventTime(Instant.ofEpochMilli(42))
                .setDense(List.of(0.5f, -1f))
                .setIndices(List.of())
                .setValues(List.of())
                .setNamed(Map.of("country=fr", 1f))
                .setLabel(1f)
                .setWeight(2f)
                .build();
    }

    @Test
    void example_roundTrips_withSingleObjectHeader() throws Exception {
        SingleObjectCodec<Example> codec = SingleObjectCodec.example();
        byte[] bytes = codec.encode(example());

        assertThat(bytes[0] & 0xff).isEqualTo(0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(SingleObjectCodec.headerFingerprint(bytes))
                .hasValue(SchemaHistory.fingerprint(Example.getClassSchema()));
        assertThat(codec.decode(bytes)).isEqualTo(example());
    }

    @Test
    void v1Example_isResolvedIntoCurrentSchema_withDefaultsForNewFields() throws Exception {
        byte[] v1 = V1Fixtures.exampleV1Bytes("old", List.of(1f, 2f, 3f), 0f);

        Example e = SingleObjectCodec.example().decode(v1);

        assertThat(e.getModelId()).isEqualTo("old");
        assertThat(e.getDense()).containsExactly(1f, 2f, 3f);
        assertThat(e.getEventTime()).isEqualTo(Instant.ofEpochMilli(1234));
        assertThat(e.getWeight()).isEqualTo(1f);
        assertThat(e.getNamed()).isEmpty();
    }

    @Test
    void registeredV1Schema_hasTheFixtureFingerprint() {
        assertThat(SchemaHistory.fingerprint(SchemaHistory.EXAMPLE_V1))
                .isEqualTo(SchemaHistory.fingerprint(V1Fixtures.exampleV1()));
        assertThat(SchemaHistory.exampleVersion(SchemaHistory.fingerprint(V1Fixtures.exampleV1())))
                .isEqualTo(1);
        assertThat(SchemaHistory.exampleVersion(SchemaHistory.fingerprint(Example.getClassSchema())))
                .isEqualTo(2);
    }

    @Test
    void truncatedBody_isInvalidRecord_namingCorruption() {
        byte[] bytes = SingleObjectCodec.example().encode(example());
        byte[] cut = Arrays.copyOf(bytes, bytes.length - 6);

        assertThatThrownBy(() -> SingleObjectCodec.example().decode(cut))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void unknownFingerprint_isInvalidRecord_namingTheFingerprint() {
        byte[] bytes = SingleObjectCodec.example().encode(example());
        ByteBuffer.wrap(bytes, 2, 8).putLong(0x0102030405060708L);

        assertThatThrownBy(() -> SingleObjectCodec.example().decode(bytes))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("unknown writer schema fingerprint");
    }

    @Test
    void plainBytes_areNotSingleObjectEncoding() {
        assertThatThrownBy(() -> SingleObjectCodec.example().decode(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("C3 01");
        assertThatThrownBy(() -> SingleObjectCodec.example().decode(new byte[0]))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void outputRecords_roundTrip() throws Exception {
        ModelSnapshot s = ModelSnapshot.newBuilder()
                .setModelId("m")
                .setVersion(3)
                .setStep(30)
                .setExamplesSeen(960)
                .setCreatedAt(Instant.ofEpochMilli(5))
                .setConfigYaml("model: {}")
                .setState(ByteBuffer.wrap(new byte[] {1, 2}))
                .setMetrics(Map.of("loss", 0.5))
                .setSourceOffsets(Map.of("examples-0", 961L))
                .setSchemaVersion(2)
                .setBuildVersion("0.1.0")
                .build();
        TrainingMetrics t = TrainingMetrics.newBuilder()
                .setModelId("m")
                .setStep(1)
                .setExamplesSeen(32)
                .setWindowBatches(1)
                .setWindowExamples(32)
                .setLoss(0.7)
                .setAccuracy(0.5)
                .setGradientNorm(1)
                .setLearningRate(0.1)
                .setExamplesPerSecond(100)
                .setSkippedBatches(0)
                .setCreatedAt(Instant.ofEpochMilli(9))
                .build();
        DeadLetter d = DeadLetter.newBuilder()
                .setTopic("t")
                .setPartition(0)
                .setOffset(7)
                .setKey(null)
                .setValue(ByteBuffer.wrap(new byte[] {9}))
                .setReason("bad")
                .setModelId(null)
                .setFailedAt(Instant.ofEpochMilli(1))
                .build();

        assertThat(SingleObjectCodec.modelSnapshot()
                        .decode(SingleObjectCodec.modelSnapshot().encode(s)))
                .isEqualTo(s);
        assertThat(SingleObjectCodec.trainingMetrics()
                        .decode(SingleObjectCodec.trainingMetrics().encode(t)))
                .isEqualTo(t);
        assertThat(SingleObjectCodec.deadLetter()
                        .decode(SingleObjectCodec.deadLetter().encode(d)))
                .isEqualTo(d);
    }
}
