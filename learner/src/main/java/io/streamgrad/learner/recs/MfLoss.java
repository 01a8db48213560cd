package io.streamgrad.learner.recs;

/** The training objective of an {@code mf} model. */
public enum MfLoss {
    /** Explicit feedback: {@code ½ (s - r)²} per rating. */
    MSE("mse"),
    /** Implicit: {@code softplus(-s_ui) + Σ_j softplus(s_uj)} over sampled negatives j (logistic loss). */
    LOGISTIC("logistic"),
    /** Implicit: {@code Σ_j softplus(-(s_ui - s_uj))} (BPR, Rendle et al. 2009). */
    BPR("bpr");

    private final String yamlName;

    MfLoss(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    public boolean implicit() {
        return this != MSE;
    }

    public static MfLoss of(String name) {
        for (MfLoss l : values()) {
            if (l.yamlName.equals(name)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown mf loss '" + name + "'");
    }
}
