package io.streamgrad.serving.recs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecsTableTest {
    private static float[] row(float v) {
        return new float[] {v, v + 1, v + 2};
    }

    @Test
    void aDelta_copiesOnlyTheBlocksItTouches_andLeavesTheVersionBeforeUnchanged() {
        RecsTable.Editor e = RecsTable.empty(2, 2).edit(); // blocks of 4 rows
        for (int i = 0; i < 16; i++) {
            e.put("i" + i, row(i), 0, i);
        }
        RecsTable v1 = e.done();
        RecsTable.Editor d = v1.edit();
        d.put("i5", row(50), 0, 7);
        RecsTable v2 = d.done();
        assertThat(v2.values[1]).isNotSameAs(v1.values[1]);
        assertThat(v2.values[0]).isSameAs(v1.values[0]);
        assertThat(v2.values[2]).isSameAs(v1.values[2]);
        assertThat(v2.values[3]).isSameAs(v1.values[3]);
        assertThat(v2.row(v2.slot("i5"))).containsExactly(50, 51, 52);
        assertThat(v2.count(v2.slot("i5"))).isEqualTo(7);
        assertThat(v1.row(v1.slot("i5"))).containsExactly(5, 6, 7);
    }

    @Test
    void freedSlots_areReusedMostRecentlyFreedFirst_soTheSameVersionsGiveTheSameLayout() {
        RecsTable.Editor e = RecsTable.empty(2, 2).edit();
        for (int i = 0; i < 6; i++) {
            e.put("i" + i, row(i), 0, 1);
        }
        RecsTable v1 = e.done();
        RecsTable.Editor d = v1.edit();
        d.remove("i1");
        d.remove("i4");
        d.remove("never-held");
        d.put("new-a", row(9), 0, 1);
        d.put("new-b", row(9), 0, 1);
        d.put("new-c", row(9), 0, 1);
        RecsTable v2 = d.done();
        assertThat(v2.slot("new-a")).isEqualTo(4);
        assertThat(v2.slot("new-b")).isEqualTo(1);
        assertThat(v2.slot("new-c")).isEqualTo(6);
        assertThat(v2.slot("i1")).isEqualTo(-1);
        assertThat(v2.rows).isEqualTo(7);
        assertThat(v2.slots).isEqualTo(7);
        assertThat(v1.slot("i1")).isEqualTo(1);
        assertThat(v1.id(4)).isEqualTo("i4");
    }
}
