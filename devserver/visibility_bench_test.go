package devserver

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchVisibility measures what one workflow's visibility record costs
// SQLite: its insert at start (and, with update, its rewrite as at a
// search attribute upsert or the close) on a file with the full schema or
// with the indexes trimmed, 1,000 records already in it.
//
//	go test ./devserver -run XXX -bench Visibility -benchtime 2000x
func benchVisibility(b *testing.B, trim, update bool) {
	dir := b.TempDir()
	path := filepath.Join(dir, visibilityFileName)
	if err := createDatabase(path); err != nil {
		b.Fatal(err)
	}
	if trim {
		if err := trimVisibility(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(wal)&_pragma=synchronous(normal)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	const cols = `namespace_id, run_id, workflow_type_name, workflow_id, start_time, execution_time, status,
		history_length, history_size_bytes, state_transition_count, memo, encoding, task_queue,
		search_attributes, root_workflow_id, root_run_id`
	insert := `INSERT INTO executions_visibility (` + cols + `)
		VALUES (?, ?, 'VerifyPhone', ?, ?, ?, 1, 2, 500, 1, x'0a0b', 'Proto3', 'customers', '{}', ?, ?)
		ON CONFLICT (namespace_id, run_id) DO NOTHING`
	// As the server's upsert: every column set again.
	upsert := `INSERT INTO executions_visibility (` + cols + `)
		VALUES (?, ?, 'VerifyPhone', ?, ?, ?, 2, 9, 900, 3, x'0a0b', 'Proto3', 'customers', '{}', ?, ?)
		ON CONFLICT (namespace_id, run_id) DO UPDATE SET workflow_type_name = excluded.workflow_type_name,
		workflow_id = excluded.workflow_id, start_time = excluded.start_time,
		execution_time = excluded.execution_time, status = excluded.status,
		history_length = excluded.history_length, history_size_bytes = excluded.history_size_bytes,
		state_transition_count = excluded.state_transition_count, memo = excluded.memo,
		task_queue = excluded.task_queue, search_attributes = excluded.search_attributes,
		root_workflow_id = excluded.root_workflow_id, root_run_id = excluded.root_run_id`
	now := time.Now().UTC().Format("2006-01-02 15:04:05.999999-07:00")
	write := func(q, id string) {
		if _, err := db.Exec(q, "ns", id, "wf-"+id, now, now, "wf-"+id, id); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 1000; i++ {
		write(insert, fmt.Sprintf("pre-%d", i))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("run-%d", i)
		write(insert, id)
		if update {
			write(upsert, id)
		}
	}
}

func BenchmarkVisibilityInsertFull(b *testing.B)    { benchVisibility(b, false, false) }
func BenchmarkVisibilityInsertTrimmed(b *testing.B) { benchVisibility(b, true, false) }
func BenchmarkVisibilityUpsertFull(b *testing.B)    { benchVisibility(b, false, true) }
func BenchmarkVisibilityUpsertTrimmed(b *testing.B) { benchVisibility(b, true, true) }
