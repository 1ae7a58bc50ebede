package io.crdbmcp.core;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value made at its first {@link #get}, once, whichever threads ask: for what a server need not
 * build before its first answer (a cache, a metrics registry, a library's validator). A supplier
 * that throws makes nothing; the next {@link #get} tries again. The JDK has no such holder before
 * Java 25's stable values, and the start-up paths it serves must not load a library for one.
 */
public final class Lazy<T> implements Supplier<T> {
  private final Supplier<? extends T> make;
  private volatile T value;

  private Lazy(Supplier<? extends T> make) {
    this.make = Objects.requireNonNull(make, "make");
  }

  /** The holder of what {@code make} returns; {@code make} must not return null. */
  public static <T> Lazy<T> of(Supplier<? extends T> make) {
    return new Lazy<>(make);
  }

  @Override
  public T get() {
    T v = value;
    if (v == null) {
      synchronized (this) {
        v = value;
        if (v == null) {
          v = Objects.requireNonNull(make.get(), "Lazy: the supplier returned null");
          value = v;
        }
      }
    }
    return v;
  }
}
