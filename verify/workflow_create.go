package verify

import (
	"errors"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// creation is the create step of a verification: whether it has run, and
// its outcome.
type creation struct {
	done     bool
	customer coffeeshop.Customer
	// failed is the step's error when the customer could not be stored.
	failed error
}

// create runs the create step and records its outcome. A failure ends the
// verification before any code is sent.
func (v *verification) create(ctx workflow.Context) {
	actx := workflow.WithLocalActivityOptions(ctx, createOptions)
	nc := v.params.Create
	in := coffeeshop.Customer{ID: v.params.CustomerID, FirstName: nc.FirstName, LastName: nc.LastName,
		Email: nc.Email, PhoneNumber: v.params.PhoneNumber}
	err := workflow.ExecuteLocalActivity(actx, StoreCustomerActivity, in).Get(ctx, &v.created.customer)
	if err != nil {
		// Only a permanent failure gets here (the activity is retried
		// otherwise): keep what the client must learn, drop the wrapping.
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			var hash string
			_ = appErr.Details(&hash)
			err = temporal.NewNonRetryableApplicationError(appErr.Message(), appErr.Type(), nil, hash)
		}
		v.created.failed = err
		v.phase = phaseEnded
	} else if v.phase == phaseCreating {
		// The first code is next, unless the window closed meanwhile.
		v.phase = phaseSending
	}
	v.created.done = true
}

// validateCreate refuses a CreateUpdate that does not belong to this
// verification before it reaches history.
func (v *verification) validateCreate(ctx workflow.Context, r CreateRequest) error {
	switch {
	case v.params.Create == nil:
		return temporal.NewNonRetryableApplicationError("this verification did not create its customer", errTypeNotCreate, nil)
	case r.BodyHash != v.params.Create.BodyHash:
		return requestReused()
	}
	return nil
}

func requestReused() error {
	return temporal.NewNonRetryableApplicationError(msgRequestReused, errTypeRequestReused, nil)
}

// createdCustomer is the CreateUpdate handler: it answers with the stored
// customer once the create step has run, or with the step's failure.
func (v *verification) createdCustomer(ctx workflow.Context, r CreateRequest) (coffeeshop.Customer, error) {
	if err := workflow.Await(ctx, func() bool { return v.created.done }); err != nil {
		return coffeeshop.Customer{}, err
	}
	if v.created.failed != nil {
		return coffeeshop.Customer{}, v.created.failed
	}
	return v.created.customer, nil
}

// noCustomer is the answer to attempts and resends on a verification whose
// create failed.
func noCustomer() error {
	return temporal.NewNonRetryableApplicationError("the customer does not exist", errTypeNoCustomer, nil)
}
