package io.streamgrad.job.reliability;

import io.streamgrad.job.config.JobConfig;
import java.util.List;
import java.util.Map;

/**
 * The job and data of the committed savepoint fixture {@code src/test/resources/savepoints/v1}: written once by
 * {@link SavepointFixtureGenerator}, restored by {@link SavepointIT} on every build. Change nothing here without
 * regenerating the fixture (and keep the old one as {@code v1} when the state format changes: the point of the
 * fixture is that old savepoints keep restoring).
 */
final class SavepointFixture {
    /** Topic prefix and group id the savepoint's source and sink state refer to. */
    static final String PREFIX = "fixture";

    static final String RESOURCE = "/savepoints/v1";
    /**
     * The fraction of each model's examples the fixture job read before its savepoint: 330 of 640 clicks
     * (20 batches of 16 trained, 10 buffered) and 165 of 320 prices (20 batches of 8 trained, 5 buffered), 495
     * records of partition 0.
     */
    static final double READ_BEFORE_SAVEPOINT = 330.0 / 640;

    static final int RECORDS_BEFORE_SAVEPOINT = 495;
    static final long STEP_AT_SAVEPOINT = 20;
    static final long VERSION_AT_SAVEPOINT = 2;

    private SavepointFixture() {}

    /** clicks and prices, both in partition 0 of a one-partition examples topic. */
    static List<ModelStream> models() {
        return List.of(ModelStream.clicks(640, 0, 11), ModelStream.prices(320, 0, 12));
    }

    static JobConfig config(String bootstrap) {
        return ReliabilitySupport.jobConfig(bootstrap, PREFIX, models(), Map.of());
    }
}
