package io.crdbmcp.tools;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import java.util.Map;

/**
 * The SDK's JSON schema validator, created on first use. Building it loads the schema library and
 * its meta-schemas (tens of milliseconds), which would otherwise delay the answer to {@code
 * initialize}; the first tool call pays it instead.
 */
final class LazySchemaValidator implements JsonSchemaValidator {
  private volatile JsonSchemaValidator delegate;

  private JsonSchemaValidator delegate() {
    JsonSchemaValidator d = delegate;
    if (d == null) {
      synchronized (this) {
        if (delegate == null) {
          delegate = McpJsonDefaults.getSchemaValidator();
        }
        d = delegate;
      }
    }
    return d;
  }

  @Override
  public ValidationResponse validate(Map<String, Object> schema, Object structuredContent) {
    return delegate().validate(schema, structuredContent);
  }

  @Override
  public ValidationResponse validateSchema(Map<String, Object> schema) {
    return delegate().validateSchema(schema);
  }
}
