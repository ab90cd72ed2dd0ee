package sqlite_test

import (
	"testing"

	"github.com/coffeeshop/coffeeshop/sqlite"
)

func TestPathFromURL(t *testing.T) {
	good := map[string]string{
		"sqlite:///var/lib/coffeeshop/db.sqlite": "/var/lib/coffeeshop/db.sqlite",
		"sqlite://localhost/tmp/x.db":            "/tmp/x.db",
		"sqlite3:///tmp/x.db":                    "/tmp/x.db",
		"file:///tmp/x.db":                       "/tmp/x.db",
		"sqlite:/tmp/x.db":                       "/tmp/x.db",
		"sqlite:data/x.db":                       "data/x.db",
		"sqlite:///tmp/with%20space.db":          "/tmp/with space.db",
	}
	for in, want := range good {
		got, err := sqlite.PathFromURL(in)
		if err != nil || got != want {
			t.Errorf("PathFromURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"postgres://localhost/db",
		"sqlite://data/x.db", // "data" would be a host
		"sqlite:///tmp/x.db?mode=ro",
		"sqlite://",
		"/tmp/x.db",
		"sqlite:///tmp/%zz",
	} {
		if got, err := sqlite.PathFromURL(in); err == nil {
			t.Errorf("PathFromURL(%q) = %q, want an error", in, got)
		}
	}
}
