package io.streamgrad.job.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamgrad.job.StreamgradJob;
import io.streamgrad.job.TestConfigs;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.job.train.ScoredBatch;
import io.streamgrad.job.train.TrainerProgress;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * Kryo (Flink's fallback for types it cannot analyse, which reads class names from the bytes) is off in the job,
 * and nothing in the job needs it: every record between operators and every state type has a schema'd serializer
 * (POJO, Avro, primitive arrays).
 */
class SerializationConfigTest {
    static JobConfig config() {
        return JobConfigParser.parse(
                """
                kafka: {bootstrap.servers: "127.0.0.1:9"}
                bounded: true
                models:
                  m:
                %s
                """.formatted(TestConfigs.logisticYaml(4, 8).indent(4)), "job.yaml");
    }

    @Test
    void jobEnvironment_hasGenericTypesDisabled_inItsExecutionConfig() {
        Configuration conf = StreamgradJob.flinkConfiguration(config());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);

        assertThat(conf.get(PipelineOptions.GENERIC_TYPES)).isFalse();
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled())
                .isTrue();
        assertThat(env.getConfig().getSerializerConfig().isForceKryoEnabled()).isFalse();
    }

    @Test
    void jobGraph_buildsWithGenericTypesDisabled_andNoEdgeUsesKryo() {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(StreamgradJob.flinkConfiguration(config()));
        StreamgradJob.build(env, config()); // creating a Kryo serializer would throw here

        StreamGraph graph = env.getStreamGraph();
        List<TypeSerializer<?>> serializers = new ArrayList<>();
        for (StreamNode n : graph.getStreamNodes()) {
            for (TypeSerializer<?> s : n.getTypeSerializersIn()) {
                serializers.add(s);
            }
            if (n.getTypeSerializerOut() != null) {
                serializers.add(n.getTypeSerializerOut());
            }
            if (n.getStateKeySerializer() != null) {
                serializers.add(n.getStateKeySerializer());
            }
        }
        assertThat(graph.getStreamNodes()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(serializers)
                .isNotEmpty()
                .noneMatch(s -> s instanceof KryoSerializer || s.toString().contains("Kryo"));
    }

    @Test
    void everyRecordAndStateType_isAPojo_whoseSerializerNeedsNoGenericTypes() {
        SerializerConfigImpl noGenerics = new SerializerConfigImpl();
        noGenerics.setGenericTypes(false);
        for (Class<?> type : List.of(
                SourceRecord.class,
                TrainingExample.class,
                ExampleBatch.class,
                TrainerProgress.class,
                ScoredBatch.class)) {
            TypeInformation<?> info = TypeInformation.of(type);
            assertThat(info).as(type.getSimpleName()).isInstanceOf(PojoTypeInfo.class);
            assertThat(info.createSerializer(noGenerics))
                    .as(type.getSimpleName())
                    .isNotNull();
        }
    }

    @Test
    void aTypeThatWouldNeedKryo_isRefusedUnderTheJobsSettings() {
        SerializerConfigImpl noGenerics = new SerializerConfigImpl();
        noGenerics.setGenericTypes(false);

        assertThatThrownBy(() -> TypeInformation.of(Object.class).createSerializer(noGenerics))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("Generic types have been disabled");
    }
}
