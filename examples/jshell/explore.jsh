// Explore any database from JShell with the cockroachdb-mcp library. It discovers the tables
// instead of assuming a schema; to try it on the sample data, start `bin/cockroachdb-mcp --demo`
// and use the URL it prints on stderr ("demo database ... at postgresql://...").
//   ./mvnw -q -pl examples -am package -DskipTests
//   CRDB_URL=postgresql://... jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/explore.jsh
// Interactively, evaluate results instead of printing them: `crdb.tables()` shows the same table.
import io.crdbmcp.core.*;

var crdb = Crdb.create(cfg -> cfg.fromEnvironment());
System.out.println("Connected to " + crdb.database().dialect().displayName());

var tables = crdb.tables();
System.out.println(tables);
for (var t : tables) {
  System.out.println(t.kind() + " " + t.schema() + "." + t.name() + " ~" + t.estimatedRows() + " rows");
}

var first = tables.stream().filter(t -> t.kind().equals("table")).findFirst();
if (first.isPresent()) {
  var t = first.get();
  // Rows by table name: no SQL to write, names are looked up in the catalog.
  var rows = crdb.rows(t.name()).schema(t.schema()).limit(3).read();
  System.out.println(t.schema() + "." + t.name() + ": " + rows.columns().size() + " columns, first rows:");
  System.out.println(rows);
  var name = "\"" + t.schema().replace("\"", "\"\"") + "\".\"" + t.name().replace("\"", "\"\"") + "\"";
  var verdict = crdb.validate("DELETE FROM " + name);
  System.out.println("DELETE FROM " + name + " allowed? " + verdict.allowed() + " " + verdict.classification().kind());
} else {
  System.out.println("No tables yet: the database is empty.");
}

crdb.close();
/exit
