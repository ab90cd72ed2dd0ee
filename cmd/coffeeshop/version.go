package main

import (
	"context"
	"fmt"
	"io"

	"github.com/coffeeshop/coffeeshop/internal/buildinfo"
)

// version is the release version, set when linking a release:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/coffeeshop
//
// Without it the version is the one the Go toolchain recorded: the module
// version for `go install …@v1.2.3`, "(devel)" for a build from a checkout.
var version string

func (c *versionCmd) run(_ context.Context, stdout io.Writer) error {
	_, err := fmt.Fprintln(stdout, buildinfo.Current(version))
	return err
}
