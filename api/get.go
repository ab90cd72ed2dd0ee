package api

import (
	"context"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
)

// GetCustomer returns one customer, or NotFound.
func (s *Server) GetCustomer(ctx context.Context, req *customerv1.GetCustomerRequest) (*customerv1.GetCustomerResponse, error) {
	c, err := s.customer(ctx, req)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	return &customerv1.GetCustomerResponse{Customer: customerToProto(c)}, nil
}

// customer reads the customer req names from the store. A missing customer
// is ENOTFOUND worded here rather than by the store, so that every store
// gives clients the same message.
func (s *Server) customer(ctx context.Context, req idRequest) (*coffeeshop.Customer, error) {
	id, err := customerID(req)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.GetCustomer(ctx, id)
	if coffeeshop.ErrorCode(err) == coffeeshop.ENOTFOUND {
		return nil, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "customer %s not found", id)
	}
	return c, err
}

// BatchGetCustomers returns one page of the customers found for up to 100
// IDs, in the order the IDs were given; IDs without a customer are left out
// and a repeated ID counts once. page_size 0 puts every customer found on
// page 0. next is true when a later page holds customers.
func (s *Server) BatchGetCustomers(ctx context.Context, req *customerv1.BatchGetCustomersRequest) (*customerv1.BatchGetCustomersResponse, error) {
	raw := req.GetCustomerIds()
	switch {
	case len(raw) == 0:
		return nil, s.statusError(ctx, invalid("%s is required", coffeeshop.FieldCustomerIDs))
	case len(raw) > maxBatchIDs:
		return nil, s.statusError(ctx, invalid("%s holds %d IDs, at most %d are allowed", coffeeshop.FieldCustomerIDs, len(raw), maxBatchIDs))
	}
	ids := make([]string, len(raw))
	for i, r := range raw {
		id, err := parseID(coffeeshop.FieldCustomerIDs, r)
		if err != nil {
			return nil, s.statusError(ctx, err)
		}
		ids[i] = id
	}

	found, err := s.Store.GetCustomers(ctx, ids)
	if err != nil {
		return nil, s.statusError(ctx, err)
	}
	page, next := pageOf(found, req.GetPageSize(), req.GetPageIndex())
	resp := &customerv1.BatchGetCustomersResponse{
		Customers: make([]*customerv1.Customer, len(page)),
		Next:      next,
	}
	for i, c := range page {
		resp.Customers[i] = customerToProto(c)
	}
	return resp, nil
}

// pageOf returns page index of all, cut in pages of size (0: one page of
// at most maxBatchIDs), and whether customers remain after it.
func pageOf(all []*coffeeshop.Customer, size, index uint32) ([]*coffeeshop.Customer, bool) {
	if size == 0 || size > maxBatchIDs {
		size = maxBatchIDs
	}
	start := uint64(index) * uint64(size)
	if start >= uint64(len(all)) {
		return nil, false
	}
	end := min(start+uint64(size), uint64(len(all)))
	return all[start:end], end < uint64(len(all))
}
