package devserver_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// The data dir holds two SQLite files: the server's state and its
// visibility records. (A data dir made before visibility had a file of its
// own gets a new one at its next start; that needs a new process to test,
// since the server's SQLite plugin keeps its connections for the life of
// the process.)
func TestDataDirFiles(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exists := func(t *testing.T, name string) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	t.Run("new data dir", func(t *testing.T) {
		srv, _ := startServer(t, dir, false)
		exists(t, "temporal.db")
		exists(t, "visibility.db")
		c := dial(t, srv.FrontendAddr())
		startWorker(t, c)
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet-files", TaskQueue: taskQueue}, Greet, "Ada")
		if err == nil {
			err = run.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("workflow: %v", err)
		}
	})
}
