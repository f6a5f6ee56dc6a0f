extension SQLStatementAnalyzer {
    /// One level of parentheses during the table scan.
    private struct Level {
        /// Whether `FROM`/`JOIN` here introduce tables (a query, not an expression such as
        /// `extract(year FROM ts)`).
        var counts: Bool
        /// The statement's leading word at this level (`DELETE`, `MERGE`, ...).
        var verb: SQLKeyword
        /// Inside a comma-separated `FROM`/`USING` list.
        var listActive = false
    }

    /// Finds tables after `FROM`, `JOIN`, list commas, and `USING` in `DELETE`/`MERGE`,
    /// at every level of subqueries, skipping functions, subqueries and CTE names.
    mutating func scanTableReferences() {
        var first = 0
        while isPunct(first, "(") { first += 1 }
        var levels = [Level(counts: Self.tableScanningStatements.contains(kw(first)), verb: mainVerb)]
        levels.reserveCapacity(8)
        var index = 0
        while index < words.count {
            let word = words[index]
            if word.punct != 0 {
                switch word.punct {
                case UInt8(ascii: "("):
                    let next = kw(index + 1)
                    let previous = kw(index - 1)
                    let current = levels[levels.count - 1]
                    if Self.subqueryStarters.contains(next) {
                        levels.append(Level(counts: true, verb: next))
                    } else if current.counts
                        && (previous == .from || previous == .join || previous == .lateral
                            || (current.listActive && isPunct(index - 1, ",")))
                    {
                        levels.append(Level(counts: true, verb: current.verb))  // parenthesised join
                    } else {
                        levels.append(Level(counts: false, verb: .none))
                    }
                case UInt8(ascii: ")"):
                    if levels.count > 1 { levels.removeLast() }
                case UInt8(ascii: ","):
                    let current = levels[levels.count - 1]
                    if current.counts && current.listActive { readTableReference(at: index + 1) }
                default:
                    break
                }
            } else if word.keyword != .none && levels[levels.count - 1].counts {
                switch word.keyword {
                case .from:
                    let isDistinctFrom = kw(index - 1) == .distinct && (kw(index - 2) == .is || kw(index - 2) == .not)
                    if !isDistinctFrom && kw(index + 1) != .current {
                        levels[levels.count - 1].listActive = true
                        readTableReference(at: index + 1)
                    }
                case .join, .straight_join:
                    readTableReference(at: index + 1)
                case .using:
                    let verb = levels[levels.count - 1].verb
                    if (verb == .delete || verb == .merge) && !isPunct(index + 1, "(") {
                        levels[levels.count - 1].listActive = true
                        readTableReference(at: index + 1)
                    }
                default:
                    if Self.listTerminators.contains(word.keyword) { levels[levels.count - 1].listActive = false }
                }
            }
            index += 1
        }
    }

    /// Reads one table reference at `start`: `[LATERAL] [ONLY] name`, descending into a
    /// parenthesised join; subqueries, functions, `DUAL` (MySQL) and CTE names are skipped.
    private mutating func readTableReference(at start: Int) {
        var index = start
        var steps = 0
        while steps < 16 {
            steps += 1
            let word = kw(index)
            if word == .lateral || word == .only {
                index += 1
            } else if isPunct(index, "(") {
                if Self.subqueryStarters.contains(kw(index + 1)) { return }
                index += 1
            } else {
                break
            }
        }
        if kw(index) == .rows && kw(index + 1) == .from { return }
        guard let name = qualifiedName(at: index), !isPunct(name.end, "(") else { return }
        if dialect == .mysql && name.parts == 1 && name.name == "dual" { return }
        if name.parts == 1 && !cteNames.isEmpty && cteNames.contains(name.name) { return }
        addTable(name.name, at: index)
    }

    /// Flags calls to functions with effects beyond the query.
    mutating func scanSideEffectFunctions() {
        for index in words.indices.dropLast() where isPunct(index + 1, "(") {
            let word = words[index]
            guard word.kind == .keywordOrIdentifier || word.kind == .quotedIdentifier,
                (5...40).contains(word.range.count)
            else { continue }
            if Self.sideEffectFunctions.contains(namePart(index)) {
                flags.insert(.sideEffectFunction)
                return
            }
        }
    }

    /// Leading words of statements whose top level has `FROM`/`JOIN` table clauses.
    private static let tableScanningStatements = SQLKeywordSet([
        .select, .insert, .update, .delete, .merge, .values, .table, .with, .explain, .create, .declare, .prepare,
        .upsert, .replace,
    ])

    /// Words right after `(` that make it a subquery.
    private static let subqueryStarters = SQLKeywordSet([
        .select, .insert, .update, .delete, .merge, .values, .table, .with,
    ])

    /// Clause keywords that end a `FROM` list at their level.
    private static let listTerminators = SQLKeywordSet([
        .where, .group, .having, .order, .limit, .offset, .fetch, .for, .window, .union, .intersect, .except,
        .returning, .set, .into, .values, .select, .when, .lock, .procedure, .duplicate, .update, .conflict, .do,
        .qualify,
    ])

    /// Functions whose calls reach beyond the query (lower case).
    static let sideEffectFunctions: Set<String> = [
        // Other sessions and the server
        "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
        "pg_log_backend_memory_contexts", "set_config", "pg_promote", "pg_create_restore_point", "pg_switch_wal",
        "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup", "pg_wal_replay_pause",
        "pg_wal_replay_resume", "pg_notify", "pg_logical_emit_message", "pg_import_system_collations",
        "pg_stat_reset", "pg_stat_reset_shared", "pg_stat_reset_single_table_counters",
        "pg_stat_reset_single_function_counters", "pg_stat_reset_slru", "pg_stat_reset_replication_slot",
        "pg_stat_statements_reset",
        // Replication
        "pg_create_physical_replication_slot", "pg_create_logical_replication_slot", "pg_drop_replication_slot",
        "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot", "pg_replication_origin_create",
        "pg_replication_origin_drop",
        // Server files and large objects
        "pg_read_file", "pg_read_binary_file", "pg_write_file", "pg_ls_dir", "pg_stat_file", "pg_file_write",
        "pg_file_rename", "pg_file_unlink", "pg_file_sync", "lo_import", "lo_export", "lo_unlink", "lo_from_bytea",
        "lo_put",
        // Other databases and dynamic SQL
        "dblink", "dblink_exec", "dblink_connect", "dblink_connect_u", "dblink_send_query", "dblink_open",
        "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema",
        // MySQL
        "load_file", "sys_exec", "sys_eval",
    ]
}
