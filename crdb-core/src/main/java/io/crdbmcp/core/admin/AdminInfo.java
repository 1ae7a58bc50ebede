package io.crdbmcp.core.admin;

import java.util.List;

/** The requests and results of {@link Admin}: databases, roles and privileges. */
public final class AdminInfo {
  private AdminInfo() {}

  /** {@code create_database}. */
  public record CreateDatabase(String name, String owner, boolean dryRun) {}

  /** {@code drop_database}. */
  public record DropDatabase(String name, boolean confirm, boolean dryRun) {}

  /**
   * {@code create_role}. At most one of {@code password} and {@code generatePassword}; {@code
   * validUntil} an ISO date or timestamp, or {@code infinity}.
   */
  public record CreateRole(
      String name,
      boolean login,
      String password,
      boolean generatePassword,
      boolean createDb,
      boolean createRole,
      String validUntil,
      List<String> memberOf,
      boolean dryRun) {
    public CreateRole {
      memberOf = memberOf == null ? List.of() : List.copyOf(memberOf);
    }

    @Override
    public String toString() {
      return "CreateRole[" + name + ", login=" + login + "]"; // never the password
    }
  }

  /** {@code alter_role}: null (or empty) components leave that attribute unchanged. */
  public record AlterRole(
      String name,
      String password,
      boolean generatePassword,
      Boolean login,
      Boolean createDb,
      Boolean createRole,
      String validUntil,
      List<String> addMemberOf,
      List<String> removeMemberOf,
      boolean confirm,
      boolean dryRun) {
    public AlterRole {
      addMemberOf = addMemberOf == null ? List.of() : List.copyOf(addMemberOf);
      removeMemberOf = removeMemberOf == null ? List.of() : List.copyOf(removeMemberOf);
    }

    @Override
    public String toString() {
      return "AlterRole[" + name + "]"; // never the password
    }
  }

  /** {@code drop_role}. */
  public record DropRole(String name, boolean confirm, boolean dryRun) {}

  /** The object a privilege is on: {@code database}, {@code schema} or {@code table}. */
  public record On(String objectType, String object, String schema) {}

  /** {@code grant} and {@code revoke}. */
  public record Privileges(
      On on,
      List<String> privileges,
      String role,
      boolean withGrantOption,
      boolean confirm,
      boolean dryRun) {
    public Privileges {
      privileges = privileges == null ? List.of() : List.copyOf(privileges);
    }
  }

  /**
   * What an administration call did, or would do on a dry run.
   *
   * @param action {@code done} or {@code dry_run}
   * @param target what it is about, e.g. {@code database "shop"}
   * @param statements the exact statements, in order, with any password shown as {@code '****'}
   * @param impact what the statements affect (tables and rows, ownerships, memberships); may be
   *     null
   * @param password the generated password: in this result only, never stored, logged or audited
   * @param message one line saying what happened
   */
  public record Outcome(
      String action,
      String target,
      List<String> statements,
      Impact impact,
      String password,
      String message) {
    @Override
    public String toString() {
      return "Outcome[" + action + ", " + target + ", " + message + "]"; // never the password
    }
  }

  /**
   * What a statement affects. For a database: whether it exists, its tables with their approximate
   * rows (the planner's estimates), their number and the sum of the estimates. For a role: whether
   * it exists, what it owns, the roles it is a member of and its members, privileges it holds
   * elsewhere. Components that do not apply are null.
   */
  public record Impact(
      Boolean exists,
      Integer tableCount,
      Long approximateRows,
      List<TableEstimate> tables,
      List<String> owns,
      List<String> memberOf,
      List<String> members,
      List<String> privileges,
      List<String> notes) {}

  /** One table of a database about to be dropped, with the planner's row estimate (null: none). */
  public record TableEstimate(String schema, String table, Long approximateRows) {}

  /** Who can do what on one object. */
  public record Grants(String objectType, String object, List<Grant> grants, List<String> notes) {}

  /**
   * The privileges one role has on the object. On PostgreSQL effective ones (directly, through
   * PUBLIC or a membership, or as owner or superuser); on CockroachDB those {@code SHOW GRANTS}
   * lists.
   */
  public record Grant(String role, List<String> privileges, Boolean superuser, Boolean grantable) {}
}
