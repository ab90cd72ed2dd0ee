package verify

import (
	"go.temporal.io/sdk/worker"
)

// Register registers the VerifyPhone workflow and the activities of a on w.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflow(VerifyPhone)
	w.RegisterActivity(a)
}
