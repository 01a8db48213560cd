package io.streamgrad.learner.recs;

import io.streamgrad.learner.util.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * Seeded synthetic interactions with known structure, for tests and scale runs: users and items have latent
 * vectors in {@code dim} dimensions (N(0, 1/dim)), items a popularity bias following a Zipf-like skew
 * ({@code skew * -log(rank)}), and user tastes drift: each user's vector moves towards a second random vector
 * over the stream ({@code drift} = the fraction of the way travelled by the end). Each interaction picks a user
 * uniformly, then an item by softmax of {@code sharpness * p_u·q_i + popularity} over all items. The same
 * arguments give the same stream on any machine.
 */
public final class InteractionGenerator {
    private InteractionGenerator() {}

    public static List<Interaction> generate(
            long seed, int users, int items, int dim, int count, double skew, double drift, double sharpness) {
        Rng rng = new Rng(seed);
        double[][] start = gaussian(rng, users, dim);
        double[][] end = gaussian(rng, users, dim);
        double[][] q = gaussian(rng, items, dim);
        double[] pop = new double[items];
        for (int i = 0; i < items; i++) {
            pop[i] = -skew * Math.log(i + 1.0);
        }
        List<Interaction> out = new ArrayList<>(count);
        double[] logits = new double[items];
        double[] p = new double[dim];
        for (int n = 0; n < count; n++) {
            int u = rng.nextInt(users);
            double a = drift * n / Math.max(1, count - 1);
            for (int f = 0; f < dim; f++) {
                p[f] = (1 - a) * start[u][f] + a * end[u][f];
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < items; i++) {
                double s = 0;
                for (int f = 0; f < dim; f++) {
                    s += p[f] * q[i][f];
                }
                logits[i] = sharpness * s + pop[i];
                max = Math.max(max, logits[i]);
            }
            double sum = 0;
            for (int i = 0; i < items; i++) {
                logits[i] = Math.exp(logits[i] - max);
                sum += logits[i];
            }
            double x = rng.nextDouble() * sum;
            int chosen = items - 1;
            for (int i = 0; i < items; i++) {
                x -= logits[i];
                if (x < 0) {
                    chosen = i;
                    break;
                }
            }
            out.add(Interaction.implicit("u" + u, "i" + chosen, 1_000_000L * n));
        }
        return out;
    }

    /**
     * Seeded explicit ratings: users and items with latent vectors (N(0, 1/dim)) and biases (N(0, 0.3²)); each
     * rating is {@code 3.5 + b_u + b_i + 2 sqrt(dim) p_u·q_i + N(0, noise²)} for a uniformly drawn pair,
     * timestamps 1 s apart. The best possible RMSE is {@code noise}.
     */
    public static List<Interaction> generateRatings(long seed, int users, int items, int dim, int count, double noise) {
        Rng rng = new Rng(seed);
        double[][] p = gaussian(rng, users, dim);
        double[][] q = gaussian(rng, items, dim);
        double[] bu = new double[users];
        double[] bi = new double[items];
        for (int u = 0; u < users; u++) {
            bu[u] = 0.3 * rng.nextGaussian();
        }
        for (int i = 0; i < items; i++) {
            bi[i] = 0.3 * rng.nextGaussian();
        }
        List<Interaction> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int u = rng.nextInt(users);
            int i = rng.nextInt(items);
            double s = 0;
            for (int f = 0; f < dim; f++) {
                s += p[u][f] * q[i][f];
            }
            double r = 3.5 + bu[u] + bi[i] + 2 * Math.sqrt(dim) * s + noise * rng.nextGaussian();
            out.add(new Interaction("u" + u, "i" + i, r, 1000L * n));
        }
        return out;
    }

    private static double[][] gaussian(Rng rng, int rows, int dim) {
        double[][] a = new double[rows][dim];
        double s = 1 / Math.sqrt(dim);
        for (double[] r : a) {
            for (int f = 0; f < dim; f++) {
                r[f] = s * rng.nextGaussian();
            }
        }
        return a;
    }
}
