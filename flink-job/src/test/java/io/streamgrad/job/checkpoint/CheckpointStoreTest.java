package io.streamgrad.job.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.checkpoint.CheckpointStore.ResumePoint;
import io.streamgrad.job.config.JobConfigParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the checkpoint a restart resumes from, and retention of older runs, on directories laid out as Flink does. */
class CheckpointStoreTest {
    private static final String RUN_A = "a".repeat(32);
    private static final String RUN_B = "b".repeat(32);
    private static final String RUN_C = "c".repeat(32);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private CheckpointStore store() {
        return new CheckpointStore(dir.toUri().toString());
    }

    /** {@code <dir>/<run>/chk-<n>}, with a {@code _metadata} written at {@code T0 + second} when complete. */
    private Path checkpoint(String run, int n, boolean complete, int second) throws IOException {
        Path chk = Files.createDirectories(dir.resolve(run).resolve("chk-" + n));
        Files.writeString(chk.resolve("some-operator-state"), "state");
        if (complete) {
            Path metadata = Files.writeString(chk.resolve("_metadata"), "metadata");
            Files.setLastModifiedTime(metadata, FileTime.from(T0.plusSeconds(second)));
        }
        Files.setLastModifiedTime(dir.resolve(run), FileTime.from(T0.plusSeconds(second)));
        return chk;
    }

    @Test
    void noDirectoryYet_hasNothingToResumeFrom() throws IOException {
        assertThat(new CheckpointStore(dir.resolve("missing").toString()).newest())
                .isEmpty();
    }

    @Test
    void newest_isTheLatestCheckpointWithMetadata_skippingAnIncompleteNewerOne() throws IOException {
        checkpoint(RUN_A, 39, true, 10);
        Path wanted = checkpoint(RUN_B, 41, true, 20);
        checkpoint(RUN_B, 42, false, 30); // being written when the process was killed

        ResumePoint p = store().newest().orElseThrow();

        assertThat(Path.of(java.net.URI.create(p.path()))).isEqualTo(wanted);
        assertThat(p.checkpointId()).isEqualTo(41);
        assertThat(p.run()).isEqualTo(RUN_B);
        assertThat(p.completedAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(p.describe()).startsWith("checkpoint 41 (").contains("chk-41, completed ");
    }

    @Test
    void newest_isDecidedByCompletionTime_soAFreshRunsLowCheckpointWinsOverAnOlderRunsHighOne() throws IOException {
        checkpoint(RUN_A, 120, true, 10);
        checkpoint(RUN_B, 3, true, 20); // started with --fresh: the counter began at 1 again

        assertThat(store().newest().orElseThrow().checkpointId()).isEqualTo(3);
    }

    @Test
    void aNewerSavepoint_isTheResumePoint_andOtherDirectoriesAreIgnored() throws IOException {
        checkpoint(RUN_A, 7, true, 10);
        Path sp =
                Files.createDirectories(dir.resolve(CheckpointStore.SAVEPOINTS).resolve("savepoint-aaaaaa-0123"));
        Files.setLastModifiedTime(Files.writeString(sp.resolve("_metadata"), "m"), FileTime.from(T0.plusSeconds(15)));
        Path notARun = Files.createDirectories(dir.resolve("notes").resolve("chk-99"));
        Files.setLastModifiedTime(
                Files.writeString(notARun.resolve("_metadata"), "m"), FileTime.from(T0.plusSeconds(99)));

        ResumePoint p = store().newest().orElseThrow();

        assertThat(p.savepoint()).isTrue();
        assertThat(p.path()).endsWith("savepoint-aaaaaa-0123");
        assertThat(p.describe()).startsWith("savepoint ").contains("(completed ");
    }

    @Test
    void removeOldRuns_keepsTheCurrentAndTheNewestOthers_deletesTheRest() throws IOException {
        checkpoint(RUN_A, 5, true, 10);
        checkpoint(RUN_B, 9, true, 20);
        checkpoint(RUN_C, 12, true, 30);
        String current = "d".repeat(32); // just started: no directory yet

        var deleted = store().removeOldRuns(current, 2);

        assertThat(deleted).hasSize(2).allMatch(d -> d.endsWith(RUN_A) || d.endsWith(RUN_B));
        assertThat(dir.resolve(RUN_A)).doesNotExist();
        assertThat(dir.resolve(RUN_B)).doesNotExist();
        assertThat(dir.resolve(RUN_C).resolve("chk-12").resolve("_metadata")).exists();
    }

    @Test
    void removeOldRuns_neverDeletesTheRunHoldingTheNewestCompleteCheckpoint() throws IOException {
        checkpoint(RUN_A, 40, true, 10); // what the current run restored from
        checkpoint(RUN_B, 1, false, 20); // a run killed before its first checkpoint
        checkpoint(RUN_C, 41, false, 30); // the current run: its first checkpoint is not complete yet

        var deleted = store().removeOldRuns(RUN_C, 1);

        assertThat(deleted).singleElement().satisfies(d -> assertThat(d).endsWith(RUN_B));
        assertThat(dir.resolve(RUN_A).resolve("chk-40").resolve("_metadata")).exists();
        assertThat(dir.resolve(RUN_C)).exists();
    }

    @Test
    void removeOldRuns_leavesSavepointsAndForeignDirectoriesAlone() throws IOException {
        checkpoint(RUN_A, 5, true, 10);
        Files.createDirectories(dir.resolve(CheckpointStore.SAVEPOINTS).resolve("savepoint-1"));
        Files.createDirectories(dir.resolve("notes"));

        assertThat(store().removeOldRuns(RUN_B, 1)).isEmpty(); // RUN_A holds the newest checkpoint

        checkpoint(RUN_B, 6, true, 20);
        assertThat(store().removeOldRuns(RUN_B, 1))
                .singleElement()
                .satisfies(d -> assertThat(d).endsWith(RUN_A));
        assertThat(dir.resolve(CheckpointStore.SAVEPOINTS).resolve("savepoint-1"))
                .exists();
        assertThat(dir.resolve("notes")).exists();
    }

    @Test
    void jobDirectory_isTheJobNameUnderCheckpointDir_defaultingToTheGroupId() {
        var cfg = JobConfigParser.parse("""
                kafka: {bootstrap.servers: "b:9092"}
                group_id: "team/ctr v2"
                checkpoint_dir: file:///var/ckpt/
                models:
                  m: {model: {type: linear, features: 2}, loss: mse, optimizer: {type: sgd, learning_rate: 0.1}}
                """, "job.yaml");

        assertThat(cfg.jobName()).isEqualTo("team_ctr_v2");
        assertThat(cfg.checkpointRetainedRuns()).isEqualTo(2);
        assertThat(CheckpointStore.of(cfg).orElseThrow().directory()).isEqualTo("file:/var/ckpt/team_ctr_v2");
    }
}
