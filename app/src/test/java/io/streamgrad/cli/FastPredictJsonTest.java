package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.TrainerConfig;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one-pass reader of predict bodies against the full reader it stands in for: for every body it accepts, the
 * batch is the full reader's, float for float; every body it declines goes to the full reader, whose answer (a batch
 * or a 400 naming the field) is then the only answer.
 */
class FastPredictJsonTest {
    private static final TrainerConfig DENSE = ConfigParser.parse("""
            model: {type: logistic, features: 6}
            loss: binary_cross_entropy
            optimizer: {type: sgd}
            """);
    private static final TrainerConfig SPARSE = ConfigParser.parse("""
            model: {type: logistic, features: 1000}
            loss: binary_cross_entropy
            optimizer: {type: sgd}
            """);
    private final PredictRequests requests = new PredictRequests();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"dense\": [1, 2.5, -0.0, 1e-3, 999999999.9, -7]}",
                " {\n\"model_id\":\"m\",\"dense\":[0.1,0.2,0.3,0.4,0.5,0.6],\"label\":1,\"weight\":2.5} \n",
                "{\"label\": 0, \"dense\": [1.00000001, 999999999, -999999999, 0.30000000000000004441, 1E+2, 0.3]}",
                "{\"dense\": [1, 2, 3, 4, 5, 6], \"indices\": [0, 5], \"values\": [1.5, -2]}"
            })
    void acceptedDenseBodies_giveTheFullReadersBatch(String body) throws Exception {
        assertThat(FastPredictJson.example(bytes(body), "m")).isNotNull();
        assertSameBatch(body, DENSE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"indices\": [3, 17, 999], \"values\": [1, 0.5, 1e-7]}",
                "{\"values\": [2], \"indices\": [0], \"model_id\": \"m\"}",
                "{\"indices\": [], \"values\": []}"
            })
    void acceptedSparseBodies_giveTheFullReadersBatch(String body) throws Exception {
        assertThat(FastPredictJson.example(bytes(body), "m")).isNotNull();
        assertSameBatch(body, SPARSE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"dense\": [1, 2, 3, 4, 5, 6], \"dense\": [1, 2, 3, 4, 5, 6]}", // duplicate key
                "{\"dense\": [1, 2, 3, 4, 5, 6]} {}", // trailing content
                "{\"dense\": [1, 2, 3, 4, 5, \"6\"]}", // a string
                "{\"dense\": [1, 2, 3, 4, 5, 1e39]}", // beyond float32
                "{\"dense\": [1, 2, 3, 4, 5, 6], \"model_id\": \"other\"}", // another model
                "{\"dense\": [1, 2, 3, 4, 5, 6], \"label\": \"yes\"}",
                "{\"dense\": [1, 2, 3, 4, 5, 6], \"event_time\": 5}", // the full reader's field
                "{\"named\": {\"country=fr\": 1}}",
                "{\"examples\": [{\"dense\": [1, 2, 3, 4, 5, 6]}]}",
                "{\"dense\": [1, 2, 3]}", // wrong length: both read it, the validator refuses
                "{\"indices\": [1.0], \"values\": [1]}", // not an integer
                "{\"indices\": [1], \"values\": [1, 2]}",
                "{\"dense\": [1, 2, 3, 4, 5, 6]",
                "[1, 2]",
                "{\"dense\": {\"a\": 1}}",
                "{\"dense\": [1, 2, 3, 4, 5, 99999999999999999999999]}"
            })
    void everyOtherBody_getsTheFullReadersAnswer(String body) throws Exception {
        Throwable fast = catchThrowable(() -> requests.batch(bytes(body), "m", DENSE, true));
        Throwable full = catchThrowable(() -> requests.batch(bytes(body), "m", DENSE, false));
        if (full == null) {
            assertSameBatch(body, DENSE);
        } else {
            assertThat(fast).isInstanceOf(PredictRequests.BadRequest.class).hasMessage(full.getMessage());
            assertThat(((PredictRequests.BadRequest) fast).field).isEqualTo(((PredictRequests.BadRequest) full).field);
        }
    }

    @org.junit.jupiter.api.Test
    void randomNumberSpellings_readAsTheFullReaderReadsThem() throws Exception {
        Random rnd = new Random(11);
        for (int n = 0; n < 2_000; n++) {
            StringBuilder b = new StringBuilder("{\"dense\": [");
            for (int i = 0; i < 6; i++) {
                if (i > 0) {
                    b.append(rnd.nextBoolean() ? "," : " , ");
                }
                double v = (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(30) - 20);
                b.append(
                        switch (rnd.nextInt(5)) {
                            case 0 -> Double.toString(v);
                            case 1 -> Long.toString((long) (v * 1e6));
                            case 2 -> String.format(Locale.ROOT, "%.17e", v);
                            case 3 -> String.format(Locale.ROOT, "%.3f", v);
                            default -> Float.toString((float) v);
                        });
            }
            b.append("]}");
            assertSameBatch(b.toString(), DENSE);
        }
    }

    /** The same batch from both readers, or the same 400 (the validator's limits apply after either). */
    private void assertSameBatch(String body, TrainerConfig config) throws Exception {
        Throwable refused = catchThrowable(() -> requests.batch(bytes(body), "m", config, false));
        if (refused != null) {
            assertThat(catchThrowable(() -> requests.batch(bytes(body), "m", config, true)))
                    .as(body)
                    .isInstanceOf(PredictRequests.BadRequest.class)
                    .hasMessage(refused.getMessage());
            return;
        }
        Batch fast = requests.batch(bytes(body), "m", config, true);
        Batch full = requests.batch(bytes(body), "m", config, false);
        assertThat(fast.size()).as(body).isEqualTo(full.size());
        assertThat(fast.isSparse()).as(body).isEqualTo(full.isSparse());
        if (full.isSparse()) {
            assertThat(fast.rowPtr()).as(body).isEqualTo(full.rowPtr());
            assertThat(fast.indices()).as(body).isEqualTo(full.indices());
            assertThat(fast.values()).as(body).isEqualTo(full.values());
        } else {
            assertThat(fast.dense()).as(body).isEqualTo(full.dense());
        }
        assertThat(fast.labels()).isEqualTo(full.labels());
        assertThat(fast.weights()).isEqualTo(full.weights());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
