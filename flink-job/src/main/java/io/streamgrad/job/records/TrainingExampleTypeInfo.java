package io.streamgrad.job.records;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of the decoder's output stream: {@link TrainingExample} with {@link TrainingExampleSerializer} (bulk
 * array copies) instead of Flink's POJO serializer. Records in flight only; keyed state of this class still
 * declares {@code TypeInformation.of(TrainingExample.class)}.
 */
public final class TrainingExampleTypeInfo extends TypeInformation<TrainingExample> {
    private static final long serialVersionUID = 1L;
    public static final TrainingExampleTypeInfo INSTANCE = new TrainingExampleTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<TrainingExample> getTypeClass() {
        return TrainingExample.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<TrainingExample> createSerializer(SerializerConfig config) {
        return new TrainingExampleSerializer();
    }

    @Override
    public String toString() {
        return "TrainingExample (bulk array serializer)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainingExampleTypeInfo;
    }

    @Override
    public int hashCode() {
        return TrainingExampleTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof TrainingExampleTypeInfo;
    }
}
