package io.streamgrad.serving;

import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.learner.train.TrainerConfig;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One version of one model, ready to predict: immutable, and safe to call from any number of threads. A
 * {@link ModelFollower} swaps the whole object when a new version arrives, so everything read from one instance
 * (version, step, predictions) belongs to the same version: hold the instance for the duration of a request.
 *
 * <p>It keeps only the inference parameters (no optimizer state) and a small pool of predictors (they have scratch
 * buffers, so each concurrent caller borrows its own). The parameters of the kinds a delta can update (linear,
 * logistic, softmax, fm) are held in blocks ({@link BlockedParams}): the next version made from a delta
 * ({@link #withDelta}) shares every block the delta does not touch with this one, and predicts with a
 * {@link BlockedPredictor}, bit for bit what the learner's {@link Predictor} gives on the same parameters. An MLP
 * keeps one flat array and the learner's predictor.
 */
public final class ServableModel {
    /** Idle predictors kept per configuration; more concurrent callers create (and then drop) their own. */
    private static final int MAX_IDLE_PREDICTORS = 64;

    private final String modelId;
    private final long version;
    private final long step;
    private final long examplesSeen;
    private final Instant createdAt;
    private final Map<String, Double> metrics;
    private final String configYaml;
    private final TrainerConfig config;
    /** Flat parameters (mlp), or null. */
    private final float[] params;
    /** Blocked parameters (linear, logistic, softmax, fm), or null. */
    private final BlockedParams blocks;

    private final PredictorPool pool;

    ServableModel(
            String modelId,
            long version,
            long step,
            long examplesSeen,
            Instant createdAt,
            Map<String, Double> metrics,
            String configYaml,
            TrainerConfig config,
            float[] params,
            PredictorPool pool) {
        this(modelId, version, step, examplesSeen, createdAt, metrics, configYaml, config, params, pool, null);
    }

    /**
     * A version built from full parameters; blocked ones share each block whose bits equal the same block of
     * {@code like} (an earlier version of the model, or null).
     */
    ServableModel(
            String modelId,
            long version,
            long step,
            long examplesSeen,
            Instant createdAt,
            Map<String, Double> metrics,
            String configYaml,
            TrainerConfig config,
            float[] params,
            PredictorPool pool,
            ServableModel like) {
        this(
                modelId,
                version,
                step,
                examplesSeen,
                createdAt,
                metrics,
                configYaml,
                config,
                pool.blocked() ? null : params,
                pool.blocked() ? BlockedParams.of(params, like == null ? null : like.blocks) : null,
                pool);
    }

    private ServableModel(
            String modelId,
            long version,
            long step,
            long examplesSeen,
            Instant createdAt,
            Map<String, Double> metrics,
            String configYaml,
            TrainerConfig config,
            float[] params,
            BlockedParams blocks,
            PredictorPool pool) {
        this.modelId = Objects.requireNonNull(modelId, "modelId");
        this.version = version;
        this.step = step;
        this.examplesSeen = examplesSeen;
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.metrics = Map.copyOf(metrics);
        this.configYaml = Objects.requireNonNull(configYaml, "configYaml");
        this.config = Objects.requireNonNull(config, "config");
        this.params = params;
        this.blocks = blocks;
        this.pool = Objects.requireNonNull(pool, "pool");
        int have = params != null ? params.length : blocks.length();
        if (pool.numParams() != have) {
            throw new IllegalArgumentException("model '" + modelId + "' version " + version + ": the state has "
                    + have + " parameters, its config's model has " + pool.numParams()
                    + "; the snapshot's state does not belong to its config_yaml");
        }
    }

    /**
     * The next version: this one's parameters with {@code delta} applied, and the new version's metadata. Blocked
     * parameters are copied on write (only the touched blocks, or one array when the delta touches most of them:
     * {@link BlockedParams#apply}); flat ones (mlp) are copied whole. This version is unchanged.
     *
     * @throws IllegalArgumentException when the delta is for another parameter count
     */
    ServableModel withDelta(
            ParameterDelta delta,
            long nextVersion,
            long nextStep,
            long nextExamplesSeen,
            Instant nextCreatedAt,
            Map<String, Double> nextMetrics) {
        float[] flat = null;
        BlockedParams next = null;
        if (blocks != null) {
            next = blocks.apply(delta);
        } else {
            flat = params.clone();
            delta.applyTo(flat);
        }
        return new ServableModel(
                modelId,
                nextVersion,
                nextStep,
                nextExamplesSeen,
                nextCreatedAt,
                nextMetrics,
                configYaml,
                config,
                flat,
                next,
                pool);
    }

    public String modelId() {
        return modelId;
    }

    /** The job's version number: strictly increasing per model. */
    public long version() {
        return version;
    }

    /** Training updates made up to this version. */
    public long step() {
        return step;
    }

    public long examplesSeen() {
        return examplesSeen;
    }

    /** When the job published this version. */
    public Instant createdAt() {
        return createdAt;
    }

    /** The job's prequential metrics at this version (e.g. {@code loss}, {@code accuracy}). */
    public Map<String, Double> metrics() {
        return metrics;
    }

    /** The training configuration the job published with this version, as YAML. */
    public String configYaml() {
        return configYaml;
    }

    public TrainerConfig config() {
        return config;
    }

    /** The number of input features a batch must have ({@code dim}). */
    public int features() {
        return config.model().features();
    }

    /** Width of a prediction row: 1, or k class probabilities. */
    public int outputs() {
        return pool.outputs();
    }

    public int numParams() {
        return params != null ? params.length : blocks.length();
    }

    /** A copy of the parameters (for checks and export; predictions use the parameters in place). */
    public float[] parameters() {
        return params != null ? params.clone() : blocks.toArray();
    }

    /** The blocked parameters (shared, never mutated), or null for a model kind kept flat (mlp). */
    BlockedParams blockedParameters() {
        return blocks;
    }

    /**
     * Linked predictions of this version for {@code batch}: {@code batch.size() x outputs()} values, row-major (the
     * same numbers {@code streamgrad predict} prints for this version's snapshot). Labels in the batch are ignored.
     *
     * @throws IllegalArgumentException when the batch's {@code dim} is not {@link #features()}
     */
    public float[] predict(Batch batch) {
        if (batch.dim() != features()) {
            throw new IllegalArgumentException("model '" + modelId + "' takes " + features()
                    + " features, the batch has dim " + batch.dim() + "; build the batch with dim " + features());
        }
        if (blocks != null) {
            BlockedPredictor predictor = pool.takeBlocked();
            try {
                return predictor.predict(blocks, batch);
            } finally {
                pool.giveBlocked(predictor);
            }
        }
        Predictor predictor = pool.take();
        try {
            return predictor.predict(params, batch, null);
        } finally {
            pool.give(predictor);
        }
    }

    @Override
    public String toString() {
        return "ServableModel{" + modelId + " v" + version + ", step " + step + ", created " + createdAt + "}";
    }

    /**
     * Predictors of one configuration, shared by the versions that have the same config YAML: learner
     * {@link Predictor}s for flat parameters, {@link BlockedPredictor}s for blocked ones.
     */
    static final class PredictorPool {
        private final TrainerConfig config;
        /** The config YAML this pool was parsed from (a new version with the same YAML reuses the pool). */
        final String yaml;

        private final boolean blocked;
        private final Idle<Predictor> idle;
        private final Idle<BlockedPredictor> idleBlocked;
        private final int outputs;
        private final int numParams;

        PredictorPool(TrainerConfig config, String yaml) {
            this.config = config;
            this.yaml = yaml;
            this.blocked = BlockedPredictor.supports(config.model().type());
            this.idle = new Idle<>(() -> new Predictor(config));
            this.idleBlocked = new Idle<>(() -> new BlockedPredictor(config));
            if (blocked) {
                BlockedPredictor first = new BlockedPredictor(config);
                this.outputs = first.outputs();
                this.numParams = first.numParams();
                giveBlocked(first);
            } else {
                Predictor first = new Predictor(config);
                this.outputs = first.outputs();
                this.numParams = first.numParams();
                give(first);
            }
        }

        TrainerConfig config() {
            return config;
        }

        boolean blocked() {
            return blocked;
        }

        int outputs() {
            return outputs;
        }

        int numParams() {
            return numParams;
        }

        Predictor take() {
            return idle.take();
        }

        void give(Predictor p) {
            idle.give(p);
        }

        BlockedPredictor takeBlocked() {
            return idleBlocked.take();
        }

        void giveBlocked(BlockedPredictor p) {
            idleBlocked.give(p);
        }
    }

    /** Idle instances kept for reuse, at most {@link #MAX_IDLE_PREDICTORS}; a new one when none is idle. */
    private static final class Idle<T> {
        private final java.util.function.Supplier<T> create;
        private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger count = new AtomicInteger();

        Idle(java.util.function.Supplier<T> create) {
            this.create = create;
        }

        T take() {
            T t = queue.poll();
            if (t == null) {
                return create.get();
            }
            count.decrementAndGet();
            return t;
        }

        void give(T t) {
            if (count.incrementAndGet() <= MAX_IDLE_PREDICTORS) {
                queue.offer(t);
            } else {
                count.decrementAndGet();
            }
        }
    }
}
