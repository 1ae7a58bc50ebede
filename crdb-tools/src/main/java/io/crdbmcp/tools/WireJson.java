package io.crdbmcp.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The JSON of the protocol's frequent messages through Jackson's streaming parser and generator
 * (jackson-core) instead of its data binding, which learns each record type by reflection the first
 * time it meets it: the first {@code initialize} and {@code tools/list} exchanges paid for that on
 * every start (about 15% of the CPU of a start, async-profiler, 2026-12-08, and 600 of the 3,400
 * classes loaded before the first answer). Parsing gives what Jackson's untyped deserialization
 * gives with decimals as {@link BigDecimal} (maps in order, lists, strings, Integer, Long or
 * BigInteger, BigDecimal, booleans, null). Writing covers the JSON-RPC envelope and the results
 * sent at every start and call ({@code initialize}, {@code tools/list}, {@code tools/call}); it
 * omits null members as the SDK's records ask ({@code NON_ABSENT}). Any other value, at any depth,
 * goes to the data binding, which therefore still decides everything this class does not know.
 * {@code WireJsonTest} checks both ways against the data binding.
 */
final class WireJson {
  /** Decimals written in plain notation, as the transports' ObjectMapper writes them. */
  static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

  private WireJson() {}

  // ---- Parsing

  static Object parse(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      return parse(p);
    }
  }

  static Object parse(byte[] bytes) throws IOException {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      return parse(p);
    }
  }

  private static Object parse(JsonParser p) throws IOException {
    JsonToken first = p.nextToken();
    if (first == null) {
      throw new JsonParseException(p, "No content: the message is empty");
    }
    Object value = value(p, first);
    if (p.nextToken() != null) {
      throw new JsonParseException(
          p, "Unexpected content after the JSON value: send one JSON value per message");
    }
    return value;
  }

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT:
        {
          Map<String, Object> map = new LinkedHashMap<>();
          for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            map.put(name, value(p, p.nextToken()));
          }
          return map;
        }
      case START_ARRAY:
        {
          List<Object> list = new ArrayList<>();
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            list.add(value(p, e));
          }
          return list;
        }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDecimalValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new JsonParseException(p, "Unexpected token " + t);
    }
  }

  // ---- Conversions of parsed maps into the SDK's request types

  /**
   * The notification of a parsed message when its members have the types Jackson would give them,
   * else null (Jackson converts it).
   */
  static McpSchema.JSONRPCNotification notification(Object from) {
    if (from instanceof Map<?, ?> m
        && m.get("jsonrpc") instanceof String version
        && m.get("method") instanceof String method) {
      return new McpSchema.JSONRPCNotification(version, method, m.get("params"));
    }
    return null;
  }

  /**
   * The request of a parsed message when its members have the types Jackson would give them (a
   * string version and method, a string or integer id), as in every request clients send; else null
   * (Jackson converts it). Either way the SDK's record checks them.
   */
  static McpSchema.JSONRPCRequest request(Object from) {
    if (from instanceof Map<?, ?> m
        && m.get("jsonrpc") instanceof String version
        && m.get("method") instanceof String method) {
      Object id = m.get("id");
      if (id instanceof String || id instanceof Integer || id instanceof Long) {
        return new McpSchema.JSONRPCRequest(version, method, id, m.get("params"));
      }
    }
    return null;
  }

  /**
   * A {@code tools/call} request's params as the SDK's record, made directly when they have the
   * shapes Jackson would give them (a string {@code name}, an object or no {@code arguments} and
   * {@code _meta}); the record then holds those same parsed maps. Else null (Jackson converts it).
   */
  @SuppressWarnings("unchecked")
  static McpSchema.CallToolRequest callToolRequest(Object from) {
    if (from instanceof Map<?, ?> params
        && params.get("name") instanceof String name
        && objectOrAbsent(params.get("arguments"))
        && objectOrAbsent(params.get("_meta"))) {
      return new McpSchema.CallToolRequest(
          name,
          (Map<String, Object>) params.get("arguments"),
          (Map<String, Object>) params.get("_meta"));
    }
    return null;
  }

  /**
   * The SDK's own JSON creator of an initialize request (the one Jackson calls), or null when this
   * SDK has none of that signature, so that the request is then left to Jackson.
   */
  private static final MethodHandle INITIALIZE_REQUEST =
      creator(
          McpSchema.InitializeRequest.class,
          String.class,
          McpSchema.ClientCapabilities.class,
          McpSchema.Implementation.class,
          Map.class);

  private static final MethodHandle IMPLEMENTATION =
      creator(
          McpSchema.Implementation.class,
          String.class,
          String.class,
          String.class,
          String.class,
          List.class,
          String.class);

  private static MethodHandle creator(Class<?> type, Class<?>... params) {
    try {
      Method m = type.getDeclaredMethod("fromJson", params);
      m.setAccessible(true);
      MethodHandle h = MethodHandles.lookup().unreflect(m);
      return h.type().returnType() == type ? h : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The initialize request in parsed params, made as Jackson makes it (through the SDK's creator),
   * when every member it reads has the type Jackson would give it; else null. Members the SDK does
   * not know are ignored, as Jackson ignores them.
   */
  @SuppressWarnings("unchecked")
  static McpSchema.InitializeRequest initializeRequest(Object from) {
    if (INITIALIZE_REQUEST == null
        || IMPLEMENTATION == null
        || !(from instanceof Map<?, ?> p)
        || !(p.get("protocolVersion") instanceof String version)
        || !objectOrAbsent(p.get("capabilities"))
        || !objectOrAbsent(p.get("clientInfo"))
        || !objectOrAbsent(p.get("_meta"))) {
      return null;
    }
    McpSchema.ClientCapabilities capabilities = null;
    if (p.get("capabilities") != null) {
      capabilities = clientCapabilities((Map<?, ?>) p.get("capabilities"));
      if (capabilities == null) {
        return null;
      }
    }
    McpSchema.Implementation clientInfo = null;
    if (p.get("clientInfo") != null) {
      clientInfo = implementation((Map<?, ?>) p.get("clientInfo"));
      if (clientInfo == null) {
        return null;
      }
    }
    try {
      return (McpSchema.InitializeRequest)
          INITIALIZE_REQUEST.invoke(
              version, capabilities, clientInfo, (Map<String, Object>) p.get("_meta"));
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  private static McpSchema.ClientCapabilities clientCapabilities(Map<?, ?> c) {
    Object experimental = c.get("experimental");
    Object roots = c.get("roots");
    Object sampling = c.get("sampling");
    Object elicitation = c.get("elicitation");
    Object extensions = c.get("extensions");
    if (!objectOrAbsent(experimental)
        || !objectOrAbsent(roots)
        || !objectOrAbsent(sampling)
        || !objectOrAbsent(elicitation)
        || !objectOrAbsent(extensions)) {
      return null;
    }
    if (extensions != null) {
      for (Object v : ((Map<?, ?>) extensions).values()) {
        if (!objectOrAbsent(v)) {
          return null;
        }
      }
    }
    McpSchema.ClientCapabilities.RootCapabilities rootCapabilities = null;
    if (roots != null) {
      Object listChanged = ((Map<?, ?>) roots).get("listChanged");
      if (!(listChanged == null || listChanged instanceof Boolean)) {
        return null;
      }
      rootCapabilities = new McpSchema.ClientCapabilities.RootCapabilities((Boolean) listChanged);
    }
    McpSchema.ClientCapabilities.Elicitation elicitationCapabilities = null;
    if (elicitation != null) {
      Object form = ((Map<?, ?>) elicitation).get("form");
      Object url = ((Map<?, ?>) elicitation).get("url");
      if (!objectOrAbsent(form) || !objectOrAbsent(url)) {
        return null;
      }
      elicitationCapabilities =
          new McpSchema.ClientCapabilities.Elicitation(
              form == null ? null : new McpSchema.ClientCapabilities.Elicitation.Form(),
              url == null ? null : new McpSchema.ClientCapabilities.Elicitation.Url());
    }
    return new McpSchema.ClientCapabilities(
        (Map<String, Object>) experimental,
        rootCapabilities,
        sampling == null ? null : new McpSchema.ClientCapabilities.Sampling(),
        elicitationCapabilities,
        (Map<String, Map<String, Object>>) extensions);
  }

  private static McpSchema.Implementation implementation(Map<?, ?> i) {
    Object[] strings = {
      i.get("name"), i.get("title"), i.get("version"), i.get("description"), i.get("websiteUrl")
    };
    for (Object s : strings) {
      if (!(s == null || s instanceof String)) {
        return null;
      }
    }
    if (i.get("icons") != null) {
      return null; // Icons are records of their own: Jackson's.
    }
    try {
      return (McpSchema.Implementation)
          IMPLEMENTATION.invoke(strings[0], strings[1], strings[2], strings[3], null, strings[4]);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      return null;
    }
  }

  /** Null, or a map whose keys are all strings (as in one parsed from JSON). */
  private static boolean objectOrAbsent(Object v) {
    return v == null || (v instanceof Map<?, ?> m && stringKeys(m));
  }

  // ---- Writing

  static byte[] writeBytes(Object value, Supplier<ObjectMapper> binding) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeTop(g, value, binding);
    }
    return out.toByteArray();
  }

  static String writeString(Object value, Supplier<ObjectMapper> binding) throws IOException {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeTop(g, value, binding);
    }
    return out.toString();
  }

  /**
   * Writes a whole message; a runtime failure part-way (a value that cannot be written) becomes an
   * IOException, as the data binding reported it, and the partial output is discarded by the
   * caller.
   */
  private static void writeTop(JsonGenerator g, Object value, Supplier<ObjectMapper> binding)
      throws IOException {
    try {
      write(g, value, binding);
    } catch (RuntimeException e) {
      throw JsonMappingException.from(g, "cannot write the message: " + e, e);
    }
  }

  /** Whether {@link #write} writes {@code value} itself at its top (else Jackson writes it all). */
  static boolean writesItself(Object value) {
    return value instanceof McpSchema.JSONRPCMessage || value instanceof Map;
  }

  static void write(JsonGenerator g, Object v, Supplier<ObjectMapper> binding) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof String s) {
      g.writeString(s);
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Integer
        || v instanceof Long
        || v instanceof Short
        || v instanceof Byte) {
      g.writeNumber(((Number) v).longValue());
    } else if (v instanceof BigDecimal d) {
      g.writeNumber(d);
    } else if (v instanceof BigInteger i) {
      g.writeNumber(i);
    } else if (v instanceof Double d) {
      g.writeNumber(d);
    } else if (v instanceof Float f) {
      g.writeNumber(f);
    } else if (v instanceof Map<?, ?> m && stringKeys(m)) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName((String) e.getKey());
        write(g, e.getValue(), binding);
      }
      g.writeEndObject();
    } else if (v instanceof Collection<?> c) {
      g.writeStartArray();
      for (Object e : c) {
        write(g, e, binding);
      }
      g.writeEndArray();
    } else if (v instanceof McpSchema.JSONRPCResponse r) {
      g.writeStartObject();
      field(g, "jsonrpc", r.jsonrpc(), binding);
      field(g, "id", r.id(), binding);
      field(g, "result", r.result(), binding);
      if (r.error() != null) {
        McpSchema.JSONRPCResponse.JSONRPCError e = r.error();
        g.writeFieldName("error");
        g.writeStartObject();
        field(g, "code", e.code(), binding);
        field(g, "message", e.message(), binding);
        field(g, "data", e.data(), binding);
        g.writeEndObject();
      }
      g.writeEndObject();
    } else if (v instanceof McpSchema.JSONRPCNotification n) {
      g.writeStartObject();
      field(g, "jsonrpc", n.jsonrpc(), binding);
      field(g, "method", n.method(), binding);
      field(g, "params", n.params(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.JSONRPCRequest r) {
      g.writeStartObject();
      field(g, "jsonrpc", r.jsonrpc(), binding);
      field(g, "method", r.method(), binding);
      field(g, "id", r.id(), binding);
      field(g, "params", r.params(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.CallToolResult r && textOnly(r.content())) {
      g.writeStartObject();
      if (r.content() != null) {
        g.writeFieldName("content");
        g.writeStartArray();
        for (McpSchema.Content c : r.content()) {
          McpSchema.TextContent t = (McpSchema.TextContent) c;
          g.writeStartObject();
          g.writeStringField("type", "text");
          field(g, "annotations", t.annotations(), binding);
          field(g, "text", t.text(), binding);
          field(g, "_meta", t.meta(), binding);
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      field(g, "isError", r.isError(), binding);
      field(g, "structuredContent", r.structuredContent(), binding);
      field(g, "_meta", r.meta(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.ListToolsResult r) {
      g.writeStartObject();
      if (r.tools() != null) {
        g.writeFieldName("tools");
        g.writeStartArray();
        for (McpSchema.Tool t : r.tools()) {
          if (t == null) {
            g.writeNull();
          } else {
            tool(g, t, binding);
          }
        }
        g.writeEndArray();
      }
      field(g, "nextCursor", r.nextCursor(), binding);
      field(g, "_meta", r.meta(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.InitializeResult r) {
      g.writeStartObject();
      field(g, "protocolVersion", r.protocolVersion(), binding);
      field(g, "capabilities", r.capabilities(), binding);
      field(g, "serverInfo", r.serverInfo(), binding);
      field(g, "instructions", r.instructions(), binding);
      field(g, "_meta", r.meta(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.ServerCapabilities c) {
      g.writeStartObject();
      if (c.completions() != null) {
        g.writeFieldName("completions");
        g.writeStartObject();
        g.writeEndObject();
      }
      field(g, "experimental", c.experimental(), binding);
      if (c.logging() != null) {
        g.writeFieldName("logging");
        g.writeStartObject();
        g.writeEndObject();
      }
      if (c.prompts() != null) {
        g.writeFieldName("prompts");
        g.writeStartObject();
        field(g, "listChanged", c.prompts().listChanged(), binding);
        g.writeEndObject();
      }
      if (c.resources() != null) {
        g.writeFieldName("resources");
        g.writeStartObject();
        field(g, "subscribe", c.resources().subscribe(), binding);
        field(g, "listChanged", c.resources().listChanged(), binding);
        g.writeEndObject();
      }
      if (c.tools() != null) {
        g.writeFieldName("tools");
        g.writeStartObject();
        field(g, "listChanged", c.tools().listChanged(), binding);
        g.writeEndObject();
      }
      field(g, "extensions", c.extensions(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.Implementation i) {
      g.writeStartObject();
      field(g, "name", i.name(), binding);
      field(g, "title", i.title(), binding);
      field(g, "version", i.version(), binding);
      field(g, "description", i.description(), binding);
      field(g, "icons", i.icons(), binding);
      field(g, "websiteUrl", i.websiteUrl(), binding);
      g.writeEndObject();
    } else if (v instanceof McpSchema.ToolAnnotations a) {
      g.writeStartObject();
      field(g, "title", a.title(), binding);
      field(g, "readOnlyHint", a.readOnlyHint(), binding);
      field(g, "destructiveHint", a.destructiveHint(), binding);
      field(g, "idempotentHint", a.idempotentHint(), binding);
      field(g, "openWorldHint", a.openWorldHint(), binding);
      field(g, "returnDirect", a.returnDirect(), binding);
      g.writeEndObject();
    } else {
      // As a member typed Object, the way the data binding wrote it inside the SDK's records: the
      // value's own serializer without a type id (writeValue would add one for a type that has
      // @JsonTypeInfo, such as an elicitation request's "mode", which it then wrote twice).
      SerializerProvider provider = binding.get().getSerializerProviderInstance();
      provider.findValueSerializer(v.getClass(), null).serialize(v, g, provider);
    }
  }

  private static void tool(JsonGenerator g, McpSchema.Tool t, Supplier<ObjectMapper> binding)
      throws IOException {
    g.writeStartObject();
    field(g, "name", t.name(), binding);
    field(g, "title", t.title(), binding);
    field(g, "description", t.description(), binding);
    field(g, "inputSchema", t.inputSchema(), binding);
    field(g, "outputSchema", t.outputSchema(), binding);
    field(g, "annotations", t.annotations(), binding);
    field(g, "_meta", t.meta(), binding);
    field(g, "icons", t.icons(), binding);
    g.writeEndObject();
  }

  /** A record's member: left out when null, as {@code JsonInclude.Include.NON_ABSENT} asks. */
  private static void field(JsonGenerator g, String name, Object v, Supplier<ObjectMapper> binding)
      throws IOException {
    if (v != null) {
      g.writeFieldName(name);
      write(g, v, binding);
    }
  }

  private static boolean textOnly(List<McpSchema.Content> content) {
    if (content != null) {
      for (McpSchema.Content c : content) {
        if (!(c instanceof McpSchema.TextContent)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean stringKeys(Map<?, ?> m) {
    for (Object k : m.keySet()) {
      if (!(k instanceof String)) {
        return false;
      }
    }
    return true;
  }
}
