package io.streamgrad.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;

/** Records written the way a version-1 producer wrote them: with the fixture schema, not with this build's classes. */
public final class V1Fixtures {
    private V1Fixtures() {}

    public static Schema exampleV1() {
        try (InputStream in = V1Fixtures.class.getResourceAsStream("/Example-v1.avsc")) {
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A v1 Example, single-object encoded with the v1 schema. */
    public static byte[] exampleV1Bytes(String modelId, List<Float> dense, float label) {
        Schema schema = exampleV1();
        GenericRecord r = new GenericData.Record(schema);
        r.put("model_id", modelId);
        r.put("event_time", 1234L);
        r.put("dense", dense);
        r.put("indices", List.of());
        r.put("values", List.of());
        r.put("label", label);
        try {
            ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(r);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
