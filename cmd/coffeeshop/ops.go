package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/api"
	"github.com/coffeeshop/coffeeshop/health"
	"github.com/coffeeshop/coffeeshop/opsserver"
	"go.temporal.io/sdk/client"
)

// checkReady makes readiness depend on the store and the Temporal frontend.
func checkReady(o *opsserver.Ops, st coffeeshop.CustomerStore, tc client.Client) {
	o.Ready.Checks = []health.Check{
		{Name: "store", Func: st.Ping},
		{Name: "temporal", Func: func(ctx context.Context) error {
			_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
	}
}

// apiHandler serves the operations endpoints next to the API gateway on
// the HTTP port, and counts every request.
func apiHandler(o *opsserver.Ops) func(gateway http.Handler) http.Handler {
	return func(gateway http.Handler) http.Handler {
		mux := o.Mux()
		mux.Handle("/", gateway)
		return api.ObserveHTTP(o.Metrics, mux)
	}
}

// servePprof serves Go's runtime profiles on --pprof-addr, a listener of
// their own, never reachable through the API's port. It returns a
// function that closes the listener.
func servePprof(addr string, log *slog.Logger) (func(), error) {
	s, err := opsserver.Listen(addr, opsserver.Pprof(), log)
	if err != nil {
		return nil, fmt.Errorf("listen on --pprof-addr %s: %w", addr, err)
	}
	return func() { _ = s.Close() }, nil
}
