package io.streamgrad.job.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state-scale bench's arguments and wiring (the bench itself runs by hand: {@link MfStateScaleBench}). */
class MfStateScaleBenchTest {

    @Test
    void arguments_defaultToTheReferenceRun_andPassFlinkKeysThrough() {
        MfStateScaleBench.Args d = MfStateScaleBench.Args.parse();
        assertThat(d.rows()).isEqualTo(10_000);
        assertThat(d.ids()).isEqualTo(MfStateScaleBench.Ids.UNIFORM);
        assertThat(d.settle()).isTrue();
        assertThat(d.checkpoints()).isEqualTo(MfStateScaleBench.Checkpoints.NONE);
        assertThat(d.flink()).containsEntry("state.backend.rocksdb.block.cache-size", "256mb");

        MfStateScaleBench.Args a = MfStateScaleBench.Args.parse(
                "--rows",
                "10000000",
                "--ids",
                "zipf",
                "--zipf-exponent",
                "0.8",
                "--settle",
                "false",
                "--checkpoints",
                "incremental",
                "--flink",
                "state.backend.rocksdb.block.blocksize=16kb");
        assertThat(a.rows()).isEqualTo(10_000_000);
        assertThat(a.ids()).isEqualTo(MfStateScaleBench.Ids.ZIPF);
        assertThat(a.zipfExponent()).isEqualTo(0.8);
        assertThat(a.settle()).isFalse();
        assertThat(a.checkpoints()).isEqualTo(MfStateScaleBench.Checkpoints.INCREMENTAL);
        assertThat(a.flink())
                .containsEntry("state.backend.rocksdb.block.blocksize", "16kb")
                .containsEntry("state.backend.rocksdb.use-bloom-filter", "true");
    }

    @Test
    void badArguments_areRefusedWithTheUsage() {
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--rows", "0"))
                .hasMessageContaining("--rows must be > 0")
                .hasMessageContaining("usage:");
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--ids", "gauss"))
                .hasMessageContaining("bad value 'gauss' for --ids");
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--flink", "nokey"))
                .hasMessageContaining("key=value");
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--batches"))
                .hasMessageContaining("--batches needs a value");
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--what", "1")).hasMessageContaining("unknown argument");
    }

    @Test
    void zipfIds_areSkewedAndScattered_uniformIdsAreNot() {
        int rows = 100_000;
        var zipf = MfStateScaleBench.IdSampler.of(MfStateScaleBench.Ids.ZIPF, rows, 1.0, 7);
        var uniform = MfStateScaleBench.IdSampler.of(MfStateScaleBench.Ids.UNIFORM, rows, 1.0, 7);
        int[] zipfCounts = new int[rows];
        Set<Integer> uniformSeen = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            zipfCounts[zipf.next()]++;
            uniformSeen.add(uniform.next());
        }
        int top = 0;
        int topId = -1;
        int distinct = 0;
        for (int id = 0; id < rows; id++) {
            distinct += zipfCounts[id] > 0 ? 1 : 0;
            if (zipfCounts[id] > top) {
                top = zipfCounts[id];
                topId = id;
            }
        }
        // Zipf(1) over 10^5: the top rank has 1/H(10^5) = 8.3% of the draws; uniform ids nearly never repeat
        assertThat(top).isBetween(1_400, 1_950);
        assertThat(topId).as("rank 1 is scattered away from id 0").isNotZero();
        assertThat(distinct).isLessThan(uniformSeen.size() * 6 / 10); // about 8,400 vs 18,100
        assertThat(uniformSeen.size()).isGreaterThan(17_500);
    }

    @Test
    void aSmallRun_trainsAndTakesTwoIncrementalCheckpoints(@TempDir Path dir) throws Exception {
        var args = MfStateScaleBench.Args.parse(
                "--rows",
                "2000",
                "--batches",
                "20",
                "--ids",
                "zipf",
                "--checkpoints",
                "incremental",
                "--dir",
                dir.toString());
        var log = new ByteArrayOutputStream();
        MfStateScaleBench.Result r = MfStateScaleBench.run(args, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(r.msPerBatch()).isPositive();
        assertThat(r.perBatch().get("number_keys_read"))
                .as("the trainer read rows from RocksDB")
                .isPositive();
        assertThat(r.checkpoints()).hasSize(2);
        var first = r.checkpoints().get(0);
        var second = r.checkpoints().get(1);
        // 2 x 2000 rows of 183 bytes, as SST files: the whole state is in the first checkpoint
        assertThat(first.stateSize()).isGreaterThan(2 * 2000 * 183 / 2);
        assertThat(first.checkpointedSize()).isEqualTo(first.stateSize());
        // the second uploads only the files written since; it refers to the first one's too
        assertThat(second.checkpointedSize()).isLessThan(second.stateSize());
        try (var files = Files.list(dir)) {
            assertThat(files)
                    .as("the bench deletes its RocksDB and checkpoint files")
                    .isEmpty();
        }
    }
}
