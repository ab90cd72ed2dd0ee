package devserver

import (
	"context"
	"database/sql"
	"path/filepath"
	"sort"
	"testing"
)

// visibilityIndexes lists the indexes of the visibility table in the file
// at path.
func visibilityIndexes(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestVisibilityTrimmed: a new data dir's visibility file keeps only the
// indexes the Web UI uses, and a second start (nothing left to drop) leaves
// it as it is.
func TestVisibilityTrimmed(t *testing.T) {
	dir := t.TempDir()
	if _, err := prepareDatabases(dir, clusterName, "default", DefaultRetention); err != nil {
		t.Fatal(err)
	}
	vis := filepath.Join(dir, visibilityFileName)
	got := visibilityIndexes(t, vis)
	var want []string
	for n := range keptVisibilityIndexes {
		want = append(want, n)
	}
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("visibility indexes %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("visibility indexes %v, want %v", got, want)
		}
	}
	if err := trimVisibility(context.Background(), vis); err != nil {
		t.Fatalf("second trim: %v", err)
	}
	if again := visibilityIndexes(t, vis); len(again) != len(want) {
		t.Fatalf("after a second trim: %v", again)
	}
}
