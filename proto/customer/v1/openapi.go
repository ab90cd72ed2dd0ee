package customerv1

import _ "embed"

// OpenAPI is the OpenAPI v2 document of CustomerService's HTTP/JSON routes
// (customer.swagger.json), generated from customer.proto together with the
// Go code; the API serves it at /openapi.json.
//
//go:embed customer.swagger.json
var OpenAPI string
