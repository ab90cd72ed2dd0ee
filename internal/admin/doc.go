// Package admin holds what the operator commands (coffeeshop keys, coffeeshop
// guard) do on a store and print: creating, listing and revoking API keys,
// listing and lifting the SMS pumping guard's blocks. cmd/coffeeshop opens
// the store and calls it.
package admin
