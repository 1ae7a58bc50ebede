package io.crdbmcp.contract;

import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How to start a server besides its settings.
 *
 * @param jvmArgs JVM options for a server that runs in a JVM of its own (e.g. {@code -Xmx32m},
 *     which the export suite uses to prove exports stream); see {@link
 *     ServerFactory#startsProcesses()}. A transport that runs the server inside the test JVM cannot
 *     apply them and should run such suites in a forked JVM with the same options.
 * @param progress receives the progress notifications the server sends to this client
 * @param resourceUpdates receives the URI of each resource the server says was updated (after the
 *     client subscribed to it)
 * @param sampling when not null, the client declares the sampling capability and answers the
 *     server's {@code sampling/createMessage} requests with it (the client's model)
 */
public record StartOptions(
    List<String> jvmArgs,
    Consumer<McpSchema.ProgressNotification> progress,
    Consumer<String> resourceUpdates,
    Function<McpSchema.CreateMessageRequest, McpSchema.CreateMessageResult> sampling) {

  public StartOptions {
    jvmArgs = List.copyOf(jvmArgs);
    Objects.requireNonNull(progress, "progress");
    Objects.requireNonNull(resourceUpdates, "resourceUpdates");
  }

  /** No JVM options; notifications are dropped. */
  public static StartOptions defaults() {
    return new StartOptions(List.of(), n -> {}, uri -> {}, null);
  }

  public StartOptions withJvmArgs(List<String> args) {
    return new StartOptions(args, progress, resourceUpdates, sampling);
  }

  public StartOptions withProgress(Consumer<McpSchema.ProgressNotification> consumer) {
    return new StartOptions(jvmArgs, consumer, resourceUpdates, sampling);
  }

  public StartOptions withResourceUpdates(Consumer<String> consumer) {
    return new StartOptions(jvmArgs, progress, consumer, sampling);
  }

  /** A client that offers sampling, answering with {@code handler}. */
  public StartOptions withSampling(
      Function<McpSchema.CreateMessageRequest, McpSchema.CreateMessageResult> handler) {
    return new StartOptions(jvmArgs, progress, resourceUpdates, handler);
  }
}
