package io.streamgrad.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInput;
import java.io.ObjectInputStream;
import org.junit.jupiter.api.Test;

/**
 * No production class of streamgrad (learner, schemas with the generated Avro records, job, command line) turns
 * bytes into Java objects with Java serialisation, Kryo or XMLDecoder: every byte that arrives from Kafka or a
 * file goes through a schema'd, versioned decoder (Avro, JSON with a closed set of fields, the learner's model-state
 * codec), so a crafted record can never instantiate arbitrary classes (the "deserialisation gadget" attacks).
 *
 * <p>What is not covered here and why it is acceptable: Flink itself Java-serialises the job graph (the functions
 * and their configuration) from the client to the cluster; those bytes are produced by whoever may submit jobs,
 * not by producers of examples. The generated Avro classes implement {@code Externalizable} by reading Avro binary
 * from an {@link ObjectInput}; streamgrad never calls them.
 */
@AnalyzeClasses(packages = "io.streamgrad", importOptions = ProductionClasses.class)
class NoJavaDeserializationTest {

    @ArchTest
    static final ArchRule noObjectInputStream = noClasses()
            .should()
            .dependOnClassesThat()
            .areAssignableTo(ObjectInputStream.class)
            .because("Java deserialisation of untrusted bytes can instantiate arbitrary classes");

    @ArchTest
    static final ArchRule noReadObject = noClasses()
            .should()
            .callMethod(ObjectInput.class, "readObject")
            .orShould()
            .callMethod(ObjectInputStream.class, "readObject")
            .orShould()
            .callMethod(ObjectInputStream.class, "readUnshared")
            .because("Java deserialisation of untrusted bytes can instantiate arbitrary classes");

    @ArchTest
    static final ArchRule noOtherObjectDeserialisers = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("com.esotericsoftware.kryo..", "java.beans..")
            .orShould()
            .callMethodWhere(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                    com.tngtech.archunit.base.DescribedPredicate.describe(
                            "a deserializeObject method", t -> t.getName().equals("deserializeObject"))))
            .because(
                    "Kryo, XMLDecoder and Flink's InstantiationUtil.deserializeObject read classes named in the bytes");

    /** A class that does what the rules forbid, to show they catch it. */
    static final class Offender {
        static Object read(byte[] bytes) throws IOException, ClassNotFoundException {
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                return in.readObject();
            }
        }
    }

    @Test
    void rules_catchAClassThatDeserialisesJavaObjects() {
        JavaClasses offender = new ClassFileImporter().importClasses(Offender.class);

        assertThat(noObjectInputStream.evaluate(offender).hasViolation()).isTrue();
        assertThat(noReadObject.evaluate(offender).hasViolation()).isTrue();
    }

    @Test
    void rules_scanTheProductionClassesOfEveryModule() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(new ProductionClasses())
                .importPackages("io.streamgrad");

        assertThat(production.containPackage("io.streamgrad.learner.train")).isTrue();
        assertThat(production.containPackage("io.streamgrad.schemas")).isTrue();
        assertThat(production.containPackage("io.streamgrad.avro")).isTrue();
        assertThat(production.containPackage("io.streamgrad.job.decode")).isTrue();
        assertThat(production.containPackage("io.streamgrad.cli")).isTrue();
        assertThat(production.containPackage("io.streamgrad.embedded")).isTrue();
        assertThat(production.contain(NoJavaDeserializationTest.class)).isFalse();
    }
}
