package io.streamgrad.job.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BatchTriggerTest {
    /**
     * The wire names are in ExampleBatch records and in savepoints: they must stay exactly these. New ones may only be
     * added ("idle-expired": the expiry marker of a template model, never buffered, so never in state).
     */
    @Test
    void wireNames_areTheStringsOfStateFormatV1() {
        assertThat(BatchTrigger.values())
                .extracting(BatchTrigger::wireName)
                .containsExactly(
                        "count", "timeout", "end-of-input", "producer", "before-producer-batch", "idle-expired");
    }

    @Test
    void of_readsEveryWireNameBack() {
        for (BatchTrigger t : BatchTrigger.values()) {
            assertThat(BatchTrigger.of(t.wireName())).isSameAs(t);
        }
    }

    @Test
    void of_unknownName_isRefusedWithTheKnownOnes() {
        assertThatThrownBy(() -> BatchTrigger.of("COUNT"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'COUNT'")
                .hasMessageContaining("end-of-input");
    }
}
