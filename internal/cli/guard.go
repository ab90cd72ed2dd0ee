package cli

import (
	"errors"
	"fmt"
	"time"
)

// Guard reads and lifts the blocks of the SMS pumping guard. Its
// subcommands open the customer database themselves, so they work while
// the service runs, and act on every api process at once: the blocks live
// in the database.
type Guard struct {
	List    GuardList    `cmd:"" help:"Prints the number prefixes blocked now (prefix, country, since, until, strikes, and the sends and verified in the window when it was blocked), then the sends, verified and conversion per country over --since."`
	Unblock GuardUnblock `cmd:"" help:"Lifts the block of a number prefix at once and forgets its strikes and counted sends; every api process lets its numbers through again. Exits 1 when the prefix is not blocked."`
}

// GuardList lists the blocks and the per-country counts.
type GuardList struct {
	StoreFlags
	Since time.Duration `name:"since" min:"1m" max:"720h" env:"COFFEESHOP_GUARD_SINCE" default:"24h" help:"how far back the per-country counts go (1m-720h); the store keeps them for a day, or the guard's longest window if longer"`
}

// GuardUnblock lifts a prefix's block.
type GuardUnblock struct {
	StoreFlags
	Prefix string `arg:"" name:"prefix" help:"the blocked prefix, as guard list shows it: + and the number's digits without its last three, e.g. +447911123"`
}

func (c *GuardList) validate() error { return errors.Join(c.StoreFlags.validate()...) }

func (c *GuardUnblock) validate() error {
	errs := c.StoreFlags.validate()
	if !ValidPrefix(c.Prefix) {
		errs = append(errs, fmt.Errorf("PREFIX %q: not a number prefix: + and 1 to 15 digits, as guard list shows it", c.Prefix))
	}
	return errors.Join(errs...)
}

// ValidPrefix reports whether p looks like a number prefix the guard
// counts by: + and 1 to 15 digits.
func ValidPrefix(p string) bool {
	if len(p) < 2 || len(p) > 16 || p[0] != '+' {
		return false
	}
	for _, r := range p[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
