package io.crdbmcp.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The cancellation of one tool call: a transport that receives the client's {@code
 * notifications/cancelled} for the call's request calls {@link #cancel}, and whatever the call is
 * doing at that moment stops. The SQL executor hooks the statement it runs ({@link #onCancel}: a
 * cancel request to the database server for that backend), an export checks {@link #isCancelled}
 * between rows and deletes its temporary file.
 *
 * <p>The call's token travels with the call (the tool context), and the library binds it to the
 * thread running the call ({@link #bind}) so the one execution path finds it without every service
 * taking a parameter; nothing of it outlives the call.
 */
public final class CallCancel {
  /** A token nobody cancels: calls made without a transport. */
  public static final CallCancel NONE = new CallCancel(false);

  private static final ThreadLocal<CallCancel> CURRENT = new ThreadLocal<>();

  private final boolean cancellable;
  private final List<Hook> hooks = new ArrayList<>();
  private volatile boolean cancelled;

  private CallCancel(boolean cancellable) {
    this.cancellable = cancellable;
  }

  /** A token for a call that a client may cancel. */
  public static CallCancel create() {
    return new CallCancel(true);
  }

  /** The token of the call running on this thread; {@link #NONE} outside a call. */
  public static CallCancel current() {
    CallCancel c = CURRENT.get();
    return c == null ? NONE : c;
  }

  /** Makes {@code token} this thread's {@link #current} until the binding is closed. */
  public static Binding bind(CallCancel token) {
    CallCancel before = CURRENT.get();
    CURRENT.set(token == null ? NONE : token);
    return () -> {
      if (before == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(before);
      }
    };
  }

  /** Whether the client cancelled the call. */
  public boolean isCancelled() {
    return cancelled;
  }

  /** Throws {@link ErrorCode#CANCELLED} if the client cancelled the call. */
  public void throwIfCancelled() {
    if (cancelled) {
      throw cancelledError("nothing more was run");
    }
  }

  /** The error a cancelled call ends with; {@code what} says what happened to its work. */
  public static CrdbException cancelledError(String what) {
    return cancelledError(what, null, null);
  }

  /** {@link #cancelledError(String)} with the database's SQLSTATE and error behind it. */
  public static CrdbException cancelledError(String what, String sqlState, Throwable cause) {
    return new CrdbException(
        ErrorCode.CANCELLED,
        "the client cancelled the call (notifications/cancelled); " + what,
        null,
        sqlState,
        cause);
  }

  /**
   * Cancels the call: marks it and runs every registered hook once (a hook that fails is skipped).
   * A second cancel does nothing.
   */
  public void cancel() {
    if (!cancellable) {
      return;
    }
    List<Hook> now;
    synchronized (hooks) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      now = new ArrayList<>(hooks);
    }
    for (Hook h : now) {
      h.fire();
    }
  }

  /**
   * Runs {@code action} if the call is cancelled while the returned hook is open (at once if it is
   * cancelled already). Closing the hook waits for an action running now, so once {@code close}
   * returned the action neither runs nor is running: whatever it acts on may then be reused.
   */
  public Hook onCancel(Runnable action) {
    Hook h = new Hook(action);
    if (!cancellable) {
      return h;
    }
    boolean already;
    synchronized (hooks) {
      already = cancelled;
      if (!already) {
        hooks.add(h);
      }
    }
    if (already) {
      h.fire();
    }
    return h;
  }

  /** Ends a {@link #bind}. */
  @FunctionalInterface
  public interface Binding extends AutoCloseable {
    @Override
    void close();
  }

  /** A registered cancel action; see {@link #onCancel}. */
  public final class Hook implements AutoCloseable {
    private final Runnable action;
    private boolean open = true;
    private boolean fired;

    private Hook(Runnable action) {
      this.action = action;
    }

    private synchronized void fire() {
      if (open && !fired) {
        fired = true;
        try {
          action.run();
        } catch (RuntimeException e) {
          // The work ends on its own; a failed cancel leaves it to finish or time out.
        }
      }
    }

    /** Whether the action ran. */
    public synchronized boolean fired() {
      return fired;
    }

    @Override
    public synchronized void close() {
      open = false;
      synchronized (hooks) {
        hooks.remove(this);
      }
    }
  }
}
