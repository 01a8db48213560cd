package org.apache.flink.api.java.typeutils.runtime;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.LinkedHashMap;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Test support (in Flink's package for its package-private constructors): the {@link PojoSerializerSnapshot} that a
 * savepoint written by the POJO serializer of {@code legacy} holds, as Flink reads it once the state's class is
 * {@code current}: fields that {@code current} lacks are absent (a null {@link Field}), as when a field was removed.
 */
public final class RemovedFieldPojoSnapshots {
    private RemovedFieldPojoSnapshots() {}

    public static <T> PojoSerializerSnapshot<T> asReadFor(Class<?> legacy, Class<T> current) {
        PojoSerializer<?> old =
                (PojoSerializer<?>) TypeInformation.of(legacy).createSerializer(new SerializerConfigImpl());
        Field[] oldFields = old.getFields();
        Field[] fields = new Field[oldFields.length];
        for (int i = 0; i < oldFields.length; i++) {
            try {
                fields[i] = current.getField(oldFields[i].getName());
            } catch (NoSuchFieldException e) {
                fields[i] = null;
            }
        }
        TypeSerializer<?>[] serializers = old.getFieldSerializers();
        return new PojoSerializerSnapshot<>(
                current, fields, serializers, new LinkedHashMap<>(), new HashMap<>(), new SerializerConfigImpl());
    }
}
