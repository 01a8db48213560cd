package io.streamgrad.job.sink;

import java.io.IOException;
import java.io.Serial;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaWriterState;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's exactly-once {@link KafkaSink}, unchanged (same writer, writer state, committables and colocation, so
 * savepoints and uids are unaffected), with a committer that never drops a transaction silently.
 *
 * <p>Why: the connector's {@code KafkaCommitter} (flink-connector-kafka 5.0.0) treats a {@code ProducerFencedException},
 * {@code InvalidTxnStateException} or {@code UnknownProducerIdException} on commit as a "known reason": it logs an
 * ERROR and calls {@code signalFailedWithKnownReason}, which Flink's committer only counts as a failed committable —
 * the job carries on and the records of that transaction, outputs of a completed checkpoint, are gone (the broker
 * aborted it, e.g. after {@code transaction.timeout.ms}). The same path fires on an ordinary restore: the
 * restored checkpoint's committables are committed again, and a transaction that was already committed before the
 * restore is then answered with "fenced" (the broker bumped the producer epoch when it completed the commit), so
 * the connector logs "this most likely signals data loss" although nothing was lost.
 *
 * <p>What this committer does instead, by asking the broker for the transaction's state
 * ({@link Admin#describeTransactions}):
 *
 * <ul>
 *   <li>a restored committable (one without the writer's producer) whose transaction the broker already shows as
 *       committed by the same producer id is marked already committed, without a second commit (no false alarm);
 *   <li>a commit answered with fenced / invalid state / unknown producer id: if the broker shows the transaction
 *       committed, fine; if it shows it aborted (or cannot say), the job fails — {@link TransactionLostException},
 *       with restarts suppressed when the broker confirms the abort, because restoring the same checkpoint could
 *       only fail again; resuming from the checkpoint before it produces the outputs again.
 * </ul>
 */
public final class GuardedKafkaSink<IN>
        implements TwoPhaseCommittingStatefulSink<IN, KafkaWriterState, KafkaCommittable>,
                SupportsPostCommitTopology<KafkaCommittable> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final KafkaSink<IN> delegate;
    private final Properties adminProperties;
    private final String topic;
    private final long transactionTimeoutMs;

    /**
     * @param adminProperties      client properties for an admin client (bootstrap servers, security)
     * @param topic                the sink's topic, for messages
     * @param transactionTimeoutMs the producers' transaction timeout, for messages
     */
    public GuardedKafkaSink(
            KafkaSink<IN> delegate, Properties adminProperties, String topic, long transactionTimeoutMs) {
        this.delegate = delegate;
        this.adminProperties = adminProperties;
        this.topic = topic;
        this.transactionTimeoutMs = transactionTimeoutMs;
    }

    @Override
    public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> createWriter(
            WriterInitContext context) throws IOException {
        return delegate.createWriter(context);
    }

    @Override
    public PrecommittingStatefulSinkWriter<IN, KafkaWriterState, KafkaCommittable> restoreWriter(
            WriterInitContext context, Collection<KafkaWriterState> recoveredState) {
        return delegate.restoreWriter(context, recoveredState);
    }

    @Override
    public SimpleVersionedSerializer<KafkaWriterState> getWriterStateSerializer() {
        return delegate.getWriterStateSerializer();
    }

    @Override
    public Committer<KafkaCommittable> createCommitter(CommitterInitContext context) throws IOException {
        return new GuardedCommitter(delegate.createCommitter(context));
    }

    @Override
    public SimpleVersionedSerializer<KafkaCommittable> getCommittableSerializer() {
        return delegate.getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<KafkaCommittable>> committables) {
        // Keeps the connector's colocation of writer and committer (its backchannel needs it).
        delegate.addPostCommitTopology(committables);
    }

    /** The outcome of a transaction as the broker reports it for a committable. */
    enum BrokerView {
        COMMITTED,
        ABORTED,
        IN_PROGRESS,
        UNKNOWN
    }

    /**
     * How the broker's description of a transactional id relates to a committable: committed by the committable's
     * own producer (same producer id, epoch at most one above it: completing a transaction bumps it once),
     * aborted (a timeout abort fences and completes: up to two above), or something else (still open, reused by a
     * later transaction, or unknown).
     */
    static BrokerView classify(TransactionDescription d, long producerId, short epoch) {
        if (d == null || d.producerId() != producerId || d.producerEpoch() < epoch || d.producerEpoch() > epoch + 2) {
            return BrokerView.UNKNOWN;
        }
        TransactionState s = d.state();
        if (s == TransactionState.COMPLETE_COMMIT) {
            return d.producerEpoch() <= epoch + 1 ? BrokerView.COMMITTED : BrokerView.UNKNOWN;
        }
        if (s == TransactionState.COMPLETE_ABORT
                || s == TransactionState.PREPARE_ABORT
                || s == TransactionState.PREPARE_EPOCH_FENCE
                || s == TransactionState.EMPTY) {
            return BrokerView.ABORTED;
        }
        return s == TransactionState.UNKNOWN ? BrokerView.UNKNOWN : BrokerView.IN_PROGRESS;
    }

    /** The checkpoint id a transactional id of the connector's incrementing naming ends with, or -1. */
    static long checkpointOf(String transactionalId) {
        int dash = transactionalId.lastIndexOf('-');
        try {
            return Long.parseLong(transactionalId.substring(dash + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    /** Why a transaction the job meant to commit was lost, with where to resume so its outputs are produced again. */
    String lostMessage(KafkaCommittable c, String brokerState, Throwable cause) {
        long checkpoint = checkpointOf(c.getTransactionalId());
        String resume = checkpoint > 1
                ? "resume from checkpoint " + (checkpoint - 1) + " (chk-" + (checkpoint - 1)
                        + " under checkpoint_dir, kept for this) or an earlier savepoint"
                : "resume from the newest savepoint or retained checkpoint before it";
        return "the Kafka transaction " + c.getTransactionalId() + " on topic " + topic
                + (checkpoint > 0 ? " (outputs of checkpoint " + checkpoint + ")" : "")
                + " was not committed: the broker reports it " + brokerState
                + (cause == null ? "" : " (commit answered " + cause.getClass().getSimpleName() + ")")
                + ". Its records are lost from that checkpoint on, so the job stops instead of carrying on."
                + " The usual cause is a transaction open longer than transaction_timeout_ms=" + transactionTimeoutMs
                + " (a long restart or outage between a checkpoint and its commit). To produce these outputs again, "
                + resume + "; raise transaction_timeout_ms (up to the broker's transaction.max.timeout.ms) to ride"
                + " out longer interruptions";
    }

    /** The commit failed and nothing can be committed from this checkpoint: the job must not carry on. */
    public static final class TransactionLostException extends IllegalStateException {
        @Serial
        private static final long serialVersionUID = 1L;

        TransactionLostException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final class GuardedCommitter implements Committer<KafkaCommittable> {
        private final Logger log = LoggerFactory.getLogger(GuardedKafkaSink.class);
        private final Committer<KafkaCommittable> committer;
        private Admin admin;

        GuardedCommitter(Committer<KafkaCommittable> committer) {
            this.committer = committer;
        }

        @Override
        public void commit(Collection<CommitRequest<KafkaCommittable>> requests)
                throws IOException, InterruptedException {
            List<CommitRequest<KafkaCommittable>> toCommit = new ArrayList<>();
            for (CommitRequest<KafkaCommittable> r : requests) {
                KafkaCommittable c = r.getCommittable();
                if (c.getProducer().isEmpty()) {
                    // Restored from a checkpoint: it may well have been committed before the restart.
                    TransactionDescription d = describe(c.getTransactionalId());
                    BrokerView view = classify(d, c.getProducerId(), c.getEpoch());
                    if (view == BrokerView.COMMITTED) {
                        log.info(
                                "transaction {} on {} was already committed before the restore; nothing to do",
                                c.getTransactionalId(),
                                topic);
                        r.signalAlreadyCommitted();
                        continue;
                    }
                    if (view == BrokerView.ABORTED) {
                        throw lost(c, d.state().toString(), null);
                    }
                }
                toCommit.add(new Guarded(r));
            }
            if (!toCommit.isEmpty()) {
                committer.commit(toCommit);
            }
        }

        private RuntimeException lost(KafkaCommittable c, String state, Throwable cause) {
            TransactionLostException e = new TransactionLostException(lostMessage(c, state, cause), cause);
            log.error(e.getMessage());
            // The restored checkpoint holds the same committable: restarting from it could only fail again.
            return new SuppressRestartsException(e);
        }

        /** The broker's description of the transactional id, or null when it cannot say within 30 s. */
        private TransactionDescription describe(String transactionalId) throws InterruptedException {
            try {
                if (admin == null) {
                    admin = Admin.create(adminProperties);
                }
                Map<String, TransactionDescription> m = admin.describeTransactions(List.of(transactionalId))
                        .all()
                        .get(30, TimeUnit.SECONDS);
                return m.get(transactionalId);
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                log.warn("could not describe transaction {} on {}: {}", transactionalId, topic, e.toString());
                return null;
            }
        }

        @Override
        public void close() throws Exception {
            try {
                committer.close();
            } finally {
                if (admin != null) {
                    admin.close();
                }
            }
        }

        /** A request whose "failed with known reason" is checked against the broker instead of being dropped. */
        private final class Guarded implements CommitRequest<KafkaCommittable> {
            private final CommitRequest<KafkaCommittable> request;

            Guarded(CommitRequest<KafkaCommittable> request) {
                this.request = request;
            }

            @Override
            public KafkaCommittable getCommittable() {
                return request.getCommittable();
            }

            @Override
            public int getNumberOfRetries() {
                return request.getNumberOfRetries();
            }

            @Override
            public void signalFailedWithKnownReason(Throwable t) {
                KafkaCommittable c = request.getCommittable();
                if (!(t instanceof ProducerFencedException
                        || t instanceof InvalidTxnStateException
                        || t instanceof UnknownProducerIdException)) {
                    request.signalFailedWithUnknownReason(t);
                    return;
                }
                TransactionDescription d;
                try {
                    d = describe(c.getTransactionalId());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    d = null;
                }
                switch (classify(d, c.getProducerId(), c.getEpoch())) {
                    case COMMITTED -> {
                        log.info("transaction {} on {} was already committed", c.getTransactionalId(), topic);
                        request.signalAlreadyCommitted();
                    }
                    case ABORTED -> throw lost(c, d.state().toString(), t);
                    default ->
                        // The broker cannot say: fail (and restart from the checkpoint) rather than drop it.
                        request.signalFailedWithUnknownReason(new TransactionLostException(
                                lostMessage(c, d == null ? "unreachable" : String.valueOf(d.state()), t), t));
                }
            }

            @Override
            public void signalFailedWithUnknownReason(Throwable t) {
                request.signalFailedWithUnknownReason(t);
            }

            @Override
            public void retryLater() {
                request.retryLater();
            }

            @Override
            public void updateAndRetryLater(KafkaCommittable committable) {
                request.updateAndRetryLater(committable);
            }

            @Override
            public void signalAlreadyCommitted() {
                request.signalAlreadyCommitted();
            }
        }
    }
}
