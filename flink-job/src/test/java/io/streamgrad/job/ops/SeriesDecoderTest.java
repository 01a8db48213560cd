package io.streamgrad.job.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.DeadLetter;
import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SeriesDecoderTest {
    private static final JobConfig CFG =
            OpsJobConfigTest.parse("limits: {max_abs_value: 1000}\nmodels: {latency: {model: {type: forecast}}}\n");
    private final SeriesDecoder decoder = new SeriesDecoder(CFG.ops().models(), CFG.limits());

    private static SourceRecord record(long offset, byte[] value) {
        return new SourceRecord("series", 2, offset, 0, null, value);
    }

    private SeriesDecoder.Result json(String text) {
        return decoder.decode(record(7, text.getBytes(StandardCharsets.UTF_8)), 0);
    }

    private static SeriesRecord accepted(SeriesDecoder.Result r) {
        assertThat(r).isInstanceOf(SeriesDecoder.Accepted.class);
        return ((SeriesDecoder.Accepted) r).point();
    }

    private static String reason(SeriesDecoder.Result r) {
        assertThat(r).isInstanceOf(SeriesDecoder.Rejected.class);
        DeadLetter d = ((SeriesDecoder.Rejected) r).deadLetter();
        assertThat(d.getTopic()).isEqualTo("series");
        assertThat(d.getPartition()).isEqualTo(2);
        assertThat(d.getOffset()).isEqualTo(7);
        return d.getReason().toString();
    }

    @Test
    void aJsonPoint_withEpochSecondsOrATimestamp_isAccepted() {
        SeriesRecord p = accepted(
                json("{\"model\": \"latency\", \"series\": \"api/1\", \"time\": 1529193600, \"value\": 83.5}"));
        assertThat(p.model).isEqualTo("latency");
        assertThat(p.series).isEqualTo("api/1");
        assertThat(p.time).isEqualTo(1_529_193_600L);
        assertThat(p.value).isEqualTo(83.5);
        assertThat(p.key()).isEqualTo("latency/api\\/1");
        assertThat(p.coordinates()).isEqualTo("series-2@7");
        assertThat(accepted(
                                json(
                                        "{\"model\":\"latency\",\"series\":\"a\",\"time\":\"2018-06-17T00:00:00Z\",\"value\":1}"))
                        .time)
                .isEqualTo(1_529_193_600L);
        assertThat(accepted(
                                json(
                                        "{\"model\":\"latency\",\"series\":\"a\",\"time\":\"2018-06-17 00:00:00\",\"value\":1}"))
                        .time)
                .isEqualTo(1_529_193_600L);
    }

    @Test
    void anAvroPoint_isAccepted() {
        byte[] bytes = SingleObjectCodec.seriesPoint()
                .encode(SeriesPoint.newBuilder()
                        .setModel("latency")
                        .setSeries("db")
                        .setTime(60)
                        .setValue(-2.25)
                        .build());
        SeriesRecord p = accepted(decoder.decode(record(7, bytes), 0));
        assertThat(p.series).isEqualTo("db");
        assertThat(p.time).isEqualTo(60);
        assertThat(p.value).isEqualTo(-2.25);
    }

    @Test
    void badPoints_areDeadLettered_withTheirCoordinatesAndTheFix() {
        assertThat(reason(json("{\"model\": \"cpu\", \"series\": \"a\", \"time\": 1, \"value\": 1}")))
                .startsWith("series-2@7: model 'cpu' is not an ops model of this job (one of [latency])")
                .contains("model: {type: forecast}");
        assertThat(reason(json("{\"model\": \"latency\", \"series\": \"a\", \"time\": 1}")))
                .contains("field \"value\" is missing");
        assertThat(reason(json("{\"model\": \"latency\", \"series\": \"a\", \"time\": 1, \"value\": 1, \"vlaue\": 2}")))
                .contains("unknown field \"vlaue\"");
        assertThat(reason(json("{\"model\": \"latency\", \"series\": \"a\", \"time\": 1, \"value\": \"NaN\"}")))
                .contains("\"value\" must be a number");
        assertThat(reason(json("{\"model\": \"latency\", \"series\": \"a\", \"time\": 1, \"value\": 5000}")))
                .contains("limits.max_abs_value=1000");
        assertThat(reason(json("{\"model\": \"latency\", \"series\": \"a\", \"time\": \"yesterday\", \"value\": 1}")))
                .contains("\"time\" \"yesterday\" is not epoch seconds");
        assertThat(reason(json("{\"model\": \"latency\", \"series\": \"\", \"time\": 1, \"value\": 1}")))
                .contains("series key of 0 characters");
        assertThat(reason(json("{\"model\": \"latency\","))).contains("not valid JSON");
        assertThat(reason(decoder.decode(record(7, new byte[0]), 0))).contains("empty record value");
        assertThat(reason(decoder.decode(record(7, new byte[] {(byte) 0xC3, 1, 2}), 0)))
                .contains("SeriesPoint");
        byte[] nan = SingleObjectCodec.seriesPoint()
                .encode(SeriesPoint.newBuilder()
                        .setModel("latency")
                        .setSeries("db")
                        .setTime(60)
                        .setValue(Double.NaN)
                        .build());
        assertThat(reason(decoder.decode(record(7, nan), 0))).contains("value NaN of series 'db' is not finite");
    }
}
