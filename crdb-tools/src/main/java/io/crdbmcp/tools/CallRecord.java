package io.crdbmcp.tools;

import io.crdbmcp.core.Caller;
import io.crdbmcp.core.safety.Classification;
import io.crdbmcp.core.safety.Rule;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One tool call as audit, metrics and rate limits see it: who called which tool with which
 * arguments (secrets redacted), when, how it ended, and what it did — filled while the call runs:
 *
 * <ul>
 *   <li>by {@link CrdbTools}: tool, caller, arguments, start, end, {@link Outcome}, error code and
 *       the safety rule of a refused statement;
 *   <li>by the tool: the connection it ran on, what the statement was ({@link #classification()}),
 *       the rows it returned or changed.
 * </ul>
 *
 * A record belongs to one call and is not shared between threads while the call runs; interceptors
 * may keep it once {@link #ended()} is set.
 */
public final class CallRecord {
  /** How a call ended. */
  public enum Outcome {
    /** The tool ran and returned a result. */
    SUCCESS,
    /**
     * The tool failed: bad arguments, a database error, a timeout; {@code errorCode} says which.
     */
    ERROR,
    /**
     * Nothing ran: an interceptor refused the call (scope, rate limit) or a safety rule refused its
     * statement ({@link #rule()}).
     */
    REFUSED
  }

  private final String tool;
  private final Caller caller;
  private final Map<String, Object> rawArguments;
  private final Params declared;
  private final Instant started;
  private final long startNanos;
  private Map<String, Object> arguments;

  private Instant ended;
  private Duration duration;
  private Outcome outcome;
  private String errorCode;

  private String connection;
  private Classification classification;
  private Supplier<Classification> classifier;
  private Rule rule;
  private Long rows;

  CallRecord(String tool, Caller caller, Map<String, Object> arguments, Params declared) {
    this.tool = Objects.requireNonNull(tool, "tool");
    this.caller = Objects.requireNonNull(caller, "caller");
    this.rawArguments = arguments == null ? Map.of() : arguments;
    this.declared = declared;
    this.started = Instant.now();
    this.startNanos = System.nanoTime();
  }

  /** The tool's name as called. */
  public String tool() {
    return tool;
  }

  public Caller caller() {
    return caller;
  }

  /**
   * The arguments as given, with secrets replaced by {@code "****"}: arguments declared {@link
   * Param#secret()} or named like a password, secret or token (also inside objects), the password
   * of a connection URL, and string literals after {@code PASSWORD} in SQL text.
   */
  public Map<String, Object> arguments() {
    if (arguments == null) {
      arguments = Redaction.arguments(rawArguments, declared);
    }
    return arguments;
  }

  public Instant started() {
    return started;
  }

  /** When the call ended; null while it runs. */
  public Instant ended() {
    return ended;
  }

  /** Wall time from the start of the call to its end; null while it runs. */
  public Duration duration() {
    return duration;
  }

  /** How the call ended; null while it runs. */
  public Outcome outcome() {
    return outcome;
  }

  /**
   * The {@code code} of the error result (an {@link io.crdbmcp.core.ErrorCode} name, or the code of
   * an interceptor's refusal such as {@code INSUFFICIENT_SCOPE}); null on success.
   */
  public String errorCode() {
    return errorCode;
  }

  /** The connection the call ran on (or named, if it failed before); null for none. */
  public String connection() {
    return connection;
  }

  /**
   * What the call's statement is (kind, command, writes, relations, functions), for tools that run
   * or check a statement; null for other tools, and for text that could not be tokenized.
   */
  public Classification classification() {
    if (classification == null && classifier != null) {
      Supplier<Classification> c = classifier;
      classifier = null;
      classification = c.get();
    }
    return classification;
  }

  /**
   * The safety rule that refused the statement (for {@code validate_query}: that would refuse it);
   * null when none did.
   */
  public Rule rule() {
    return rule;
  }

  /** Rows the statement returned, changed or exported; null for tools that handle no rows. */
  public Long rows() {
    return rows;
  }

  // --- Filled by tools -------------------------------------------------------------------------

  /** Sets the connection the call runs on. */
  public CallRecord connection(String name) {
    this.connection = name;
    return this;
  }

  /** Sets what the statement is. */
  public CallRecord classification(Classification c) {
    this.classification = c;
    this.classifier = null;
    return this;
  }

  /**
   * Sets how to classify the statement, run only when someone asks for {@link #classification()}:
   * calls that nobody audits do not classify twice.
   */
  public CallRecord classification(Supplier<Classification> classify) {
    this.classification = null;
    this.classifier = classify;
    return this;
  }

  /** Sets the safety rule that refused the statement. */
  public CallRecord rule(Rule r) {
    this.rule = r;
    return this;
  }

  /** Sets the rows returned, changed or exported. */
  public CallRecord rows(long n) {
    this.rows = n;
    return this;
  }

  // --- Filled by CrdbTools ---------------------------------------------------------------------

  /** The arguments as given, secrets included: only for running the tool. */
  Map<String, Object> rawArguments() {
    return rawArguments;
  }

  boolean isEnded() {
    return ended != null;
  }

  /** Ends the record; the first end counts (an outer interceptor cannot rewrite what happened). */
  void end(Outcome how, String code) {
    if (ended != null) {
      return;
    }
    this.duration = Duration.ofNanos(System.nanoTime() - startNanos);
    this.ended = started.plus(duration);
    this.outcome = how;
    this.errorCode = code;
  }

  @Override
  public String toString() {
    return "CallRecord[tool="
        + tool
        + ", client="
        + caller.clientId()
        + (caller.user() == null ? "" : ", user=" + caller.user())
        + ", outcome="
        + outcome
        + (errorCode == null ? "" : ", error=" + errorCode)
        + (rule == null ? "" : ", rule=" + rule)
        + (connection == null ? "" : ", connection=" + connection)
        + (rows == null ? "" : ", rows=" + rows)
        + ", arguments="
        + arguments()
        + "]";
  }
}
