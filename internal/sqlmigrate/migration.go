// Package sqlmigrate applies versioned SQL migrations to a database through
// database/sql. It is shared by the SQLite and PostgreSQL stores so that the
// rules for ordering, recording and locking live in one place; each store
// brings its own SQL files and the statement that locks out other migrators.
package sqlmigrate

import (
	"cmp"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
)

// Migration is one step of a schema.
type Migration struct {
	// Version orders the migrations and is recorded once applied. Versions
	// are positive and unique within a set.
	Version int64
	// Name is the descriptive part of the file name, recorded for people
	// reading the version table.
	Name string
	// SQL holds one or more statements, run in a single Exec call.
	SQL string
}

// fileName is the form of a migration file: a positive version, an
// underscore, a name, and ".sql", like "0001_create_customers.sql".
var fileName = regexp.MustCompile(`^([0-9]+)_([a-z0-9_]+)\.sql$`)

// Load reads the migrations in directory dir of fsys and returns them sorted
// by version. Every regular file in dir must be named like
// "0001_create_customers.sql"; anything else is an error rather than being
// skipped, so that a misnamed file cannot silently never run. Subdirectories
// are ignored. Two files with the same version are an error.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlmigrate: read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("sqlmigrate: file %q is not named like 0001_name.sql", e.Name())
		}
		version, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || version <= 0 {
			return nil, fmt.Errorf("sqlmigrate: file %q: version must be a positive 64-bit number", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlmigrate: read %q: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: version, Name: m[2], SQL: string(body)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("sqlmigrate: version %d is used by %q and %q",
				ms[i].Version, ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}
