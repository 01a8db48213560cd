package io.streamgrad.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ./streamgrad bench-deltas} measures what it says: exact deltas whose bytes follow the rows touched. */
class DeltaBytesTest {
    @Test
    void deltaBytes_growWithRowsTouched_notModelSize_andRebuildExactly() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DeltaBytes.run(new int[] {100, 1_000}, new PrintStream(buf, true, StandardCharsets.UTF_8));
        List<String[]> rows = buf.toString(StandardCharsets.UTF_8)
                .lines()
                .skip(2)
                .map(l -> l.trim().split("\\s+"))
                .toList();
        assertThat(rows).hasSize(2);
        for (String[] r : rows) {
            long changed = Long.parseLong(r[1]);
            long delta = Long.parseLong(r[2]);
            long full = Long.parseLong(r[3]);
            assertThat(r[6]).as("rebuilt bit for bit").isEqualTo("yes");
            assertThat(delta).as("8 bytes a row plus a header").isBetween(8 * changed, 8 * changed + 400);
            assertThat(full).as("2^20 weights and 2^20 Adagrad accumulators").isGreaterThan(8L << 20);
        }
        assertThat(Long.parseLong(rows.get(1)[1])).isBetween(900L, 1_010L);
    }
}
