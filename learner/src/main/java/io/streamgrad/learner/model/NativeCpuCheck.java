package io.streamgrad.learner.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks, before ND4J's native library is loaded, that this CPU can run the build of it on the classpath.
 *
 * <p>nd4j-native ships one native build per instruction set ({@code linux-x86_64}, {@code -avx2}, {@code -avx512},
 * chosen by the {@code nd4j.classifier} Maven property). Loading a build on a CPU without its instructions does
 * not fail with an exception: the JVM dies with SIGILL inside {@code libnd4jcpu.so}'s static initialisers. This
 * check turns that into an error naming the build, the missing CPU flag and the fix. It reads
 * {@code /proc/cpuinfo} (Linux); where that is not readable it checks nothing.
 */
final class NativeCpuCheck {
    private static final String BINDINGS = "org/nd4j/linalg/cpu/nativecpu/bindings/";
    /** The flags each extension's build needs, most demanding first. */
    private static final List<Build> BUILDS = List.of(
            new Build("linux-x86_64-avx512", Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl")),
            new Build("linux-x86_64-avx2", Set.of("avx2", "fma")));

    private static volatile boolean checked;

    private record Build(String platform, Set<String> flags) {}

    private NativeCpuCheck() {}

    /** Throws {@link IllegalStateException} if the ND4J build on the classpath needs a CPU flag this CPU lacks. */
    static void requireSupported() {
        if (checked) {
            return;
        }
        Set<String> cpuFlags = cpuFlags(Path.of("/proc/cpuinfo"));
        if (cpuFlags != null) {
            String problem = problem(cpuFlags, NativeCpuCheck::onClasspath);
            if (problem != null) {
                throw new IllegalStateException(problem);
            }
        }
        checked = true;
    }

    /**
     * The error for the first native build present (as {@code present} says) whose flags the CPU lacks, or null
     * when the CPU runs every build present. Where several builds are present JavaCPP picks one; all are checked.
     */
    static String problem(Set<String> cpuFlags, java.util.function.Predicate<String> present) {
        for (Build b : BUILDS) {
            if (!present.test(b.platform())) {
                continue;
            }
            for (String flag : b.flags()) {
                if (!cpuFlags.contains(flag)) {
                    return "ND4J's native build " + b.platform() + " is on the classpath, but this CPU lacks the '"
                            + flag + "' instruction set it needs (loading it would kill the JVM with SIGILL). "
                            + "Rebuild for this CPU: ./mvnw -B package -DskipTests -Dnd4j.classifier="
                            + (b.platform().endsWith("avx512") && cpuFlags.contains("avx2") && cpuFlags.contains("fma")
                                    ? "linux-x86_64-avx2"
                                    : "linux-x86_64")
                            + " (remove the other nd4j-native-*-linux-x86_64-*.jar from target/lib)";
                }
            }
        }
        return null;
    }

    private static boolean onClasspath(String platform) {
        ClassLoader loader = NativeCpuCheck.class.getClassLoader();
        return loader != null && loader.getResource(BINDINGS + platform + "/libnd4jcpu.so") != null;
    }

    /** The CPU's flags from the first {@code flags} line, or null where the file is absent or has none. */
    static Set<String> cpuFlags(Path cpuinfo) {
        try {
            if (!Files.isReadable(cpuinfo)) {
                return null;
            }
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    return colon < 0
                            ? null
                            : new HashSet<>(Arrays.asList(
                                    SPACES.split(line.substring(colon + 1).trim())));
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static final Pattern SPACES = Pattern.compile("\\s+");
}
