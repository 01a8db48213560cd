package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.job.EmbeddedKafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's recommendation path as a newcomer runs it, every part real: {@code run} (the job in a JVM of its own)
 * with an mf model, {@code produce-interactions} of the shipped retail data, {@code metrics} showing recall@K,
 * {@code serve} answering recommend from the versions the job publishes, and a new user whose few interactions,
 * produced while everything runs, turn the popular-items fallback into personal recommendations within seconds.
 */
class RecsWalkthroughIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    static Path dir;

    private static final Path DATA = Path.of("..", "data", "recs", "online-retail-2010-12.csv");
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private String base;

    @Test
    void produceInteractions_run_metrics_serve_newUserGetsPersonalRecommendationsWithinSeconds() throws Exception {
        String bs = KAFKA.bootstrapServers();
        Path job = Files.writeString(dir.resolve("recs-job.yaml"), """
                kafka: {bootstrap.servers: "%s"}
                topics: {examples: r.examples, models: r.models, metrics: r.metrics, dead_letters: r.dead,
                         updates: r.updates, interactions: r.interactions}
                group_id: recs-walkthrough
                start: earliest
                checkpoint_interval_ms: 500
                batch_timeout_ms: 200
                snapshot: {every_steps: 0, every_seconds: 1}
                deltas: {enabled: true, full_every_versions: 20}
                metrics_every_batches: 20
                recs: {evaluate_every_batches: 2, rows_per_part: 2000}
                models:
                  retail:
                    model: {type: mf, dim: 8}
                    loss: bpr
                    negatives: {count: 4, pool: 1000}
                    optimizer: {type: adagrad, learning_rate: 0.3}
                    tables: {min_count: 2}
                    evaluation: {top_k: 10}
                    batch_size: 32
                    seed: 1
                """.formatted(bs));
        RunProcess run = RunProcess.start(job, dir.resolve("run.log"), "--create-topics");
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> serve = null;
        try {
            Await.until(DEADLINE, "the job creates its topics", () -> {
                run.assertAlive();
                return KAFKA.admin().listTopics().names().get().contains("r.interactions");
            });
            MainTest.Result produced = MainTest.run(
                    "produce-interactions",
                    "--bootstrap-servers",
                    bs,
                    "--topic",
                    "r.interactions",
                    "--model",
                    "retail",
                    "--data",
                    DATA.toString(),
                    "--limit",
                    "3000");
            assertThat(produced.status()).as(produced.err()).isZero();
            assertThat(produced.out()).contains("3000 interactions of model retail -> r.interactions (json)");

            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            serve = CompletableFuture.supplyAsync(() -> {
                try {
                    return ServeCommand.run(
                            List.of(
                                    "--bootstrap-servers",
                                    bs,
                                    "--topic",
                                    "r.models",
                                    "--updates-topic",
                                    "r.updates",
                                    "--model",
                                    "retail",
                                    "--port",
                                    "0"),
                            new PrintStream(printed, true, StandardCharsets.UTF_8),
                            System.err,
                            stop::get);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Pattern url = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+)");
            Await.until(
                    DEADLINE,
                    "serve prints its address",
                    () -> url.matcher(printed.toString(StandardCharsets.UTF_8)).find());
            Matcher m = url.matcher(printed.toString(StandardCharsets.UTF_8));
            assertThat(m.find()).isTrue();
            base = m.group(1);
            Await.until(DEADLINE, "serve has a version of retail", () -> {
                run.assertAlive();
                return get("/healthz").statusCode() == 200;
            });
            // a customer of the data set (the file's first) gets recommendations of their own
            Await.until(DEADLINE, "customer 17850 is in a served version", () -> {
                run.assertAlive();
                HttpResponse<String> r = get("/v1/models/retail/recommend?user=17850&k=5");
                return r.statusCode() == 200
                        && JSON.readTree(r.body()).get("fallback").isNull();
            });
            JsonNode known = JSON.readTree(
                    get("/v1/models/retail/recommend?user=17850&k=5").body());
            assertThat(known.get("fallback").isNull()).as(known.toString()).isTrue();
            assertThat(known.get("items")).hasSize(5);

            // a new customer: popular items until their interactions are trained and served
            JsonNode before = JSON.readTree(
                    get("/v1/models/retail/recommend?user=newcomer&k=5").body());
            assertThat(before.get("fallback").asText()).isEqualTo("popular_items");
            Path newcomer = Files.writeString(dir.resolve("newcomer.csv"), """
                    user,item,timestamp
                    newcomer,85123A,2010-12-24T10:00:00Z
                    newcomer,22423,2010-12-24T10:01:00Z
                    newcomer,85123A,2010-12-24T10:02:00Z
                    newcomer,47566,2010-12-24T10:03:00Z
                    """);
            long sent = System.nanoTime();
            produced = MainTest.run(
                    "produce-interactions",
                    "--bootstrap-servers",
                    bs,
                    "--topic",
                    "r.interactions",
                    "--model",
                    "retail",
                    "--data",
                    newcomer.toString(),
                    "--format",
                    "avro");
            assertThat(produced.status()).as(produced.err()).isZero();
            Await.until(DEADLINE, "newcomer's own recommendations are served", () -> {
                run.assertAlive();
                JsonNode a = JSON.readTree(
                        get("/v1/models/retail/recommend?user=newcomer&k=5").body());
                return a.has("fallback") && a.get("fallback").isNull();
            });
            double seconds = (System.nanoTime() - sent) / 1e9;
            JsonNode after = JSON.readTree(
                    get("/v1/models/retail/recommend?user=newcomer&k=5").body());
            System.out.printf("newcomer served %.1f s after produce-interactions: %s%n", seconds, after);
            assertThat(after.get("version").asLong())
                    .isGreaterThan(before.get("version").asLong());
            assertThat(after.get("items")).hasSize(5);

            // the metrics topic carries the prequential recall@10 of the job
            MainTest.Result metrics =
                    MainTest.run("metrics", "--bootstrap-servers", bs, "--topic", "r.metrics", "--model", "retail");
            assertThat(metrics.status()).as(metrics.err()).isZero();
            assertThat(metrics.out()).contains("recall@10=").contains("ndcg@10=");
        } finally {
            stop.set(true);
            if (serve != null) {
                serve.get(30, TimeUnit.SECONDS);
            }
            run.kill();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
