package verify

import (
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers the VerifyPhone workflow and the activities of a on w,
// each under its name from names.go.
func Register(w worker.Registry, a *Activities) {
	w.RegisterWorkflowWithOptions(VerifyPhone, workflow.RegisterOptions{Name: VerifyPhoneWorkflow})
	w.RegisterActivityWithOptions(a.StoreCustomer, activity.RegisterOptions{Name: StoreCustomerActivity})
	w.RegisterActivityWithOptions(a.SendCode, activity.RegisterOptions{Name: SendCodeActivity})
	w.RegisterActivityWithOptions(a.MarkVerified, activity.RegisterOptions{Name: MarkVerifiedActivity})
}

// WorkerOptions are the verification worker's options; the engine ceiling
// (coffeeshop ceiling) runs its workflows with the same ones. A stopping
// worker lets the activities and workflow tasks it has started finish and
// report for up to stopTimeout before it cancels them: with none, a
// SendCode in flight is canceled, another worker retries it, and a text
// that had gone out without its result being recorded is sent twice.
func WorkerOptions(stopTimeout time.Duration) worker.Options {
	return worker.Options{Interceptors: WorkerInterceptors(), WorkerStopTimeout: stopTimeout}
}

// StartWorker starts a worker of the verification task queue with a's
// activities.
func StartWorker(tc client.Client, a *Activities, stopTimeout time.Duration) (worker.Worker, error) {
	SetStickyCache(DefaultStickyCacheSize) // does nothing if the process set it already
	w := worker.New(tc, TaskQueue, WorkerOptions(stopTimeout))
	Register(w, a)
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// DefaultStickyCacheSize bounds the workflows a worker process keeps in
// memory between their workflow tasks (the SDK's default is 10,000), each
// with its state and coroutines (goroutines): about 45 KB for an open
// verification. --workflow-cache sets it. A workflow that is not cached is
// rebuilt from its history at its next task, which for a verification is
// some twenty events: cheap next to the memory. 128 is well above the
// verifications with a task in flight at once at the load tests'
// concurrency (32); open verifications fill the cache whatever its size,
// so the size is what they cost (1,024 held ~40 MB more heap and stacks
// than 128 in a long run of bench).
const DefaultStickyCacheSize = 128

var stickyOnce sync.Once

// SetStickyCache sets the SDK's cache of workflows to n. The setting is per
// process and takes effect only if made before the first worker of the
// process is created — and an embedded Temporal server creates workers of
// its own (system workflows) when it starts, so a process that embeds one
// calls it before that. Only the first call of a process counts.
func SetStickyCache(n int) {
	stickyOnce.Do(func() { worker.SetStickyWorkflowCacheSize(n) })
}
