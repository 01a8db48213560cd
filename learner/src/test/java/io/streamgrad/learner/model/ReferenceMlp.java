package io.streamgrad.learner.model;

import java.util.List;

/**
 * A plain-Java, double-precision MLP forward pass written from the documented parameter layout (per layer
 * {@code W} fan_in × fan_out row-major, then {@code b}), independent of the ND4J implementation.
 */
final class ReferenceMlp {
    final double[][][] preActivations; // [layer][example][unit]
    final double[] outputs; // n x k, row-major

    ReferenceMlp(ModelSpec spec, float[] params, float[] x, int n) {
        List<Integer> hidden = spec.hidden();
        int layers = hidden.size() + 1;
        int k = spec.outputs();
        preActivations = new double[layers][][];
        outputs = new double[n * k];
        int off = 0;
        double[][] in = new double[n][spec.features()];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < spec.features(); j++) {
                in[r][j] = x[r * spec.features() + j];
            }
        }
        for (int l = 0; l < layers; l++) {
            int fi = l == 0 ? spec.features() : hidden.get(l - 1);
            int fo = l == layers - 1 ? k : hidden.get(l);
            double[][] z = new double[n][fo];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < fo; o++) {
                    double s = params[off + fi * fo + o];
                    for (int i = 0; i < fi; i++) {
                        s += in[r][i] * params[off + i * fo + o];
                    }
                    z[r][o] = s;
                }
            }
            preActivations[l] = z;
            off += (fi + 1) * fo;
            if (l == layers - 1) {
                for (int r = 0; r < n; r++) {
                    System.arraycopy(z[r], 0, outputs, r * k, k);
                }
                break;
            }
            double[][] a = new double[n][fo];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < fo; o++) {
                    a[r][o] = activate(spec.activation(), z[r][o]);
                }
            }
            in = a;
        }
    }

    static double activate(String activation, double z) {
        return switch (activation) {
            case "relu" -> Math.max(0, z);
            case "tanh" -> Math.tanh(z);
            case "sigmoid" -> 1 / (1 + Math.exp(-z));
            default -> throw new IllegalArgumentException(activation);
        };
    }

    /** The smallest |pre-activation| over the hidden layers (distance to the relu kink). */
    double minHiddenMargin() {
        double m = Double.POSITIVE_INFINITY;
        for (int l = 0; l < preActivations.length - 1; l++) {
            for (double[] row : preActivations[l]) {
                for (double v : row) {
                    m = Math.min(m, Math.abs(v));
                }
            }
        }
        return m;
    }
}
