package io.streamgrad.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;

/** Reading and checking the files under {@code deploy/}: YAML documents, CRD schemas, typed models, Flink keys. */
final class Manifests {

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private Manifests() {}

    static Path deployDir() {
        return LocalCluster.repoDir().resolve("deploy");
    }

    /** One YAML document of a manifest file, with where it came from. */
    record Doc(Path file, int index, JsonNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        @Override
        public String toString() {
            return file.getFileName() + "#" + index + " (" + kind() + " " + name() + ")";
        }
    }

    static List<Doc> load(Path file) {
        List<Doc> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            int i = 0;
            while (it.hasNext()) {
                JsonNode node = it.next();
                if (node != null && !node.isNull() && !node.isEmpty()) {
                    docs.add(new Doc(file, i, node));
                }
                i++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("parsing " + file, e);
        }
        return docs;
    }

    static List<Doc> loadAll(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(
                            f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted()
                    .flatMap(f -> load(f).stream())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + dir, e);
        }
    }

    static Doc only(List<Doc> docs, String kind) {
        List<Doc> found = docs.stream().filter(d -> d.kind().equals(kind)).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected exactly one " + kind + ", found " + found);
        }
        return found.get(0);
    }

    static List<Doc> all(List<Doc> docs, String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    // --- CRD schemas ---------------------------------------------------------------------------------------------

    /**
     * The openAPIV3Schema of one version of a CRD on the test classpath, made strict the way the API server is with
     * {@code kubectl apply --validate=strict}: an object schema that lists its properties and neither allows
     * additional ones nor preserves unknown fields gets {@code additionalProperties: false}, so a misspelt field is
     * an error instead of being pruned silently.
     */
    static ObjectNode crdSchema(String resource, String version) {
        try (var in = Manifests.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError(resource + " is not on the test classpath (its jar is a test dependency)");
            }
            JsonNode crd = YAML.readTree(in);
            for (JsonNode v : crd.path("spec").path("versions")) {
                if (v.path("name").asText().equals(version)) {
                    ObjectNode schema = v.path("schema").path("openAPIV3Schema").deepCopy();
                    // Every object has these; CRD schemas leave them to the API server.
                    ObjectNode root = (ObjectNode) schema.path("properties");
                    root.putObject("apiVersion").put("type", "string");
                    root.putObject("kind").put("type", "string");
                    root.putObject("metadata").put("type", "object");
                    makeStrict(schema);
                    return schema;
                }
            }
            throw new AssertionError(resource + " has no version " + version);
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
    }

    private static void makeStrict(JsonNode schema) {
        if (!(schema instanceof ObjectNode node)) {
            return;
        }
        if (node.has("properties")
                && !node.has("additionalProperties")
                && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
            node.put("additionalProperties", false);
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            JsonNode child = it.next();
            if (child.isArray()) {
                child.forEach(Manifests::makeStrict);
            } else {
                makeStrict(child);
            }
        }
    }

    /** Adds values to an enum somewhere in a schema, found by its property path (e.g. spec.flinkVersion). */
    static void widenEnum(ObjectNode schema, String propertyPath, String... values) {
        JsonNode node = schema;
        for (String p : propertyPath.split("\\.")) {
            node = node.path("properties").path(p);
        }
        if (!(node.path("enum") instanceof ArrayNode values0)) {
            throw new AssertionError(propertyPath + " has no enum in the schema");
        }
        for (String v : values) {
            values0.add(v);
        }
    }

    // --- typed models (Strimzi, fabric8) --------------------------------------------------------------------------

    /**
     * Every field that a typed Kubernetes model (Strimzi's or fabric8's) did not recognise: they keep unknown fields
     * in {@code getAdditionalProperties()} instead of failing, so a misspelt key would otherwise pass unnoticed.
     * Returns the paths of such fields.
     */
    static List<String> unknownFields(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void walk(Object o, String path, List<String> found, Set<Object> seen) {
        if (o == null || !seen.add(o)) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", found, seen);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, found, seen));
            return;
        }
        String pkg = o.getClass().getPackageName();
        if (!pkg.startsWith("io.strimzi") && !pkg.startsWith("io.fabric8")) {
            return;
        }
        for (Method method : o.getClass().getMethods()) {
            if (method.getParameterCount() != 0
                    || Modifier.isStatic(method.getModifiers())
                    || !method.getName().startsWith("get")
                    || method.getName().equals("getClass")) {
                continue;
            }
            Object value;
            try {
                value = method.invoke(o);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (method.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> found.add(path + "." + k));
                }
                continue;
            }
            String property = Character.toLowerCase(method.getName().charAt(3))
                    + method.getName().substring(4);
            walk(value, path + "." + property, found, seen);
        }
    }

    // --- Flink configuration keys ---------------------------------------------------------------------------------

    /** Every key of every {@link ConfigOption} in flink-core's configuration package: key -> deprecated? */
    static Map<String, Boolean> flinkConfigKeys() {
        Map<String, Boolean> keys = new HashMap<>();
        try {
            Path jar = Path.of(CoreOptions.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            try (JarFile file = new JarFile(jar.toFile())) {
                for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    if (name.startsWith("org/apache/flink/configuration/")
                            && name.endsWith(".class")
                            && !name.contains("$")
                            && name.indexOf('/', 31) < 0) {
                        collectOptions(Class.forName(name.replace('/', '.').replace(".class", "")), keys);
                    }
                }
            }
        } catch (Exception e) {
            throw new AssertionError("reading Flink's ConfigOptions", e);
        }
        return keys;
    }

    private static void collectOptions(Class<?> type, Map<String, Boolean> keys) throws IllegalAccessException {
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
                ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                keys.put(option.key(), f.isAnnotationPresent(Deprecated.class));
                for (FallbackKey fallback : option.fallbackKeys()) {
                    keys.putIfAbsent(fallback.getKey(), fallback.isDeprecated());
                }
            }
        }
    }

    /** The value of a property in the root pom.xml. */
    static String rootPomProperty(String name) {
        try {
            String pom = Files.readString(LocalCluster.repoDir().resolve("pom.xml"));
            Matcher m =
                    Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
            if (!m.find()) {
                throw new AssertionError("pom.xml has no property " + name);
            }
            return m.group(1).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
