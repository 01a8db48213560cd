package io.streamgrad.job.records;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The type of the decoder's output stream: {@link BatcherInput} with its tagged {@link BatcherInputSerializer}.
 * {@link BatcherInput} names it with {@code @TypeInfo}, so Flink's type extraction finds it wherever the interface
 * is an operator's output (a test's pass-through map included), never a generic (Kryo) type.
 */
public final class BatcherInputTypeInfo extends TypeInformation<BatcherInput> {
    private static final long serialVersionUID = 1L;
    public static final BatcherInputTypeInfo INSTANCE = new BatcherInputTypeInfo();

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
    public Class<BatcherInput> getTypeClass() {
        return BatcherInput.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<BatcherInput> createSerializer(SerializerConfig config) {
        return new BatcherInputSerializer();
    }

    @Override
    public String toString() {
        return "BatcherInput (TrainingExample | ProducerBatch, tagged bulk serializer)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatcherInputTypeInfo;
    }

    @Override
    public int hashCode() {
        return BatcherInputTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof BatcherInputTypeInfo;
    }

    /** What {@code @TypeInfo} on {@link BatcherInput} names. */
    public static final class Factory extends TypeInfoFactory<BatcherInput> {
        @Override
        public TypeInformation<BatcherInput> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }
}
