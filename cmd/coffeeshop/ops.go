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
	"github.com/coffeeshop/coffeeshop/twiliohook"
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
// the HTTP port, and counts every request. With receipts, Twilio's status
// callbacks are served at twiliohook.Path. With a signup page, /signup
// and everything under it go to the page, and when home is set (dev) a
// GET of / is sent there (303); everything else goes to the gateway.
func apiHandler(o *opsserver.Ops, page http.Handler, home bool, receipts http.Handler) func(gateway http.Handler) http.Handler {
	return func(gateway http.Handler) http.Handler {
		mux := o.Mux()
		mux.Handle("/", gateway)
		if receipts != nil {
			// Twilio's status callbacks: signed, so no API key.
			mux.Handle(twiliohook.Path, receipts)
		}
		if page != nil {
			mux.Handle(signupPath, page)
			mux.Handle(signupPath+"/", page)
			if home {
				mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, signupPath, http.StatusSeeOther)
				})
			}
		}
		return api.ObserveHTTP(o.Metrics, mux)
	}
}

// signupPath is where the signup page is served on the HTTP port.
const signupPath = "/signup"

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
