package io.crdbmcp.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LazyTest {
  @Test
  void makesNothingBeforeTheFirstGetAndOnceForEveryThreadAfter() throws Exception {
    AtomicInteger made = new AtomicInteger();
    Lazy<Object> lazy =
        Lazy.of(
            () -> {
              made.incrementAndGet();
              try {
                Thread.sleep(20); // long enough for every thread to ask while it is being made
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new Object();
            });
    assertThat(made).hasValue(0);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Object>> got = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        got.add(
            pool.submit(
                () -> {
                  go.await();
                  return lazy.get();
                }));
      }
      go.countDown();
      Object first = got.get(0).get(10, TimeUnit.SECONDS);
      for (Future<Object> f : got) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
      }
      assertThat(lazy.get()).isSameAs(first);
    } finally {
      pool.shutdownNow();
    }
    assertThat(made).hasValue(1);
  }

  @Test
  void aFailedMakeIsTriedAgainAndNullIsRefused() {
    AtomicInteger calls = new AtomicInteger();
    Lazy<String> lazy =
        Lazy.of(
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("not yet");
              }
              return "made";
            });
    assertThatThrownBy(lazy::get).isInstanceOf(IllegalStateException.class).hasMessage("not yet");
    assertThat(lazy.get()).isEqualTo("made");
    assertThat(lazy.get()).isEqualTo("made");
    assertThat(calls).hasValue(2);

    assertThatThrownBy(Lazy.of(() -> null)::get)
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("returned null");
  }
}
