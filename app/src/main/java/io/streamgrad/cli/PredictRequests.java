package io.streamgrad.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamgrad.avro.Example;
import io.streamgrad.avro.MiniBatch;
import io.streamgrad.job.batch.BatchAssembler;
import io.streamgrad.job.config.JobConfig.Limits;
import io.streamgrad.job.config.JobDefaults;
import io.streamgrad.job.decode.ExampleValidator;
import io.streamgrad.job.decode.InvalidExampleException;
import io.streamgrad.job.decode.NamedFeatures;
import io.streamgrad.job.records.BatchTrigger;
import io.streamgrad.job.records.ExampleBatch;
import io.streamgrad.job.records.TrainingExample;
import io.streamgrad.learner.data.Batch;
import io.streamgrad.learner.train.TrainerConfig;
import io.streamgrad.schemas.InvalidRecordException;
import io.streamgrad.schemas.JsonExamples;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of {@code POST /v1/models/{id}:predict} as a {@link Batch} for one model version, read exactly as the job
 * reads its examples topic: the JSON form of {@link JsonExamples} (one example object, or {@code {"examples":
 * [...]}}), checked by the job's {@link ExampleValidator} against the model's configuration (dense length, sparse
 * indices in range, finite values, the job's default limits), named features hashed as the job hashes them, and
 * packed by the job's {@link BatchAssembler}. {@code model_id} and {@code label} may be left out (the path names the
 * model; a label is not needed to predict and is ignored when given).
 *
 * <p>Thread-safe.
 */
final class PredictRequests {
    /** The most examples one request may carry (the job's limit on examples per record). */
    static final int MAX_EXAMPLES = JobDefaults.MAX_EXAMPLES_PER_RECORD;

    private final JsonExamples json = new JsonExamples();
    private final Limits limits = new Limits(
            JobDefaults.MAX_RECORD_BYTES, JobDefaults.MAX_EXAMPLES_PER_RECORD, JobDefaults.MAX_NON_ZEROS_PER_EXAMPLE);

    /** A request that cannot be predicted, with a message naming the field and the fix. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final String field;

        BadRequest(String field, String message) {
            super(message);
            this.field = field;
        }
    }

    /**
     * The examples of {@code body} for {@code modelId}, as one batch of the model's feature space.
     *
     * @throws BadRequest naming the field at fault and the fix
     */
    Batch batch(byte[] body, String modelId, TrainerConfig config) throws BadRequest {
        return batch(body, modelId, config, true);
    }

    /** {@link #batch}, with the one-pass reader of the common single-example body ({@link FastPredictJson}) or not. */
    Batch batch(byte[] body, String modelId, TrainerConfig config, boolean fastPath) throws BadRequest {
        Example fast = fastPath ? FastPredictJson.example(body, modelId) : null;
        return fast != null ? validated(List.of(fast), false, modelId, config) : treeBatch(body, modelId, config);
    }

    private Batch treeBatch(byte[] body, String modelId, TrainerConfig config) throws BadRequest {
        JsonNode root;
        try {
            root = json.parse(body);
        } catch (InvalidRecordException e) {
            throw new BadRequest("body", e.getMessage().replace("per record", "per request"));
        }
        ObjectNode object = (ObjectNode) root;
        boolean many = object.has("examples");
        List<Example> examples;
        try {
            if (many) {
                JsonNode array = object.get("examples");
                if (!array.isArray() || array.isEmpty()) {
                    throw new BadRequest(
                            "examples",
                            "field 'examples' must be a non-empty array of example objects, e.g. {\"examples\":"
                                    + " [{\"dense\": [0.5, 1.0]}]}");
                }
                if (array.size() > MAX_EXAMPLES) {
                    throw new BadRequest(
                            "examples",
                            "field 'examples' has " + array.size() + " examples, more than " + MAX_EXAMPLES
                                    + " in one request; split them over several requests");
                }
                checkModelId(object, "model_id", modelId);
                object.put("model_id", modelId);
                int i = 0;
                for (JsonNode e : (ArrayNode) array) {
                    if (e instanceof ObjectNode o) {
                        fillIn(o, "examples[" + i + "].", modelId);
                    }
                    i++;
                }
                MiniBatch mb = json.miniBatch(object);
                examples = mb.getExamples();
            } else {
                fillIn(object, "", modelId);
                examples = List.of(json.example(object));
            }
        } catch (InvalidRecordException e) {
            throw new BadRequest(fieldOf(e.getMessage()), e.getMessage());
        }
        return validated(examples, many, modelId, config);
    }

    /** The examples checked by the job's validator and packed as the job packs them. */
    private Batch validated(List<Example> examples, boolean many, String modelId, TrainerConfig config)
            throws BadRequest {
        ExampleValidator validator = new ExampleValidator(HASHERS.get(), limits);
        List<TrainingExample> validated = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            Example e = examples.get(i);
            e.setLabel(0f);
            e.setWeight(1f);
            String where = many ? "examples[" + i + "]" : "example";
            try {
                TrainingExample t = validator.validate(e, modelId, config);
                t.topic = "http";
                validated.add(t);
            } catch (InvalidExampleException ex) {
                throw new BadRequest(where, where + ": " + ex.getMessage());
            }
        }
        int dim = config.model().features();
        ExampleBatch b = BatchAssembler.assemble(modelId, dim, validated, BatchTrigger.PRODUCER);
        return b.isSparse()
                ? Batch.sparse(b.size, b.dim, b.rowPtr, b.indices, b.values, b.labels, b.weights)
                : Batch.dense(b.size, b.dim, b.dense, b.labels, b.weights);
    }

    /** Puts the path's model id and a label into an example that leaves them out (both are optional here). */
    private static void fillIn(ObjectNode example, String where, String modelId) throws BadRequest {
        checkModelId(example, where + "model_id", modelId);
        example.put("model_id", modelId);
        if (!example.has("label")) {
            example.put("label", 0);
        }
    }

    private static void checkModelId(ObjectNode node, String field, String modelId) throws BadRequest {
        JsonNode given = node.get("model_id");
        if (given != null && !(given.isTextual() && given.asText().equals(modelId))) {
            throw new BadRequest(
                    field,
                    "field '" + field + "' is " + given + " but the path names model '" + modelId
                            + "'; leave model_id out, or post to /v1/models/" + given.asText() + ":predict");
        }
    }

    /** The field a message of {@link JsonExamples} names ("field 'x.y' ..." or "x[3] is ..."), or "body". */
    private static String fieldOf(String message) {
        int q = message.indexOf('\'');
        if (q >= 0) {
            int end = message.indexOf('\'', q + 1);
            if (end > q) {
                return message.substring(q + 1, end);
            }
        }
        int sp = message.indexOf(' ');
        return sp > 0 ? message.substring(0, sp) : "body";
    }

    /** Named features hashed as the job hashes them; a hasher keeps a running hash, so one per thread. */
    private static final ThreadLocal<ExampleValidator.NamedFeatureHasher> HASHERS =
            ThreadLocal.withInitial(NamedFeatures::hasher);
}
