// Explore any database from JShell with the cockroachdb-mcp library. It discovers the tables
// instead of assuming a schema; to try it on the sample data, start `bin/cockroachdb-mcp --demo`
// and use the URL it prints on stderr ("demo database ... at postgresql://...").
//   ./mvnw -q -pl examples -am package -DskipTests
//   CRDB_URL=postgresql://... jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/explore.jsh
import io.crdbmcp.core.*;
import java.util.List;

var crdb = Crdb.open(CrdbConfig.fromEnvironment());
var db = crdb.connections().get(null);
System.out.println("Connected to " + db.dialect().displayName());

var tables = crdb.schema().listTables(db, null, null, Caller.local());
for (var t : tables) {
  System.out.println(t.kind() + " " + t.schema() + "." + t.name() + " ~" + t.estimatedRows() + " rows");
}

var first = tables.stream().filter(t -> t.kind().equals("table")).findFirst();
if (first.isPresent()) {
  var name = "\"" + first.get().schema().replace("\"", "\"\"") + "\".\"" + first.get().name().replace("\"", "\"\"") + "\"";
  var result = crdb.queries().executePlainSql(db, "SELECT * FROM " + name + " LIMIT $1", List.of(3), null, null, Caller.local());
  System.out.println(name + ": " + result.columns().size() + " columns, first rows:");
  result.rows().forEach(row -> System.out.println(row));
  var verdict = crdb.queries().validatePlainSql(db, "DELETE FROM " + name);
  System.out.println("DELETE FROM " + name + " allowed? " + verdict.allowed() + " " + verdict.classification().kind());
} else {
  System.out.println("No tables yet: the database is empty.");
}

crdb.close();
/exit
