package io.streamgrad.job.checkpoint;

import io.streamgrad.job.StreamgradJob;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;
import org.apache.flink.streaming.api.graph.StreamNode;

/**
 * Whether a checkpoint or savepoint can be restored into the job a configuration builds, decided before the job is
 * submitted.
 *
 * <p>Flink refuses a restore when the checkpoint holds state of an operator the new job does not have, unless told to
 * drop such state ({@code execution.state-recovery.ignore-unclaimed-state}, {@code flink run
 * --allowNonRestoredState}). Dropping it blindly would hide a real mistake (a renamed trainer uid silently starting
 * every model fresh), so this check allows it only when every unclaimed operator is one of the job's optional outputs
 * ({@link StreamgradJob#OPTIONAL_OUTPUTS}: a sink that a setting turned off since the checkpoint). A sink's state is
 * its open transactions: dropping it means the records of the last checkpoint's epoch that were not yet committed to
 * that output are never committed there (the broker aborts them after {@code transaction_timeout_ms}), which is what
 * turning the output off asks for. Any other unclaimed state is an error naming the operators and the ways out.
 *
 * <p>Operator ids are the murmur3 hashes of the uids ({@link StreamGraphHasherV2#generateUserSpecifiedHash}): the job
 * sets a uid on every operator, so the ids the checkpoint holds can be matched to uids of operators that no longer
 * exist.
 */
public final class ResumeCheck {
    private static final String METADATA = "_metadata";

    private ResumeCheck() {}

    /**
     * The outcome for a restore that Flink accepts.
     *
     * @param dropOutputs the optional outputs whose state the checkpoint holds but the new job does not have, each
     *                    as "uid (the setting that turns it on)"; empty when every state is claimed
     */
    public record Outcome(List<String> dropOutputs) {
        public Outcome {
            dropOutputs = List.copyOf(dropOutputs);
        }

        /** Whether the restore must be told to drop the state nothing claims. */
        public boolean ignoreUnclaimedState() {
            return !dropOutputs.isEmpty();
        }

        /** One line for the operator, or empty when nothing is dropped. */
        public String describe() {
            return dropOutputs.isEmpty()
                    ? ""
                    : "outputs turned off since the checkpoint: " + String.join(", ", dropOutputs)
                            + "; their state (open transactions of the last checkpoint) is dropped";
        }
    }

    /** Thrown when the checkpoint holds state that only a different job could claim. */
    public static final class IncompatibleCheckpointException extends Exception {
        private static final long serialVersionUID = 1L;

        IncompatibleCheckpointException(String message) {
            super(message);
        }
    }

    /**
     * Checks {@code checkpoint} (a {@code chk-<n>} or savepoint directory, a path or a URI Flink's file systems read)
     * against the job {@code graph}.
     *
     * @throws IncompatibleCheckpointException naming the operators no optional output explains, and the fix
     * @throws IOException                     when the checkpoint's metadata cannot be read
     */
    public static Outcome check(String checkpoint, StreamGraph graph)
            throws IOException, IncompatibleCheckpointException {
        Set<String> uids = new HashSet<>();
        for (StreamNode n : graph.getStreamNodes()) {
            uids.add(n.getTransformationUID());
        }
        return check(checkpoint, uids);
    }

    /** As {@link #check(String, StreamGraph)}, with the new job given as the uids of its operators. */
    public static Outcome check(String checkpoint, Set<String> jobUids)
            throws IOException, IncompatibleCheckpointException {
        Set<OperatorID> claimed = new HashSet<>();
        for (String uid : jobUids) {
            claimed.add(operatorId(uid));
        }
        Map<OperatorID, String> optional = new HashMap<>();
        StreamgradJob.OPTIONAL_OUTPUTS.forEach((uid, setting) -> {
            String what = uid + " (" + setting + ")";
            optional.put(operatorId(uid), what);
            optional.put(operatorId(committerUid(uid)), what);
        });
        Set<String> drop = new TreeSet<>();
        List<String> unexplained = new ArrayList<>();
        for (OperatorState state : read(checkpoint).getOperatorStates()) {
            OperatorID id = state.getOperatorID();
            if (claimed.contains(id) || !hasState(state)) {
                continue;
            }
            String output = optional.get(id);
            if (output != null) {
                drop.add(output);
            } else {
                unexplained.add(state.getOperatorUid()
                        .map(u -> "'" + u + "'")
                        .orElse("id " + id
                                + state.getOperatorName()
                                        .map(n -> " ('" + n + "')")
                                        .orElse("")));
            }
        }
        if (!unexplained.isEmpty()) {
            throw new IncompatibleCheckpointException("checkpoint " + checkpoint + " holds the state of "
                    + unexplained.size() + " operator(s) this job does not have: " + String.join(", ", unexplained)
                    + ". Its configuration builds a different job than the one that wrote it (a model kind or a"
                    + " whole path removed, or a build with other operator uids). Restore it with the configuration"
                    + " and build that wrote it, or start with --fresh (models warm-start from their newest version"
                    + " on the models topic, so no version is published twice).");
        }
        return new Outcome(List.copyOf(drop));
    }

    /** The uid Flink gives the committer of a sink whose uid is {@code sinkUid}. */
    static String committerUid(String sinkUid) {
        return "Sink Committer: " + sinkUid;
    }

    /** The operator id Flink derives from an operator's uid. */
    public static OperatorID operatorId(String uid) {
        return new OperatorID(StreamGraphHasherV2.generateUserSpecifiedHash(uid));
    }

    /** Flink's own rule: state counts when a coordinator or any subtask holds some. */
    private static boolean hasState(OperatorState state) {
        if (state.getCoordinatorState() != null) {
            return true;
        }
        for (OperatorSubtaskState s : state.getStates()) {
            if (s.hasState()) {
                return true;
            }
        }
        return false;
    }

    private static CheckpointMetadata read(String checkpoint) throws IOException {
        Path dir = new Path(checkpoint);
        Path metadata = dir.getName().equals(METADATA) ? dir : new Path(dir, METADATA);
        FileSystem fs = metadata.getFileSystem();
        if (!fs.exists(metadata)) {
            throw new IOException("no checkpoint at " + checkpoint + ": " + metadata
                    + " does not exist (give a savepoint directory or a retained checkpoint's chk-<n> directory)");
        }
        try (FSDataInputStream in = fs.open(metadata)) {
            return Checkpoints.loadCheckpointMetadata(
                    new DataInputStream(in), ResumeCheck.class.getClassLoader(), checkpoint);
        }
    }
}
