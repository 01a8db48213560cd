package io.streamgrad.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.config.JobConfig;
import io.streamgrad.job.config.JobConfigParser;
import io.streamgrad.learner.config.ConfigParser;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.train.TrainerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The configuration examples a user copies from the README must parse with the real parsers. */
class ReadmeExamplesTest {
    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern HEREDOC_YAML = Pattern.compile("<<'YAML'\\n(.*?)\\nYAML\\n", Pattern.DOTALL);
    private static final Pattern HEREDOC_JOB = Pattern.compile("<<'JOB'\\n(.*?)\\nJOB\\n", Pattern.DOTALL);
    /** A {@code ./streamgrad produce ...} command, backslash-continued lines joined, up to its end. */
    private static final Pattern PRODUCE_COMMAND =
            Pattern.compile("\\./streamgrad produce ((?:[^\\n`|\\\\]|\\\\\\n)*)");

    private static String readme() throws IOException {
        Path p = Path.of("..", "README.md");
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static List<String> blocks(Pattern pattern, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void readmeModelConfigExample_parsesAsWritten() throws IOException {
        List<String> yaml = blocks(YAML_BLOCK, readme());
        String model =
                yaml.stream().filter(y -> y.startsWith("model:")).findFirst().orElseThrow();
        TrainerConfig config = ConfigParser.parse(model);
        assertThat(config.model().type().yamlName()).isEqualTo("mlp");
        assertThat(config.model().hidden()).containsExactly(256, 128);
        assertThat(config.optimizer().type().yamlName()).isEqualTo("adam");
        assertThat(config.schedule().type().yamlName()).isEqualTo("cosine");
        assertThat(config.batchSize()).isEqualTo(64);
    }

    @Test
    void readmeJobConfigExample_parsesAsWritten() throws IOException {
        List<String> yaml = blocks(YAML_BLOCK, readme());
        String job =
                yaml.stream().filter(y -> y.startsWith("kafka:")).findFirst().orElseThrow();
        JobConfig config = JobConfigParser.parse(job, "README.md");
        assertThat(config.models().modelIds()).containsExactlyInAnyOrder("ctr", "digits");
        assertThat(config.models().config("ctr").optimizer().type().yamlName()).isEqualTo("ftrl");
        assertThat(config.models().config("ctr").sparseUpdates()).isTrue();
    }

    @Test
    void readmeOfflineQuickstartConfig_parsesAsWritten() throws IOException {
        List<String> yaml = blocks(HEREDOC_YAML, readme());
        assertThat(yaml).isNotEmpty();
        for (String y : yaml) {
            if (y.startsWith("kafka:")) {
                continue; // a job file (README "Monitoring operational series in the job"): the test below
            }
            if (y.contains("type: mf")) {
                // A recommendation model (README "Recommendations"): its own parser, its own keys.
                assertThat(MfConfig.parse(y)).isNotNull();
            } else {
                assertThat(ConfigParser.parse(y).model().features()).isPositive();
            }
        }
    }

    @Test
    void readmeOpsJobConfig_parsesAsWritten_withItsOpsModel() throws IOException {
        String job = blocks(HEREDOC_YAML, readme()).stream()
                .filter(y -> y.startsWith("kafka:") && y.contains("type: forecast"))
                .findFirst()
                .orElseThrow();
        JobConfig config = JobConfigParser.parse(job, "README.md");
        assertThat(config.ops().models().ids()).containsExactly("latency");
        assertThat(config.ops().models().config("latency").rule().forSeconds()).isEqualTo(3600);
        assertThat(config.ops().topics()).containsExactly("series", "scores", "alerts");
    }

    @Test
    void readmeProduceCommands_passTheRequiredConfig() throws IOException {
        List<String> commands = blocks(PRODUCE_COMMAND, readme());
        assertThat(commands).hasSizeGreaterThanOrEqualTo(2);
        for (String command : commands) {
            assertThat(command)
                    .as("every produce line must pass --config (produce fails with '--config is required')")
                    .contains("--config ")
                    .contains("--model ")
                    .contains("--topic ")
                    .contains("--data ");
        }
    }

    @Test
    void readmeFileThroughTheJobExample_isBoundedAndFlushesItsLastBatch() throws IOException {
        String readme = readme();
        List<String> jobs = blocks(HEREDOC_JOB, readme);
        assertThat(jobs).hasSizeGreaterThanOrEqualTo(2); // the file through the job, and the same with deltas
        Matcher names = Pattern.compile("cat > (\\S+-job\\.yaml) <<'JOB'").matcher(readme);
        for (String job : jobs) {
            assertThat(names.find())
                    .as("every job heredoc is written to a NAME-job.yaml file")
                    .isTrue();
            String file = names.group(1);
            JobConfig config = JobConfigParser.parse(job, "README.md");
            assertThat(config.bounded()).as("a run over a file must stop").isTrue();
            assertThat(config.batchTimeoutMs()).isPositive();
            assertThat(config.models().modelIds()).containsExactly("seg");
            assertThat(config.models().config("seg").model().features()).isEqualTo(19);
            String produce = blocks(PRODUCE_COMMAND, readme).stream()
                    .filter(c -> c.contains(file))
                    .findFirst()
                    .orElseThrow();
            assertThat(produce)
                    .contains("--topic " + config.topics().examples())
                    .contains("--model seg");
            assertThat(readme).contains("./streamgrad run --config " + file);
        }
    }

    @Test
    void readmeJobConfigExample_documentsBounded() throws IOException {
        String job = blocks(YAML_BLOCK, readme()).stream()
                .filter(y -> y.startsWith("kafka:"))
                .findFirst()
                .orElseThrow();
        assertThat(job).contains("bounded:").contains("batch_timeout_ms:");
    }
}
