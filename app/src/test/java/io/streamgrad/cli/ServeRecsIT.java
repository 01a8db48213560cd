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
import java.util.HashMap;
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
    /** Recommend and score answers for model shop, by "route code" (the per-model metrics must count as many). */
    private final Map<String, Long> answered = new java.util.concurrent.ConcurrentHashMap<>();

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
                                "--retain",
                                "2",
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

            // readiness counts the mf model: 503 naming it until its first FULL version is read
            await(
                    "the follower read both topics to their end",
                    () -> !json(get("/healthz")).has("reason"));
            HttpResponse<String> notReady = get("/healthz");
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(json(notReady).get("waiting_for").toString()).isEqualTo("[\"shop\"]");
            assertThat(get("/metrics").body()).contains("streamgrad_serve_ready 0");

            train(model, data.subList(0, 800), changed, removed);
            List<MfPublication.Part> full = MfPublication.full(model, 40);
            changed.values().forEach(Set::clear);
            removed.values().forEach(Set::clear);
            assertThat(full).as("version 1 in parts").hasSizeGreaterThan(2);
            publish(RecsVersionRecords.of(
                    "shop",
                    1,
                    1,
                    model.global().step(),
                    800,
                    System.currentTimeMillis(),
                    YAML,
                    full,
                    Map.of("auc", 0.5),
                    Map.of(),
                    "it"));
            await("healthz 200", () -> get("/healthz").statusCode() == 200);
            checkAgainst(model, 1);
            Map<Long, List<Expect>> offline = new HashMap<>();
            offline.put(1L, expected(model));

            train(model, data.subList(800, 1_600), changed, removed);
            List<MfPublication.Part> delta = delta(model, changed, removed);
            assertThat(delta.stream()
                            .flatMap(p -> p.tables().stream())
                            .mapToInt(t -> t.removed().size())
                            .sum())
                    .as("tombstones in version 2")
                    .isPositive();
            publishDelta(model, 2, delta);
            awaitLatest(2);
            checkAgainst(model, 2);
            offline.put(2L, expected(model));

            // version 3: the newest; --retain 2 keeps 2 and 3
            train(model, data.subList(0, 400), changed, removed);
            publishDelta(model, 3, delta(model, changed, removed));
            awaitLatest(3);
            offline.put(3L, expected(model));
            check(offline.get(3L), 3);

            // listing and describe: the same fields as the other models, kind mf, rows per table
            JsonNode list = json(get("/v1/models"));
            assertThat(list.get("models").size()).isEqualTo(1);
            JsonNode listed = list.get("models").get(0);
            JsonNode shop = json(get("/v1/models/shop"));
            assertThat(listed).isEqualTo(withoutVolatile(shop, listed));
            assertThat(shop.get("kind").asText()).isEqualTo("mf");
            assertThat(shop.get("ready").asBoolean()).isTrue();
            assertThat(shop.get("version").asLong()).isEqualTo(3);
            assertThat(shop.get("full_version").asLong()).isEqualTo(1);
            assertThat(shop.get("step").asLong()).isEqualTo(model.global().step());
            assertThat(shop.get("examples_seen").asLong()).isEqualTo(2_000);
            assertThat(shop.get("metrics").get("auc").asDouble()).isEqualTo(0.75);
            assertThat(shop.get("staleness_seconds").asDouble()).isBetween(0.0, 120.0);
            assertThat(shop.get("newest_version").asLong()).isEqualTo(3);
            assertThat(shop.get("versions_behind").asLong()).isZero();
            assertThat(shop.get("pinned_version").isNull()).isTrue();
            assertThat(shop.get("retained_versions").toString()).isEqualTo("[2,3]");
            assertThat(shop.get("full_versions").asLong()).isEqualTo(1);
            assertThat(shop.get("delta_versions").asLong()).isEqualTo(2);
            assertThat(shop.get("rows").get("users").asInt())
                    .isEqualTo(admitted(model, true).size());
            assertThat(shop.get("rows").get("items").asInt())
                    .isEqualTo(admitted(model, false).size());

            // pin: answers come from the pinned version while version 4 is made; unpin returns to the newest
            JsonNode pinned = json(post("/v1/models/shop:pin?version=2", 200));
            assertThat(pinned.get("version").asLong()).isEqualTo(2);
            assertThat(pinned.get("pinned_version").asLong()).isEqualTo(2);
            check(offline.get(2L), 2);
            train(model, data.subList(400, 800), changed, removed);
            publishDelta(model, 4, delta(model, changed, removed));
            offline.put(4L, expected(model));
            await(
                    "version 4 made while pinned",
                    () -> json(get("/v1/models/shop"))
                            .get("retained_versions")
                            .toString()
                            .equals("[3,4]"));
            shop = json(get("/v1/models/shop"));
            assertThat(shop.get("version").asLong()).isEqualTo(2);
            assertThat(shop.get("versions_behind").asLong()).isEqualTo(2);
            assertThat(shop.get("retained_versions").toString()).isEqualTo("[3,4]");
            check(offline.get(2L), 2);
            JsonNode unpinned = json(post("/v1/models/shop:unpin", 200));
            assertThat(unpinned.get("version").asLong()).isEqualTo(4);
            assertThat(unpinned.get("pinned_version").isNull()).isTrue();
            check(offline.get(4L), 4);

            // rollback: to the previous retained version, pinned; versions not retained: 400 naming the range
            JsonNode back = json(post("/v1/models/shop:rollback", 200));
            assertThat(back.get("version").asLong()).isEqualTo(3);
            assertThat(back.get("pinned_version").asLong()).isEqualTo(3);
            check(offline.get(3L), 3);
            JsonNode tooOld = json(post("/v1/models/shop:rollback?version=1", 400));
            assertThat(tooOld.get("field").asText()).isEqualTo("version");
            assertThat(tooOld.get("error").asText())
                    .contains("version 1 of recommendation model 'shop' is not retained")
                    .contains("retained: versions 3 to 4")
                    .contains("--retain");
            assertThat(json(post("/v1/models/shop:rollback", 400)).get("error").asText())
                    .contains("no retained version older than the live version 3");
            assertThat(json(post("/v1/models/shop:rollback?version=4", 400))
                            .get("error")
                            .asText())
                    .contains("the live version is 3");
            assertThat(json(post("/v1/models/shop:pin?version=9", 400))
                            .get("error")
                            .asText())
                    .contains("retained: versions 3 to 4");
            assertThat(json(post("/v1/models/shop:pin", 400)).get("field").asText())
                    .isEqualTo("version");
            assertThat(json(post("/v1/models/shop:predict", 404)).get("error").asText())
                    .contains("recommendation (mf) model")
                    .contains("/recommend");
            check(offline.get(3L), 3);
            assertThat(json(post("/v1/models/shop:unpin", 200)).get("version").asLong())
                    .isEqualTo(4);
            assertThat(get("/healthz").statusCode()).isEqualTo(200);

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

            // metrics: the mf model's gauges under the same names as the other models', and its requests
            // (a request is counted right after its answer is written: wait until the last ones are)
            String[] last = new String[1];
            await("per-model request counts caught up", () -> {
                last[0] = get("/metrics").body();
                long total =
                        answered.values().stream().mapToLong(Long::longValue).sum();
                return counted(last[0], "recommend") + counted(last[0], "score") == total;
            });
            String metrics = last[0];
            assertThat(metrics)
                    .contains("streamgrad_serve_ready 1\n")
                    .contains("streamgrad_serve_model_version{model=\"shop\"} 4\n")
                    .contains("streamgrad_serve_model_newest_version{model=\"shop\"} 4\n")
                    .contains("streamgrad_serve_model_versions_behind{model=\"shop\"} 0\n")
                    .contains("streamgrad_serve_model_pinned_version{model=\"shop\"} 0\n")
                    .contains("streamgrad_serve_model_retained_versions{model=\"shop\"} 2\n")
                    // made live: 1, 2, 3 as made; pin 2 (4 is made, not live), unpin 4, rollback 3, unpin 4
                    .contains("streamgrad_serve_model_versions_applied_total{model=\"shop\"} 7\n")
                    .contains("streamgrad_serve_model_versions_built_total{model=\"shop\",source=\"full\"} 1\n")
                    .contains("streamgrad_serve_model_versions_built_total{model=\"shop\",source=\"delta\"} 3\n")
                    .contains("streamgrad_serve_model_rows{model=\"shop\",table=\"users\"} "
                            + admitted(model, true).size() + "\n")
                    .contains("streamgrad_serve_model_rows{model=\"shop\",table=\"items\"} "
                            + admitted(model, false).size() + "\n")
                    .doesNotContain("model=\"nope\"");
            assertThat(gauge(metrics, "streamgrad_serve_model_staleness_seconds{model=\"shop\"}"))
                    .isBetween(0.0, 120.0);
            assertThat(gauge(metrics, "streamgrad_serve_model_last_apply_seconds{model=\"shop\"}"))
                    .isPositive();
            for (String route : List.of("recommend", "score")) {
                long total = 0;
                for (Map.Entry<String, Long> e : answered.entrySet()) {
                    if (e.getKey().startsWith(route + " ")) {
                        String code = e.getKey().substring(route.length() + 1);
                        assertThat((long) gauge(
                                        metrics,
                                        "streamgrad_serve_model_requests_total{model=\"shop\",route=\"" + route
                                                + "\",code=\"" + code + "\"}"))
                                .as("%s %s", route, code)
                                .isEqualTo(e.getValue());
                        total += e.getValue();
                    }
                }
                assertThat(total).isPositive();
                assertThat((long) gauge(
                                metrics,
                                "streamgrad_serve_model_request_seconds_count{model=\"shop\",route=\"" + route + "\"}"))
                        .isEqualTo(total);
                assertThat((long) gauge(
                                metrics,
                                "streamgrad_serve_model_request_seconds_bucket{model=\"shop\",route=\"" + route
                                        + "\",le=\"+Inf\"}"))
                        .isEqualTo(total);
            }
        } finally {
            stop.set(true);
            assertThat(command.get(30, TimeUnit.SECONDS)).isZero();
        }
    }

    /** One question and the offline model's answer at one version: a ranked list, or a score. */
    private record Expect(String path, List<MfModel.Scored> items, double score) {}

    /** Questions to ask a pinned version later: top 10 of some known users, the fallback, scores. */
    private static List<Expect> expected(MfModel model) {
        List<Expect> out = new ArrayList<>();
        List<String> users = admitted(model, true);
        List<String> items = admitted(model, false);
        for (String u : users.subList(0, Math.min(4, users.size()))) {
            out.add(new Expect("/v1/models/shop/recommend?user=" + enc(u) + "&k=10", model.topK(u, 10), 0));
        }
        for (String i : List.of(items.get(0), items.get(items.size() - 1))) {
            for (String u : List.of(users.get(0), "stranger")) {
                out.add(new Expect(
                        "/v1/models/shop/score?user=" + enc(u) + "&item=" + enc(i), null, model.score(u, i)));
            }
        }
        return out;
    }

    /** The served answers name {@code version} and equal the offline model's at that version. */
    private void check(List<Expect> expected, long version) throws Exception {
        for (Expect e : expected) {
            JsonNode r = json(get(e.path()));
            assertThat(r.get("version").asLong()).as(e.path()).isEqualTo(version);
            if (e.items() != null) {
                assertSameList(r.get("items"), e.items());
            } else {
                assertThat(r.get("score").asDouble()).as(e.path()).isEqualTo(e.score());
            }
        }
    }

    private void publishDelta(MfModel model, long version, List<MfPublication.Part> delta) throws Exception {
        publish(RecsVersionRecords.of(
                "shop",
                version,
                1,
                model.global().step(),
                version == 4 ? 2_400 : version == 3 ? 2_000 : 1_600,
                System.currentTimeMillis(),
                YAML,
                delta,
                Map.of("auc", 0.5 + 0.125 * (version - 1)),
                Map.of(),
                "it"));
    }

    /** The delta of the rows changed and removed since the last version (then forgotten), in parts of 40 rows. */
    private static List<MfPublication.Part> delta(
            MfModel model, Map<String, Set<String>> changed, Map<String, Set<String>> removed) {
        List<MfPublication.Part> parts = MfPublication.delta(model, changed, removed, 40);
        changed.values().forEach(Set::clear);
        removed.values().forEach(Set::clear);
        return parts;
    }

    private void awaitLatest(long version) throws Exception {
        await(
                "version " + version + " served",
                () -> json(get("/v1/models/shop/recommend?user=x"))
                                .get("version")
                                .asLong()
                        == version);
    }

    /** {@code shop} with the fields that change between two reads (staleness) taken from {@code other}. */
    private static JsonNode withoutVolatile(JsonNode shop, JsonNode other) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = shop.deepCopy();
        copy.set("staleness_seconds", other.get("staleness_seconds"));
        return copy;
    }

    /** Requests of {@code route} for model shop that /metrics counted (0 before the first). */
    private static long counted(String metrics, String route) {
        String series = "streamgrad_serve_model_request_seconds_count{model=\"shop\",route=\"" + route + "\"}";
        return metrics.contains(series + " ") ? (long) gauge(metrics, series) : 0;
    }

    /** The value of the sample line {@code series} in Prometheus text. */
    private static double gauge(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no line " + series + " in /metrics");
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
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)));
        for (String route : List.of("recommend", "score")) {
            if (path.startsWith("/v1/models/shop/" + route)) {
                answered.merge(route + " " + r.statusCode(), 1L, Long::sum);
            }
        }
        return r;
    }

    private HttpResponse<String> post(String path, int status) throws Exception {
        HttpResponse<String> r =
                send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(r.statusCode()).as("POST %s: %s", path, r.body()).isEqualTo(status);
        return r;
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
