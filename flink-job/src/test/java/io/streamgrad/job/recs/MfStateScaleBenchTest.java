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
        assertThat(d.rowCache()).as("the job's recs.cached_rows").isEqualTo(RecsModels.DEFAULT_CACHED_ROWS);
        assertThat(d.warmCache()).isFalse();
        assertThat(d.warmupBatches()).as("a fifth of --batches").isEqualTo(200);
        assertThat(MfStateScaleBench.Args.parse("--warmup-batches", "40000").warmupBatches())
                .isEqualTo(40_000);
        assertThat(d.path()).isEqualTo("row-cache=" + RecsModels.DEFAULT_CACHED_ROWS);
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
                "--row-cache",
                "0",
                "--warm-cache",
                "true",
                "--flink",
                "state.backend.rocksdb.block.blocksize=16kb");
        assertThat(a.rows()).isEqualTo(10_000_000);
        assertThat(a.ids()).isEqualTo(MfStateScaleBench.Ids.ZIPF);
        assertThat(a.zipfExponent()).isEqualTo(0.8);
        assertThat(a.settle()).isFalse();
        assertThat(a.checkpoints()).isEqualTo(MfStateScaleBench.Checkpoints.INCREMENTAL);
        assertThat(a.rowCache()).isZero();
        assertThat(a.path()).isEqualTo("uncached");
        assertThat(a.warmCache()).isTrue();
        assertThat(a.flink())
                .containsEntry("state.backend.rocksdb.block.blocksize", "16kb")
                .containsEntry("state.backend.rocksdb.use-bloom-filter", "true");
    }

    @Test
    void badArguments_areRefusedWithTheUsage() {
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--rows", "0"))
                .hasMessageContaining("--rows must be > 0")
                .hasMessageContaining("usage:");
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--row-cache", "-1"))
                .hasMessageContaining("--row-cache must be >= 0");
        assertThatThrownBy(() -> MfStateScaleBench.Args.parse("--warm-cache", "yes"))
                .hasMessageContaining("--warm-cache is true or false");
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
    void theOfflineReference_trainsTheSameBatchesOverHeapTables_withoutAStateBackend() throws Exception {
        var args =
                MfStateScaleBench.Args.parse("--rows", "2000", "--batches", "20", "--ids", "zipf", "--offline", "true");
        assertThat(args.path()).isEqualTo("offline");
        var log = new ByteArrayOutputStream();
        MfStateScaleBench.Result r = MfStateScaleBench.run(args, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(r.msPerBatch()).isPositive();
        assertThat(r.perBatch().get("thread_cpu_ms")).isPositive();
        assertThat(r.perBatch()).as("no RocksDB counters: no state backend").doesNotContainKey("number_keys_read");
        assertThat(r.cachedRowsAfter()).as("both tables, whole, in the heap").isEqualTo(2 * 2000);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("filled 2,000 rows per table in the heap");
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

    @Test
    void throughTheRowCache_aCheckpointFlushesTheTrainedRows_andTheTablesEqualTheUncachedRuns(@TempDir Path dir)
            throws Exception {
        var log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        var cached = MfStateScaleBench.run(smallRun(dir, "--row-cache", "10000", "--warm-cache", "true"), log);
        var uncached = MfStateScaleBench.run(smallRun(dir, "--row-cache", "0", "--warm-cache", "false"), log);

        // 2 x 2,000 rows fit the row cache: both tables are loaded into it at the first batch
        assertThat(cached.cachedRowsAfter()).isEqualTo(2 * 2_000);
        assertThat(uncached.cachedRowsAfter()).isZero();
        assertThat(cached.checkpoints().get(0).flushedKeys())
                .as("nothing trained before checkpoint 1")
                .isZero();
        assertThat(cached.checkpoints().get(1).flushedKeys())
                .as("checkpoint 2 writes the rows trained since into the state first")
                .isGreaterThan(100);
        assertThat(uncached.checkpoints().get(1).flushedKeys())
                .as("uncached: every row was written when trained; only the changed-ids marks wait for the barrier")
                .isLessThan(cached.checkpoints().get(1).flushedKeys());
        assertThat(cached.perBatch().get("number_keys_read"))
                .as("cached rows are not read from RocksDB")
                .isLessThan(uncached.perBatch().get("number_keys_read") / 4);
        // what the state holds after the checkpoint is what the uncached path wrote, row for row
        assertThat(cached.digest()).isNotZero().isEqualTo(uncached.digest());

        assertThat(cached.warm()).isNotNull();
        assertThat(cached.warm().rows()).isEqualTo(2 * 2_000);
        assertThat(cached.warm().blockCacheMisses()).isPositive();
        assertThat(cached.warm().blockCacheUsage())
                .as("the settled tables' blocks, cached")
                .isGreaterThan(2 * 2_000 * 183 / 2);
        assertThat(uncached.warm()).isNull();
    }

    private static MfStateScaleBench.Args smallRun(Path dir, String... more) {
        var base = new java.util.ArrayList<>(java.util.List.of(
                "--rows",
                "2000",
                "--batches",
                "20",
                "--ids",
                "zipf",
                "--checkpoints",
                "incremental",
                "--digest",
                "true",
                "--dir",
                dir.toString()));
        base.addAll(java.util.List.of(more));
        return MfStateScaleBench.Args.parse(base.toArray(String[]::new));
    }
}
