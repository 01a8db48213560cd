package io.streamgrad.bench.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecsBenchCommandTest {
    @Test
    void compactInteractions_giveBackTheGeneratorsInteractions() {
        List<Interaction> generated = InteractionGenerator.generate(42, 500, 40, 8, 3_000, 1.0, 0.5, 2.0);

        List<Interaction> compact = RecsBenchCommand.Compact.of(generated);

        assertThat(compact).hasSize(3_000).isEqualTo(generated);
        assertThat(compact.subList(256, 512)).isEqualTo(generated.subList(256, 512));
    }

    @Test
    void compactInteractions_refuseIdsNotOfTheGeneratorsForm() {
        assertThatThrownBy(() -> RecsBenchCommand.Compact.of(List.of(Interaction.implicit("alice", "i1", 0))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("id alice is not u<n>");
    }

    @Test
    void phasesAreRoundedUpToWholeVersions() {
        assertThat(RecsBenchCommand.roundUp(2_560_000, 2_048)).isEqualTo(2_560_000);
        assertThat(RecsBenchCommand.roundUp(128_000, 2_048)).isEqualTo(129_024);
        assertThat(RecsBenchCommand.roundUp(1, 2_048)).isEqualTo(2_048);
    }
}
