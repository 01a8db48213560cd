package io.streamgrad.learner.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ParameterDeltaTest {
    @Test
    void applyingTheDeltaBetweenTwoVectorsRebuildsTheSecondBitForBit() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] before = new float[1000];
        for (int i = 0; i < before.length; i++) {
            before[i] = (float) rnd.nextGaussian();
        }
        float[] after = before.clone();
        after[3] = -0.0f;
        after[500] = Float.intBitsToFloat(0x7fc00123); // a NaN payload survives
        after[999] = 42f;
        before[3] = 0.0f;

        ParameterDelta d = ParameterDelta.between(before, after);
        assertThat(d.count()).isEqualTo(3);

        ParameterDelta wire = ParameterDelta.fromWire(
                d.numParams(),
                ByteBuffer.wrap(d.indicesBytes()),
                ByteBuffer.wrap(d.valuesBytes()),
                ByteBuffer.wrap(d.removedBytes()),
                "test");
        float[] rebuilt = before.clone();
        wire.applyTo(rebuilt);
        for (int i = 0; i < after.length; i++) {
            assertThat(Float.floatToRawIntBits(rebuilt[i]))
                    .as("index %d", i)
                    .isEqualTo(Float.floatToRawIntBits(after[i]));
        }
    }

    @Test
    void gatherSortsAndDeduplicatesTheChangedIndices() {
        float[] p = {0f, 1f, 2f, 3f, 4f};
        ParameterDelta d = ParameterDelta.gather(p, new int[] {4, 1, 4, 1, 0, 99}, 5);
        assertThat(d.count()).isEqualTo(3);
        assertThat(new int[] {d.index(0), d.index(1), d.index(2)}).containsExactly(0, 1, 4);
        assertThat(d.value(2)).isEqualTo(4f);
    }

    @Test
    void removedIndicesAreResetToZero() {
        float[] p = {5f, 6f, 7f};
        ParameterDelta d = ParameterDelta.gather(new float[] {5f, 9f, 7f}, new int[] {1}, 1)
                .withRemoved(new int[] {2});
        d.applyTo(p);
        assertThat(p).containsExactly(5f, 9f, 0f);
    }

    @Test
    void wireFormRefusesDescendingOutOfRangeAndMismatchedFieldsNamingThePlace() {
        ByteBuffer twoInts = le(3, 1);
        ByteBuffer twoFloats = le(0, 0);
        assertThatThrownBy(() -> ParameterDelta.fromWire(10, twoInts, twoFloats, le(), "updates-0@5"))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("updates-0@5")
                .hasMessageContaining("strictly ascending");
        assertThatThrownBy(() -> ParameterDelta.fromWire(2, le(0, 7), twoFloats, le(), "at"))
                .hasMessageContaining("indices[1] = 7 is outside [0, 2)");
        assertThatThrownBy(() -> ParameterDelta.fromWire(10, le(1), twoFloats, le(), "at"))
                .hasMessageContaining("1 indices but 2 values");
        assertThatThrownBy(() -> ParameterDelta.fromWire(10, le(1), le(0), le(1), "at"))
                .hasMessageContaining("both changed and removed");
    }

    private static ByteBuffer le(int... ints) {
        ByteBuffer b = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : ints) {
            b.putInt(i);
        }
        return b.flip();
    }
}
