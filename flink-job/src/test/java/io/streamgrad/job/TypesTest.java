package io.streamgrad.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.job.train.DivergenceGuard;
import io.streamgrad.job.train.ScoredBatch;
import io.streamgrad.job.train.TrainerProgress;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/** Everything that flows between operators or sits in state is a Flink POJO: no Kryo, ever. */
class TypesTest {
    @Test
    void recordsAndStateClasses_arePojos_serialisableWithGenericTypesDisabled() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        for (Class<?> c : List.of(
                SourceRecord.class,
                TrainingExample.class,
                ExampleBatch.class,
                TrainerProgress.class,
                ScoredBatch.class,
                DivergenceGuard.class)) {
            TypeInformation<?> t = TypeInformation.of(c);
            assertThat(t).as(c.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
            assertThat(t.createSerializer(noKryo)).as(c.getSimpleName()).isNotNull();
        }
    }
}
