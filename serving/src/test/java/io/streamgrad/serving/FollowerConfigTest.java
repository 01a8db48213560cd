package io.streamgrad.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FollowerConfigTest {

    private static ModelFollower.Builder valid() {
        return ModelFollower.builder().bootstrapServers("127.0.0.1:9092").modelsTopic("models");
    }

    @Test
    void build_withServersAndTopic_followsEveryModelAndRetainsThreeVersions() {
        FollowerConfig config = valid().build().config();

        assertThat(config.modelIds()).isEmpty();
        assertThat(config.follows("anything")).isTrue();
        assertThat(config.retainedVersions()).isEqualTo(3);
    }

    @Test
    void build_withoutUpdatesTopic_followsFullVersionsOnly() {
        FollowerConfig config = valid().build().config();
        assertThat(config.updates()).isEmpty();
        assertThat(config.maxBufferedDeltas()).isEqualTo(FollowerConfig.DEFAULT_MAX_BUFFERED_DELTAS);
        assertThat(valid().updatesTopic("updates").build().config().updates()).hasValue("updates");
    }

    @Test
    void build_updatesTopicSameAsModelsTopicOrBlank_isRefused() {
        assertThatThrownBy(() -> valid().updatesTopic("models").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a topic other than the models topic");
        assertThatThrownBy(() -> valid().updatesTopic(" ").build()).hasMessageContaining("updatesTopic(\" \")");
    }

    @Test
    void build_maxBufferedDeltasOutOfRange_isRefused() {
        assertThatThrownBy(() -> valid().maxBufferedDeltas(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBufferedDeltas(0) must be in [1, 1000000]");
    }

    @Test
    void build_withoutBootstrapServers_namesTheSetting() {
        assertThatThrownBy(() -> ModelFollower.builder().modelsTopic("models").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrapServers");
    }

    @Test
    void build_withoutTopic_namesTheJobsTopicKey() {
        assertThatThrownBy(() -> ModelFollower.builder().bootstrapServers("h:1").build())
                .hasMessageContaining("topics.models");
    }

    @Test
    void build_readUncommitted_isRefused() {
        assertThatThrownBy(() -> valid().clientProperty("isolation.level", "read_uncommitted")
                        .build())
                .hasMessageContaining("isolation.level=read_committed");
    }

    @Test
    void build_ownDeserializer_isRefused() {
        assertThatThrownBy(
                        () -> valid().clientProperty("value.deserializer", "x").build())
                .hasMessageContaining("value.deserializer");
    }

    @Test
    void build_pinOfAModelNotFollowed_isRefused() {
        assertThatThrownBy(() -> valid().follow("a").pin("b", 2).build())
                .hasMessageContaining("pin(\"b\", 2)")
                .hasMessageContaining("follow(");
    }

    @Test
    void build_pinOfVersionZero_isRefused() {
        assertThatThrownBy(() -> valid().pin("a", 0).build()).hasMessageContaining("versions start at 1");
    }

    @Test
    void build_retainZeroVersions_isRefused() {
        assertThatThrownBy(() -> valid().retainVersions(0).build()).hasMessageContaining("retainVersions(0)");
    }

    @Test
    void config_isImmutable_laterBuilderChangesDoNotLeakIn() {
        ModelFollower.Builder builder = valid().follow("a");
        FollowerConfig config = builder.build().config();
        builder.follow("b");

        assertThat(config.modelIds()).containsExactly("a");
        assertThatThrownBy(() -> config.modelIds().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }
}
