package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The warm-up of a session's first call goes through with the transports' own mapper. */
class CallPathWarmUpTest {
  @Test
  void runsThroughWithTheTransportsMapperAndStartsOnce() {
    assertThat(CallPathWarmUp.run(CrdbTools.jsonMapper())).isTrue();
    CallPathWarmUp w = new CallPathWarmUp();
    assertThat(w.startOnce(CrdbTools.jsonMapper())).isTrue();
    assertThat(w.startOnce(CrdbTools.jsonMapper())).isFalse();
  }
}
