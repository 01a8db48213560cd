package io.streamgrad.learner.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.Snapshot;
import io.streamgrad.learner.train.Predictor;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The exporter writes the committed fixtures byte for byte (a change of the graph, the field encoding or the
 * metadata is deliberate or a bug), and ONNX Runtime runs each fixture with the predictions of the learner.
 */
class OnnxFixtureTest {
    @Test
    void exporter_writesTheCommittedFixturesByteForByte_andOnnxRuntimeRunsThem() throws Exception {
        for (var e : OnnxFixtures.CONFIGS.entrySet()) {
            byte[] committed = fixture(e.getKey());
            Snapshot s = OnnxFixtures.snapshot(e.getValue());

            assertThat(OnnxExporter.export(s)).as(e.getKey()).isEqualTo(committed);

            float[] x = new float[4 * 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 7) * 0.25f - 0.75f;
            }
            float[] ones = new float[4];
            Arrays.fill(ones, 1f);
            Batch batch = Batch.dense(4, 5, x, new float[4], ones);
            float[] expected = new Predictor(s.config()).predict(s.state().params(), batch, null);
            OnnxRuntimeRun.Outputs ort = OnnxRuntimeRun.run(committed, x, 4, 5);
            assertThat(OnnxRuntimeRun.maxRelativeError(ort.get(OnnxExporter.OUTPUT), expected))
                    .as(e.getKey())
                    .isLessThanOrEqualTo(1e-5);
        }
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = OnnxFixtureTest.class.getResourceAsStream("/fixtures/onnx/" + name)) {
            assertThat(in).as("fixture %s (OnnxFixtures.main writes it)", name).isNotNull();
            return in.readAllBytes();
        }
    }
}
