package io.crdbmcp.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.crdbmcp.core.CallCancel;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How a transport's cancellations reach the call they name, and only that call. */
class CancellationsTest {
  final Cancellations cancellations = new Cancellations();

  static Map<String, Object> call(Object id, Map<String, Object> meta) {
    Map<String, Object> params = new HashMap<>(Map.of("name", "execute_query"));
    if (meta != null) {
      params.put("_meta", meta);
    }
    return new HashMap<>(
        Map.of("jsonrpc", "2.0", "id", id, "method", "tools/call", "params", params));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> meta(Map<String, Object> message) {
    return (Map<String, Object>) ((Map<String, Object>) message.get("params")).get("_meta");
  }

  static Map<String, Object> cancel(Object id) {
    return new HashMap<>(
        Map.of(
            "jsonrpc",
            "2.0",
            "method",
            "notifications/cancelled",
            "params",
            Map.of("requestId", id)));
  }

  @Test
  void everyCallGetsAKeyOfItsOwnAndAClientsKeyIsReplaced() {
    Set<Object> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      Map<String, Object> m = call(i, null);
      cancellations.received("s1", m);
      keys.add(meta(m).get(Cancellations.META_KEY));
    }
    assertThat(keys).hasSize(1000).doesNotContainNull();
    // A second instance (another server in the same JVM) hands out different keys.
    Map<String, Object> other = call(0, null);
    new Cancellations().received("s1", other);
    assertThat(keys).doesNotContain(meta(other).get(Cancellations.META_KEY));

    // A client that brings a key of its own (say, another call's) gets it replaced; its other
    // _meta entries stay.
    Object stolen = keys.iterator().next();
    Map<String, Object> m =
        call("x", new HashMap<>(Map.of(Cancellations.META_KEY, stolen, "progressToken", 5)));
    cancellations.received("s2", m);
    assertThat(meta(m).get(Cancellations.META_KEY)).isNotEqualTo(stolen).isNotNull();
    assertThat(meta(m)).containsEntry("progressToken", 5);
  }

  @Test
  void aCancellationStopsOnlyThatSessionsCall() {
    Map<String, Object> a = call(1, null);
    Map<String, Object> b = call(1, null);
    cancellations.received("a", a);
    cancellations.received("b", b);
    CallCancel ta = cancellations.forMeta(meta(a));
    CallCancel tb = cancellations.forMeta(meta(b));
    assertThat(ta).isNotSameAs(CallCancel.NONE).isNotSameAs(tb);

    assertThat(cancellations.received("b", cancel("1"))).as("\"1\" is not 1").isFalse();
    assertThat(cancellations.received("b", cancel(1))).isTrue();
    assertThat(tb.isCancelled()).isTrue();
    assertThat(ta.isCancelled()).isFalse();

    cancellations.ended(meta(a));
    cancellations.ended(meta(b));
    assertThat(cancellations.size()).isZero();
    assertThat(cancellations.forMeta(meta(a))).isSameAs(CallCancel.NONE);
  }

  @Test
  void callsThatNeverEndAreForgottenPastTheBoundTheNewestStayCancellable() {
    Cancellations bounded = new Cancellations(100);
    Map<Integer, Map<String, Object>> calls = new HashMap<>();
    for (int i = 0; i < 250; i++) {
      Map<String, Object> m = call(i, null);
      bounded.received("s", m); // never ended: as a call the SDK answers without running it
      calls.put(i, m);
      assertThat(bounded.size()).isLessThanOrEqualTo(100);
    }
    assertThat(bounded.size()).isGreaterThanOrEqualTo(50);
    assertThat(bounded.received("s", cancel(249))).as("the newest call").isTrue();
    assertThat(bounded.forMeta(meta(calls.get(249))).isCancelled()).isTrue();
    assertThat(bounded.received("s", cancel(0))).as("the oldest call is forgotten").isFalse();
    assertThat(bounded.forMeta(meta(calls.get(0)))).isSameAs(CallCancel.NONE);
  }

  @Test
  void aRequestIdUsedAgainNamesTheNewerCallAndTheOlderCallsEndLeavesIt() {
    Map<String, Object> first = call(7, null);
    Map<String, Object> second = call(7, null);
    cancellations.received("s", first);
    cancellations.received("s", second);
    CallCancel newer = cancellations.forMeta(meta(second));
    assertThat(cancellations.forMeta(meta(first))).isSameAs(CallCancel.NONE);

    cancellations.ended(meta(first));
    assertThat(cancellations.received("s", cancel(7))).isTrue();
    assertThat(newer.isCancelled()).isTrue();
    cancellations.ended(meta(second));
    assertThat(cancellations.size()).isZero();
  }
}
