package io.streamgrad.job.warmstart;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NewestSnapshotsTest {
    static ModelSnapshot snapshot(String id, long version, Map<String, Long> offsets) {
        return ModelSnapshot.newBuilder()
                .setModelId(id)
                .setVersion(version)
                .setStep(version * 10)
                .setExamplesSeen(version * 160)
                .setCreatedAt(Instant.ofEpochMilli(1000 + version))
                .setConfigYaml("")
                .setState(ByteBuffer.allocate(0))
                .setSourceOffsets(offsets)
                .build();
    }

    private final NewestSnapshots newest = new NewestSnapshots(Set.of("clicks", "prices")::contains);

    @Test
    void highestVersionWins_whateverTheOrderTheyAreRead() {
        newest.offer(snapshot("clicks", 2, Map.of()), new byte[2], "models-0@1");
        newest.offer(snapshot("clicks", 3, Map.of()), new byte[3], "models-1@0");
        newest.offer(snapshot("clicks", 1, Map.of()), new byte[1], "models-0@0");

        assertThat(newest.chosen()).containsOnlyKeys("clicks");
        assertThat(newest.chosen().get("clicks").snapshot().getVersion()).isEqualTo(3);
        assertThat(newest.chosen().get("clicks").coordinates()).isEqualTo("models-1@0");
    }

    @Test
    void sameVersionTwice_theOneReadLaterWins_asCompactionWouldKeepIt() {
        newest.offer(snapshot("clicks", 3, Map.of("examples-0", 1L)), new byte[1], "models-0@4");
        newest.offer(snapshot("clicks", 3, Map.of("examples-0", 2L)), new byte[1], "models-0@9");

        assertThat(newest.chosen().get("clicks").coordinates()).isEqualTo("models-0@9");
    }

    @Test
    void modelTheJobDoesNotTrain_isIgnored() {
        newest.offer(snapshot("ghost", 7, Map.of()), new byte[1], "models-0@0");

        assertThat(newest.chosen()).isEmpty();
    }

    @Test
    void tombstone_deletesTheModelsVersions_soItStartsAfresh() {
        newest.offer(snapshot("clicks", 4, Map.of()), new byte[1], "models-0@0");
        newest.offer(snapshot("prices", 2, Map.of()), new byte[1], "models-0@1");
        newest.delete("clicks");

        assertThat(newest.chosen()).containsOnlyKeys("prices");
    }

    @Test
    void warmStartSet_startsEachPartitionAtTheSmallestOffsetOverItsModels_ofTheExamplesTopicOnly() {
        newest.offer(
                snapshot("clicks", 4, Map.of("examples-0", 480L, "examples-1", 7L, "old-examples-0", 3L)),
                new byte[5],
                "models-0@0");
        newest.offer(snapshot("prices", 2, Map.of("examples-1", 160L)), new byte[6], "models-0@1");

        WarmStartSet set = WarmStartSet.of(newest.chosen(), Map.of("clicks", 45L));

        assertThat(set.startOffsets("examples")).containsExactly(Map.entry(0, 480L), Map.entry(1, 7L));
        assertThat(set.startOffsets("examples-0")).isEmpty();
        assertThat(set.skipOffsets().alreadyTrained("prices", "examples", 1, 100))
                .isTrue();
        assertThat(set.skipOffsets().alreadyTrained("clicks", "examples", 1, 100))
                .isFalse();
        assertThat(set.metricsPublishedThroughStep("clicks")).isEqualTo(45);
        assertThat(set.metricsPublishedThroughStep("prices")).isEqualTo(-1);
        assertThat(set.shippedBytes()).isEqualTo(11);
    }
}
