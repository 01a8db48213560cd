package io.streamgrad.learner.data;

import io.streamgrad.learner.train.TrainerConfig;

/**
 * Reads and checks a label token against the configuration's task.
 * <ul>
 *   <li>binary ({@code binary_cross_entropy}): 0/1 or -1/+1, with -1 stored as 0;</li>
 *   <li>multi-class ({@code categorical_cross_entropy}): a class index 0..k-1 ({@code model.classes} = k);</li>
 *   <li>regression: any finite number.</li>
 * </ul>
 */
final class LabelParser {
    private final TrainerConfig.Task task;
    private final int classes;
    private final boolean required;

    LabelParser(TrainerConfig config, boolean required) {
        this.task = config.task();
        this.classes = config.model().classes();
        this.required = required;
    }

    /** The stored label; throws {@link BadLine} with the reason and a fix. */
    float parse(String token) {
        float v;
        try {
            v = Float.parseFloat(token);
        } catch (NumberFormatException e) {
            if (!required) {
                return Float.NaN;
            }
            throw new BadLine("label '" + token + "' is not a number (" + expected() + ")");
        }
        if (!required) {
            return v;
        }
        if (!Float.isFinite(v)) {
            throw new BadLine("label '" + token + "' is not finite (" + expected() + ")");
        }
        switch (task) {
            case BINARY -> {
                if (v == 1f) {
                    return 1f;
                }
                if (v == 0f || v == -1f) {
                    return 0f;
                }
                throw new BadLine("label '" + token + "' is not binary (" + expected() + ")");
            }
            case MULTICLASS -> {
                if (v != Math.rint(v) || v < 0 || v >= classes) {
                    throw new BadLine("label '" + token + "' is not a class index (" + expected() + ")");
                }
                return v;
            }
            default -> {
                return v;
            }
        }
    }

    private String expected() {
        return switch (task) {
            case BINARY -> "binary_cross_entropy needs 0/1 or -1/+1 labels";
            case MULTICLASS ->
                "categorical_cross_entropy needs class indices 0.." + (classes - 1) + " (model.classes: " + classes
                        + "); renumber the classes from 0";
            case REGRESSION -> "a regression label must be a finite number";
        };
    }

    /** A bad line, before its location is known; cheap (no stack trace). */
    static final class BadLine extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadLine(String reason) {
            super(reason, null, false, false);
        }
    }
}
