package io.streamgrad.arch;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;

/**
 * Imports the production classes of every module and nothing of their tests: ArchUnit's
 * {@link ImportOption.DoNotIncludeTests} skips test-class directories, but another module's test support arrives as
 * a {@code -tests.jar} (the job's test jar holds the integration tests' broker helpers).
 */
public final class ProductionClasses implements ImportOption {
    @Override
    public boolean includes(Location location) {
        return new DoNotIncludeTests().includes(location)
                && !location.contains("-tests.jar")
                && !location.contains("/test-classes/");
    }
}
