package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The fast path reads exactly what Avro's reader reads, and declines (null) whatever it does not read completely,
 * so Avro's reader keeps the last word on every odd record.
 */
class FastExampleReaderTest {
    private static final int HEADER = 10;

    static Example random(Random rnd, String model) {
        int dense = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(50);
        int nnz = rnd.nextInt(40);
        List<Float> d = new ArrayList<>();
        for (int i = 0; i < dense; i++) {
            d.add(i % 7 == 0 ? Float.intBitsToFloat(rnd.nextInt()) : (float) rnd.nextGaussian());
        }
        List<Integer> idx = new ArrayList<>();
        List<Float> val = new ArrayList<>();
        for (int i = 0; i < nnz; i++) {
            idx.add(rnd.nextInt(3) == 0 ? rnd.nextInt() : rnd.nextInt(1 << 20)); // negative ones too
            val.add((float) rnd.nextGaussian());
        }
        return Example.newBuilder()
                .setModelId(model)
                .setEventTime(Instant.ofEpochMilli(rnd.nextLong() >> rnd.nextInt(40)))
                .setDense(d)
                .setIndices(idx)
                .setValues(val)
                .setNamed(Map.of())
                .setLabel(rnd.nextInt(10))
                .setWeight(rnd.nextFloat())
                .build();
    }

    /** Field by field, floats by their bits (NaN payloads included). */
    static void assertSame(Example fast, Example avro) {
        assertThat(fast.getModelId()).isEqualTo(avro.getModelId());
        assertThat(fast.getEventTime()).isEqualTo(avro.getEventTime());
        assertThat(bits(fast.getDense())).isEqualTo(bits(avro.getDense()));
        assertThat(fast.getIndices()).containsExactlyElementsOf(avro.getIndices());
        assertThat(bits(fast.getValues())).isEqualTo(bits(avro.getValues()));
        assertThat(fast.getNamed()).isEqualTo(avro.getNamed());
        assertThat(Float.floatToRawIntBits(fast.getLabel())).isEqualTo(Float.floatToRawIntBits(avro.getLabel()));
        assertThat(Float.floatToRawIntBits(fast.getWeight())).isEqualTo(Float.floatToRawIntBits(avro.getWeight()));
        assertThat(fast).isEqualTo(avro);
    }

    static int[] bits(List<Float> a) {
        return a.stream().mapToInt(Float::floatToRawIntBits).toArray();
    }

    @Test
    void example_readsWhatAvrosReaderReads() throws Exception {
        Random rnd = new Random(7);
        SingleObjectCodec<Example> codec = SingleObjectCodec.example();
        for (int i = 0; i < 500; i++) {
            Example e = random(rnd, i % 3 == 0 ? "m\u00e9t\u00e9o-" + i : "m" + i);
            byte[] bytes = codec.encode(e);

            Example fast = FastExampleReader.example(bytes, HEADER);

            assertThat(fast).as("example %d", i).isNotNull();
            assertSame(fast, codec.decode(bytes));
        }
    }

    @Test
    void miniBatch_readsWhatAvrosReaderReads() throws Exception {
        Random rnd = new Random(8);
        SingleObjectCodec<MiniBatch> codec = SingleObjectCodec.miniBatch();
        for (int n : new int[] {0, 1, 2, 64}) {
            List<Example> examples = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                examples.add(random(rnd, "b"));
            }
            byte[] bytes = codec.encode(new MiniBatch("b", examples));

            FastExampleReader.MiniBatchBody fast = FastExampleReader.miniBatch(bytes, HEADER);

            MiniBatch avro = codec.decode(bytes);
            assertThat(fast.modelId()).isEqualTo(avro.getModelId());
            assertThat(fast.examples()).hasSize(n);
            for (int i = 0; i < n; i++) {
                assertSame(fast.examples().get(i), avro.getExamples().get(i));
            }
        }
    }

    @Test
    void arraysWrittenInSeveralBlocks_areRead() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
        enc.writeString("m");
        enc.writeLong(5);
        // dense: blocks of 2 and 1 values, then the end
        enc.writeLong(2);
        enc.writeFloat(1f);
        enc.writeFloat(2f);
        enc.writeLong(1);
        enc.writeFloat(3f);
        enc.writeLong(0);
        enc.writeLong(0); // indices
        enc.writeLong(0); // values
        enc.writeLong(0); // named
        enc.writeFloat(1f);
        enc.writeFloat(1f);
        enc.flush();
        byte[] bytes = withHeader(out.toByteArray());

        Example fast = FastExampleReader.example(bytes, HEADER);

        assertSame(fast, SingleObjectCodec.example().decode(bytes));
        assertThat(fast.getDense()).containsExactly(1f, 2f, 3f);
    }

    @Test
    void namedFeatures_areLeftToAvrosReader() {
        Example e = Example.newBuilder(random(new Random(1), "m"))
                .setNamed(Map.of("colour=red", 1f))
                .build();

        assertThat(FastExampleReader.example(SingleObjectCodec.example().encode(e), HEADER))
                .isNull();
    }

    @Test
    void truncatedBodies_trailingBytes_andImpossibleLengths_areDeclined() {
        byte[] good = SingleObjectCodec.example().encode(random(new Random(2), "m"));
        for (int cut = HEADER; cut < good.length; cut++) {
            assertThat(FastExampleReader.example(Arrays.copyOf(good, cut), HEADER))
                    .as("cut at %d", cut)
                    .isNull();
        }
        assertThat(FastExampleReader.example(Arrays.copyOf(good, good.length + 1), HEADER))
                .isNull();

        // model_id "m", event_time 0, then a dense array that claims 2^30 floats in a 20-byte record
        byte[] liar = withHeader(new byte[] {
            2, 'm', 0, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        });
        assertThat(FastExampleReader.example(liar, HEADER)).isNull();
        // a varint that never ends
        byte[] endless = withHeader(new byte[] {
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff
        });
        assertThat(FastExampleReader.example(endless, HEADER)).isNull();
    }

    @Test
    void inputDecoder_givesTheSameExamplesOnTheFastPath_asAvrosReader() throws Exception {
        Random rnd = new Random(9);
        InputDecoder decoder = new InputDecoder();
        List<Example> examples = List.of(random(rnd, "x"), random(rnd, "x"), random(rnd, "x"));
        byte[] batch = SingleObjectCodec.miniBatch().encode(new MiniBatch("x", examples));
        byte[] single = SingleObjectCodec.example().encode(examples.get(0));

        InputDecoder.Decoded b = decoder.decode(batch);
        InputDecoder.Decoded s = decoder.decode(single);

        assertThat(b.examples())
                .isEqualTo(SingleObjectCodec.miniBatch().decode(batch).getExamples());
        assertThat(b.examples().get(0).getDense()).isInstanceOf(FastExampleReader.FloatList.class);
        assertThat(b.miniBatchModelId()).isEqualTo("x");
        assertThat(b.schemaVersion()).isEqualTo(SchemaHistory.EXAMPLE_CURRENT_VERSION);
        assertThat(s.examples()).containsExactly(SingleObjectCodec.example().decode(single));
        assertThat(s.examples().get(0).getDense()).isInstanceOf(FastExampleReader.FloatList.class);
    }

    private static byte[] withHeader(byte[] body) {
        byte[] header = Arrays.copyOf(SingleObjectCodec.example().encode(random(new Random(3), "h")), HEADER);
        byte[] out = Arrays.copyOf(header, HEADER + body.length);
        System.arraycopy(body, 0, out, HEADER, body.length);
        return out;
    }
}
