package postgres_test

import (
	"testing"

	"github.com/coffeeshop/coffeeshop/postgres"
)

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db:5432/customers":        "postgres://app:***@db:5432/customers",
		"postgresql://app:p@ss@word@db/customers":        "postgresql://app:***@db/customers",
		"postgres://app@db/customers":                    "postgres://app@db/customers",
		"postgres://db/customers":                        "postgres://db/customers",
		"mysql://root:secret@h/db":                       "mysql://root:***@h/db",
		"sqlite:.coffeeshop/customers.db":                "sqlite:.coffeeshop/customers.db",
		"user@example.com://not-a-url":                   "user@example.com://not-a-url",
		"postgres://app:s3cret@db/customers?sslmode=off": "postgres://app:***@db/customers?sslmode=off",
	} {
		if got := postgres.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
