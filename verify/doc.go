// Package verify holds the VerifyPhone workflow, its activities, the worker
// registration and the client side that starts verifications and sends
// codes to them.
//
// Its code runs in three places, and each file holds code of one of them:
//
//   - workflow*.go: the workflow, run and replayed in the worker's workflow
//     tasks: VerifyPhone, the methods of its state (verification), its
//     Update and Query handlers and their validators, the options it runs
//     activities with, its log lines and metrics. This code must be
//     deterministic: no clock but workflow.Now, no randomness, no I/O, no
//     goroutine but workflow.Go. layout_test.go checks these files.
//   - activities*.go: the activities, methods on *Activities, run by the
//     worker against the store, the code-send ledger and the SMS sender.
//   - client*.go: the Client, run by the API: it starts verifications and
//     sends them Updates and Queries.
//
// The other files serve all three: names.go holds every Temporal name (task
// queue, workflow and activity types, Updates, Query, error types), so that
// no other package repeats one; messages.go the values that pass between
// them (the workflow's Params and Status, the Updates' arguments, the
// activities' inputs and results); code.go and secret.go the one-time codes
// and their MACs; requestid.go the request ID carried through all three;
// worker.go the registration; texts.go (with texts/*.tmpl) the code
// messages per locale that SendCode renders.
package verify
