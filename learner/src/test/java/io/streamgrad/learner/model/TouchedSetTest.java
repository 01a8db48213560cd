package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TouchedSetTest {
    @Test
    void add_keepsEachIndexOnceInInsertionOrder_acrossWordBoundaries() {
        TouchedSet s = new TouchedSet(200);
        for (int i : new int[] {63, 64, 0, 199, 63, 128, 64, 127}) {
            s.add(i);
        }
        assertThat(Arrays.copyOf(s.indices(), s.count())).containsExactly(63, 64, 0, 199, 128, 127);
        for (int i = 0; i < 200; i++) {
            assertThat(s.contains(i))
                    .as("contains %d", i)
                    .isEqualTo(i == 0 || i == 63 || i == 64 || i == 127 || i == 128 || i == 199);
        }
    }

    @Test
    void clear_emptiesTheSet_andItCanBeReused() {
        TouchedSet s = new TouchedSet(5000);
        s.addRange(10, 3000);
        s.clear();
        assertThat(s.count()).isZero();
        for (int i = 0; i < 5000; i++) {
            assertThat(s.contains(i)).isFalse();
        }
        s.add(4999);
        s.add(11);
        assertThat(Arrays.copyOf(s.indices(), s.count())).containsExactly(4999, 11);
    }

    @Test
    void add_outsideTheCapacity_isRejectedEvenInsideTheLastWord() {
        TouchedSet s = new TouchedSet(70);
        assertThatThrownBy(() -> s.add(70))
                .isInstanceOf(ArrayIndexOutOfBoundsException.class)
                .hasMessageContaining("outside [0, 70)");
        assertThatThrownBy(() -> s.add(-1)).isInstanceOf(ArrayIndexOutOfBoundsException.class);
    }
}
