package io.crdbmcp.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.constructors;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.methods;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.crdbmcp.core.safety.DatabaseChecks;
import io.crdbmcp.core.safety.SqlGuard;
import io.crdbmcp.core.sql.Queries;
import io.crdbmcp.core.sql.SqlExecutor;
import io.crdbmcp.core.sql.SqlWork;
import java.sql.Connection;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The shape of crdb-core (ARCHITECTURE.md, "Shape of crdb-core"), checked on the compiled classes.
 *
 * <ul>
 *   <li>{@code connect}, {@code sql} and {@code tx} are the execution engine: they depend on each
 *       other, on {@code safety} and on the root package only.
 *   <li>Every other capability ({@code schema}, {@code rows}, {@code export}, {@code demo}, and any
 *       added later) depends only on the engine, {@code safety} and the root, never on a sibling;
 *       {@code rows -> schema} (table metadata) is the one exception.
 *   <li>{@code safety} depends only on the root.
 *   <li>The root package ({@code Crdb}'s wiring and the public face) may use every package.
 * </ul>
 *
 * And nothing public opens the engine without the {@link EngineKey}: no public way to make a key,
 * and every public method that hands out a raw connection or runs work on one takes the key.
 */
@AnalyzeClasses(packages = "io.crdbmcp.core", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageRulesTest {
  private static final String ROOT = "io.crdbmcp.core";
  private static final Set<String> ENGINE = Set.of("connect", "sql", "tx");
  private static final String SAFETY = "safety";

  /** The first package level under the root ("sql", "safety" ...), "" for the root, else null. */
  static String capability(JavaClass c) {
    JavaClass base = c.isArray() ? c.getBaseComponentType() : c;
    String pkg = base.getPackageName();
    if (pkg.equals(ROOT)) {
      return "";
    }
    if (!pkg.startsWith(ROOT + ".")) {
      return null;
    }
    String rest = pkg.substring(ROOT.length() + 1);
    int dot = rest.indexOf('.');
    return dot < 0 ? rest : rest.substring(0, dot);
  }

  /** Whether code of capability {@code from} may use capability {@code to}. */
  static boolean allowed(String from, String to) {
    if (from.isEmpty() || to.isEmpty() || from.equals(to)) {
      return true; // the root wires everything; everything may use the root
    }
    if (from.equals(SAFETY)) {
      return false; // safety depends only on the root
    }
    if (to.equals(SAFETY) || ENGINE.contains(to)) {
      return true; // the engine and every capability may use the engine and safety
    }
    if (ENGINE.contains(from)) {
      return false; // the engine never depends on a capability built on it
    }
    return from.equals("rows") && to.equals("schema"); // table metadata: the one exception
  }

  private static final ArchCondition<JavaClass> RESPECT_THE_PACKAGE_RULE =
      new ArchCondition<>("depend only on the packages the rule allows") {
        @Override
        public void check(JavaClass c, ConditionEvents events) {
          String from = capability(c);
          for (Dependency d : c.getDirectDependenciesFromSelf()) {
            String to = capability(d.getTargetClass());
            if (from != null && to != null && !allowed(from, to)) {
              events.add(SimpleConditionEvent.violated(d, d.getDescription()));
            }
          }
        }
      };

  @ArchTest
  static final ArchRule packagesDependOnlyAsTheRuleAllows =
      classes().that().resideInAPackage(ROOT + "..").should(RESPECT_THE_PACKAGE_RULE);

  @ArchTest
  static final ArchRule safetyDependsOnlyOnTheRoot =
      classes()
          .that()
          .resideInAPackage(ROOT + ".safety..")
          .should()
          .onlyDependOnClassesThat(
              DescribedPredicate.describe(
                  "are outside io.crdbmcp.core, in its root package or in safety",
                  (JavaClass t) -> {
                    String to = capability(t);
                    return to == null || to.isEmpty() || to.equals(SAFETY);
                  }));

  @ArchTest
  static final ArchRule onlyTheLibraryMakesEngineKeys =
      constructors().that().areDeclaredIn(EngineKey.class).should().notBePublic();

  @ArchTest
  static final ArchRule noPublicMethodReturnsAnEngineKey =
      noMethods().that().arePublic().should().haveRawReturnType(EngineKey.class);

  private static final ArchCondition<JavaCodeUnit> TAKE_THE_ENGINE_KEY =
      new ArchCondition<>("take the EngineKey") {
        @Override
        public void check(JavaCodeUnit m, ConditionEvents events) {
          boolean key =
              m.getRawParameterTypes().stream().anyMatch(t -> t.isEquivalentTo(EngineKey.class));
          if (!key) {
            events.add(
                SimpleConditionEvent.violated(m, m.getFullName() + " does not take the key"));
          }
        }
      };

  private static DescribedPredicate<JavaCodeUnit> takesAParameterOf(Class<?>... types) {
    return DescribedPredicate.describe(
        "take work on a raw connection",
        (JavaCodeUnit m) ->
            m.getRawParameterTypes().stream()
                .anyMatch(p -> Set.of(types).stream().anyMatch(p::isEquivalentTo)));
  }

  @ArchTest
  static final ArchRule publicMethodsThatLendAConnectionTakeTheKey =
      methods()
          .that()
          .arePublic()
          .and()
          .areDeclaredInClassesThat()
          .arePublic()
          .and()
          .haveRawReturnType(Connection.class)
          .should(TAKE_THE_ENGINE_KEY);

  @ArchTest
  static final ArchRule publicCodeThatRunsWorkOnAConnectionTakesTheKey =
      codeUnits()
          .that()
          .arePublic()
          .and()
          .areDeclaredInClassesThat()
          .arePublic()
          .and(takesAParameterOf(SqlWork.class, Queries.PlainSqlWork.class))
          .should(TAKE_THE_ENGINE_KEY);

  /**
   * The public face (entry point, scopes, rows builder, results) hands out nothing of the engine:
   * no executor, guard, database checks, raw connection, data source or key. ({@code
   * Crdb.executor()} and {@code guard()} were such a way around the guard.)
   */
  @ArchTest
  static final ArchRule thePublicFaceHandsOutNoEngineInternals =
      noMethods()
          .that()
          .arePublic()
          .and()
          .areDeclaredInClassesThat()
          .resideInAPackage(ROOT)
          .should()
          .haveRawReturnType(
              DescribedPredicate.describe(
                  "an engine internal",
                  (JavaClass t) ->
                      Set.of(
                              SqlExecutor.class.getName(),
                              SqlGuard.class.getName(),
                              DatabaseChecks.class.getName(),
                              Connection.class.getName(),
                              DataSource.class.getName(),
                              EngineKey.class.getName())
                          .contains(t.getName())));
}
