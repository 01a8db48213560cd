package io.streamgrad.job.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamgrad.job.batch.TemplateAdmission.Expiry;
import io.streamgrad.job.batch.TemplateAdmission.Outcome;
import io.streamgrad.job.config.TemplateLimits;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateAdmissionTest {
    private static final long IDLE = 1000;

    private static TemplateAdmission admission(int maxModels, int maxPending, int minExamples, int parallelism) {
        return new TemplateAdmission(new TemplateLimits(maxModels, maxPending, minExamples, IDLE), parallelism, 0, 127);
    }

    @Test
    void withMinExamplesOne_theFirstExampleCreatesTheModel_untilTheCap() {
        TemplateAdmission a = admission(2, 10, 1, 1);
        var first = a.onExample(null, 5, 100);
        assertThat(first.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(first.registerTimer()).isTrue();
        assertThat(first.state().idleTimerAtMs).isEqualTo(100 + IDLE);
        assertThat(a.onExample(first.state(), 5, 150).outcome()).isEqualTo(Outcome.TRAIN);
        assertThat(a.onExample(null, 6, 200).outcome()).isEqualTo(Outcome.ADMITTED);

        var third = a.onExample(null, 7, 300);
        assertThat(third.outcome()).isEqualTo(Outcome.OVER_MAX_MODELS);
        assertThat(third.state()).as("nothing is stored for an id over the cap").isNull();
        assertThat(a.liveModels()).isEqualTo(2);
        assertThat(a.reason(third.outcome(), "x7", third.state()))
                .contains(
                        "model 'x7' is not created",
                        "template_models.max_models=2",
                        "raise template_models.max_models");
    }

    @Test
    void examplesBeforeMinExamples_arePending_andTheNthCreatesTheModel() {
        TemplateAdmission a = admission(10, 10, 3, 1);
        var d1 = a.onExample(null, 1, 0);
        assertThat(d1.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(d1.registerTimer()).isTrue();
        assertThat(a.reason(Outcome.PENDING, "m", d1.state()))
                .contains("example 1 of the 3", "template_models.min_examples");
        var d2 = a.onExample(d1.state(), 1, 10);
        assertThat(d2.outcome()).isEqualTo(Outcome.PENDING);
        assertThat(d2.registerTimer())
                .as("the pending id's timer is already set")
                .isFalse();
        assertThat(a.pendingIds()).isEqualTo(1);
        var d3 = a.onExample(d2.state(), 1, 20);
        assertThat(d3.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(d3.trains()).isTrue();
        assertThat(a.pendingIds()).isZero();
        assertThat(a.liveModels()).isEqualTo(1);
    }

    @Test
    void pendingIdsBeyondMaxPending_areNotCounted() {
        TemplateAdmission a = admission(10, 2, 2, 1);
        assertThat(a.onExample(null, 1, 0).outcome()).isEqualTo(Outcome.PENDING);
        assertThat(a.onExample(null, 2, 0).outcome()).isEqualTo(Outcome.PENDING);
        var third = a.onExample(null, 3, 0);
        assertThat(third.outcome()).isEqualTo(Outcome.OVER_MAX_PENDING);
        assertThat(third.state()).isNull();
        assertThat(a.reason(third.outcome(), "z", null)).contains("template_models.max_pending=2");
    }

    @Test
    void aPendingIdAtTheCap_staysPending_andIsAdmittedWhenAModelExpires() {
        TemplateAdmission a = admission(1, 10, 2, 1);
        var m = a.onExample(a.onExample(null, 1, 0).state(), 1, 1);
        assertThat(m.outcome()).isEqualTo(Outcome.ADMITTED);
        var p = a.onExample(a.onExample(null, 2, 2).state(), 2, 3);
        assertThat(p.outcome()).isEqualTo(Outcome.OVER_MAX_MODELS);
        assertThat(p.state().admitted()).isFalse();

        assertThat(a.onTimer(m.state(), 1, m.state().idleTimerAtMs, 1 + IDLE)).isEqualTo(Expiry.EXPIRE_MODEL);
        assertThat(a.liveModels()).isZero();
        assertThat(a.onExample(p.state(), 2, 500).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void idleTimer_rearmsWhileExamplesArrive_andExpiresAfterIdleTimeout() {
        TemplateAdmission a = admission(5, 5, 1, 1);
        TemplateModelState s = a.onExample(null, 9, 0).state();
        a.onExample(s, 9, 600);
        assertThat(a.onTimer(s, 9, IDLE, IDLE)).isEqualTo(Expiry.REARM);
        assertThat(s.idleTimerAtMs).isEqualTo(600 + IDLE);
        assertThat(a.onTimer(s, 9, 1234, 5000)).as("not its idle timer").isEqualTo(Expiry.NONE);
        assertThat(a.onTimer(s, 9, 600 + IDLE, 600 + IDLE)).isEqualTo(Expiry.EXPIRE_MODEL);
        assertThat(a.liveModels()).isZero();
    }

    @Test
    void aPendingIdIsForgotten_afterIdleTimeout() {
        TemplateAdmission a = admission(5, 5, 3, 1);
        TemplateModelState s = a.onExample(null, 9, 0).state();
        assertThat(a.onTimer(s, 9, IDLE, IDLE)).isEqualTo(Expiry.FORGET_PENDING);
        assertThat(a.pendingIds()).isZero();
    }

    @Test
    void theCapIsSplitAcrossSubtasks_roundedUp() {
        assertThat(TemplateLimits.perSubtask(1000, 3)).isEqualTo(334);
        assertThat(TemplateLimits.perSubtask(1, 4)).isEqualTo(1);
        assertThat(admission(10, 10, 1, 4).maxModelsHere()).isEqualTo(3);
    }

    @Test
    void countsRestorePerKeyGroup_onlyForTheKeyGroupsOfTheSubtask() {
        TemplateAdmission before = new TemplateAdmission(new TemplateLimits(100, 100, 1, IDLE), 1, 0, 127);
        before.onExample(null, 3, 0);
        before.onExample(null, 3, 0);
        before.onExample(null, 100, 0);
        List<int[]> counts = before.counts();
        assertThat(counts).hasSize(2);

        // Rescaled to two subtasks: key groups 0..63 and 64..127.
        TemplateAdmission low = new TemplateAdmission(new TemplateLimits(100, 100, 1, IDLE), 2, 0, 63);
        TemplateAdmission high = new TemplateAdmission(new TemplateLimits(100, 100, 1, IDLE), 2, 64, 127);
        for (int[] c : counts) {
            low.restore(c[0], c[1], c[2]);
            high.restore(c[0], c[1], c[2]);
        }
        assertThat(low.liveModels()).isEqualTo(2);
        assertThat(high.liveModels()).isEqualTo(1);
    }

    @Test
    void theSameArrivalOrder_givesTheSameAdmissions() {
        List<Outcome> first = run();
        assertThat(run()).isEqualTo(first);
        assertThat(first).contains(Outcome.ADMITTED, Outcome.PENDING, Outcome.OVER_MAX_MODELS);
    }

    private static List<Outcome> run() {
        TemplateAdmission a = admission(3, 50, 2, 1);
        java.util.Map<Integer, TemplateModelState> states = new java.util.HashMap<>();
        java.util.Random rnd = new java.util.Random(1);
        List<Outcome> out = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int id = rnd.nextInt(20);
            var d = a.onExample(states.get(id), id, i);
            if (d.state() != null) {
                states.put(id, d.state());
            }
            out.add(d.outcome());
        }
        return out;
    }
}
