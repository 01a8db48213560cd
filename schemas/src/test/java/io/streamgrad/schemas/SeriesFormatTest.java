package io.streamgrad.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.avro.SeriesPoint;
import io.streamgrad.avro.SeriesScore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * SeriesPoint (the series topic) and SeriesScore (the scores topic), schema_version 1, are fixed: the committed
 * fixtures decode to the records they describe and equal what this build writes. A change to either .avsc must keep
 * them readable (new fields with defaults, the old writer schema in SchemaHistory), not alter them. Regenerate
 * (only for a new version, as new files): {@code -Dstreamgrad.writeFixtures=true}.
 */
class SeriesFormatTest {
    private static final Path DIR = Path.of("src", "test", "resources", "series");

    static SeriesPoint point() {
        return SeriesPoint.newBuilder()
                .setModel("latency")
                .setSeries("api/eu-1")
                .setTime(1_529_193_600L)
                .setValue(83.3557407714307)
                .build();
    }

    static SeriesScore score() {
        return SeriesScore.newBuilder()
                .setModel("latency")
                .setSeries("api/eu-1")
                .setTime(1_529_193_600L)
                .setValue(142.5)
                .setForecast(101.25)
                .setLower(90.0)
                .setUpper(112.5)
                .setAnomalyScore(0.9993)
                .setAlert("pending")
                .setLevelShift(true)
                .setSourceOffset(4711)
                .build();
    }

    private static byte[] fixture(String name, byte[] current) throws IOException {
        Path f = DIR.resolve(name);
        if (Boolean.getBoolean("streamgrad.writeFixtures") && !Files.exists(f)) {
            Files.writeString(f, HexFormat.of().formatHex(current) + "\n", StandardCharsets.US_ASCII);
        }
        return HexFormat.of()
                .parseHex(Files.readString(f, StandardCharsets.US_ASCII).trim());
    }

    @Test
    void seriesPointVersion1Fixture_decodesToItsRecord_andEqualsThisBuildsEncoding() throws Exception {
        SingleObjectCodec<SeriesPoint> codec = SingleObjectCodec.seriesPoint();
        byte[] f = fixture("series-point-v1.hex", codec.encode(point()));
        assertThat(codec.decode(f)).isEqualTo(point());
        assertThat(codec.encode(point())).isEqualTo(f);
    }

    @Test
    void seriesScoreVersion1Fixture_decodesToItsRecord_andEqualsThisBuildsEncoding() throws Exception {
        SingleObjectCodec<SeriesScore> codec = SingleObjectCodec.seriesScore();
        byte[] f = fixture("series-score-v1.hex", codec.encode(score()));
        assertThat(codec.decode(f)).isEqualTo(score());
        assertThat(codec.encode(score())).isEqualTo(f);
    }

    @Test
    void aScore_inItsJsonForm_readsBackAsTheSameRecord() throws Exception {
        byte[] json = JsonRecords.toJson(score());
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"anomaly_score\":0.9993");
        assertThat(SingleObjectCodec.seriesScore().decode(json)).isEqualTo(score());
    }
}
