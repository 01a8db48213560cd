package io.streamgrad.bench;

import io.streamgrad.learner.data.Batch;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The baseline: DL4J's {@link MultiLayerNetwork} training the same MLP as {@link BenchConfigs#mlp} (784-256-128-10,
 * relu, softmax output with multi-class cross-entropy, Adam with the same hyper-parameters, float32) on the same
 * ND4J backend in the same JVM. DL4J is a benchmark-only dependency; the learner does not use it.
 */
public final class Dl4jMlp {
    private final MultiLayerNetwork net;
    private final List<INDArray[]> batches;

    private Dl4jMlp(MultiLayerNetwork net, List<INDArray[]> batches) {
        this.net = net;
        this.batches = batches;
    }

    /** The network, initialised from {@code seed}, with workspaces on (DL4J's fastest training mode). */
    public static MultiLayerNetwork network(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(
                        BenchConfigs.ADAM_LR, BenchConfigs.ADAM_BETA1, BenchConfigs.ADAM_BETA2, BenchConfigs.ADAM_EPS))
                .weightInit(WeightInit.XAVIER_UNIFORM)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(DenseData.FEATURES)
                        .nOut(BenchConfigs.MLP_HIDDEN.get(0))
                        .activation(Activation.RELU)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nIn(BenchConfigs.MLP_HIDDEN.get(0))
                        .nOut(BenchConfigs.MLP_HIDDEN.get(1))
                        .activation(Activation.RELU)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(BenchConfigs.MLP_HIDDEN.get(1))
                        .nOut(DenseData.CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A trainer over the given dense batches, converted once to ND4J features and one-hot labels. */
    public static Dl4jMlp over(DenseData.Dataset data, long seed) {
        List<INDArray[]> arrays = new ArrayList<>();
        for (Batch b : data.batches()) {
            arrays.add(toArrays(b, data.classes()));
        }
        return new Dl4jMlp(network(seed), arrays);
    }

    /** Features {@code [n, dim]} and one-hot labels {@code [n, classes]}, float32, C order. */
    public static INDArray[] toArrays(Batch b, int classes) {
        INDArray x = Nd4j.create(b.dense(), new long[] {b.size(), b.dim()}, 'c');
        float[] oneHot = new float[b.size() * classes];
        for (int r = 0; r < b.size(); r++) {
            oneHot[r * classes + (int) b.labels()[r]] = 1f;
        }
        INDArray y = Nd4j.create(oneHot, new long[] {b.size(), classes}, 'c');
        return new INDArray[] {x, y};
    }

    public MultiLayerNetwork net() {
        return net;
    }

    /** One {@code fit} on batch {@code i} (cycled); returns the score so the work stays observable. */
    public double fit(int i) {
        INDArray[] xy = batches.get(i % batches.size());
        net.fit(xy[0], xy[1]);
        return net.score();
    }

    public int batchSize() {
        return (int) batches.get(0)[0].size(0);
    }
}
