package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/coffeeshop/coffeeshop/internal/admin"
	"github.com/coffeeshop/coffeeshop/internal/cli"
)

// runGuard runs guard list or unblock against the store the command's
// flags name. It opens the store as the service does, so it works while
// the service runs.
func runGuard(ctx context.Context, cmd cli.Command, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, keysTimeout)
	defer cancel()
	st, _, _, err := openCommandStore(ctx, cmd)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Microsecond)
	switch c := cmd.(type) {
	case *cli.GuardList:
		return admin.ListGuard(ctx, st, now, c.Since, stdout)
	case *cli.GuardUnblock:
		return admin.Unblock(ctx, st, c.Prefix, now, stdout)
	}
	return fmt.Errorf("not a guard command: %T", cmd)
}
