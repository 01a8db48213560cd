package io.streamgrad.bench.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.data.Dataset;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's hand-written Avro bodies decode, with the job's codecs, to the rows the offline side trains; options. */
class StreamBenchCommandTest {
    @Test
    void sparseExampleRecords_decodeToTheDatasetsRows() throws Exception {
        StreamBenchData d = StreamBenchData.hashedClicks("s", 50, 1 << 20, 30, 3);
        Dataset data = d.dataset();
        var codec = SingleObjectCodec.example();
        for (int i = 0; i < d.size; i++) {
            Example e = codec.decode(d.example(i, 1234));
            Batch row = data.batch(i, i + 1);

            assertThat(e.getModelId()).isEqualTo("s");
            assertThat(e.getEventTime().toEpochMilli()).isEqualTo(1234);
            assertThat(e.getDense()).isEmpty();
            assertThat(e.getIndices())
                    .containsExactly(
                            java.util.Arrays.stream(row.indices()).boxed().toArray(Integer[]::new));
            assertThat(e.getIndices()).hasSizeBetween(20, 40).doesNotHaveDuplicates();
            assertThat(e.getValues()).hasSameSizeAs(e.getIndices()).containsOnly(1f);
            assertThat(e.getLabel()).isEqualTo(row.labels()[0]).isIn(0f, 1f);
            assertThat(e.getWeight()).isEqualTo(1f);
        }
    }

    @Test
    void denseMiniBatchRecord_decodesToTheDatasetsRows_inOrder() throws Exception {
        StreamBenchData d = StreamBenchData.mnistShaped("m", 20, 784, 10, 4);
        Dataset data = d.dataset();

        MiniBatch mb = SingleObjectCodec.miniBatch().decode(d.miniBatch(5, 15, 99));

        assertThat(mb.getModelId()).isEqualTo("m");
        assertThat(mb.getExamples()).hasSize(10);
        Batch rows = data.batch(5, 15);
        for (int r = 0; r < 10; r++) {
            Example e = mb.getExamples().get(r);
            assertThat(e.getDense()).hasSize(784);
            for (int j = 0; j < 784; j++) {
                assertThat(e.getDense().get(j)).isEqualTo(rows.dense()[r * 784 + j]);
            }
            assertThat(e.getLabel()).isEqualTo(rows.labels()[r]).isBetween(0f, 9f);
            assertThat(e.getEventTime().toEpochMilli()).isEqualTo(99);
        }
    }

    @Test
    void sameSeed_sameExamples() {
        assertThat(StreamBenchData.hashedClicks("s", 100, 1 << 20, 30, 5).indices)
                .isEqualTo(StreamBenchData.hashedClicks("s", 100, 1 << 20, 30, 5).indices);
    }

    @Test
    void percentile_isNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(StreamBenchCommand.percentile(v, 50)).isEqualTo(5);
        assertThat(StreamBenchCommand.percentile(v, 99)).isEqualTo(10);
        assertThat(StreamBenchCommand.percentile(new double[0], 50)).isNaN();
    }

    @Test
    void badOptions_areUsageErrors_beforeAnythingStarts() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true);

        assertThat(StreamBenchCommand.execute(List.of("--model", "cnn"), o, e)).isEqualTo(2);
        assertThat(StreamBenchCommand.execute(List.of("--form", "csv"), o, e)).isEqualTo(2);
        assertThat(StreamBenchCommand.execute(List.of("--examples", "0"), o, e)).isEqualTo(2);
        assertThat(StreamBenchCommand.execute(List.of("--model", "mlp", "--examples", "1000", "--passes", "2"), o, e))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(
                        "--model: 'cnn' is not one of",
                        "--form: 'csv' is not one of",
                        "--examples: 0 is outside",
                        "--passes 2 needs --examples to be a multiple of mlp's batch_size 128 (got 1000)");
    }
}
