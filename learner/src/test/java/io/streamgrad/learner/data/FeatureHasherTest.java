package io.streamgrad.learner.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FeatureHasherTest {
    private final FeatureHasher hasher = new FeatureHasher(1 << 20);

    @Test
    void hash_matchesIndependentMurmur3Values() {
        // Reference values from Guava 33.4.8: Hashing.murmur3_32_fixed().hashString(s, UTF_8).asInt().
        // "hello" -> 0x248bfa47 is also the value published with MurmurHash3's SMHasher tests.
        assertThat(hasher.hash("")).isEqualTo(0);
        assertThat(hasher.hash("a")).isEqualTo(1009084850);
        assertThat(hasher.hash("ab")).isEqualTo(-1681926305);
        assertThat(hasher.hash("abc")).isEqualTo(-1277324294);
        assertThat(hasher.hash("abcd")).isEqualTo(1139631978);
        assertThat(hasher.hash("hello")).isEqualTo(0x248bfa47);
        assertThat(hasher.hash("The quick brown fox jumps over the lazy dog")).isEqualTo(776992547);
        assertThat(hasher.hash("user_id=12345")).isEqualTo(1008197375);
        assertThat(hasher.hash("città")).isEqualTo(1848209960);
        assertThat(hasher.hash("\u20ac5")).isEqualTo(1945729233);
        assertThat(hasher.hash("\uD83D\uDE00x")).isEqualTo(1914495294);
        assertThat(hasher.hash("country=DE")).isEqualTo(-1982437435);
    }

    @Test
    void hash_streamingUtf8_equalsByteReferenceOnRandomStrings() {
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 2000; t++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(0, 20);
            for (int i = 0; i < len; i++) {
                int kind = r.nextInt(5);
                if (kind == 0) {
                    sb.append((char) r.nextInt(0x20, 0x80));
                } else if (kind == 1) {
                    sb.append((char) r.nextInt(0x80, 0x800));
                } else if (kind == 2) {
                    sb.append((char) r.nextInt(0x800, 0xD800));
                } else if (kind == 3) {
                    sb.appendCodePoint(r.nextInt(0x10000, 0x110000));
                } else {
                    sb.append((char) r.nextInt(0xD800, 0xE000)); // lone surrogate -> '?'
                }
            }
            String s = sb.toString();
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);

            assertThat(hasher.hash(s)).as("'%s'", s).isEqualTo(FeatureHasher.murmur3(utf8, 0, utf8.length, 0));
        }
    }

    @Test
    void hash_nameSeparatorValue_equalsHashOfConcatenation() {
        assertThat(hasher.hash("country", '=', "DE")).isEqualTo(hasher.hash("country=DE"));
        assertThat(hasher.hash("", '=', "")).isEqualTo(hasher.hash("="));
        assertThat(hasher.hash("größe", '\u00e9', "x")).isEqualTo(hasher.hash("größe\u00e9x"));
    }

    @Test
    void indexAndSign_useDisjointBits() {
        int h = 0x80000005;
        assertThat(FeatureHasher.index(h, 16)).isEqualTo(5);
        assertThat(FeatureHasher.sign(h)).isEqualTo(-1f);
        assertThat(FeatureHasher.index(5, 16)).isEqualTo(5);
        assertThat(FeatureHasher.sign(5)).isEqualTo(1f);
        assertThat(FeatureHasher.index(-1, 7)).isEqualTo(Integer.MAX_VALUE % 7);
    }

    @Test
    void index_isWithinSpace_andRoughlyUniform_signsBalanced() {
        FeatureHasher small = new FeatureHasher(10);
        int[] counts = new int[10];
        int negative = 0;
        for (int i = 0; i < 100_000; i++) {
            int h = small.hash("f" + i);
            int idx = FeatureHasher.index(h, 10);
            counts[idx]++;
            if (FeatureHasher.sign(h) < 0) {
                negative++;
            }
        }
        // Each bucket expects 10,000 (sd ~95); signs 50,000 (sd ~158). 6 sd bounds: deterministic input anyway.
        for (int c : counts) {
            assertThat(c).isBetween(9_400, 10_600);
        }
        assertThat(negative).isBetween(49_000, 51_000);
    }

    @Test
    void hash_allocatesNothing() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String name = "some_feature_name_ü";
        String value = "value";
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += hasher.hash(name) + hasher.hash(name, '=', value);
        }
        long before = bean.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            sink += hasher.hash(name) + hasher.hash(name, '=', value);
        }
        long allocated = bean.getCurrentThreadAllocatedBytes() - before;

        assertThat(sink).isNotZero();
        assertThat(allocated).as("bytes allocated by 200,000 hashes").isLessThan(10_000);
    }
}
