package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.records.SourceRecord;
import io.streamgrad.job.recs.InteractionDecoder;
import io.streamgrad.job.recs.RecsModels;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionCsv;
import io.streamgrad.schemas.SingleObjectCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code produce-interactions} sends is what the job reads back: each line of an interaction file (with a
 * rating, ids that need JSON escaping, context columns) through both wire forms and the job's own decoder gives the
 * interaction {@code train} reads from the same line.
 */
class InteractionsCommandTest {
    private static final String YAML = """
            model: {type: mf, dim: 4}
            loss: mse
            context: {device: {}, country: {}}
            """;

    @Test
    void bothWireForms_decodeInTheJob_asTrainReadsTheFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("i.csv"), """
                user,item,rating,timestamp,device,country
                u1,i"7,4.5,2010-12-01T08:26:00Z,ios,fr
                u\\2,i8,1,1291192000,,de
                u3,i9,3,1291192001,android,
                """);
        List<Interaction> lines = InteractionCsv.read(file, List.of("device", "country"));
        InteractionDecoder decoder = new InteractionDecoder(
                new RecsModels("interactions", Map.of("m", YAML), 1, 100), new Limits(1 << 20, 100, 100));
        var avro = SingleObjectCodec.interaction();

        long offset = 0;
        for (Interaction x : lines) {
            for (byte[] value :
                    List.of(InteractionsCommand.json("m", x), avro.encode(InteractionsCommand.avro("m", x)))) {
                InteractionDecoder.Result r =
                        decoder.decode(new SourceRecord("interactions", 0, offset++, 0, null, value), 0);
                assertThat(r)
                        .as(new String(value, java.nio.charset.StandardCharsets.UTF_8))
                        .isInstanceOf(InteractionDecoder.Accepted.class);
                assertThat(((InteractionDecoder.Accepted) r).interaction().interaction())
                        .isEqualTo(x);
            }
        }
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).context()).containsEntry("device", "ios").containsEntry("country", "fr");
    }
}
