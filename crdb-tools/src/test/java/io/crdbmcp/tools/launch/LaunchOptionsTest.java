package io.crdbmcp.tools.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.crdbmcp.tools.launch.LaunchOptions.Transport;
import java.util.List;
import org.junit.jupiter.api.Test;

class LaunchOptionsTest {
  static LaunchOptions parse(String... args) {
    return LaunchOptions.parse(List.of(args));
  }

  @Test
  void noTransportFlagIsStdio() {
    LaunchOptions o = parse("--demo");
    assertThat(o.transport()).isEqualTo(Transport.STDIO);
    assertThat(o.demo()).isTrue();
    assertThat(o.host()).isNull();
    assertThat(o.port()).isNull();
  }

  @Test
  void httpTransportsTakeHostAndPortInBothSpellings() {
    LaunchOptions s = parse("--streamable-http", "--host", "0.0.0.0", "--port", "9000");
    assertThat(s.transport()).isEqualTo(Transport.STREAMABLE_HTTP);
    assertThat(s.host()).isEqualTo("0.0.0.0");
    assertThat(s.port()).isEqualTo(9000);
    LaunchOptions h = parse("--port=0", "--http", "--host=::1");
    assertThat(h.transport()).isEqualTo(Transport.SSE);
    assertThat(h.port()).isZero();
    assertThat(h.host()).isEqualTo("::1");
  }

  @Test
  void mistakesAreRefusedWithWhatToDo() {
    assertThatThrownBy(() -> parse("--demo", "--stdio"))
        .hasMessageContaining("unknown option '--stdio'")
        .hasMessageContaining("--help");
    assertThatThrownBy(() -> parse("--port", "8080")).hasMessageContaining("--streamable-http");
    assertThatThrownBy(() -> parse("--streamable-http", "--port", "http"))
        .hasMessageContaining("not a TCP port");
    assertThatThrownBy(() -> parse("--streamable-http", "--port", "70000"))
        .hasMessageContaining("not a TCP port");
    assertThatThrownBy(() -> parse("--streamable-http", "--host"))
        .hasMessageContaining("--host needs a value");
    assertThatThrownBy(() -> parse("--streamable-http", "--host", "--demo"))
        .hasMessageContaining("--host needs a value");
    assertThatThrownBy(() -> parse("--streamable-http", "--http"))
        .hasMessageContaining("choose one");
  }

  @Test
  void helpAndVersionAreSeenWhateverElseIsThere() {
    assertThat(parse("--streamable-http", "--help").help()).isTrue();
    assertThat(parse("-h").help()).isTrue();
    assertThat(parse("--version").version()).isTrue();
  }
}
