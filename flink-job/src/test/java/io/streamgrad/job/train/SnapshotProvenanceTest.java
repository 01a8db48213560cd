package io.streamgrad.job.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.job.BuildInfo;
import io.streamgrad.schemas.SchemaHistory;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnapshotProvenanceTest {
    @Test
    void of_takesStepAndOffsetsFromTheProgress_andVersionsFromThisBuild() {
        TrainerProgress p = new TrainerProgress();
        p.step = 7;
        p.mergeOffsets(new String[] {"ex-1", "ex-0"}, new long[] {12, 30});

        SnapshotProvenance prov = SnapshotProvenance.of("model: {type: logistic}", p);

        assertThat(prov.step()).isEqualTo(7);
        assertThat(prov.sourceOffsets())
                .containsExactly(java.util.Map.entry("ex-1", 12L), java.util.Map.entry("ex-0", 30L));
        assertThat(prov.schemaVersion()).isEqualTo(SchemaHistory.EXAMPLE_CURRENT_VERSION);
        assertThat(prov.buildVersion()).isEqualTo(BuildInfo.version());
    }

    @Test
    void writeTo_fillsTheSnapshotsProvenanceFields() {
        TrainerProgress p = new TrainerProgress();
        p.step = 3;
        p.mergeOffsets(new String[] {"ex-0"}, new long[] {9});

        ModelSnapshot s = SnapshotProvenance.of("yaml", p)
                .writeTo(ModelSnapshot.newBuilder()
                        .setModelId("m")
                        .setVersion(1)
                        .setExamplesSeen(0)
                        .setCreatedAt(Instant.EPOCH)
                        .setState(ByteBuffer.allocate(0)))
                .build();

        assertThat(s.getStep()).isEqualTo(3);
        assertThat(s.getConfigYaml()).isEqualTo("yaml");
        assertThat(s.getSourceOffsets()).containsEntry("ex-0", 9L);
        assertThat(s.getSchemaVersion()).isEqualTo(SchemaHistory.EXAMPLE_CURRENT_VERSION);
        assertThat(s.getBuildVersion()).isEqualTo(BuildInfo.version());
    }
}
