package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keeps {@link MfTrainerCostProbe} (a runnable measurement, docs/BENCHMARKS.md) working: a small round each. */
class MfTrainerCostProbeTest {
    @ParameterizedTest
    @ValueSource(strings = {"hashmap", "rocksdb"})
    void aSmallRound_timesBothTrainers_throughVersionsAndCheckpoints(String backend) throws Exception {
        var data = MfTrainerCostProbe.data(3 * 2_048);

        MfTrainerCostProbe.Result r = MfTrainerCostProbe.run(backend, data, 2_048);

        assertThat(r.interactions()).isEqualTo(3 * 2_048);
        assertThat(r.versions()).as("a version every 8 batches of 256").isEqualTo(3);
        assertThat(r.checkpoints()).isEqualTo(3);
        assertThat(r.offlineUs()).isPositive();
        assertThat(r.operatorUs()).isPositive();
        assertThat(r.flushUs())
                .as("the cached rows were written before each barrier")
                .isPositive();
    }
}
