package io.streamgrad.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.streamgrad.embedded.EmbeddedKafka;
import org.junit.jupiter.api.Test;

/**
 * Libraries below, applications on top (README, "Modules"): the job ({@code io.streamgrad.job}) is what
 * {@code flink run} loads, so it may not reach into the command line, the embedded runtime, the benchmarks or
 * Kafka's test kit; the embedded runtime serves the job's tests, so it may not depend on the job; the wire format
 * sits below everything. The learner's own boundary (no Flink, no Kafka) is {@code LearnerArchitectureTest}.
 * Maven's module dependencies already refuse most of these imports at compile time; this test also catches a
 * class put into the wrong module's package.
 */
@AnalyzeClasses(packages = "io.streamgrad", importOptions = ProductionClasses.class)
class ModuleBoundariesTest {

    @ArchTest
    static final ArchRule job_doesNotDependOnApplications = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.job..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.streamgrad.cli..",
                    "io.streamgrad.embedded..",
                    "io.streamgrad.bench..",
                    "org.apache.kafka.common.test..",
                    "kafka.server..")
            .because("the job jar carries only what `flink run` loads");

    @ArchTest
    static final ArchRule embedded_doesNotDependOnTheJobOrTheCommandLine = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.embedded..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.streamgrad.job..", "io.streamgrad.cli..")
            .because("the job's integration tests use the embedded runtime, so it must sit below the job");

    @ArchTest
    static final ArchRule serving_dependsOnNoFlinkJobCommandLineOrEmbeddedRuntime = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.serving..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.apache.flink..", "io.streamgrad.job..", "io.streamgrad.cli..", "io.streamgrad.embedded..")
            .because("a Java service embeds the follower library with the schemas, the learner and a Kafka consumer"
                    + " only");

    @ArchTest
    static final ArchRule monitor_dependsOnTheLearnerOnly = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.monitor..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.apache.flink..",
                    "org.apache.kafka..",
                    "io.streamgrad.job..",
                    "io.streamgrad.cli..",
                    "io.streamgrad.embedded..",
                    "io.streamgrad.serving..",
                    "io.streamgrad.schemas..")
            .because("the per-series forecasters, detectors and alert rules are plain Java over the learner: the job"
                    + " keeps their state per series, `detect` runs them on a file");

    @ArchTest
    static final ArchRule schemas_dependOnNoOtherModule = noClasses()
            .that()
            .resideInAnyPackage("io.streamgrad.schemas..", "io.streamgrad.avro..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.streamgrad.learner..", "io.streamgrad.job..", "io.streamgrad.cli..", "io.streamgrad.embedded..")
            .because("the wire format is the bottom layer");

    @ArchTest
    static final ArchRule kafkaTestKit_onlyInTheEmbeddedRuntime = noClasses()
            .that()
            .resideOutsideOfPackage("io.streamgrad.embedded..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.kafka.common.test..")
            .because("Kafka's test kit is the in-process broker, and only the embedded runtime starts one");

    @Test
    void rules_seeEveryProductionModule() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(new ProductionClasses())
                .importPackages("io.streamgrad");

        assertThat(production.containPackage("io.streamgrad.job")).isTrue();
        assertThat(production.containPackage("io.streamgrad.embedded")).isTrue();
        assertThat(production.containPackage("io.streamgrad.cli")).isTrue();
        assertThat(production.containPackage("io.streamgrad.schemas")).isTrue();
        assertThat(production.containPackage("io.streamgrad.serving")).isTrue();
        assertThat(production.containPackage("io.streamgrad.monitor")).isTrue();
    }

    /** A class outside the embedded runtime that starts a broker, to show the rule catches it. */
    static final class Offender {
        static String start(org.apache.kafka.common.test.KafkaClusterTestKit cluster) {
            return cluster.bootstrapServers();
        }
    }

    @Test
    void testKitRule_catchesAClassOutsideTheEmbeddedRuntimeThatStartsABroker() {
        assertThat(kafkaTestKit_onlyInTheEmbeddedRuntime
                        .evaluate(new ClassFileImporter().importClasses(Offender.class))
                        .hasViolation())
                .isTrue();
        assertThat(kafkaTestKit_onlyInTheEmbeddedRuntime
                        .allowEmptyShould(true)
                        .evaluate(new ClassFileImporter().importClasses(EmbeddedKafka.class))
                        .hasViolation())
                .isFalse();
    }
}
