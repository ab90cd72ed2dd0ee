package sqlmigrate

import (
	"slices"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_second.sql":     {Data: []byte("SELECT 2;")},
		"m/0010_tenth.sql":      {Data: []byte("SELECT 10;")},
		"m/1_first.sql":         {Data: []byte("SELECT 1;")},
		"m/sub/0003_nested.sql": {Data: []byte("ignored")},
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{
		{Version: 1, Name: "first", SQL: "SELECT 1;"},
		{Version: 2, Name: "second", SQL: "SELECT 2;"},
		{Version: 10, Name: "tenth", SQL: "SELECT 10;"},
	}
	if !slices.Equal(ms, want) {
		t.Fatalf("Load = %+v, want %+v", ms, want)
	}
}

func TestLoadRejects(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"stray file":        {"m/0001_a.sql": {}, "m/README.md": {}},
		"no underscore":     {"m/0001-a.sql": {}},
		"upper case":        {"m/0001_A.sql": {}},
		"version zero":      {"m/0000_a.sql": {}},
		"version too big":   {"m/99999999999999999999_a.sql": {}},
		"duplicate version": {"m/1_a.sql": {}, "m/01_b.sql": {}},
		"missing directory": {"other/0001_a.sql": {}},
	} {
		if ms, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: Load = %+v, want an error", name, ms)
		}
	}
}
