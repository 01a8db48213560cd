package io.streamgrad.learner.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finds every {@link OptimizerContract} subclass among the compiled tests and checks that together they cover
 * exactly the registered {@code optimizer.type}s: a new optimizer without a contract test fails here.
 */
class OptimizerContractCoverageTest {

    private static List<OptimizerContract> contractTests() throws ReflectiveOperationException {
        List<OptimizerContract> found = new ArrayList<>();
        for (JavaClass c : new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("io.streamgrad.learner.optim")) {
            if (c.isAssignableTo(OptimizerContract.class) && !c.getModifiers().contains(JavaModifier.ABSTRACT)) {
                Constructor<?> ctor = c.reflect().getDeclaredConstructor();
                ctor.setAccessible(true);
                found.add((OptimizerContract) ctor.newInstance());
            }
        }
        return found;
    }

    @Test
    void everyOptimizerType_hasExactlyOneContractTest() throws ReflectiveOperationException {
        List<String> covered = new ArrayList<>();
        for (OptimizerContract t : contractTests()) {
            covered.add(t.validSpec().type().yamlName());
        }
        assertThat(covered)
                .as("optimizer.type values with a contract test")
                .containsExactlyInAnyOrderElementsOf(Optimizers.TYPES);
    }

    @Test
    void types_areTheDocumentedEight() {
        assertThat(Optimizers.TYPES)
                .containsExactly("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "ftrl");
    }

    @Test
    void create_eachType_givesAnOptimizerOfThatName() {
        for (String type : Optimizers.TYPES) {
            assertThat(Optimizers.create(SpecBuilder.of(type).build()).name()).isEqualTo(type);
        }
    }

    @Test
    void create_unknownType_listsTheAllowedOnes() {
        assertThatThrownBy(() -> Optimizers.create(SpecBuilder.of("adadelta").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("optimizer.type: unknown value 'adadelta'; allowed: sgd, momentum, nesterov, adagrad, "
                        + "rmsprop, adam, adamw, ftrl");
        assertThatThrownBy(() -> Optimizers.create(SpecBuilder.of(null).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("optimizer.type: unknown value 'null'");
    }
}
