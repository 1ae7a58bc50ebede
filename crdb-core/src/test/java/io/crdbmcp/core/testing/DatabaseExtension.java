package io.crdbmcp.core.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension that provides the test database ({@link TestDb}: {@code CRDB_TEST_URL},
 * else Testcontainers CockroachDB when Docker answers, else embedded PostgreSQL) to test and
 * lifecycle methods that declare a {@link TestDb} parameter.
 */
public final class DatabaseExtension implements ParameterResolver {
  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestDb.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return TestDb.get();
  }
}
