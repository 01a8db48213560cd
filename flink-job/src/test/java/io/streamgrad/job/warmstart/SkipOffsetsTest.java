package io.streamgrad.job.warmstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SkipOffsetsTest {
    private final SkipOffsets skip = SkipOffsets.of(Map.of(
            "clicks", Map.of("examples-0", 480L),
            "prices", Map.of("examples-1", 160L, "examples-0", 20L)));

    @Test
    void recordBeforeTheSnapshotsNextOffset_isAlreadyTrained() {
        assertThat(skip.alreadyTrained("clicks", "examples", 0, 0)).isTrue();
        assertThat(skip.alreadyTrained("clicks", "examples", 0, 479)).isTrue();
    }

    @Test
    void recordAtOrAfterTheNextOffset_isNew() {
        assertThat(skip.alreadyTrained("clicks", "examples", 0, 480)).isFalse();
        assertThat(skip.alreadyTrained("clicks", "examples", 0, 10_000)).isFalse();
    }

    @Test
    void eachModelKeepsItsOwnOffsetsPerPartition() {
        assertThat(skip.alreadyTrained("prices", "examples", 0, 100)).isFalse();
        assertThat(skip.alreadyTrained("prices", "examples", 0, 19)).isTrue();
        assertThat(skip.alreadyTrained("prices", "examples", 1, 159)).isTrue();
    }

    @Test
    void partitionTheSnapshotDoesNotName_orAnotherTopic_isNew() {
        assertThat(skip.alreadyTrained("clicks", "examples", 1, 0)).isFalse();
        assertThat(skip.alreadyTrained("clicks", "other", 0, 0)).isFalse();
    }

    @Test
    void modelThatWasNotWarmStarted_trainsEverything() {
        assertThat(skip.alreadyTrained("species", "examples", 0, 0)).isFalse();
        assertThat(SkipOffsets.none().alreadyTrained("clicks", "examples", 0, 0))
                .isFalse();
        assertThat(SkipOffsets.none().isEmpty()).isTrue();
        assertThat(skip.isEmpty()).isFalse();
    }
}
