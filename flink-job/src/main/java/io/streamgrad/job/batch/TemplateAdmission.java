package io.streamgrad.job.batch;

import io.streamgrad.job.config.TemplateLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * Which ids not listed under {@code models:} get a model from the template, as a plain function of the examples in
 * arrival order and the processing time, without Flink. One instance per mini-batcher subtask.
 *
 * <ul>
 *   <li><b>Admission</b>: an id's model is created at its {@code min_examples}-th example, each seen within
 *   {@code idle_timeout_ms} of the one before; the earlier examples are rejected (dead-lettered). While counted, the
 *   id is <i>pending</i>; at most {@code max_pending} ids per job are.</li>
 *   <li><b>Cap</b>: at most {@code max_models} live models per job. The mini-batcher is keyed by model id, so each of
 *   its {@code p} subtasks sees its own ids and admits at most {@code ceil(max_models / p)} (likewise for pending
 *   ids): the job total is at most {@code p * ceil(max_models / p)}, exactly {@code max_models} at parallelism 1.
 *   An example of an id beyond the cap is rejected; it is admitted by a later example once a model has expired.</li>
 *   <li><b>Expiry</b>: a model (or pending id) without an example for {@code idle_timeout_ms} of processing time is
 *   removed and its slot freed.</li>
 * </ul>
 *
 * <p>Deterministic: the decisions depend only on the order of the examples, their processing times and the counts,
 * which are checkpointed per key group (Flink's unit of keyed-state redistribution; {@link #counts()}), so a
 * restore, at any parallelism, continues with the counts of the ids the subtask now owns and a replay of the same
 * input order makes the same admissions. Only expiry reads the wall clock (the job has no watermarks), so when a
 * replay runs later than the original, ids may expire at other points of the input.
 */
public final class TemplateAdmission {
    /** What to do with one example of an unlisted id. */
    public enum Outcome {
        /** The id's model exists: train. */
        TRAIN,
        /** The id's model was created by this example: train. */
        ADMITTED,
        /** Counted towards {@code min_examples}; reject the example. */
        PENDING,
        /** {@code max_models} live models: reject. */
        OVER_MAX_MODELS,
        /** {@code max_pending} pending ids: reject, not counted. */
        OVER_MAX_PENDING
    }

    /**
     * @param outcome what to do with the example
     * @param state   the id's state to store (null: store none); {@link TemplateModelState#idleTimerAtMs} set when
     *                {@code registerTimer}
     */
    public record Decision(Outcome outcome, TemplateModelState state, boolean registerTimer) {
        public boolean trains() {
            return outcome == Outcome.TRAIN || outcome == Outcome.ADMITTED;
        }
    }

    /** What an idle timer does. */
    public enum Expiry {
        /** Not this id's idle timer, or no state: nothing. */
        NONE,
        /** Seen since: the timer is set again ({@link TemplateModelState#idleTimerAtMs}). */
        REARM,
        /** A pending id is forgotten: clear its state. */
        FORGET_PENDING,
        /** A model expired: clear its state everywhere. */
        EXPIRE_MODEL
    }

    private final TemplateLimits limits;
    private final int maxModels;
    private final int maxPending;
    private final int firstKeyGroup;
    private final int[] live;
    private final int[] pending;
    private int liveTotal;
    private int pendingTotal;

    /**
     * @param limits        the job's limits
     * @param parallelism   the mini-batcher's parallelism (the limits are split across its subtasks)
     * @param firstKeyGroup the first key group this subtask owns ...
     * @param lastKeyGroup  ... and the last (inclusive)
     */
    public TemplateAdmission(TemplateLimits limits, int parallelism, int firstKeyGroup, int lastKeyGroup) {
        this.limits = limits;
        this.maxModels = TemplateLimits.perSubtask(limits.maxModels(), parallelism);
        this.maxPending = TemplateLimits.perSubtask(limits.maxPending(), parallelism);
        this.firstKeyGroup = firstKeyGroup;
        this.live = new int[lastKeyGroup - firstKeyGroup + 1];
        this.pending = new int[live.length];
    }

    public TemplateLimits limits() {
        return limits;
    }

    /** Live models created from the template on this subtask. */
    public int liveModels() {
        return liveTotal;
    }

    /** Ids pending admission on this subtask. */
    public int pendingIds() {
        return pendingTotal;
    }

    /** The most live models this subtask admits. */
    public int maxModelsHere() {
        return maxModels;
    }

    /** The most pending ids this subtask counts. */
    public int maxPendingHere() {
        return maxPending;
    }

    /**
     * One example of an unlisted id.
     *
     * @param s        the id's stored state, or null; changed in place when not null
     * @param keyGroup the id's key group
     */
    public Decision onExample(TemplateModelState s, int keyGroup, long nowMs) {
        if (s != null && s.admitted()) {
            s.lastSeenMs = nowMs;
            return new Decision(Outcome.TRAIN, s, false);
        }
        if (s == null) {
            if (limits.minExamples() > 1) {
                if (pendingTotal >= maxPending) {
                    return new Decision(Outcome.OVER_MAX_PENDING, null, false);
                }
                s = new TemplateModelState();
                s.pendingExamples = 1;
                s.lastSeenMs = nowMs;
                s.idleTimerAtMs = nowMs + limits.idleTimeoutMs();
                add(pending, keyGroup, 1);
                pendingTotal++;
                return new Decision(Outcome.PENDING, s, true);
            }
            if (liveTotal >= maxModels) {
                return new Decision(Outcome.OVER_MAX_MODELS, null, false);
            }
            s = new TemplateModelState();
            admit(s, keyGroup, nowMs);
            s.idleTimerAtMs = nowMs + limits.idleTimeoutMs();
            return new Decision(Outcome.ADMITTED, s, true);
        }
        // Pending: its idle timer is already set.
        s.lastSeenMs = nowMs;
        s.pendingExamples = Math.min(s.pendingExamples + 1, limits.minExamples());
        if (s.pendingExamples < limits.minExamples()) {
            return new Decision(Outcome.PENDING, s, false);
        }
        if (liveTotal >= maxModels) {
            return new Decision(Outcome.OVER_MAX_MODELS, s, false);
        }
        add(pending, keyGroup, -1);
        pendingTotal--;
        admit(s, keyGroup, nowMs);
        return new Decision(Outcome.ADMITTED, s, false);
    }

    private void admit(TemplateModelState s, int keyGroup, long nowMs) {
        s.admittedAtMs = Math.max(1, nowMs);
        s.pendingExamples = 0;
        s.lastSeenMs = nowMs;
        add(live, keyGroup, 1);
        liveTotal++;
    }

    /**
     * A processing-time timer of an unlisted id fired.
     *
     * @param s the id's stored state, or null; on {@link Expiry#REARM} its timer time is updated
     */
    public Expiry onTimer(TemplateModelState s, int keyGroup, long timerMs, long nowMs) {
        if (s == null || timerMs != s.idleTimerAtMs) {
            return Expiry.NONE;
        }
        long due = s.lastSeenMs + limits.idleTimeoutMs();
        if (nowMs < due) {
            s.idleTimerAtMs = due;
            return Expiry.REARM;
        }
        if (s.admitted()) {
            add(live, keyGroup, -1);
            liveTotal--;
            return Expiry.EXPIRE_MODEL;
        }
        add(pending, keyGroup, -1);
        pendingTotal--;
        return Expiry.FORGET_PENDING;
    }

    /** The reason a rejected example's dead letter carries: what happened, the setting, and the fix. */
    public String reason(Outcome o, String modelId, TemplateModelState s) {
        return switch (o) {
            case PENDING ->
                "model '" + modelId + "' is not created yet: example " + s.pendingExamples + " of the "
                        + limits.minExamples() + " that template_models.min_examples asks for before a model is created"
                        + " from the template (each within template_models.idle_timeout_ms=" + limits.idleTimeoutMs()
                        + " of the one before); list the id under models: to train it from its first example, or lower"
                        + " template_models.min_examples";
            case OVER_MAX_MODELS ->
                "model '" + modelId + "' is not created: template_models.max_models="
                        + limits.maxModels() + " models created from the template are live (" + maxModels
                        + " on this subtask of the mini-batcher); raise template_models.max_models (each model costs"
                        + " memory and checkpoint space), lower template_models.idle_timeout_ms="
                        + limits.idleTimeoutMs() + " so idle models expire sooner, or list the id under models:";
            case OVER_MAX_PENDING ->
                "model '" + modelId + "' is not counted towards admission:"
                        + " template_models.max_pending=" + limits.maxPending() + " ids are already waiting for their"
                        + " template_models.min_examples=" + limits.minExamples() + " examples (" + maxPending
                        + " on this subtask); raise template_models.max_pending, or list the id under models:";
            case TRAIN, ADMITTED -> throw new IllegalArgumentException("not a rejection: " + o);
        };
    }

    private void add(int[] counts, int keyGroup, int delta) {
        counts[keyGroup - firstKeyGroup] += delta;
    }

    /** The counts to checkpoint: {@code {keyGroup, live, pending}} for each key group with any. */
    public List<int[]> counts() {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < live.length; i++) {
            if (live[i] != 0 || pending[i] != 0) {
                out.add(new int[] {firstKeyGroup + i, live[i], pending[i]});
            }
        }
        return out;
    }

    /** Restores a checkpointed count; key groups this subtask does not own are ignored (another subtask has them). */
    public void restore(int keyGroup, int liveCount, int pendingCount) {
        int i = keyGroup - firstKeyGroup;
        if (i < 0 || i >= live.length) {
            return;
        }
        live[i] += liveCount;
        pending[i] += pendingCount;
        liveTotal += liveCount;
        pendingTotal += pendingCount;
    }
}
