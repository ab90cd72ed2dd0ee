package main

import (
	"github.com/coffeeshop/coffeeshop/api"
)

// limits is the API's limit table.
func (f *limitFlags) limits() api.Limits {
	return api.Limits{
		api.CreateMethod: {PerIP: f.CreateIP.Rate, PerPhone: f.CreatePhone.Rate},
		api.VerifyMethod: {PerIP: f.VerifyIP.Rate, PerPhone: f.VerifyPhone.Rate},
		api.ResendMethod: {PerIP: f.ResendIP.Rate, PerPhone: f.ResendPhone.Rate},
	}
}
