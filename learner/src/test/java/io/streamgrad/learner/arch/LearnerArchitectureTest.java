package io.streamgrad.learner.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The learner is the math: it must run without Flink or Kafka on the classpath (STYLE.md, "Math without Flink;
 * Flink without math"), so the streaming job can depend on it and never the other way round.
 */
@AnalyzeClasses(packages = "io.streamgrad.learner", importOptions = ImportOption.DoNotIncludeTests.class)
class LearnerArchitectureTest {

    @ArchTest
    static final ArchRule learner_doesNotDependOnFlink = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.learner..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.flink..")
            .because("the learner is Flink-free; Flink operators call into it, not the reverse");

    @ArchTest
    static final ArchRule learner_doesNotDependOnKafka = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.learner..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.kafka..")
            .because("the learner is Kafka-free; records are translated at the job's edges");

    @ArchTest
    static final ArchRule learner_doesNotDependOnTheJobOrAvroRecords = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.learner..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "io.streamgrad.job..", "io.streamgrad.cli..", "io.streamgrad.avro..", "org.apache.avro..")
            .because("the learner sits below the job and the wire format");

    @ArchTest
    static final ArchRule onnxExport_needsNoOnnxRuntime = noClasses()
            .that()
            .resideInAPackage("io.streamgrad.learner..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("ai.onnxruntime..", "com.google.protobuf..")
            .because("the ONNX exporter writes the protobuf messages itself; ONNX Runtime is a test dependency only");
}
