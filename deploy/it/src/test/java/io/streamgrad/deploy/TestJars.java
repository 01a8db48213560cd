package io.streamgrad.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** Packs compiled test classes of one package into a job jar that the cluster can run. */
final class TestJars {

    private TestJars() {
    }

    /** A jar of the classes in {@code mainClass}'s package (and below), with {@code mainClass} as Main-Class. */
    static Path jarOf(Class<?> mainClass, Path target) {
        try {
            Path classes = Path.of(mainClass.getProtectionDomain().getCodeSource().getLocation().toURI());
            String pkg = mainClass.getPackageName().replace('.', '/');
            Manifest manifest = new Manifest();
            manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass.getName());
            Files.createDirectories(target.getParent());
            List<Path> files;
            try (Stream<Path> walk = Files.walk(classes.resolve(pkg))) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out, manifest)) {
                for (Path file : files) {
                    jar.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, jar);
                    jar.closeEntry();
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("packing " + mainClass.getName() + " into " + target, e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
