package io.streamgrad.learner.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeCpuCheckTest {
    private static final Set<String> ZEN3 = Set.of("sse2", "avx", "avx2", "fma");
    private static final Set<String> ZEN4 =
            Set.of("sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl");

    @Test
    void avx512BuildOnACpuWithoutAvx512IsRefusedWithTheFlagAndTheFix() {
        String problem = NativeCpuCheck.problem(ZEN3, p -> p.equals("linux-x86_64-avx512"));
        assertThat(problem)
                .contains("linux-x86_64-avx512")
                .contains("'avx512")
                .contains("-Dnd4j.classifier=linux-x86_64-avx2")
                .contains("SIGILL");
    }

    @Test
    void avx2BuildOnACpuWithoutAvx2PointsToTheGenericBuild() {
        String problem = NativeCpuCheck.problem(Set.of("sse2", "avx"), p -> p.equals("linux-x86_64-avx2"));
        assertThat(problem).contains("linux-x86_64-avx2").contains("-Dnd4j.classifier=linux-x86_64 ");
    }

    @Test
    void buildsTheCpuSupportsPass() {
        assertThat(NativeCpuCheck.problem(ZEN3, p -> p.equals("linux-x86_64-avx2")))
                .isNull();
        assertThat(NativeCpuCheck.problem(ZEN4, p -> true)).isNull();
        assertThat(NativeCpuCheck.problem(Set.of("sse2"), p -> false)).isNull(); // generic build only
    }

    @Test
    void theBuildOnThisClasspathRunsOnThisMachine() {
        // The suite itself loads ND4J: the default classifier must be one every supported machine runs.
        NativeCpuCheck.requireSupported();
    }

    @Test
    void readsTheFlagsLineOfCpuinfoAndNothingWhereThereIsNone(@TempDir Path dir) throws Exception {
        Path info = dir.resolve("cpuinfo");
        Files.writeString(
                info,
                "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2  fma\n"
                        + "processor\t: 1\nflags\t\t: fpu sse2 avx2 fma\n");
        assertThat(NativeCpuCheck.cpuFlags(info)).containsExactlyInAnyOrder("fpu", "sse2", "avx2", "fma");
        assertThat(NativeCpuCheck.cpuFlags(dir.resolve("absent"))).isNull();
        Files.writeString(info, "processor\t: 0\n");
        assertThat(NativeCpuCheck.cpuFlags(info)).isNull();
    }
}
