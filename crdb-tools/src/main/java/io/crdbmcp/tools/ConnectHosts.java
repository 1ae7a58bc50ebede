package io.crdbmcp.tools;

import io.crdbmcp.core.connect.ConnectionSpec;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which servers the {@code connect} tool may reach. A remote client must not turn the server into a
 * way to reach arbitrary hosts from inside the network it runs in, so an HTTP launcher installs
 * this at {@link ToolInterceptor.Stage#SCOPE}: {@code connect} to a host that is not listed is
 * refused before anything is dialled. With an empty list only the configured connections are
 * usable. (Over stdio the client is the local user, who can reach any host anyway, and nothing is
 * installed.)
 */
public final class ConnectHosts implements ToolInterceptor {
  private final List<String> allowed;
  private final String setting;

  /**
   * @param allowed {@code host} (any port) or {@code host:port}, compared without case
   * @param setting the setting that lists them, named in refusals
   */
  public ConnectHosts(List<String> allowed, String setting) {
    this.allowed = allowed.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
    this.setting = setting;
  }

  @Override
  public CallToolResult intercept(ToolCall call, Next next) {
    if (!call.tool().name().equals("connect")) {
      return next.proceed();
    }
    Map<String, Object> a = call.record().rawArguments();
    String host;
    int port;
    if (a.get("url") instanceof String url && !url.isBlank()) {
      try {
        ConnectionSpec spec = ConnectionSpec.fromUrl("check", url, 1, false);
        host = spec.host();
        port = spec.port();
      } catch (RuntimeException e) {
        return next.proceed(); // not a URL: the tool says what is wrong with it
      }
    } else if (a.get("host") instanceof String h && !h.isBlank()) {
      host = h;
      port = a.get("port") instanceof Number n ? n.intValue() : ConnectionSpec.DEFAULT_PORT;
    } else {
      return next.proceed(); // nothing to dial: the tool asks for a url or a host
    }
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (allowed.contains(h) || allowed.contains(h + ":" + port)) {
      return next.proceed();
    }
    return call.refuse(
        "CONNECT_NOT_ALLOWED",
        "this server may not open connections to "
            + host
            + ":"
            + port
            + (allowed.isEmpty()
                ? ": it serves only its configured connections"
                : ": it may reach only " + String.join(", ", allowed) + " (" + setting + ")"),
        "use a configured connection (list_connections shows them), or ask the server's operator"
            + " to add the host to "
            + setting);
  }

  @Override
  public String toString() {
    return "ConnectHosts" + allowed;
  }
}
