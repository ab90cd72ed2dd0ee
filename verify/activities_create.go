package verify

import (
	"context"

	"github.com/coffeeshop/coffeeshop"
	"go.temporal.io/sdk/temporal"
)

// StoreCustomer is the activity that stores the customer of a
// verification that creates it. It is idempotent: when the customer exists
// already with the same fields (a retry after a lost completion, or after a
// worker crash), that is success. A phone number or email in use by another
// customer fails it for good, with the store's message naming the field,
// and so does a value the store refuses (EINVALID): the client's mistake,
// which no retry would mend.
func (a *Activities) StoreCustomer(ctx context.Context, c coffeeshop.Customer) (coffeeshop.Customer, error) {
	c.PhoneVerified = false
	err := a.Store.InsertCustomer(ctx, &c)
	if err == nil {
		return c, nil
	}
	switch coffeeshop.ErrorCode(err) {
	case coffeeshop.EINVALID:
		return coffeeshop.Customer{}, temporal.NewNonRetryableApplicationError(
			coffeeshop.ErrorMessage(err), errTypeInvalid, nil, BodyHash(&c))
	case coffeeshop.ECONFLICT:
	default:
		return coffeeshop.Customer{}, err
	}
	// Either this very customer exists (an earlier try wrote it), or the
	// phone number or email belongs to someone else.
	got, gerr := a.Store.GetCustomer(ctx, c.ID)
	switch {
	case gerr == nil && BodyHash(got) == BodyHash(&c):
		return *got, nil
	case gerr == nil:
		// Only a UUID collision gets here: retrying will not help.
		return coffeeshop.Customer{}, temporal.NewNonRetryableApplicationError(
			"a different customer has this ID", errTypeRequestReused, nil)
	case coffeeshop.ErrorCode(gerr) != coffeeshop.ENOTFOUND:
		return coffeeshop.Customer{}, gerr
	}
	return coffeeshop.Customer{}, temporal.NewNonRetryableApplicationError(
		coffeeshop.ErrorMessage(err), errTypeInUse, nil, BodyHash(&c))
}
