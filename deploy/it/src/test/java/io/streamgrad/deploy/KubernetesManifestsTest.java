package io.streamgrad.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.streamgrad.deploy.Manifests.Doc;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The manifests in {@code deploy/kubernetes}: no cluster here, so they are checked against the real schemas offline —
 * the FlinkDeployment against the Flink Kubernetes Operator's CRD schema (from its API jar on Maven Central), the
 * Strimzi resources against Strimzi's typed API model, core objects against fabric8's model — and against each
 * other (topic names, the jar path, the service account, ports and labels).
 */
class KubernetesManifestsTest {

    private static final Path K8S = Manifests.deployDir().resolve("kubernetes");
    private static final List<Doc> DOCS = Manifests.loadAll(K8S);
    private static final Pattern DNS_1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final String FLINK_DEPLOYMENT_CRD = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";

    @Test
    void everyManifest_isANamedKubernetesObject_inTheStreamgradNamespace() {
        assertThat(DOCS)
                .extracting(Doc::kind)
                .contains(
                        "FlinkDeployment",
                        "Kafka",
                        "KafkaNodePool",
                        "KafkaTopic",
                        "ConfigMap",
                        "ServiceAccount",
                        "PodMonitor");
        for (Doc doc : DOCS) {
            assertThat(doc.node().path("apiVersion").asText())
                    .as("%s apiVersion", doc)
                    .isNotBlank();
            assertThat(doc.name())
                    .as("%s metadata.name", doc)
                    .matches(DNS_1123_SUBDOMAIN)
                    .hasSizeLessThanOrEqualTo(253);
            if (!doc.kind().equals("Namespace")) {
                assertThat(doc.node().path("metadata").path("namespace").asText())
                        .as("%s namespace", doc)
                        .isEqualTo("streamgrad");
            }
        }
    }

    // --- FlinkDeployment ------------------------------------------------------------------------------------------

    private static JsonSchema flinkDeploymentSchema() {
        ObjectNode schema = Manifests.crdSchema(FLINK_DEPLOYMENT_CRD, "v1beta1");
        // The newest operator API jar on Maven Central (1.10.0) predates Flink 2; later operator releases add the
        // v2_x values to this enum and nothing else this deployment uses. Without them the check could not pass.
        Manifests.widenEnum(schema, "spec.flinkVersion", "v2_0", "v2_1", "v2_2");
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
    }

    private static JsonNode flinkDeployment() {
        return Manifests.only(DOCS, "FlinkDeployment").node();
    }

    @Test
    void flinkDeployment_conformsToTheOperatorsCrdSchema() {
        Set<ValidationMessage> errors = flinkDeploymentSchema().validate(flinkDeployment());
        assertThat(errors).as("schema violations").isEmpty();
        assertThat(flinkDeployment().path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
    }

    @Test
    void crdSchemaCheck_rejectsAMisspeltField_andANumberWhereFlinkExpectsAString() {
        ObjectNode misspelt = flinkDeployment().deepCopy();
        ((ObjectNode) misspelt.path("spec").path("job")).put("upgradeMod", "savepoint");
        assertThat(flinkDeploymentSchema().validate(misspelt))
                .extracting(ValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("upgradeMod"));

        ObjectNode unquoted = flinkDeployment().deepCopy();
        ((ObjectNode) unquoted.path("spec").path("flinkConfiguration")).put("taskmanager.numberOfTaskSlots", 2);
        assertThat(flinkDeploymentSchema().validate(unquoted))
                .extracting(ValidationMessage::getMessage)
                .anySatisfy(m -> assertThat(m).contains("taskmanager.numberOfTaskSlots"));

        ObjectNode badMode = flinkDeployment().deepCopy();
        ((ObjectNode) badMode.path("spec").path("job")).put("upgradeMode", "snapshot");
        assertThat(flinkDeploymentSchema().validate(badMode)).isNotEmpty();
    }

    @Test
    void flinkDeployment_upgradesWithSavepoints_withDurableCheckpointSavepointAndHaStorage() {
        JsonNode spec = flinkDeployment().path("spec");
        JsonNode conf = spec.path("flinkConfiguration");
        assertThat(spec.path("job").path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(spec.path("job").path("state").asText()).isEqualTo("running");
        // The operator refuses savepoint upgrades without these directories; a local path would not survive a pod.
        for (String key : List.of(
                "execution.checkpointing.dir",
                "execution.checkpointing.savepoint-dir",
                "high-availability.storageDir")) {
            assertThat(conf.path(key).asText()).as(key).matches("(s3|s3a|s3p|gs|abfss|hdfs|oss)://.+");
        }
        assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(conf.path("execution.checkpointing.externalized-checkpoint-retention")
                        .asText())
                .isEqualTo("RETAIN_ON_CANCELLATION");
        assertThat(spec.path("serviceAccount").asText())
                .isEqualTo(Manifests.only(DOCS, "ServiceAccount").name());
    }

    @Test
    void flinkDeployment_runsTheProjectsFlinkVersion_withResourcesForBothProcessKinds() {
        JsonNode spec = flinkDeployment().path("spec");
        String[] flink = Manifests.rootPomProperty("flink.version").split("\\.");
        assertThat(spec.path("flinkVersion").asText()).isEqualTo("v" + flink[0] + "_" + flink[1]);
        for (String process : List.of("jobManager", "taskManager")) {
            JsonNode resource = spec.path(process).path("resource");
            assertThat(resource.path("cpu").asDouble()).as(process + " cpu").isPositive();
            assertThat(bytes(resource.path("memory").asText()))
                    .as(process + " memory")
                    .isGreaterThanOrEqualTo(1L << 30);
        }
        // ND4J's native buffers need task off-heap memory, and JavaCPP must be told the same budget.
        JsonNode conf = spec.path("flinkConfiguration");
        long offHeap = bytes(conf.path("taskmanager.memory.task.off-heap.size").asText());
        assertThat(offHeap).isGreaterThanOrEqualTo(256L << 20);
        String tmOpts = conf.path("env.java.opts.taskmanager").asText();
        assertThat(tmOpts)
                .contains("-Dorg.bytedeco.javacpp.maxbytes="
                        + conf.path("taskmanager.memory.task.off-heap.size").asText());
        Matcher physical = Pattern.compile("-Dorg.bytedeco.javacpp.maxphysicalbytes=(\\S+)")
                .matcher(tmOpts);
        assertThat(physical.find()).as("maxphysicalbytes set").isTrue();
        assertThat(bytes(physical.group(1)))
                .isEqualTo(bytes(
                        spec.path("taskManager").path("resource").path("memory").asText()));
    }

    @Test
    void flinkConfiguration_usesOnlyKeysFlink22Knows_andNoDeprecatedOnes() {
        Map<String, Boolean> known = Manifests.flinkConfigKeys();
        assertThat(known).containsKeys("execution.checkpointing.dir", "taskmanager.memory.task.off-heap.size");
        Pattern reporterKey = Pattern.compile(
                "metrics\\.reporter\\.[a-z0-9_]+\\.(factory\\.class|port|interval|host|scope\\..+|filter\\..+)");
        List<String> unknown = new ArrayList<>();
        List<String> deprecated = new ArrayList<>();
        flinkDeployment().path("spec").path("flinkConfiguration").fieldNames().forEachRemaining(key -> {
            if (key.startsWith("kubernetes.") || reporterKey.matcher(key).matches()) {
                return; // the operator's and flink-kubernetes' own keys; reporter keys are per reporter name
            }
            if (!known.containsKey(key)) {
                unknown.add(key);
            } else if (known.get(key)) {
                deprecated.add(key);
            }
        });
        assertThat(unknown).as("keys Flink would ignore silently").isEmpty();
        assertThat(deprecated).as("deprecated keys").isEmpty();
    }

    @Test
    void flinkDeployment_exposesPrometheusMetrics_thatThePodMonitorScrapes() {
        JsonNode spec = flinkDeployment().path("spec");
        assertThat(spec.path("flinkConfiguration")
                        .path("metrics.reporter.prom.factory.class")
                        .asText())
                .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        int port = spec.path("flinkConfiguration")
                .path("metrics.reporter.prom.port")
                .asInt();
        JsonNode container = mainContainer(spec);
        JsonNode metricsPort = null;
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals("metrics")) {
                metricsPort = p;
            }
        }
        assertThat(metricsPort).as("a container port named 'metrics'").isNotNull();
        assertThat(metricsPort.path("containerPort").asInt()).isEqualTo(port);

        JsonNode monitor = Manifests.only(DOCS, "PodMonitor").node().path("spec");
        assertThat(monitor.path("podMetricsEndpoints").get(0).path("port").asText())
                .isEqualTo("metrics");
        monitor.path("selector")
                .path("matchLabels")
                .fields()
                .forEachRemaining(label -> assertThat(spec.path("podTemplate")
                                .path("metadata")
                                .path("labels")
                                .path(label.getKey())
                                .asText())
                        .as("pod label %s", label.getKey())
                        .isEqualTo(label.getValue().asText()));
    }

    @Test
    void flinkDeployment_readsItsJobConfigFromTheMountedConfigMap() {
        JsonNode spec = flinkDeployment().path("spec");
        JsonNode job = spec.path("job");
        assertThat(job.path("entryClass").asText()).isEqualTo("io.streamgrad.job.StreamgradJob");
        List<String> args = new ArrayList<>();
        job.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).hasSize(2).first().isEqualTo("--config");
        Path configFile = Path.of(args.get(1));

        JsonNode mount = null;
        for (JsonNode m : mainContainer(spec).path("volumeMounts")) {
            if (configFile.startsWith(m.path("mountPath").asText())) {
                mount = m;
            }
        }
        assertThat(mount).as("a volume mounted above %s", configFile).isNotNull();
        String volumeName = mount.path("name").asText();
        String configMapName = null;
        for (JsonNode v : spec.path("podTemplate").path("spec").path("volumes")) {
            if (v.path("name").asText().equals(volumeName)) {
                configMapName = v.path("configMap").path("name").asText();
            }
        }
        ConfigMapHolder holder = jobConfigMap();
        assertThat(configMapName).isEqualTo(holder.name());
        assertThat(holder.data()).containsKey(configFile.getFileName().toString());
    }

    @Test
    void dockerfile_buildsOnTheProjectsFlinkVersion_andPutsTheJarWhereTheDeploymentLooks() throws IOException {
        String dockerfile = Files.readString(K8S.resolve("Dockerfile"));
        Matcher image = Pattern.compile("(?m)^ARG FLINK_IMAGE=flink:([0-9.]+)-scala_2\\.12-java(\\d+)$")
                .matcher(dockerfile);
        assertThat(image.find())
                .as("ARG FLINK_IMAGE=flink:<version>-scala_2.12-java<N>")
                .isTrue();
        assertThat(image.group(1)).isEqualTo(Manifests.rootPomProperty("flink.version"));
        assertThat(image.group(2)).isEqualTo(Manifests.rootPomProperty("maven.compiler.release"));
        assertThat(dockerfile).containsPattern("(?m)^FROM \\$\\{FLINK_IMAGE}$");

        Matcher copy =
                Pattern.compile("(?m)^COPY (?:--chown=\\S+ )?(\\S+) (\\S+)$").matcher(dockerfile);
        assertThat(copy.find()).as("a COPY of the job jar").isTrue();
        assertThat(copy.group(1)).isEqualTo("flink-job/target/streamgrad-job.jar");
        String jarUri =
                flinkDeployment().path("spec").path("job").path("jarURI").asText();
        assertThat(jarUri).isEqualTo("local://" + copy.group(2));
    }

    // --- Strimzi ---------------------------------------------------------------------------------------------------

    @Test
    void strimziResources_matchStrimzisTypedModel_withoutUnknownFields() throws IOException {
        Map<String, Class<?>> types =
                Map.of("Kafka", Kafka.class, "KafkaNodePool", KafkaNodePool.class, "KafkaTopic", KafkaTopic.class);
        int checked = 0;
        for (Doc doc : DOCS) {
            Class<?> type = types.get(doc.kind());
            if (type == null) {
                continue;
            }
            assertThat(doc.node().path("apiVersion").asText()).as("%s", doc).isEqualTo("kafka.strimzi.io/v1beta2");
            Object model = Manifests.YAML.treeToValue(doc.node(), type);
            assertThat(Manifests.unknownFields(model))
                    .as("fields Strimzi does not know in %s", doc)
                    .isEmpty();
            checked++;
        }
        assertThat(checked).isEqualTo(6);
    }

    @Test
    void typedModelCheck_findsAMisspeltStrimziField() throws IOException {
        ObjectNode topic = Manifests.all(DOCS, "KafkaTopic").get(0).node().deepCopy();
        ((ObjectNode) topic.path("spec")).put("partitons", 3);
        assertThat(Manifests.unknownFields(Manifests.YAML.treeToValue(topic, KafkaTopic.class)))
                .containsExactly(".spec.partitons");
    }

    @Test
    void kafka_runsKRaftOnNodePools_withReplicationThatSurvivesOneNode() throws IOException {
        Kafka kafka = Manifests.YAML.treeToValue(Manifests.only(DOCS, "Kafka").node(), Kafka.class);
        KafkaNodePool pool =
                Manifests.YAML.treeToValue(Manifests.only(DOCS, "KafkaNodePool").node(), KafkaNodePool.class);
        assertThat(kafka.getMetadata().getAnnotations())
                .containsEntry("strimzi.io/kraft", "enabled")
                .containsEntry("strimzi.io/node-pools", "enabled");
        assertThat(pool.getMetadata().getLabels())
                .containsEntry("strimzi.io/cluster", kafka.getMetadata().getName());
        assertThat(pool.getSpec().getRoles())
                .extracting(Object::toString)
                .map(String::toLowerCase)
                .containsExactlyInAnyOrder("controller", "broker");
        int nodes = pool.getSpec().getReplicas();
        Map<String, Object> config = kafka.getSpec().getKafka().getConfig();
        int rf = ((Number) config.get("default.replication.factor")).intValue();
        int minIsr = ((Number) config.get("min.insync.replicas")).intValue();
        assertThat(rf).isLessThanOrEqualTo(nodes);
        assertThat(minIsr).isLessThan(rf).isGreaterThanOrEqualTo(2);
        assertThat(((Number) config.get("transaction.state.log.min.isr")).intValue())
                .isLessThan(rf);
        assertThat(kafka.getSpec().getEntityOperator().getTopicOperator())
                .as("topic operator for KafkaTopics")
                .isNotNull();
    }

    @Test
    void topics_areTheJobsTopics_withModelsCompacted_andEnoughPartitionsForTheJobsParallelism() throws IOException {
        Kafka kafka = Manifests.YAML.treeToValue(Manifests.only(DOCS, "Kafka").node(), Kafka.class);
        KafkaNodePool pool =
                Manifests.YAML.treeToValue(Manifests.only(DOCS, "KafkaNodePool").node(), KafkaNodePool.class);
        Map<String, KafkaTopic> topics = new TreeMap<>();
        for (Doc doc : Manifests.all(DOCS, "KafkaTopic")) {
            KafkaTopic topic = Manifests.YAML.treeToValue(doc.node(), KafkaTopic.class);
            assertThat(topic.getMetadata().getLabels())
                    .containsEntry("strimzi.io/cluster", kafka.getMetadata().getName());
            assertThat(topic.getSpec().getReplicas())
                    .isLessThanOrEqualTo(pool.getSpec().getReplicas());
            String name = topic.getSpec().getTopicName() != null
                    ? topic.getSpec().getTopicName()
                    : topic.getMetadata().getName();
            topics.put(name, topic);
        }
        JsonNode jobConfig = jobConfigYaml();
        List<String> jobTopics = new ArrayList<>();
        jobConfig.path("topics").forEach(t -> jobTopics.add(t.asText()));
        assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(jobTopics);

        String models = jobConfig.path("topics").path("models").asText();
        assertThat(topics.get(models).getSpec().getConfig()).containsEntry("cleanup.policy", "compact");
        for (String other : jobTopics) {
            if (!other.equals(models)) {
                assertThat(topics.get(other).getSpec().getConfig().getOrDefault("cleanup.policy", "delete"))
                        .as("%s cleanup.policy", other)
                        .isEqualTo("delete");
            }
        }
        int parallelism =
                flinkDeployment().path("spec").path("job").path("parallelism").asInt();
        String examples = jobConfig.path("topics").path("examples").asText();
        assertThat(topics.get(examples).getSpec().getPartitions()).isGreaterThanOrEqualTo(parallelism);
    }

    @Test
    void jobConfig_pointsAtTheStrimziBootstrapService_andTheDeploymentsParallelism() throws IOException {
        Kafka kafka = Manifests.YAML.treeToValue(Manifests.only(DOCS, "Kafka").node(), Kafka.class);
        JsonNode jobConfig = jobConfigYaml();
        String bootstrap = jobConfig.path("kafka").path("bootstrap.servers").asText();
        // Strimzi names the bootstrap service <cluster>-kafka-bootstrap; the plain listener's port.
        int plainPort = kafka.getSpec().getKafka().getListeners().stream()
                .filter(l -> !l.isTls())
                .findFirst()
                .orElseThrow()
                .getPort();
        assertThat(bootstrap)
                .isEqualTo(kafka.getMetadata().getName() + "-kafka-bootstrap."
                        + kafka.getMetadata().getNamespace() + ".svc:" + plainPort);
        assertThat(jobConfig.path("parallelism").asInt())
                .isEqualTo(flinkDeployment()
                        .path("spec")
                        .path("job")
                        .path("parallelism")
                        .asInt());
        // Exactly-once sinks: the producers' transaction timeout must fit under the broker's maximum.
        Object max = kafka.getSpec().getKafka().getConfig().get("transaction.max.timeout.ms");
        assertThat(jobConfig.path("transaction_timeout_ms").asLong()).isLessThanOrEqualTo(((Number) max).longValue());
    }

    // --- core objects ----------------------------------------------------------------------------------------------

    @Test
    void coreObjects_matchKubernetesTypedModel_withoutUnknownFields() throws IOException {
        Map<String, Class<?>> types = Map.of(
                "Namespace",
                Namespace.class,
                "ServiceAccount",
                ServiceAccount.class,
                "Role",
                Role.class,
                "RoleBinding",
                RoleBinding.class,
                "ConfigMap",
                ConfigMap.class);
        Map<String, Integer> counts = new HashMap<>();
        for (Doc doc : DOCS) {
            Class<?> type = types.get(doc.kind());
            if (type != null) {
                Object model = Manifests.YAML.treeToValue(doc.node(), type);
                assertThat(Manifests.unknownFields(model))
                        .as("fields Kubernetes does not know in %s", doc)
                        .isEmpty();
                counts.merge(doc.kind(), 1, Integer::sum);
            }
        }
        assertThat(counts).containsOnlyKeys(types.keySet());
        RoleBinding binding =
                Manifests.YAML.treeToValue(Manifests.only(DOCS, "RoleBinding").node(), RoleBinding.class);
        assertThat(binding.getSubjects())
                .anySatisfy(s -> assertThat(s.getName())
                        .isEqualTo(flinkDeployment()
                                .path("spec")
                                .path("serviceAccount")
                                .asText()));
        assertThat(binding.getRoleRef().getName())
                .isEqualTo(Manifests.only(DOCS, "Role").name());
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    private static JsonNode mainContainer(JsonNode spec) {
        for (JsonNode c : spec.path("podTemplate").path("spec").path("containers")) {
            if (c.path("name").asText().equals("flink-main-container")) {
                return c;
            }
        }
        throw new AssertionError(
                "podTemplate has no container named flink-main-container (the operator merges by that name)");
    }

    record ConfigMapHolder(String name, Map<String, String> data) {}

    private static ConfigMapHolder jobConfigMap() {
        JsonNode cm = Manifests.only(DOCS, "ConfigMap").node();
        Map<String, String> data = new HashMap<>();
        cm.path("data")
                .fields()
                .forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return new ConfigMapHolder(cm.path("metadata").path("name").asText(), data);
    }

    private static JsonNode jobConfigYaml() throws IOException {
        return Manifests.YAML.readTree(jobConfigMap().data().get("job.yaml"));
    }

    /** Kubernetes/Flink memory sizes: 2048m, 4Gi, 768m, 1g, plain bytes. */
    static long bytes(String size) {
        Matcher m = Pattern.compile("(\\d+)\\s*([kKmMgG]i?|[kKmMgG]b)?").matcher(size.trim());
        if (!m.matches()) {
            throw new AssertionError("not a memory size: " + size);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toLowerCase();
        return switch (unit) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }
}
