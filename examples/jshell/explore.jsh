// Explore a database from JShell with the cockroachdb-mcp library.
//   ./mvnw -q -pl examples -am package -DskipTests
//   CRDB_URL=postgresql://... jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/explore.jsh
import io.crdbmcp.core.*;
import java.util.List;

var crdb = Crdb.open(CrdbConfig.fromEnvironment());
var db = crdb.connections().get(null);
System.out.println("Connected to " + db.dialect().displayName());

for (var t : crdb.schema().listTables(db, null, null, Caller.local())) {
  System.out.println(t.kind() + " " + t.name() + " ~" + t.estimatedRows() + " rows");
}

var result = crdb.queries().executePlainSql(db, "SELECT name, email FROM users ORDER BY name LIMIT $1", List.of(3), null, null, Caller.local());
result.rows().forEach(row -> System.out.println(row));

var verdict = crdb.queries().validatePlainSql(db, "DELETE FROM users");
System.out.println("DELETE FROM users allowed? " + verdict.allowed() + " " + verdict.classification().kind());

crdb.close();
/exit
