package io.crdbmcp.server.stdio;

import io.crdbmcp.core.connect.AnswerFirst;
import io.crdbmcp.tools.CallPathWarmUp;
import io.crdbmcp.tools.Cancellations;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The MCP stdio transport: newline-delimited JSON-RPC on stdin and stdout, one session.
 *
 * <p>Hand-written instead of the SDK's {@code StdioServerTransportProvider} (MCP Java SDK 2.1.0)
 * because that one stops reading for good at the first line it cannot use (an empty line, a line
 * that is not JSON, a line over its size limit): it answers nothing, later requests are never read,
 * and the end of input is never seen, so the process lingers. This one:
 *
 * <ul>
 *   <li>ignores blank lines (only spaces, tabs, carriage returns);
 *   <li>answers a line that is not JSON with a JSON-RPC {@code -32700 Parse error} ({@code "id":
 *       null}) and reads on; a line that is JSON but not a JSON-RPC message (an array, a number, an
 *       object with neither {@code method} nor {@code result}/{@code error}) gets {@code -32600
 *       Invalid Request}, with its {@code id} when it had a usable one;
 *   <li>refuses a line over {@value #MAX_LINE_BYTES} bytes with {@code -32700} without holding it:
 *       the bytes past the limit are discarded up to the next newline;
 *   <li>decodes strictly as UTF-8 (JSON text exchanged between systems must be UTF-8): a line with
 *       an invalid byte sequence gets {@code -32700} rather than being run with replacement
 *       characters in it (which could silently change the SQL it carries);
 *   <li>at the end of input, gives the calls still running up to {@value #EOF_GRACE_MS} ms to
 *       finish and be answered (a client that writes its requests and closes stdin still gets its
 *       answers), then signals the end ({@link #awaitEnd()}).
 * </ul>
 *
 * <p>Threads (leader and followers): one exchange thread at a time holds the reading of stdin. When
 * it reads a request, it handles the request itself: the server is built with the SDK's immediate
 * execution, so the call runs and its answer is written on the thread that read it, with no wait
 * for another thread to wake. If more input is already read behind that request (a client that
 * sends several at once), the reading is handed to another exchange thread at once (an idle one is
 * woken, or one is started). Otherwise (a client waiting for this answer) the reading role is left
 * vacant while the call runs: the thread takes it back when the exchange is done and reads on, so a
 * call answered at once wakes no other thread; a stand-by thread that looks every {@link
 * #VACANCY_NANOS} gives a role still vacant at two looks to another exchange thread, so a
 * cancellation, a ping or the next request is read while a long call runs (2 to 4 ms late at most).
 * The exchange runs inside {@link AnswerFirst#run(Runnable, java.util.concurrent.Executor)}: the
 * connection the call used is cleaned and given back after the answer is written, on a release
 * thread, while the exchange thread goes back to reading. With every exchange thread busy ({@link
 * #MAX_EXCHANGE_THREADS}), a request waits in the SDK's elastic scheduler and the reading thread
 * reads on. {@code initialize} is handled by the reading thread itself, as it must be done before
 * {@code notifications/initialized} is; that notification is handled like a request, since calls
 * sent before it run when it is handled. Measured back to back with a line client (2026-12-07,
 * interleaved), a one-row call's p50 went from 0.73-0.76 ms (a reading thread handing each call to
 * the SDK's scheduler) to 0.65 ms with an eager hand-off of the reading and 0.52-0.55 ms with the
 * release after the answer too; on 2026-12-08 (10 interleaved rounds, a faster machine), from a
 * median of 0.259 ms (eager hand-off, release on the exchange thread) to 0.204 ms with the vacant
 * role and the release threads (README, Benchmarks).
 *
 * <p>Every line goes to stdout whole, under one lock, so lines never interleave. What the reading
 * thread sends (the error answers above, and the {@code initialize} answer) goes through a queue
 * and a writer thread, so a client that is slow to read never blocks the reading. An exchange
 * thread writes its own answers: handing them to the writer thread woke that thread once per call.
 */
final class StdioTransport implements McpServerTransportProvider {
  /** The longest line accepted, in bytes, not counting the line end. */
  static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

  /** How long requests still running at the end of input may take to be answered. */
  static final long EOF_GRACE_MS = 1000;

  private static final Logger log = LoggerFactory.getLogger(StdioTransport.class);
  private static final byte[] END_OF_OUTPUT = new byte[0];
  private static final int INITIAL_LINE_CAPACITY = 8 * 1024;
  private static final int KEPT_LINE_CAPACITY = 1024 * 1024;

  private final McpJsonMapper json;
  private final InputStream in;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final CountDownLatch outputDone = new CountDownLatch(1);
  private final BlockingQueue<byte[]> outbound = new LinkedBlockingQueue<>();

  /** Held while a line is written and flushed, by the writer thread or a worker. */
  private final Object writeLock = new Object();

  /** stdout, buffered; written only under {@link #writeLock}. */
  private final OutputStream buffered;

  /**
   * The thread holding the reading role (one at a time, handed on with {@link #passReading}): what
   * it sends is queued, never written by it; {@code null} while the role is being handed on.
   */
  private volatile Thread readerThread;

  // The reading state, used only by the thread holding the reading role; handing the role on
  // (ThreadPoolExecutor.execute) orders what one holder wrote before what the next one reads.
  private final byte[] chunk = new byte[64 * 1024];
  private int chunkStart;
  private int chunkEnd;
  private byte[] line = new byte[INITIAL_LINE_CAPACITY];
  private int length;
  private boolean tooLong;

  /**
   * The threads that read and run exchanges: idle ones wait 60 s for work, then end. As many as the
   * SDK's own elastic scheduler would run at once; past that, a request waits in that scheduler.
   */
  private final ThreadPoolExecutor exchanges;

  /**
   * The threads that clean and give back the connection a call used, once its answer is written
   * ({@link AnswerFirst#run(Runnable, java.util.concurrent.Executor)}): one kept, in order; more
   * only once two releases wait behind it (a database slow to answer), as many as there are
   * exchange threads; with all of them busy, the exchange thread does it itself. So the thread that
   * answered goes back to reading at once, and the client's next request is not held up by the
   * previous call's cleaning round trip. Made at the first call's end.
   */
  private final ThreadPoolExecutor releases;

  /** How many exchange threads at most, unless a test says otherwise. */
  static final int MAX_EXCHANGE_THREADS =
      Math.max(8, 10 * Runtime.getRuntime().availableProcessors());

  /**
   * How long a request's exchange runs, at least, before the stand-by gives the reading role it
   * left vacant to another thread: a cancellation or another request waits that long at most.
   */
  static final long VACANCY_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** {@link #VACANCY_NANOS}, unless a test says otherwise. */
  private final long vacancyNanos;

  /**
   * The reading role's vacancy: 0 while a thread holds it, else the ticket of the vacancy, which
   * the thread that left it ({@link #reclaimReading}) or the stand-by takes, whichever is first.
   */
  private final AtomicLong vacancy = new AtomicLong();

  /** How many vacancies were made so far (their tickets). */
  private final AtomicLong vacancies = new AtomicLong();

  private final Thread standby = new Thread(this::standBy, "stdio-standby");

  /** Set by the stand-by before it parks for good; a vacancy made after it wakes it. */
  private volatile boolean standbyIdle;

  private volatile boolean closing;
  private volatile McpServerSession session;

  /** Ids of requests read and not yet answered (as strings: 1 and 1L are the same id). */
  private final Set<String> unanswered = ConcurrentHashMap.newKeySet();

  /** Receives the tool calls read and the client's cancellations of them. */
  private final Cancellations cancellations;

  private final CallPathWarmUp warmUp = new CallPathWarmUp();

  StdioTransport(
      McpJsonMapper json, InputStream in, OutputStream out, Cancellations cancellations) {
    this(json, in, out, cancellations, MAX_EXCHANGE_THREADS, VACANCY_NANOS);
  }

  StdioTransport(
      McpJsonMapper json,
      InputStream in,
      OutputStream out,
      Cancellations cancellations,
      int maxExchangeThreads,
      long vacancyNanos) {
    this.vacancyNanos = vacancyNanos;
    this.exchanges =
        new ThreadPoolExecutor(
            0,
            maxExchangeThreads,
            60,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            daemonThreads("stdio-exchange-"));
    this.releases =
        new ThreadPoolExecutor(
            1,
            maxExchangeThreads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(2),
            daemonThreads("stdio-release-"));
    this.json = json;
    this.in = in;
    this.buffered = new BufferedOutputStream(out, 64 * 1024);
    this.cancellations = cancellations;
  }

  /** Blocks until stdin reached end of file, stdout broke, or the transport was closed. */
  void awaitEnd() throws InterruptedException {
    ended.await();
  }

  @Override
  public void setSessionFactory(McpServerSession.Factory sessionFactory) {
    this.session = sessionFactory.create(new SessionTransport());
    Thread writer = new Thread(this::writeLoop, "stdio-writer");
    writer.setDaemon(true);
    writer.start();
    standby.setDaemon(true);
    standby.start();
    exchanges.execute(this::lead);
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    McpServerSession s = session;
    return s == null
        ? Mono.error(new IllegalStateException("No session to notify"))
        : s.sendNotification(method, params);
  }

  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    return Mono.defer(
        () -> {
          McpServerSession s = session;
          if (s == null || !s.getId().equals(sessionId)) {
            return Mono.error(new IllegalStateException("No session " + sessionId));
          }
          return s.sendNotification(method, params);
        });
  }

  @Override
  public Mono<Void> closeGracefully() {
    McpServerSession s = session;
    return s == null ? Mono.empty() : s.closeGracefully();
  }

  @Override
  public void close() {
    McpServerSession s = session;
    if (s != null) {
      s.close();
    }
    end();
  }

  private void end() {
    closing = true;
    LockSupport.unpark(standby);
    ended.countDown();
  }

  // ---- Reading ----

  /**
   * Runs on the thread that holds the reading role: reads lines until one is a request to hand off,
   * runs that request's exchange itself (see the class comment), then reads on if no other thread
   * took the reading meanwhile; at the end of input, ends the transport.
   */
  private void lead() {
    while (true) {
      JSONRPCMessage request = readUntilARequest();
      if (request == null) {
        return;
      }
      exchange(request);
      if (!reclaimReading()) {
        return;
      }
    }
  }

  /**
   * Reads and handles lines; returns a request once another thread has taken over the reading, or
   * {@code null} when reading ended (the end of input handled, or the role kept by none).
   */
  private JSONRPCMessage readUntilARequest() {
    readerThread = Thread.currentThread();
    boolean handedOff = false;
    try {
      while (!closing) {
        if (chunkStart == chunkEnd) {
          int n = in.read(chunk);
          if (n < 0) {
            break;
          }
          chunkStart = 0;
          chunkEnd = n;
        }
        int nl = indexOf(chunk, (byte) '\n', chunkStart, chunkEnd);
        int stop = nl < 0 ? chunkEnd : nl;
        int add = stop - chunkStart;
        if (!tooLong) {
          if ((long) length + add > MAX_LINE_BYTES + 1L) { // + 1: a trailing '\r'
            tooLong = true;
            line = new byte[INITIAL_LINE_CAPACITY];
            length = 0;
          } else {
            if (length + add > line.length) {
              line =
                  Arrays.copyOf(
                      line, Math.max(length + add, Math.min(line.length * 2, MAX_LINE_BYTES + 1)));
            }
            System.arraycopy(chunk, chunkStart, line, length, add);
            length += add;
          }
        }
        if (nl < 0) {
          chunkStart = chunkEnd;
          continue;
        }
        chunkStart = nl + 1;
        JSONRPCMessage message = completeLine();
        if (message == null) {
          continue;
        }
        if (!handsOff(message)) {
          dispatchSafely(message);
          if (message instanceof McpSchema.JSONRPCRequest r
              && McpSchema.METHOD_INITIALIZE.equals(r.method())) {
            // The answer is on its way: what the first call would build, built meanwhile.
            warmUp.startOnce(json);
          }
          continue;
        }
        readerThread = null;
        if (chunkStart == chunkEnd) {
          // Nothing more read yet (a client waiting for this answer): the role stays vacant while
          // this thread runs the request, for the stand-by to give away if it runs long.
          vacate();
          handedOff = true;
          return message;
        }
        if (passReading()) {
          handedOff = true;
          return message;
        }
        // Every exchange thread is busy: the request waits for one, and this thread reads on.
        readerThread = Thread.currentThread();
        try {
          Schedulers.boundedElastic().schedule(() -> exchange(message));
        } catch (RejectedExecutionException e) {
          // The scheduler's queue is full too: this request is refused, the session goes on.
          answerUnanswered(
              message,
              "the server is busy (every exchange thread and the queue behind them are in use);"
                  + " send it again when some of the calls running have been answered");
        }
      }
      if (!closing) {
        // End of input: a last line without a newline still counts.
        JSONRPCMessage last = tooLong || length > 0 ? completeLine() : null;
        if (last != null) {
          exchange(last);
        }
      }
    } catch (IOException e) {
      if (!closing) {
        log.debug("stdin failed: {}", e.toString());
      }
    } catch (RuntimeException | Error e) {
      log.error("the stdio reader stopped", e);
    } finally {
      if (!handedOff) {
        readerThread = null;
        long graceEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EOF_GRACE_MS);
        awaitAnswers(EOF_GRACE_MS);
        awaitReleases(Math.max(0, TimeUnit.NANOSECONDS.toMillis(graceEnds - System.nanoTime())));
        McpServerSession s = session;
        end();
        if (s != null) {
          s.close();
        }
      }
    }
    return null;
  }

  /**
   * The message of the line read so far, or {@code null} when it was blank or already answered (too
   * long, not JSON, not JSON-RPC); the line buffer is emptied for the next one.
   */
  private JSONRPCMessage completeLine() {
    try {
      if (tooLong) {
        answerParseError("the message is longer than the limit of 16 MiB");
        return null;
      }
      return handleSafely(line, length);
    } finally {
      tooLong = false;
      length = 0;
      if (line.length > KEPT_LINE_CAPACITY) {
        line = new byte[INITIAL_LINE_CAPACITY];
      }
    }
  }

  /**
   * Whether a message is run on a thread of its own, with the reading handed to another: every
   * request but {@code initialize} (which must be done before {@code notifications/initialized} is,
   * as it records the client's capabilities), and {@code notifications/initialized} itself, as the
   * requests that arrived before it run when it is handled, on the thread handling it.
   */
  private static boolean handsOff(JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCRequest r) {
      return !McpSchema.METHOD_INITIALIZE.equals(r.method());
    }
    return message instanceof McpSchema.JSONRPCNotification n
        && McpSchema.METHOD_NOTIFICATION_INITIALIZED.equals(n.method());
  }

  /**
   * Leaves the reading role vacant while this thread runs the request it read: taken back by this
   * thread when the exchange is done ({@link #reclaimReading}), or given to another thread by the
   * stand-by if it is still vacant after {@link #VACANCY_NANOS} or more.
   */
  private void vacate() {
    long ticket = vacancies.incrementAndGet();
    vacancy.set(ticket);
    if (standbyIdle) {
      standbyIdle = false;
      LockSupport.unpark(standby);
    }
  }

  /**
   * Takes the reading role back after an exchange, if it is vacant (left by this thread or another
   * one, or offered by the stand-by to a thread that has not started yet: that offer then lapses);
   * false when another thread holds it.
   */
  private boolean reclaimReading() {
    long v = vacancy.get();
    return v != 0 && vacancy.compareAndSet(v, 0);
  }

  /**
   * The stand-by: while reading roles are left vacant, looks every {@link #VACANCY_NANOS}; a
   * vacancy it sees twice (the exchange of that request has run that long) it offers to another
   * exchange thread, or, with every exchange thread busy, to the SDK's elastic scheduler, so a
   * cancellation, a ping or the next request is read while a long call runs. An offer is the
   * vacancy's ticket negated: whichever comes first takes it, the thread offered it or a thread
   * done with its exchange ({@link #reclaimReading}), so a role offered to a queue behind busy
   * calls is still taken back by the first thread free. An offer not taken is made again at the
   * next look. Parked for good once a look finds no vacancy and none made since the last look,
   * until the next one.
   */
  private void standBy() {
    long seen = 0;
    long madeBefore = 0;
    while (!closing) {
      long v = vacancy.get();
      try {
        if (v > 0 && v == seen && vacancy.compareAndSet(v, -v)) {
          offer(v, true);
        } else if (v < 0 && v == seen) {
          // Offered at an earlier look and not taken yet: offered again to the exchange threads
          // (one may be idle now); the elastic scheduler has it queued already, if it took it.
          offer(-v, false);
        }
      } catch (RuntimeException | Error e) {
        // The offer stays (or lapses to a thread done with its exchange): tried again next look.
        log.warn("the stdio stand-by could not hand the reading on: {}", e.toString());
      }
      seen = vacancy.get();
      long made = vacancies.get();
      if (seen == 0 && made == madeBefore) {
        standbyIdle = true;
        // Looked at again after saying so: a vacancy made meanwhile is not missed.
        if (vacancy.get() == 0 && !closing) {
          LockSupport.park(this);
        }
        standbyIdle = false;
        made = vacancies.get();
      } else {
        LockSupport.parkNanos(this, vacancyNanos);
      }
      madeBefore = made;
    }
  }

  /**
   * Offers the reading role of vacancy {@code ticket} (now negated) to an exchange thread, or if
   * all are busy and {@code orElsewhere}, to the SDK's elastic scheduler.
   */
  private void offer(long ticket, boolean orElsewhere) {
    Runnable take =
        () -> {
          if (vacancy.compareAndSet(-ticket, 0)) {
            lead();
          }
        };
    if (!passReading(take) && orElsewhere) {
      readElsewhere(take);
    }
  }

  /** {@code task} on a thread of the SDK's elastic scheduler; false if it refused. */
  private static boolean readElsewhere(Runnable task) {
    try {
      Schedulers.boundedElastic().schedule(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Gives the reading role to an idle (or new) exchange thread; false when all are busy. */
  private boolean passReading() {
    return passReading(this::lead);
  }

  private boolean passReading(Runnable task) {
    try {
      exchanges.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /**
   * Runs one message's exchange on this thread: the SDK handles it and writes the answer here (the
   * server is built with immediate execution), and the connection the call used is cleaned and
   * given back after that ({@link AnswerFirst}).
   */
  private void exchange(JSONRPCMessage message) {
    AnswerFirst.run(() -> dispatchSafely(message), releases);
  }

  /**
   * Hands a message to the SDK session; what goes wrong is logged, and a request it leaves
   * unanswered gets an internal error, so the reading and the session go on.
   */
  private void dispatchSafely(JSONRPCMessage message) {
    try {
      dispatch(message);
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      log.debug("handling a {} failed", message.getClass().getSimpleName(), e);
      answerUnanswered(message, couldNotHandle(e));
    }
  }

  /** Answers a request with an internal error unless it has been answered already. */
  private void answerUnanswered(JSONRPCMessage message, String why) {
    if (message instanceof McpSchema.JSONRPCRequest r
        && r.id() != null
        && unanswered.remove(String.valueOf(r.id()))) {
      answerError(r.id(), McpSchema.ErrorCodes.INTERNAL_ERROR, why);
    }
  }

  private void dispatch(JSONRPCMessage message) {
    McpServerSession s = session;
    if (s == null) {
      return;
    }
    s.handle(message)
        .subscribe(
            ignored -> {},
            e -> log.debug("handling a {} failed: {}", message.getClass().getSimpleName(), e));
  }

  /**
   * At the end: lets the releases still running finish (for at most {@code millis}), so the
   * connections are clean before the pools close; a release handed over later runs on the thread
   * that hands it.
   */
  private void awaitReleases(long millis) {
    releases.shutdown();
    try {
      releases.awaitTermination(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until every request read so far is answered, for at most {@code millis}. */
  private void awaitAnswers(long millis) {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (!unanswered.isEmpty() && !closing && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Reads one line: its message to dispatch, or {@code null} when there is none (blank, or answered
   * here because it was unusable); whatever goes wrong with it is answered, and the next line is
   * read.
   */
  private JSONRPCMessage handleSafely(byte[] b, int len) {
    try {
      return handleLine(b, len);
    } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
      log.debug("a message could not be handled", e);
      answerError(null, McpSchema.ErrorCodes.INTERNAL_ERROR, couldNotHandle(e));
      return null;
    }
  }

  private static String couldNotHandle(Throwable e) {
    return "Internal error: the message could not be handled ("
        + e.getClass().getSimpleName()
        + ")";
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private static int indexOf(byte[] b, byte x, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  private JSONRPCMessage handleLine(byte[] b, int len) {
    int from = 0;
    int to = len;
    while (from < to && isBlank(b[from])) {
      from++;
    }
    while (to > from && isBlank(b[to - 1])) {
      to--;
    }
    if (from == to) {
      return null; // A blank line: nothing to answer.
    }
    if (!isUtf8(b, from, to)) {
      answerParseError("the message is not valid UTF-8");
      return null;
    }
    String text = new String(b, from, to - from, StandardCharsets.UTF_8);
    Object parsed;
    try {
      parsed = json.readValue(text, Object.class);
    } catch (IOException | RuntimeException e) {
      answerParseError("the message is not valid JSON (" + brief(e) + ")");
      return null;
    }
    if (!(parsed instanceof Map<?, ?> map)) {
      answerError(
          null,
          McpSchema.ErrorCodes.INVALID_REQUEST,
          parsed instanceof List
              ? "Invalid Request: batches are not supported; send one JSON-RPC message per line"
              : "Invalid Request: a JSON-RPC message is a JSON object");
      return null;
    }
    // A tools/call gets its cancellation key; notifications/cancelled stops the call it names
    // (the SDK only logs it). The one session of stdio is the process.
    @SuppressWarnings("unchecked")
    Map<String, Object> mutable = (Map<String, Object>) map;
    cancellations.received("stdio", mutable);
    if ("notifications/cancelled".equals(map.get("method")) && !map.containsKey("id")) {
      // Done: the SDK has no handler for it and would only log a warning per cancellation.
      return null;
    }
    JSONRPCMessage message;
    try {
      // The same classification as McpSchema.deserializeJsonRpcMessage, on the parsed map.
      if (map.containsKey("method") && map.containsKey("id")) {
        // Made directly when its members have the usual types (CrdbTools.jsonMapper), else by
        // Jackson; either way the SDK's record checks them.
        message = json.convertValue(map, McpSchema.JSONRPCRequest.class);
      } else if (map.containsKey("method")) {
        message = json.convertValue(map, McpSchema.JSONRPCNotification.class);
      } else if (map.containsKey("result") || map.containsKey("error")) {
        message = json.convertValue(map, McpSchema.JSONRPCResponse.class);
      } else {
        throw new IllegalArgumentException("no method, result or error");
      }
    } catch (RuntimeException e) {
      Object id = map.get("id");
      answerError(
          id instanceof String || id instanceof Number ? id : null,
          McpSchema.ErrorCodes.INVALID_REQUEST,
          "Invalid Request: not a JSON-RPC request, notification or response (" + brief(e) + ")");
      return null;
    }
    if (session == null) {
      return null;
    }
    if (message instanceof McpSchema.JSONRPCRequest r && r.id() != null) {
      unanswered.add(String.valueOf(r.id()));
    }
    return message;
  }

  /** Whether the bytes are well-formed UTF-8, checked through a small buffer (no copy). */
  private static boolean isUtf8(byte[] b, int from, int to) {
    // Most lines are plain ASCII, which is valid UTF-8: no decoder for those.
    int i = from;
    while (i < to && b[i] >= 0) {
      i++;
    }
    if (i == to) {
      return true;
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
    CharBuffer chars = CharBuffer.allocate(8192);
    while (true) {
      CoderResult r = decoder.decode(in, chars, true);
      if (r.isError()) {
        return false;
      }
      if (r.isUnderflow()) {
        break;
      }
      chars.clear();
    }
    chars.clear();
    return !decoder.flush(chars).isError();
  }

  private static boolean isBlank(byte b) {
    return b == ' ' || b == '\t' || b == '\r';
  }

  /** The first line of an exception's message, at most 200 characters. */
  private static String brief(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  private void answerParseError(String why) {
    answerError(null, McpSchema.ErrorCodes.PARSE_ERROR, "Parse error: " + why);
  }

  /** Writes a JSON-RPC error response; {@code id} may be null (serialized as {@code null}). */
  private void answerError(Object id, int code, String message) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("jsonrpc", McpSchema.JSONRPC_VERSION);
    response.put("id", id);
    response.put("error", error);
    try {
      send(json.writeValueAsBytes(response));
    } catch (IOException e) {
      log.error("cannot serialize an error response", e);
    }
  }

  // ---- Writing ----

  /**
   * Sends one line: queued for the writer thread when the reader thread sends it, else written and
   * flushed by the calling thread.
   */
  private void send(byte[] jsonLine) {
    if (closing) {
      return;
    }
    // Compact JSON has no raw line breaks; make sure, as one would break the framing.
    for (int i = 0; i < jsonLine.length; i++) {
      if (jsonLine[i] == '\n' || jsonLine[i] == '\r') {
        jsonLine[i] = ' ';
      }
    }
    if (Thread.currentThread() == readerThread) {
      outbound.add(jsonLine);
      return;
    }
    try {
      synchronized (writeLock) {
        buffered.write(jsonLine);
        buffered.write('\n');
        buffered.flush();
      }
    } catch (IOException e) {
      stdoutFailed(e);
    }
  }

  private void writeLoop() {
    try {
      while (true) {
        byte[] b = outbound.take();
        if (b == END_OF_OUTPUT) {
          break;
        }
        synchronized (writeLock) {
          buffered.write(b);
          buffered.write('\n');
          if (outbound.isEmpty()) {
            buffered.flush();
          }
        }
      }
      synchronized (writeLock) {
        buffered.flush();
      }
    } catch (IOException e) {
      stdoutFailed(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      outputDone.countDown();
    }
  }

  /** stdout is gone: the client is gone. */
  private void stdoutFailed(IOException e) {
    if (!closing) {
      log.debug("stdout failed: {}", e.toString());
    }
    end();
  }

  /** Lets the writer finish what is queued, for at most {@code millis}. */
  private void drainOutput(long millis) {
    outbound.add(END_OF_OUTPUT);
    try {
      outputDone.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The single session's side of the transport. */
  private final class SessionTransport implements McpServerTransport {
    @Override
    public Mono<Void> sendMessage(JSONRPCMessage message) {
      return Mono.fromRunnable(
          () -> {
            try {
              send(json.writeValueAsBytes(message));
              if (message instanceof McpSchema.JSONRPCResponse r && r.id() != null) {
                unanswered.remove(String.valueOf(r.id()));
              }
            } catch (IOException e) {
              throw new IllegalStateException("cannot serialize a message: " + e.getMessage(), e);
            }
          });
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
      return json.convertValue(data, typeRef);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.fromRunnable(
          () -> {
            drainOutput(500);
            end();
          });
    }

    @Override
    public void close() {
      end();
    }
  }
}
