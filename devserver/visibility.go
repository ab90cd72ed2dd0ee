package devserver

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
)

// keptVisibilityIndexes are the indexes of the visibility table that the
// Web UI's lists and counts use: the default order (latest first), and
// filters by workflow ID, type, status, task queue and start time. The
// schema has some sixty indexes, one for every built-in and pre-allocated
// custom search attribute; each insert or update of a workflow's record
// changes every one of them. coffeeshop sets no custom search attributes
// and lists no workflows itself, so the rest only cost writes: with them, a
// record's insert took about six times as long (docs/benchmarks.md, "Fast
// creates"). A query that filters on another attribute still works, by
// scanning the table. The schema is Temporal's: check this list against a
// new server's schema and the Web UI's queries at each upgrade.
var keptVisibilityIndexes = map[string]bool{
	"default_idx":       true,
	"by_execution_time": true,
	"by_workflow_id":    true,
	"by_workflow_type":  true,
	"by_status":         true,
	"by_task_queue":     true,
}

// trimVisibility drops the visibility table's indexes that are not kept
// from the SQLite file at path. It runs on every start, before the server
// opens the file, and finds nothing to drop after the first. The caller
// must hold the data dir's lock.
func trimVisibility(ctx context.Context, path string) error {
	q := url.Values{"_pragma": {"busy_timeout(10000)", "journal_mode(wal)"}}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("devserver: open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("devserver: list visibility indexes in %s: %w", path, err)
	}
	var drop []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("devserver: list visibility indexes in %s: %w", path, err)
		}
		if !keptVisibilityIndexes[name] {
			drop = append(drop, name)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("devserver: list visibility indexes in %s: %w", path, err)
	}
	rows.Close()
	if len(drop) == 0 {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("devserver: trim visibility indexes in %s: %w", path, err)
	}
	defer tx.Rollback()
	for _, name := range drop {
		// Names come from sqlite_master; quoting keeps any name a name.
		if _, err := tx.ExecContext(ctx, `DROP INDEX IF EXISTS "`+strings.ReplaceAll(name, `"`, `""`)+`"`); err != nil {
			return fmt.Errorf("devserver: drop visibility index %s in %s: %w", name, path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("devserver: trim visibility indexes in %s: %w", path, err)
	}
	return nil
}
