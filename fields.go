package coffeeshop

// Names of request fields as clients write them, for the messages that
// name a field.
const (
	FieldCustomer         = "customer"
	FieldFirstName        = "customer.first_name"
	FieldLastName         = "customer.last_name"
	FieldEmail            = "customer.email"
	FieldPhoneNumber      = "customer.phone_number"
	FieldCustomerID       = "customer_id"
	FieldCustomerIDs      = "customer_ids"
	FieldVerificationCode = "verification_code"
	FieldRequestID        = "request_id"
	FieldLocale           = "locale"
	FieldChannel          = "channel"
)
