package io.streamgrad.serving.recs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.avro.RecsTableRows;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.schemas.SingleObjectCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Retention, pin, unpin and rollback of recommendation models, driven with the encoded records of a real trained
 * model ({@link RecsScenario}) through {@link RecsFollowing#read}, as the follower thread does: every served version
 * answers exactly as the offline model did at that version.
 */
class RecsFollowingTest {
    private static final List<RecsScenario.Published> VERSIONS = RecsScenario.run(16, 2, 6, 40);
    private static final SingleObjectCodec<RecsVersion> CODEC = SingleObjectCodec.recsVersion();

    private final List<String> skipped = new ArrayList<>();
    private final List<Long> madeLive = Collections.synchronizedList(new ArrayList<>());

    private RecsFollowing following(int retain) {
        RecsFollowing f = new RecsFollowing(100, retain, id -> true, skipped::add);
        f.addListener(m -> madeLive.add(m.version()));
        return f;
    }

    private static void publish(RecsFollowing f, long from, long to) {
        for (long v = from; v <= to; v++) {
            for (RecsVersion r : VERSIONS.get((int) v - 1).records()) {
                f.read(CODEC.encode(r), "updates topic 'u' partition 0 offset " + v + "/" + r.getPart());
            }
        }
    }

    private static RecsScenario.Published offline(long version) {
        return VERSIONS.get((int) version - 1);
    }

    @Test
    void retention_keepsTheLastRetainVersionsMade_eachAnsweringAsTheOfflineModelAtItsVersion() {
        RecsFollowing f = following(3);
        publish(f, 1, 16);
        RecsFollowing.Status s = f.status().get("shop");
        assertThat(s.retainedVersions()).containsExactly(14L, 15L, 16L);
        assertThat(s.liveVersion()).isEqualTo(16);
        assertThat(s.newestVersion()).isEqualTo(16);
        assertThat(s.pinnedVersion()).isEmpty();
        assertThat(s.versionsApplied()).isEqualTo(16);
        assertThat(madeLive).containsExactlyElementsOf(range(1, 16));
        for (long v : List.of(14L, 15L, 16L)) {
            RecsModel pinned = f.pin("shop", v, false);
            assertThat(pinned.version()).isEqualTo(v);
            assertThat(f.model("shop").orElseThrow()).isSameAs(pinned);
            RecsScenario.check(pinned, offline(v));
        }
        assertThat(skipped).isEmpty();
    }

    @Test
    void pinned_keepsAnsweringFromThePinnedVersionWhileNewerOnesAreMade_unpinReturnsToTheNewest() {
        RecsFollowing f = following(4);
        publish(f, 1, 8);
        RecsModel pinned = f.pin("shop", 6, false);
        RecsScenario.check(pinned, offline(6));
        publish(f, 9, 11);
        RecsFollowing.Status s = f.status().get("shop");
        assertThat(s.liveVersion()).isEqualTo(6);
        assertThat(s.pinnedVersion()).hasValue(6);
        assertThat(s.newestVersion()).isEqualTo(11);
        assertThat(s.retainedVersions()).containsExactly(8L, 9L, 10L, 11L);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(6));
        // the versions made while pinned were not made live: listeners saw 1..8, the pin (6), nothing more
        assertThat(madeLive).containsExactlyElementsOf(concat(range(1, 8), List.of(6L)));

        RecsModel latest = f.unpin("shop");
        assertThat(latest.version()).isEqualTo(11);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(11));
        assertThat(f.status().get("shop").pinnedVersion()).isEmpty();
        publish(f, 12, 12);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(12));
        assertThat(madeLive.subList(madeLive.size() - 2, madeLive.size())).containsExactly(11L, 12L);
    }

    @Test
    void pinnedVersionStaysLive_evenAfterItFallsOutOfTheRetainedOnes() {
        RecsFollowing f = following(2);
        publish(f, 1, 5);
        f.pin("shop", 4, false);
        publish(f, 6, 9);
        assertThat(f.status().get("shop").retainedVersions()).containsExactly(8L, 9L);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(4));
        assertThat(f.unpin("shop").version()).isEqualTo(9);
    }

    @Test
    void aVersionWithPartsStillMissing_isNotCountedAsNewest() {
        RecsFollowing f = following(3);
        publish(f, 1, 6);
        List<RecsVersion> seven = offline(7).records();
        assertThat(seven).as("version 7 (FULL) in parts").hasSizeGreaterThan(1);
        f.read(CODEC.encode(seven.get(0)), "u/7/0");
        RecsFollowing.Status s = f.status().get("shop");
        assertThat(s.waitingVersions()).containsExactly(7L);
        assertThat(s.newestVersion()).isEqualTo(6);
        assertThat(s.liveVersion()).isEqualTo(6);
        for (RecsVersion r : seven.subList(1, seven.size())) {
            f.read(CODEC.encode(r), "u/7/" + r.getPart());
        }
        assertThat(f.status().get("shop").newestVersion()).isEqualTo(7);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(7));
    }

    @Test
    void pinnedFromTheStart_hasNoLiveVersionUntilThePinnedOneIsMade_thenKeepsIt() {
        RecsFollowing f = new RecsFollowing(100, 3, Map.of("shop", 5L), id -> true, skipped::add);
        f.addListener(m -> madeLive.add(m.version()));
        publish(f, 1, 4);
        assertThat(f.model("shop")).isEmpty();
        assertThat(f.knows("shop")).isTrue();
        assertThat(f.status().get("shop").retainedVersions()).containsExactly(2L, 3L, 4L);
        publish(f, 5, 9);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(5));
        assertThat(madeLive).containsExactly(5L);
        assertThat(f.status().get("shop").pinnedVersion()).hasValue(5);
        assertThat(f.unpin("shop").version()).isEqualTo(9);
    }

    @Test
    void rollback_goesToThePreviousRetainedVersion_orANamedOne_andRefusesVersionsNotRetained() {
        RecsFollowing f = following(3);
        publish(f, 1, 10);
        RecsModel back = f.rollback("shop");
        assertThat(back.version()).isEqualTo(9);
        RecsScenario.check(f.model("shop").orElseThrow(), offline(9));
        assertThat(f.status().get("shop").pinnedVersion()).hasValue(9);
        assertThat(f.rollback("shop").version()).isEqualTo(8);
        assertThatThrownBy(() -> f.rollback("shop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no retained version older than the live version 8")
                .hasMessageContaining("retained: versions 8 to 10");
        f.unpin("shop");
        assertThatThrownBy(() -> f.pin("shop", 3, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("version 3 of recommendation model 'shop' is not retained")
                .hasMessageContaining("retained: versions 8 to 10");
        assertThatThrownBy(() -> f.pin("shop", 10, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the live version is 10");
        assertThatThrownBy(() -> f.pin("shop", 11, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retained: versions 8 to 10");
        assertThatThrownBy(() -> f.pin("other", 1, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'other'")
                .hasMessageContaining("known: [shop]");
        // the refusals changed nothing
        assertThat(f.model("shop").orElseThrow().version()).isEqualTo(10);
        RecsScenario.check(f.pin("shop", 8, true), offline(8));
    }

    @Test
    void retainedDeltaVersions_shareTheBlocksTheirDeltasDidNotTouch() {
        String yaml = """
                model: {type: mf, dim: 8, init_std: 0.1}
                loss: logistic
                negatives: {count: 1, pool: 50}
                optimizer: {type: adagrad, learning_rate: 0.2}
                tables: {min_count: 1, capacity: 100000}
                batch_size: 16
                seed: 5
                """;
        // version 1 of 250 steps admits ~1700 of 2000 users (~27 blocks of 64 rows); each later version of one step
        // (16 interactions) touches at most 16 user rows
        List<RecsScenario.Published> versions = RecsScenario.run(yaml, 2000, 140, 250, 30, 1, 100, 500);
        RecsFollowing f = new RecsFollowing(100, 5, id -> true, skipped::add);
        for (RecsScenario.Published p : versions) {
            for (RecsVersion r : p.records()) {
                f.read(CODEC.encode(r), "u/" + p.version() + "/" + r.getPart());
            }
        }
        List<RecsModel> retained = new ArrayList<>();
        for (long v : f.status().get("shop").retainedVersions()) {
            retained.add(f.pin("shop", v, false));
            RecsScenario.check(retained.get(retained.size() - 1), versions.get((int) v - 1));
        }
        assertThat(retained).extracting(RecsModel::version).containsExactly(26L, 27L, 28L, 29L, 30L);
        Set<float[]> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        for (RecsModel m : retained) {
            Collections.addAll(distinct, m.users().values);
        }
        // the reference, from the records: each delta copies once every block holding a row it puts (slot in the
        // new version) or removes (slot in the version before); every other block is shared with the version before
        int expected = retained.get(0).users().values.length;
        for (int n = 1; n < retained.size(); n++) {
            RecsModel before = retained.get(n - 1);
            RecsModel after = retained.get(n);
            Set<Integer> touched = new HashSet<>();
            for (RecsVersion r : versions.get((int) after.version() - 1).records()) {
                for (RecsTableRows t : r.getTables()) {
                    if (t.getName().equals(MfModel.USERS)) {
                        t.getIds().forEach(id -> touched.add(after.users().slot(id) >>> RecsModel.BLOCK_SHIFT));
                        for (String id : t.getRemoved()) {
                            int slot = before.users().slot(id);
                            if (slot >= 0) {
                                touched.add(slot >>> RecsModel.BLOCK_SHIFT);
                            }
                        }
                    }
                }
            }
            assertThat(touched.size())
                    .as("blocks touched by version %d", after.version())
                    .isBetween(1, 17);
            expected += touched.size();
        }
        int perVersion = retained.get(retained.size() - 1).users().values.length;
        assertThat(perVersion).isGreaterThan(20);
        assertThat(distinct).hasSize(expected);
        assertThat(distinct.size()).isLessThan(retained.size() * perVersion * 2 / 3);
        assertThat(skipped).isEmpty();
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long v = from; v <= to; v++) {
            out.add(v);
        }
        return out;
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
