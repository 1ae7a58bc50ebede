package io.crdbmcp.contract;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * A client transport of the SDK that can also cancel: it remembers the id of each {@code
 * tools/call} it sent and not yet saw answered, and {@link #cancelRunningCalls} sends {@code
 * notifications/cancelled} for them, as clients do when the user stops a call (the SDK's own client
 * has no way to). Everything else passes through to the real transport unchanged.
 */
public final class CancellingTransport implements McpClientTransport {
  private final McpClientTransport delegate;
  private final Set<Object> running = ConcurrentHashMap.newKeySet();

  public CancellingTransport(McpClientTransport delegate) {
    this.delegate = delegate;
  }

  /**
   * Sends {@code notifications/cancelled} for every tool call sent and not yet answered.
   *
   * @return how many calls it named
   */
  public int cancelRunningCalls(String reason) {
    List<Object> ids = new ArrayList<>(running);
    for (Object id : ids) {
      delegate
          .sendMessage(
              new McpSchema.JSONRPCNotification(
                  McpSchema.JSONRPC_VERSION,
                  "notifications/cancelled",
                  Map.of("requestId", id, "reason", reason)))
          .block();
    }
    return ids.size();
  }

  /** Tool calls sent and not yet answered. */
  public int runningCalls() {
    return running.size();
  }

  @Override
  public Mono<Void> connect(Function<Mono<JSONRPCMessage>, Mono<JSONRPCMessage>> handler) {
    return delegate.connect(in -> handler.apply(in.doOnNext(this::received)));
  }

  private void received(JSONRPCMessage m) {
    if (m instanceof McpSchema.JSONRPCResponse r) {
      running.remove(r.id());
    }
  }

  @Override
  public Mono<Void> sendMessage(JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCRequest r && "tools/call".equals(r.method())) {
      running.add(r.id());
    }
    return delegate.sendMessage(message);
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    delegate.setExceptionHandler(handler);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return delegate.closeGracefully();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return delegate.unmarshalFrom(data, typeRef);
  }

  @Override
  public List<String> protocolVersions() {
    return delegate.protocolVersions();
  }
}
