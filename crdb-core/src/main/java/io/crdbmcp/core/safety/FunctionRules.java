package io.crdbmcp.core.safety;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Which function calls are dangerous, side-effecting or touch server files. */
final class FunctionRules {

  private FunctionRules() {}

  /** Functions that read or write server files; refused whatever the policy. */
  private static final Set<String> FILE_EXACT =
      Set.of(
          "pg_read_file",
          "pg_read_binary_file",
          "pg_ls_dir",
          "pg_stat_file",
          "pg_file_write",
          "pg_file_rename",
          "pg_file_unlink",
          "pg_file_sync",
          "pg_logdir_ls",
          "lo_import",
          "lo_export");

  /** Functions that run SQL text given as an argument, out of the guard's sight. */
  private static final Set<String> DYNAMIC_SQL =
      Set.of(
          "query_to_xml",
          "query_to_xml_and_xmlschema",
          "query_to_xmlschema",
          "cursor_to_xml",
          "cursor_to_xmlschema",
          "table_to_xml",
          "table_to_xml_and_xmlschema",
          "table_to_xmlschema",
          "schema_to_xml",
          "schema_to_xml_and_xmlschema",
          "schema_to_xmlschema",
          "database_to_xml",
          "database_to_xml_and_xmlschema",
          "database_to_xmlschema",
          "ts_stat",
          "ts_rewrite",
          // Extensions: tablefunc runs its text arguments, xml2 builds SQL from its arguments.
          "crosstab",
          "crosstab2",
          "crosstab3",
          "crosstab4",
          "connectby",
          "xpath_table");

  private static final Set<String> SIDE_EFFECT_EXACT =
      Set.of(
          "pg_terminate_backend",
          "pg_cancel_backend",
          "pg_reload_conf",
          "pg_rotate_logfile",
          "pg_notify",
          "nextval",
          "setval",
          "pg_sleep",
          "pg_sleep_for",
          "pg_sleep_until",
          "set_config",
          "pg_create_restore_point",
          "pg_switch_wal",
          "pg_switch_xlog",
          "pg_promote",
          "pg_start_backup",
          "pg_stop_backup",
          "pg_backup_start",
          "pg_backup_stop",
          "pg_drop_replication_slot",
          "pg_logical_emit_message",
          "pg_import_system_collations",
          "pg_log_backend_memory_contexts",
          "pg_wal_replay_pause",
          "pg_wal_replay_resume",
          "pg_xlog_replay_pause",
          "pg_xlog_replay_resume",
          "pg_truncate_visibility_map",
          "pg_nextoid",
          "txid_current",
          "pg_current_xact_id",
          "brin_summarize_new_values",
          "brin_summarize_range",
          "brin_desummarize_range",
          "gin_clean_pending_list",
          "setseed",
          "binary_upgrade_create_empty_extension");

  private static final List<String> SIDE_EFFECT_PREFIXES =
      List.of(
          "lo_",
          "dblink",
          "pg_advisory_",
          "pg_try_advisory_",
          "pg_replication_",
          "pg_logical_slot_",
          "pg_stat_reset",
          "pg_copy_",
          "binary_upgrade_");

  /**
   * Functions that turn object names or ids into definitions, sizes, privileges or statistics;
   * refused while access control is configured (the schema tools filter what they show).
   */
  private static final Set<String> CATALOG_INFO_EXACT =
      Set.of(
          "obj_description",
          "col_description",
          "shobj_description",
          "format_type",
          "currval",
          "lastval",
          "row_security_active");

  private static final List<String> CATALOG_INFO_PREFIXES =
      List.of(
          "pg_get_",
          "pg_relation_",
          "pg_total_relation_",
          "pg_table_",
          "pg_indexes_",
          "pg_index_",
          "pg_indexam_",
          "pg_column_is_",
          "pg_describe_object",
          "pg_identify_object",
          "pg_partition_",
          "pg_filenode_",
          "pg_stat_get_",
          "pg_sequence_",
          "pg_options_to_table",
          "has_",
          "to_reg",
          "pg_type_is_visible",
          "pg_function_is_visible",
          "pg_opclass_is_visible",
          "pg_conversion_is_visible",
          "pg_ts_");

  /** Types whose input function turns a name into an object id (and so reveals it exists). */
  static final Set<String> OBJECT_ID_TYPES =
      Set.of(
          "regclass",
          "regproc",
          "regprocedure",
          "regoper",
          "regoperator",
          "regtype",
          "regnamespace",
          "regrole",
          "regconfig",
          "regdictionary",
          "regcollation");

  /** crdb_internal functions considered harmless reads. Everything else there is refused in RO. */
  private static final Set<String> CRDB_ALLOWED =
      Set.of(
          "cluster_id",
          "node_id",
          "cluster_name",
          "is_admin",
          "locality_value",
          "approximate_timestamp",
          "pretty_key");

  /** crdb_internal functions refused whatever the policy. */
  private static final Set<String> CRDB_DANGEROUS =
      Set.of(
          "force_panic",
          "force_log_fatal",
          "force_error",
          "force_assertion_error",
          "force_delete_table_data",
          "reset_sql_stats",
          "reset_activity_tables",
          "reset_index_usage_stats",
          "reset_insights_tables",
          "complete_stream_ingestion_job",
          "set_vmodule",
          "create_tenant",
          "destroy_tenant",
          "update_tenant_resource_limits",
          "gc_tenant",
          "send_kv_batch",
          "compact_engine_span",
          "upsert_dropped_relation_gc_ttl",
          "revalidate_unique_constraint",
          "revalidate_unique_constraints_in_table",
          "revalidate_unique_constraints_in_all_tables",
          "set_compaction_concurrency",
          "repair_ttl_table_scheduled_job",
          "request_statement_bundle",
          "request_job_execution_details",
          "scan_storage_internal_keys");

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** The function's own name (last part), lowercased. */
  static String baseName(String qualified) {
    String q = lower(qualified);
    int dot = q.lastIndexOf('.');
    return dot < 0 ? q : q.substring(dot + 1);
  }

  /** The schema part (second to last), lowercased, or "" when unqualified. */
  static String schemaOf(String qualified) {
    String q = lower(qualified);
    int dot = q.lastIndexOf('.');
    if (dot < 0) {
      return "";
    }
    String head = q.substring(0, dot);
    int d2 = head.lastIndexOf('.');
    return d2 < 0 ? head : head.substring(d2 + 1);
  }

  static boolean isCrdbInternal(String qualified) {
    return schemaOf(qualified).equals("crdb_internal");
  }

  static boolean isFileAccess(String qualified) {
    String b = baseName(qualified);
    return FILE_EXACT.contains(b) || (b.startsWith("pg_ls_") && b.endsWith("dir"));
  }

  static boolean isDynamicSql(String qualified) {
    String b = baseName(qualified);
    return DYNAMIC_SQL.contains(b) || b.startsWith("dblink");
  }

  static boolean isDangerous(String qualified) {
    if (!isCrdbInternal(qualified)) {
      return false;
    }
    String b = baseName(qualified);
    return CRDB_DANGEROUS.contains(b)
        || b.startsWith("unsafe_")
        || (b.startsWith("force_") && !b.equals("force_retry"));
  }

  /** Functions that reveal names, definitions or statistics of catalog objects. */
  static boolean isCatalogInfo(String qualified) {
    String b = baseName(qualified);
    if (CATALOG_INFO_EXACT.contains(b) || (b.startsWith("pg_") && b.endsWith("_is_visible"))) {
      return true;
    }
    for (String p : CATALOG_INFO_PREFIXES) {
      if (b.startsWith(p)) {
        return true;
      }
    }
    return b.startsWith("has_") && b.endsWith("_privilege");
  }

  /** Functions with side effects (or that escape inspection); refused in read-only mode. */
  static boolean isSideEffect(String qualified) {
    String b = baseName(qualified);
    if (isCrdbInternal(qualified)) {
      return !CRDB_ALLOWED.contains(b);
    }
    if (SIDE_EFFECT_EXACT.contains(b) || isDynamicSql(qualified) || isFileAccess(qualified)) {
      return true;
    }
    if (b.startsWith("pg_create_") && b.endsWith("replication_slot")) {
      return true;
    }
    for (String p : SIDE_EFFECT_PREFIXES) {
      if (b.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
