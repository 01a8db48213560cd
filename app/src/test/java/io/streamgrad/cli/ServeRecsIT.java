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
import io.streamgrad.learner.recs.Row;
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
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
 * {@code streamgrad serve} answering recommend and score over HTTP for a recommendation model trained offline (a
 * real {@link MfModel}) and published on a real broker's updates topic as the job does: a FULL version in parts,
 * then a DELTA. Every answer is compared with the offline model at the version the answer names; unknown users and
 * items get the documented fallbacks; bad parameters get a 400 naming the parameter.
 */
class ServeRecsIT {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODELS = "recs-models";
    private static final String UPDATES = "recs-updates";
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String YAML = """
            model: {type: mf, dim: 8, init_std: 0.1}
            loss: bpr
            negatives: {count: 4, pool: 300}
            optimizer: {type: adagrad, learning_rate: 0.2}
            tables: {min_count: 1, expire_after_steps: 6, sweep_every_steps: 3}
            batch_size: 16
            seed: 9
            """;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private String base;

    @Test
    void recommendAndScore_answerAsTheOfflineModelAtTheVersionNamed_withFallbacks_andBadParametersAre400()
            throws Exception {
        KAFKA.createTopics(
                new NewTopic(MODELS, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
                new NewTopic(UPDATES, 1, (short) 1));
        MfModel model = new MfModel(MfConfig.parse(YAML));
        List<Interaction> data = InteractionGenerator.generate(4, 60, 90, 8, 1_600, 1.0, 0.3, 3.0);
        Map<String, Set<String>> changed =
                Map.of(MfModel.USERS, new LinkedHashSet<>(), MfModel.ITEMS, new LinkedHashSet<>());
        Map<String, Set<String>> removed =
                Map.of(MfModel.USERS, new LinkedHashSet<>(), MfModel.ITEMS, new LinkedHashSet<>());
        train(model, data.subList(0, 800), changed, removed);
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
        assertThat(MfPublication.full(model, 40)).as("version 1 in parts").hasSizeGreaterThan(2);

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
            checkAgainst(model, 1);

            train(model, data.subList(800, 1_600), changed, removed);
            List<MfPublication.Part> delta = MfPublication.delta(model, changed, removed, 40);
            assertThat(delta.stream()
                            .flatMap(p -> p.tables().stream())
                            .mapToInt(t -> t.removed().size())
                            .sum())
                    .as("tombstones in version 2")
                    .isPositive();
            publish(RecsVersionRecords.of(
                    "shop", 2, 1, model.global().step(), 1_600, 2, YAML, delta, Map.of(), Map.of(), "it"));
            await(
                    "version 2 served",
                    () -> json(get("/v1/models/shop/recommend?user=x"))
                                    .get("version")
                                    .asLong()
                            == 2);
            checkAgainst(model, 2);

            // bad parameters: 400 naming the parameter
            bad("/v1/models/shop/recommend", 400, "user");
            bad("/v1/models/shop/recommend?user=", 400, "user");
            bad("/v1/models/shop/recommend?user=u1&k=0", 400, "k");
            bad("/v1/models/shop/recommend?user=u1&k=ten", 400, "k");
            bad("/v1/models/shop/recommend?user=u1&k=1001", 400, "k");
            bad("/v1/models/shop/recommend?user=u1&exclude=i1,,i2", 400, "exclude");
            bad("/v1/models/shop/recommend?user=u1&top=3", 400, "top");
            bad("/v1/models/shop/recommend?user=u1&user=u2", 400, "user");
            bad("/v1/models/shop/score?user=u1", 400, "item");
            bad("/v1/models/nope/recommend?user=u1", 404, "path");
            HttpResponse<String> post = send(HttpRequest.newBuilder(URI.create(base + "/v1/models/shop/score?user=a"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        } finally {
            stop.set(true);
            assertThat(command.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    /** Every known user's top 10, one exclusion, the unknown-user fallback and scores, against the offline model. */
    private void checkAgainst(MfModel model, long version) throws Exception {
        List<String> users = admitted(model, true);
        List<String> items = admitted(model, false);
        for (String u : users.subList(0, Math.min(8, users.size()))) {
            JsonNode r = json(get("/v1/models/shop/recommend?user=" + enc(u) + "&k=10"));
            assertThat(r.get("version").asLong()).isEqualTo(version);
            assertThat(r.get("fallback").isNull()).isTrue();
            assertSameList(r.get("items"), model.topK(u, 10));
        }
        String u = users.get(0);
        List<MfModel.Scored> wider = model.topK(u, 7);
        List<MfModel.Scored> expected = new ArrayList<>(wider);
        expected.remove(3);
        expected.remove(0);
        JsonNode ex = json(get("/v1/models/shop/recommend?user=" + enc(u) + "&k=5&exclude="
                + enc(wider.get(0).item() + "," + wider.get(3).item())));
        assertSameList(ex.get("items"), expected);

        JsonNode fb = json(get("/v1/models/shop/recommend?user=stranger&k=5"));
        assertThat(fb.get("fallback").asText()).isEqualTo("popular_items");
        List<String> popular = new ArrayList<>(items);
        popular.sort(
                Comparator.comparingLong((String i) -> -model.items().lookup(i).count())
                        .thenComparing(Comparator.naturalOrder()));
        List<MfModel.Scored> byCount = new ArrayList<>();
        for (String i : popular.subList(0, 5)) {
            byCount.add(new MfModel.Scored(i, model.score("stranger", i)));
        }
        assertSameList(fb.get("items"), byCount);

        for (String i : List.of(items.get(0), items.get(items.size() - 1), "no-such-item")) {
            for (String user : List.of(u, "stranger")) {
                JsonNode s = json(get("/v1/models/shop/score?user=" + enc(user) + "&item=" + enc(i)));
                assertThat(s.get("version").asLong()).isEqualTo(version);
                assertThat(s.get("score").asDouble())
                        .as("score(%s, %s)", user, i)
                        .isEqualTo(model.score(user, i));
                boolean known = !user.equals("stranger") && !i.equals("no-such-item");
                assertThat(s.get("fallback").isNull()).isEqualTo(known);
            }
        }
        assertThat(json(get("/v1/models/shop/score?user=stranger&item=no-such-item"))
                        .get("fallback")
                        .asText())
                .isEqualTo("unknown_user_and_item");
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

    private static List<String> admitted(MfModel model, boolean users) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, Row> e :
                (users ? model.users() : model.items()).store().entries()) {
            if (e.getValue().admitted()) {
                ids.add(e.getKey());
            }
        }
        ids.sort(Comparator.naturalOrder());
        return ids;
    }

    private static void train(
            MfModel model, List<Interaction> data, Map<String, Set<String>> changed, Map<String, Set<String>> removed) {
        for (int b = 0; b < data.size(); b += 16) {
            MfModel.StepResult r = model.train(data.subList(b, Math.min(data.size(), b + 16)));
            changed.get(MfModel.USERS).addAll(r.changedUsers());
            changed.get(MfModel.ITEMS).addAll(r.changedItems());
            removed.get(MfModel.USERS).addAll(r.removedUsers());
            removed.get(MfModel.ITEMS).addAll(r.removedItems());
        }
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
