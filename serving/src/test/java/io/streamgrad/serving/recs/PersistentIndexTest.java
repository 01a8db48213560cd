package io.streamgrad.serving.recs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PersistentIndexTest {
    @Test
    void randomPutsAndRemoves_matchAHashMap_andEveryEarlierVersionStaysAsItWas() {
        Random rnd = new Random(1);
        PersistentIndex index = PersistentIndex.EMPTY;
        Map<String, Integer> reference = new HashMap<>();
        List<PersistentIndex> versions = new ArrayList<>();
        List<Map<String, Integer>> references = new ArrayList<>();
        for (int v = 0; v < 60; v++) {
            PersistentIndex.Editor e = index.edit();
            for (int n = 0; n < 500; n++) {
                String key = "id" + rnd.nextInt(3000);
                if (rnd.nextInt(4) == 0) {
                    e.remove(key);
                    reference.remove(key);
                } else {
                    int value = rnd.nextInt(1 << 20);
                    e.put(key, value);
                    reference.put(key, value);
                }
            }
            index = e.done();
            versions.add(index);
            references.add(new HashMap<>(reference));
        }
        for (int v = 0; v < versions.size(); v++) {
            PersistentIndex i = versions.get(v);
            Map<String, Integer> ref = references.get(v);
            assertThat(i.size()).isEqualTo(ref.size());
            for (int k = 0; k < 3000; k++) {
                assertThat(i.get("id" + k)).isEqualTo(ref.getOrDefault("id" + k, -1));
            }
        }
    }

    @Test
    void keysWithTheSameHashCode_areKeptApart() {
        // "Aa" and "BB" have the same String.hashCode, so the same trie hash
        PersistentIndex.Editor e = PersistentIndex.EMPTY.edit();
        e.put("Aa", 1);
        e.put("BB", 2);
        e.put("AaAa", 3);
        e.put("BBBB", 4);
        e.put("AaBB", 5);
        PersistentIndex i = e.done();
        assertThat(i.get("Aa")).isEqualTo(1);
        assertThat(i.get("BB")).isEqualTo(2);
        assertThat(i.get("AaBB")).isEqualTo(5);
        PersistentIndex.Editor e2 = i.edit();
        e2.remove("Aa");
        e2.remove("AaAa");
        PersistentIndex j = e2.done();
        assertThat(j.get("Aa")).isEqualTo(-1);
        assertThat(j.get("BB")).isEqualTo(2);
        assertThat(j.get("BBBB")).isEqualTo(4);
        assertThat(j.size()).isEqualTo(3);
        assertThat(i.get("Aa")).isEqualTo(1);
    }
}
