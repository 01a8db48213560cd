package io.streamgrad.learner.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.learner.train.ModelState;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ModelStateCodecTest {

    private static int[] bits(float[] a) {
        int[] b = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Float.floatToRawIntBits(a[i]);
        }
        return b;
    }

    @Test
    void roundTrip_specialFloats_areBitExact() {
        ModelState s = Fixtures.state();

        ModelState back = ModelStateCodec.decode(ModelStateCodec.encode(s));

        assertThat(bits(back.params())).containsExactly(bits(s.params()));
        assertThat(bits(back.optimizerState())).containsExactly(bits(s.optimizerState()));
        assertThat(back.step()).isEqualTo(Fixtures.STEP);
        assertThat(back.rngState()).isEqualTo(Fixtures.RNG);
        assertThat(back.examplesSeen()).isEqualTo(Fixtures.SEEN);
        assertThat(back.skippedBatches()).isEqualTo(Fixtures.SKIPPED);
    }

    @Test
    void roundTrip_randomBitPatterns_includingNaNPayloads_areBitExact() {
        SplittableRandom r = new SplittableRandom(3);
        float[] params = new float[20_000]; // more than one internal chunk
        for (int i = 0; i < params.length; i++) {
            // quiet NaNs with payloads included; signalling NaNs may be quieted by the CPU on float loads
            int b = r.nextInt();
            if ((b & 0x7f800000) == 0x7f800000 && (b & 0x007fffff) != 0) {
                b |= 0x00400000;
            }
            params[i] = Float.intBitsToFloat(b);
        }
        ModelState s = new ModelState(params, new float[0], 0, Long.MIN_VALUE, 0, Long.MAX_VALUE);

        ModelState back = ModelStateCodec.decode(ModelStateCodec.encode(s));

        assertThat(Arrays.equals(bits(back.params()), bits(params))).isTrue();
        assertThat(back.optimizerState()).isEmpty();
        assertThat(back.rngState()).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void encode_sameState_sameBytes() {
        assertThat(ModelStateCodec.encode(Fixtures.state())).isEqualTo(ModelStateCodec.encode(Fixtures.state()));
    }

    @Test
    void encode_layout_isHeaderFieldsThenGuardThenCrc() {
        ModelState s = new ModelState(new float[] {1f}, new float[] {-2f, 0.5f}, 7, 8, 9, 10);

        byte[] b = ModelStateCodec.encode(s);

        ByteBuffer buf = ByteBuffer.wrap(b);
        assertThat(b).hasSize(8 + 4 + 4 + 4 + 8 + 32 + 8 + 4 + 8 + 1 + 4);
        assertThat(buf.getInt()).isEqualTo(0x53474D53);
        assertThat(buf.getInt()).isEqualTo(2);
        assertThat(buf.getInt()).isEqualTo(1);
        assertThat(buf.getFloat()).isEqualTo(1f);
        assertThat(buf.getInt()).isEqualTo(2);
        assertThat(buf.getFloat()).isEqualTo(-2f);
        assertThat(buf.getFloat()).isEqualTo(0.5f);
        assertThat(new long[] {buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong()})
                .containsExactly(7, 8, 9, 10);
        assertThat(buf.getDouble()).isEqualTo(1.0);
        assertThat(buf.getInt()).isZero();
        assertThat(buf.getLong()).isZero();
        assertThat(buf.get()).isZero();
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        assertThat(buf.getInt()).isEqualTo((int) crc.getValue());
    }

    @Test
    void encode_layout_withLastGood_appendsItsStepAndArraysBeforeTheCrc() {
        ModelState s = new ModelState(
                new float[] {1f},
                new float[] {-2f, 0.5f},
                7,
                8,
                9,
                10,
                0.5,
                3,
                4,
                new float[] {6f},
                new float[] {-7f, 8f},
                5);

        byte[] b = ModelStateCodec.encode(s);

        ByteBuffer buf = ByteBuffer.wrap(b);
        assertThat(b).hasSize(8 + 4 + 4 + 4 + 8 + 32 + 8 + 4 + 8 + 1 + 8 + 4 + 8 + 4);
        buf.position(8 + 4 + 4 + 4 + 8 + 32);
        assertThat(buf.getDouble()).isEqualTo(0.5);
        assertThat(buf.getInt()).isEqualTo(3);
        assertThat(buf.getLong()).isEqualTo(4);
        assertThat(buf.get()).isEqualTo((byte) 1);
        assertThat(buf.getLong()).isEqualTo(5);
        assertThat(new float[] {buf.getFloat(), buf.getFloat(), buf.getFloat()}).containsExactly(6f, -7f, 8f);
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        assertThat(buf.getInt()).isEqualTo((int) crc.getValue());
    }

    @Test
    void roundTrip_guardFieldsAndLastGoodCopy_areBitExact() {
        ModelState s = Fixtures.stateV2();

        ModelState back = ModelStateCodec.decode(ModelStateCodec.encode(s));

        assertThat(back).isEqualTo(s);
        assertThat(bits(back.lastGoodParams())).containsExactly(bits(Fixtures.GOOD_PARAMS));
        assertThat(bits(back.lastGoodOptimizerState())).containsExactly(bits(Fixtures.GOOD_OPTIMIZER));
        assertThat(Double.doubleToRawLongBits(back.lrScale())).isEqualTo(Double.doubleToRawLongBits(0.125));
        assertThat(back.badStreak()).isEqualTo(Fixtures.BAD_STREAK);
        assertThat(back.rollbacks()).isEqualTo(Fixtures.ROLLBACKS);
        assertThat(back.lastGoodStep()).isEqualTo(Fixtures.GOOD_STEP);
    }

    @Test
    void decode_guardFieldOutOfRange_isRefusedAsInconsistent() {
        ModelState s = new ModelState(new float[] {1f}, new float[0], 1, 2, 3, 4);
        int scaleAt = 8 + 4 + 4 + 4 + 32;
        for (double bad : new double[] {0.0, -0.5, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            byte[] b = ModelStateCodec.encode(s);
            ByteBuffer.wrap(b).putDouble(scaleAt, bad);
            fixCrc(b);

            assertThatThrownBy(() -> ModelStateCodec.decode(b))
                    .as("scale %s", bad)
                    .isInstanceOf(FormatException.class)
                    .hasMessageStartingWith("model state is inconsistent: learning-rate scale " + bad);
        }
        byte[] flag = ModelStateCodec.encode(s);
        flag[scaleAt + 8 + 4 + 8] = 2;
        fixCrc(flag);
        assertThatThrownBy(() -> ModelStateCodec.decode(flag)).hasMessageContaining("last-good flag 2");
    }

    private static void fixCrc(byte[] b) {
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
    }

    @Test
    void decode_newerVersion_isRefusedWithUpgradeHint() {
        byte[] b = ModelStateCodec.encode(Fixtures.state());
        ByteBuffer.wrap(b).putInt(4, 7);

        assertThatThrownBy(() -> ModelStateCodec.decode(b))
                .isInstanceOf(FormatException.class)
                .hasMessage("model state format version 7 is newer than this build supports (2); upgrade streamgrad");
    }

    @Test
    void decode_flippedBit_isRefusedAsCorrupt() {
        byte[] b = ModelStateCodec.encode(Fixtures.state());
        b[20] ^= 0x10;

        assertThatThrownBy(() -> ModelStateCodec.decode(b))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith("model state is corrupt: CRC32 is 0x");
    }

    @Test
    void decode_everyTruncation_isRefused() {
        byte[] b = ModelStateCodec.encode(Fixtures.stateV2());
        for (int len = 0; len < b.length; len++) {
            byte[] cut = Arrays.copyOf(b, len);
            assertThatThrownBy(() -> ModelStateCodec.decode(cut))
                    .as("length %d", len)
                    .isInstanceOf(FormatException.class);
        }
        assertThatThrownBy(() -> ModelStateCodec.decode(Arrays.copyOf(b, b.length - 10)))
                .hasMessageStartingWith("model state is truncated");
    }

    @Test
    void decode_otherBytes_areRefusedAsNotAModelState() {
        assertThatThrownBy(() -> ModelStateCodec.decode("hello world, not a model".getBytes()))
                .hasMessageStartingWith("not a model state: magic bytes are 0x68656C6C");
        assertThatThrownBy(() -> ModelStateCodec.decode(new byte[3]))
                .hasMessageStartingWith("not a model state: 3 bytes");
    }

    @Test
    void decode_withOffset_readsEmbeddedState() {
        byte[] inner = ModelStateCodec.encode(Fixtures.state());
        byte[] outer = new byte[inner.length + 10];
        System.arraycopy(inner, 0, outer, 5, inner.length);

        assertThat(ModelStateCodec.decode(outer, 5, inner.length)).isEqualTo(ModelStateCodec.decode(inner));
    }
}
