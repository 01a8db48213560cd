package io.streamgrad.job.records;

import java.util.Arrays;

/**
 * Why a mini-batch was emitted. {@link ExampleBatch#trigger} carries the {@link #wireName()}: the strings are part
 * of the mini-batcher's savepoint format (see there), so a constant's wire name never changes.
 */
public enum BatchTrigger {
    /** The model's {@code batch_size} examples arrived. */
    COUNT("count"),
    /** A partial batch, {@code batch_timeout_ms} of processing time after its first example. */
    TIMEOUT("timeout"),
    /** A partial batch at the end of a bounded input. */
    END_OF_INPUT("end-of-input"),
    /** A producer-made MiniBatch of exactly {@code batch_size} examples, trained as sent. */
    PRODUCER("producer"),
    /** A partial batch flushed because a producer-made batch came after its examples. */
    BEFORE_PRODUCER_BATCH("before-producer-batch"),
    /**
     * Not a batch: an empty marker ({@code size} 0) telling the trainer that a model created from the template expired
     * (no example for {@code template_models.idle_timeout_ms}): publish what is unpublished, then clear its state.
     */
    IDLE_EXPIRED("idle-expired");

    private final String wireName;

    BatchTrigger(String wireName) {
        this.wireName = wireName;
    }

    /** The name in {@link ExampleBatch#trigger}. */
    public String wireName() {
        return wireName;
    }

    /** The trigger of a wire name; an unknown name is refused with the known ones. */
    public static BatchTrigger of(String wireName) {
        for (BatchTrigger t : values()) {
            if (t.wireName.equals(wireName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown batch trigger '" + wireName + "': expected one of "
                + Arrays.stream(values()).map(BatchTrigger::wireName).toList());
    }
}
