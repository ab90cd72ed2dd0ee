package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/coffeeshop/coffeeshop"
)

func testCreatePhoneOrEmailInUse(t *testing.T, s coffeeshop.CustomerStore) {
	first := newCustomer()
	insert(t, s, first)

	samePhone := newCustomer()
	samePhone.PhoneNumber = first.PhoneNumber
	sameEmail := newCustomer()
	sameEmail.Email = strings.ToUpper(first.Email) // letter case does not make it another address
	bothInUse := newCustomer()
	bothInUse.PhoneNumber, bothInUse.Email = first.PhoneNumber, first.Email
	for _, tc := range []struct {
		name  string
		c     *coffeeshop.Customer
		field string
	}{
		{"phone", samePhone, coffeeshop.FieldPhoneNumber},
		{"email", sameEmail, coffeeshop.FieldEmail},
		// Both in use: the phone number is named, on every store alike,
		// whichever index the database checks first.
		{"phone and email", bothInUse, coffeeshop.FieldPhoneNumber},
	} {
		err := s.InsertCustomer(t.Context(), tc.c)
		want := coffeeshop.InUseError(tc.field)
		var got *coffeeshop.Error
		if !errors.As(err, &got) || got.Code != coffeeshop.ECONFLICT || got.Message != coffeeshop.ErrorMessage(want) {
			t.Errorf("%s in use: InsertCustomer = %v, want %v", tc.name, err, want)
		}
		if _, err := s.GetCustomer(t.Context(), tc.c.ID); coffeeshop.ErrorCode(err) != coffeeshop.ENOTFOUND {
			t.Errorf("%s in use: the refused customer was stored (GetCustomer: %v)", tc.name, err)
		}
	}

	// Once the first customer is gone, its phone number and email are free.
	if err := s.DeleteCustomer(t.Context(), first.ID); err != nil {
		t.Fatalf("DeleteCustomer: %v", err)
	}
	insert(t, s, samePhone)
}
