package io.streamgrad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamgrad.avro.RecsVersion;
import io.streamgrad.job.EmbeddedKafkaExtension;
import io.streamgrad.job.recs.RecsVersionRecords;
import io.streamgrad.learner.recs.Interaction;
import io.streamgrad.learner.recs.InteractionGenerator;
import io.streamgrad.learner.recs.MfConfig;
import io.streamgrad.learner.recs.MfModel;
import io.streamgrad.learner.recs.MfPublication;
import io.streamgrad.schemas.SingleObjectCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code serve} for an mf model with context fields: {@code /recommend} and {@code /score} with
 * {@code context.FIELD=ID} answer exactly what the offline model answers under that context (the version published
 * on the updates topic carries the context tables); an unknown context id contributes nothing and is listed in
 * {@code unknown_context}; a field the model does not declare is a 400 naming it.
 */
class ServeRecsContextIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODELS = "recs-ctx-models";
    private static final String UPDATES = "recs-ctx-updates";
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String YAML = """
            model: {type: mf, dim: 8, init_std: 0.1}
            loss: bpr
            negatives: {count: 4, pool: 300}
            optimizer: {type: adagrad, learning_rate: 0.2}
            tables: {min_count: 1}
            batch_size: 16
            seed: 9
            context: {device: {}}
            """;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private String base;

    @Test
    void recommendAndScore_underAContext_answerAsTheOfflineModel() throws Exception {
        KAFKA.createTopics(
                new NewTopic(MODELS, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                new NewTopic(UPDATES, 1, (short) 1));
        MfModel model = new MfModel(MfConfig.parse(YAML));
        List<Interaction> data = new ArrayList<>();
        for (Interaction x : InteractionGenerator.generate(4, 60, 90, 8, 800, 1.0, 0.3, 3.0)) {
            data.add(new Interaction(
                    x.user(),
                    x.item(),
                    x.rating(),
                    x.timeMs(),
                    Map.of("device", x.item().hashCode() % 2 == 0 ? "ios" : "web")));
        }
        for (int b = 0; b < data.size(); b += 16) {
            model.train(data.subList(b, b + 16));
        }
        publish(RecsVersionRecords.of(
                "shop",
                1,
                1,
                model.global().step(),
                800,
                1,
                YAML,
                MfPublication.full(model, 40),
                Map.of(),
                Map.of(),
                "it"));

        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> command = CompletableFuture.supplyAsync(() -> {
            try {
                return ServeCommand.run(
                        List.of(
                                "--bootstrap-servers",
                                KAFKA.bootstrapServers(),
                                "--topic",
                                MODELS,
                                "--updates-topic",
                                UPDATES,
                                "--model",
                                "shop",
                                "--port",
                                "0"),
                        new PrintStream(buf, true, StandardCharsets.UTF_8),
                        System.err,
                        stop::get);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            Pattern url = Pattern.compile("on (http://127\\.0\\.0\\.1:\\d+)");
            await(
                    "serve prints its address",
                    () -> url.matcher(buf.toString(StandardCharsets.UTF_8)).find());
            Matcher m = url.matcher(buf.toString(StandardCharsets.UTF_8));
            assertThat(m.find()).isTrue();
            base = m.group(1);
            await("healthz 200", () -> get("/healthz").statusCode() == 200);
            await(
                    "version 1 served",
                    () -> get("/v1/models/shop/recommend?user=x").statusCode() == 200);

            for (String device : List.of("ios", "web")) {
                for (String user : List.of("u1", "u5", "stranger")) {
                    JsonNode r = json(get("/v1/models/shop/recommend?user=" + user + "&k=10&context.device=" + device));
                    assertThat(r.get("context").get("device").asText()).isEqualTo(device);
                    assertThat(r.get("unknown_context").size()).isZero();
                    assertThat(r.get("fallback").isNull()).isTrue();
                    assertSameList(r.get("items"), model.topK(user, Map.of("device", device), 10));
                    for (String item : List.of("i1", "i7", "no-such-item")) {
                        JsonNode s = json(get(
                                "/v1/models/shop/score?user=" + user + "&item=" + item + "&context.device=" + device));
                        assertThat(s.get("score").asDouble())
                                .as("score(%s, %s, %s)", user, item, device)
                                .isEqualTo(model.score(user, item, Map.of("device", device)));
                    }
                }
            }
            assertThat(model.topK("u1", Map.of("device", "ios"), 10))
                    .as("the context changes the answer")
                    .isNotEqualTo(model.topK("u1", Map.of("device", "web"), 10));
            JsonNode unknown = json(get("/v1/models/shop/recommend?user=u1&k=10&context.device=fridge"));
            assertThat(unknown.get("unknown_context").get(0).asText()).isEqualTo("device");
            assertSameList(unknown.get("items"), model.topK("u1", 10));
            JsonNode plain = json(get("/v1/models/shop/score?user=u1&item=i1"));
            assertThat(plain.get("score").asDouble()).isEqualTo(model.score("u1", "i1"));
            assertThat(plain.has("context")).isFalse();

            bad("/v1/models/shop/recommend?user=u1&context.browser=ff", 400, "context.browser");
            bad("/v1/models/shop/score?user=u1&item=i1&context.device=", 400, "context.device");
        } finally {
            stop.set(true);
            assertThat(command.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    private static void assertSameList(JsonNode items, List<MfModel.Scored> expected) {
        assertThat(items.size()).isEqualTo(expected.size());
        for (int n = 0; n < expected.size(); n++) {
            assertThat(items.get(n).get("item").asText())
                    .isEqualTo(expected.get(n).item());
            assertThat(items.get(n).get("score").asDouble())
                    .isEqualTo(expected.get(n).score());
        }
    }

    private void bad(String path, int status, String field) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as("%s: %s", path, r.body()).isEqualTo(status);
        JsonNode j = json(r);
        assertThat(j.get("field").asText()).isEqualTo(field);
        assertThat(j.get("error").asText()).isNotBlank();
    }

    private static void publish(List<RecsVersion> records) throws Exception {
        Properties p = KAFKA.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (RecsVersion r : records) {
                producer.send(new ProducerRecord<>(
                                UPDATES,
                                "shop".getBytes(StandardCharsets.UTF_8),
                                SingleObjectCodec.recsVersion().encode(r)))
                        .get();
            }
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static void await(String what, Await.Check check) throws Exception {
        Await.until(DEADLINE, what, check);
    }
}
