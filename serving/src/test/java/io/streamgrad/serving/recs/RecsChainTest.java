package io.streamgrad.serving.recs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.RecsVersion;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Versions of a real trained model, offered as parts in various orders: each version made equals the model's. */
class RecsChainTest {
    private static final List<RecsScenario.Published> VERSIONS = RecsScenario.run(16, 4, 6, 40);

    private static List<RecsChain.Built> offerAll(RecsChain chain, List<RecsVersion> records, List<String> problems) {
        List<RecsChain.Built> built = new ArrayList<>();
        for (RecsVersion r : records) {
            RecsChain.Outcome o =
                    chain.offer(r, "updates topic 'u' partition 0 offset " + r.getVersion() + "/" + r.getPart());
            built.addAll(o.built());
            problems.addAll(o.problems());
        }
        return built;
    }

    @Test
    void fullThenDeltas_inOrder_everyVersionAnswersAsTheOfflineModel() {
        assertThat(VERSIONS.stream().filter(p -> p.records().size() > 1))
                .as("versions in parts")
                .isNotEmpty();
        assertThat(VERSIONS.stream()
                        .filter(p -> !p.full())
                        .flatMap(p -> p.records().stream())
                        .flatMap(r -> r.getTables().stream())
                        .mapToInt(t -> t.getRemoved().size())
                        .sum())
                .as("tombstones in the deltas")
                .isGreaterThan(5);
        RecsChain chain = new RecsChain("shop", 100);
        List<String> problems = new ArrayList<>();
        for (RecsScenario.Published p : VERSIONS) {
            List<RecsChain.Built> built = offerAll(chain, p.records(), problems);
            assertThat(built)
                    .singleElement()
                    .satisfies(b -> assertThat(b.full()).isEqualTo(p.full()));
            RecsScenario.check(built.get(0).model(), p);
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void partsShuffled_andDeltasBeforeTheirBase_areAppliedInVersionOrder_eachVersionWhole() {
        List<RecsVersion> records = new ArrayList<>();
        for (RecsScenario.Published p : VERSIONS.subList(0, 6)) {
            List<RecsVersion> parts = new ArrayList<>(p.records());
            Collections.shuffle(parts, new Random(p.version()));
            records.addAll(0, parts); // newest first: every delta arrives before the version it applies to
        }
        RecsChain chain = new RecsChain("shop", 100);
        List<String> problems = new ArrayList<>();
        List<RecsChain.Built> built = offerAll(chain, records, problems);
        assertThat(built).extracting(b -> b.model().version()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        for (RecsChain.Built b : built) {
            RecsScenario.check(b.model(), VERSIONS.get((int) b.model().version() - 1));
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void aCorruptDelta_isSkippedNamingItsPlace_laterDeltasWait_untilTheNextFullVersion() {
        RecsChain chain = new RecsChain("shop", 100);
        List<String> problems = new ArrayList<>();
        offerAll(chain, VERSIONS.get(0).records(), problems);
        offerAll(chain, VERSIONS.get(1).records(), problems);
        // version 3's first part with its values cut short
        List<RecsVersion> bad = new ArrayList<>(VERSIONS.get(2).records());
        RecsVersion cut = RecsVersion.newBuilder(bad.get(0)).build();
        cut.getTables().get(0).setValues(ByteBuffer.allocate(4));
        bad.set(0, cut);
        assertThat(offerAll(chain, bad, problems)).isEmpty();
        assertThat(problems)
                .singleElement()
                .asString()
                .contains("version 3 (DELTA) of model 'shop' skipped", "offset 3/0", "bytes of values");
        for (int v = 4; v <= 6; v++) {
            assertThat(offerAll(chain, VERSIONS.get(v - 1).records(), problems)).isEmpty();
        }
        assertThat(chain.current().version()).isEqualTo(2);
        assertThat(chain.missing()).hasValue(3);
        // version 7 is the next FULL one: it is served, and the waiting deltas before it are dropped
        assertThat(VERSIONS.get(6).full()).isTrue();
        List<RecsChain.Built> built = offerAll(chain, VERSIONS.get(6).records(), problems);
        assertThat(built).extracting(b -> b.model().version()).containsExactly(7L);
        RecsScenario.check(built.get(0).model(), VERSIONS.get(6));
        assertThat(chain.waitingVersions()).isEmpty();
        RecsChain.Built next =
                offerAll(chain, VERSIONS.get(7).records(), problems).get(0);
        RecsScenario.check(next.model(), VERSIONS.get(7));
    }

    @Test
    void aPartThatDisagreesWithItsVersion_isSkipped_andAVersionIsServedOnlyWhenAllPartsAreRead() {
        RecsScenario.Published full = VERSIONS.get(6);
        assertThat(full.full()).isTrue();
        assertThat(full.records().size()).isGreaterThan(1);
        RecsChain chain = new RecsChain("shop", 100);
        List<String> problems = new ArrayList<>();
        RecsVersion liar =
                RecsVersion.newBuilder(full.records().get(1)).setParts(99).build();
        offerAll(chain, List.of(full.records().get(0), liar), problems);
        assertThat(problems).singleElement().asString().contains("every part of a version carries the same metadata");
        List<RecsVersion> rest = full.records().subList(1, full.records().size());
        assertThat(offerAll(chain, rest.subList(0, rest.size() - 1), problems)).isEmpty();
        assertThat(chain.current()).isNull();
        assertThat(offerAll(chain, rest.subList(rest.size() - 1, rest.size()), problems))
                .singleElement()
                .satisfies(b -> RecsScenario.check(b.model(), full));
    }
}
