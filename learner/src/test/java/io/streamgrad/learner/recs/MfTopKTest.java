package io.streamgrad.learner.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batched top-K (one scan of the item table for a whole batch of queries) against a naive reference: every
 * admitted item scored with {@link MfModel#score(String, String, Map)} and sorted (best first, ties by the smaller
 * id), for known and unknown users, with and without context ids, repeated queries included.
 */
class MfTopKTest {
    private static final String YAML = """
            model: {type: mf, dim: 6, init_std: 0.2}
            loss: bpr
            negatives: {count: 3, pool: 200}
            optimizer: {type: adagrad, learning_rate: 0.2}
            context: {device: {}}
            batch_size: 16
            seed: 5
            """;

    @Test
    void oneScanForTheBatch_ranksEachQueryAsTheNaiveReference() {
        MfModel model = new MfModel(MfConfig.parse(YAML));
        Random rnd = new Random(3);
        String[] devices = {"ios", "android", "web"};
        List<Interaction> data = new ArrayList<>();
        for (Interaction x : InteractionGenerator.generate(9, 80, 120, 4, 3_000, 1.0, 0.2, 4.0)) {
            data.add(new Interaction(
                    x.user(), x.item(), x.rating(), x.timeMs(), Map.of("device", devices[rnd.nextInt(3)])));
        }
        new Prequential(model).run(data);

        List<MfModel.Query> queries = new ArrayList<>();
        for (int n = 0; n < 40; n++) {
            String user = n % 7 == 0
                    ? "nobody-" + n
                    : data.get(rnd.nextInt(data.size())).user();
            Map<String, String> context = switch (n % 3) {
                case 0 -> Map.of();
                case 1 -> Map.of("device", devices[n % devices.length]);
                default -> Map.of("device", "unseen-device");
            };
            queries.add(new MfModel.Query(user, context));
        }
        queries.add(queries.get(3)); // a repeated query

        List<List<MfModel.Scored>> batched = model.topK(queries, 10);

        assertThat(batched).hasSameSizeAs(queries);
        for (int n = 0; n < queries.size(); n++) {
            MfModel.Query q = queries.get(n);
            List<MfModel.Scored> expected = naive(model, q, 10);
            List<MfModel.Scored> actual = batched.get(n);
            assertThat(actual)
                    .extracting(MfModel.Scored::item)
                    .as("query %d %s", n, q)
                    .containsExactlyElementsOf(
                            expected.stream().map(MfModel.Scored::item).toList());
            for (int i = 0; i < actual.size(); i++) {
                assertThat(actual.get(i).score()).isCloseTo(expected.get(i).score(), within(1e-9));
            }
            assertThat(actual).as("alone == in the batch").isEqualTo(model.topK(q.user(), q.context(), 10));
        }
    }

    private static List<MfModel.Scored> naive(MfModel model, MfModel.Query q, int k) {
        List<MfModel.Scored> all = new ArrayList<>();
        for (Map.Entry<String, Row> e : model.items().store().entries()) {
            if (e.getValue().admitted()) {
                all.add(new MfModel.Scored(e.getKey(), model.score(q.user(), e.getKey(), q.context())));
            }
        }
        all.sort(Comparator.comparingDouble(MfModel.Scored::score).reversed().thenComparing(MfModel.Scored::item));
        return all.subList(0, Math.min(k, all.size()));
    }
}
