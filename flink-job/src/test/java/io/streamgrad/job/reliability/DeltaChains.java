package io.streamgrad.job.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.ModelDelta;
import io.streamgrad.avro.ModelSnapshot;
import io.streamgrad.learner.io.ModelStateCodec;
import io.streamgrad.learner.io.ParameterDelta;
import io.streamgrad.learner.train.ModelState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;

/**
 * What a reader of the models and updates topics of one model can rebuild, checked against the verification copies
 * of {@code deltas.full_copies}: every version once (no gap, no duplicate, in order per topic), and every delta
 * version's parameters, rebuilt from the full version its chain starts from plus the deltas, bit-identical to its full
 * copy (with the same step and examples seen).
 */
public final class DeltaChains {
    private DeltaChains() {}

    /** What was checked: how many versions, how many were deltas. */
    public record Checked(long versions, int deltas, int fulls) {}

    /**
     * @param models  the model's records on the models topic in topic order (genuine full versions and full copies)
     * @param updates the model's records on the updates topic in topic order
     */
    public static Checked assertEveryVersionRebuilds(List<ModelSnapshot> models, List<ModelDelta> updates) {
        List<Long> modelVersions =
                models.stream().map(ModelSnapshot::getVersion).toList();
        List<Long> deltaVersions = updates.stream().map(ModelDelta::getVersion).toList();
        assertThat(modelVersions)
                .as("models topic: each version once, in order")
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(deltaVersions)
                .as("updates topic: each version once, in order")
                .isSorted()
                .doesNotHaveDuplicates();
        Set<Long> deltaSet = new HashSet<>(deltaVersions);
        Map<Long, ModelSnapshot> byVersion = new HashMap<>();
        models.forEach(s -> byVersion.put(s.getVersion(), s));
        assertThat(byVersion.keySet())
                .as("every delta version has its full copy on the models topic (deltas.full_copies)")
                .containsAll(deltaSet);
        List<Long> union = new ArrayList<>(deltaVersions);
        modelVersions.stream().filter(v -> !deltaSet.contains(v)).forEach(union::add);
        union.sort(Long::compare);
        long n = union.isEmpty() ? 0 : union.get(union.size() - 1);
        assertThat(union)
                .as("the union of full versions and deltas: versions 1..N each once")
                .containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());

        Map<Long, ModelDelta> deltas = new HashMap<>();
        updates.forEach(d -> deltas.put(d.getVersion(), d));
        float[] current = null;
        long currentVersion = 0;
        long lastFull = 0;
        int fulls = 0;
        for (long v = 1; v <= n; v++) {
            ModelDelta d = deltas.get(v);
            if (d == null) {
                current = state(byVersion.get(v)).params().clone();
                currentVersion = v;
                lastFull = v;
                fulls++;
                continue;
            }
            assertThat(current)
                    .as("version %d is a delta but no full version precedes it", v)
                    .isNotNull();
            assertThat(d.getBaseVersion())
                    .as("version %d's base", v)
                    .isEqualTo(v - 1)
                    .isEqualTo(currentVersion);
            assertThat(d.getFullVersion()).as("version %d's chain start", v).isEqualTo(lastFull);
            ParameterDelta pd = ParameterDelta.fromWire(
                    d.getNumParams(), d.getIndices(), d.getValues(), d.getRemoved(), "version " + v);
            pd.applyTo(current);
            currentVersion = v;
            ModelSnapshot copy = byVersion.get(v);
            ModelState expected = state(copy);
            assertThat(bits(current))
                    .as("version %d rebuilt from full version %d + deltas == its full copy, bit for bit", v, lastFull)
                    .containsExactly(bits(expected.params()));
            assertThat(d.getStep()).as("version %d step", v).isEqualTo(copy.getStep());
            assertThat(d.getExamplesSeen()).as("version %d examples seen", v).isEqualTo(copy.getExamplesSeen());
        }
        return new Checked(n, deltas.size(), fulls);
    }

    static ModelState state(ModelSnapshot s) {
        ByteBuffer b = s.getState().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return ModelStateCodec.decode(bytes);
    }

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }
}
