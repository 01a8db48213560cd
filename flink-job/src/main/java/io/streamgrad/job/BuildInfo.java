package io.streamgrad.job;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, as Maven wrote it into {@code streamgrad-build.properties}; recorded in every snapshot. */
public final class BuildInfo {
    private static final String VERSION = load();

    private BuildInfo() {}

    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/streamgrad-build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
