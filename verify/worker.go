package verify

import (
	"go.temporal.io/sdk/activity"
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
