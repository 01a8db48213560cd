package io.streamgrad.serving;

import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.train.ModelState;
import io.streamgrad.learner.train.Predictor;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Map;
import java.util.Random;

/** Model snapshots as the job writes them (its codecs), and the offline prediction of a snapshot. */
final class Snapshots {
    static final String LOGISTIC_YAML = """
            model: {type: logistic, features: 4}
            loss: binary_cross_entropy
            optimizer: {type: adam, learning_rate: 0.05}
            batch_size: 16
            seed: 7
            """;

    private Snapshots() {}

    /** Version {@code version} of a 4-feature logistic model with parameters drawn from the version. */
    static ModelSnapshot logistic(String modelId, long version, Instant createdAt) {
        int n = new Predictor(ConfigParser.parse(LOGISTIC_YAML)).numParams();
        Random random = new Random(version * 31 + modelId.hashCode());
        float[] params = new float[n];
        for (int i = 0; i < n; i++) {
            params[i] = (float) random.nextGaussian();
        }
        return snapshot(modelId, version, createdAt, LOGISTIC_YAML, params);
    }

    static ModelSnapshot snapshot(String modelId, long version, Instant createdAt, String yaml, float[] params) {
        ModelState state = new ModelState(params, new float[2 * params.length], version * 10, 1, version * 160, 0);
        return ModelSnapshot.newBuilder()
                .setModelId(modelId)
                .setVersion(version)
                .setStep(version * 10)
                .setExamplesSeen(version * 160)
                .setCreatedAt(createdAt)
                .setConfigYaml(yaml)
                .setState(ByteBuffer.wrap(ModelStateCodec.encode(state)))
                .setMetrics(Map.of("loss", 1.0 / version))
                .build();
    }

    static byte[] encode(ModelSnapshot s) {
        return SingleObjectCodec.modelSnapshot().encode(s);
    }

    /** What `streamgrad predict` prints for this snapshot: the learner's Predictor on its config and parameters. */
    static float[] offlinePredict(ModelSnapshot s, Batch batch) {
        TrainerConfig config = ConfigParser.parse(s.getConfigYaml());
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new Predictor(config).predict(ModelStateCodec.decode(bytes).params(), batch, null);
    }

    /** A fixed batch of {@code n} dense 4-feature examples. */
    static Batch batch(int n) {
        Random random = new Random(42);
        float[] x = new float[n * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return Batch.dense(n, 4, x, new float[n], null);
    }
}
