package io.crdbmcp.core.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class or method only when the test database is CockroachDB ({@code CRDB_TEST_URL}
 * pointing at one, or Testcontainers with Docker); reported as skipped otherwise.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("cockroachdb")
@ExtendWith({CockroachOnly.Condition.class, DatabaseExtension.class})
public @interface CockroachOnly {
  /** Enables the test when the backend is CockroachDB. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      TestDb db = TestDb.get();
      return db.isCockroach()
          ? ConditionEvaluationResult.enabled("backend is " + db.dialect().displayName())
          : ConditionEvaluationResult.disabled(
              "needs CockroachDB; the test database is "
                  + db.backend()
                  + " ("
                  + db.dialect().displayName()
                  + "). Set CRDB_TEST_URL to a CockroachDB cluster or run Docker.");
    }
  }
}
