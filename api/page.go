package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
	"github.com/coffeeshop/coffeeshop/signup"
)

// PageConfig configures NewPageBackend.
type PageConfig struct {
	// Auth is the server's Authenticator, whose page credential SignUp
	// sends; nil for an open server, which needs none.
	Auth *Authenticator
	// ClientIPs is the gateway's and the Limiter's, so that the server
	// counts each call by the address of the person's HTTP request; nil
	// counts every call by the loopback address it comes from.
	ClientIPs *ClientIPs
	// GRPCAddr is the address of the server's gRPC listener. Leave it
	// empty when the backend is given to Listen (ListenConfig.Page), which
	// sets it.
	GRPCAddr string
	// Client, when set, is used instead of a connection to GRPCAddr.
	Client customerv1.CustomerServiceClient
}

// PageBackend is the signup page's way into coffeeshop (signup.Backend):
// it calls the API's own gRPC server over a loopback connection, so that
// validation, rate limits, the SMS pumping guard and authentication apply
// to the page exactly as to API clients. Each call carries the person's
// client address the way the gateway passes an HTTP client's (ClientIPs);
// a create carries the page's credential, which the Authenticator accepts
// for CreateCustomer only, and the code steps the person's verification
// token. Errors come back as coffeeshop coded errors, an EINVALID or ECONFLICT one that
// names a field wrapped in a signup.FieldError.
type PageBackend struct {
	cfg PageConfig

	mu     sync.Mutex
	conn   *grpc.ClientConn
	client customerv1.CustomerServiceClient
	closed bool
}

var _ signup.Backend = (*PageBackend)(nil)

// NewPageBackend returns a PageBackend for cfg. It connects on first use.
func NewPageBackend(cfg PageConfig) *PageBackend {
	return &PageBackend{cfg: cfg, client: cfg.Client}
}

// listenOn sets the address of the gRPC listener (Listen).
func (p *PageBackend) listenOn(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cfg.GRPCAddr == "" {
		p.cfg.GRPCAddr = addr
	}
}

// Close closes the connection to the gRPC server; calls after it fail
// with EUNAVAILABLE. Listen's Shutdown closes a backend it was given.
func (p *PageBackend) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.conn == nil {
		return nil
	}
	err := p.conn.Close()
	p.conn, p.client = nil, nil
	return err
}

// errPageUnavailable answers a call the backend cannot make.
var errPageUnavailable = coffeeshop.Errorf(coffeeshop.EUNAVAILABLE, "the service is not available now; try again")

// customers returns the client, connecting on first use.
func (p *PageBackend) customers() (customerv1.CustomerServiceClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || (p.client == nil && p.cfg.GRPCAddr == "") {
		return nil, errPageUnavailable
	}
	if p.client == nil {
		// Plaintext, as the gateway's: the listener is this process's own.
		conn, err := grpc.NewClient(p.cfg.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, errors.Join(errPageUnavailable, err)
		}
		p.conn, p.client = conn, customerv1.NewCustomerServiceClient(conn)
	}
	return p.client, nil
}

// outgoing returns ctx with the metadata of a call for the person whose
// request r is: their address and request ID as the gateway passes them,
// and credential, when set, as the bearer credential.
func (p *PageBackend) outgoing(ctx context.Context, r *http.Request, credential string) context.Context {
	md := metadata.MD{}
	if r != nil {
		if p.cfg.ClientIPs != nil {
			md = metadata.Join(md, p.cfg.ClientIPs.annotate(ctx, r))
		}
		md = metadata.Join(md, forwardRequestID(ctx, r))
	}
	if credential != "" {
		md.Set(authorizationMetadata, "Bearer "+credential)
	}
	return metadata.NewOutgoingContext(ctx, md)
}

// SignUp creates the customer through CreateCustomer with the page's
// credential, and returns its ID and verification token. The texts are in
// the browser's preferred language (pageLocale).
func (p *PageBackend) SignUp(ctx context.Context, r *http.Request, c signup.NewCustomer) (customerID, token string, err error) {
	client, err := p.customers()
	if err != nil {
		return "", "", err
	}
	resp, err := client.CreateCustomer(p.outgoing(ctx, r, p.cfg.Auth.pageCredential()), &customerv1.CreateCustomerRequest{
		Customer:  &customerv1.Customer{FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, PhoneNumber: c.PhoneNumber},
		RequestId: c.RequestID,
		Locale:    pageLocale(r),
	})
	if err != nil {
		return "", "", pageError(err)
	}
	return resp.GetCustomer().GetId(), resp.GetVerificationToken(), nil
}

// Verify sends one code attempt with the person's token.
func (p *PageBackend) Verify(ctx context.Context, r *http.Request, token, customerID, code string) (coffeeshop.VerificationResult, error) {
	client, err := p.customers()
	if err != nil {
		return coffeeshop.VerificationUnspecified, err
	}
	resp, err := client.VerifyCustomer(p.outgoing(ctx, r, token),
		&customerv1.VerifyCustomerRequest{CustomerId: customerID, VerificationCode: code})
	if err != nil {
		return coffeeshop.VerificationUnspecified, pageError(err)
	}
	return resultFromProto(resp.GetResult())
}

// Resend asks for a new code with the person's token.
func (p *PageBackend) Resend(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error) {
	client, err := p.customers()
	if err != nil {
		return nil, err
	}
	resp, err := client.ResendCode(p.outgoing(ctx, r, token), &customerv1.ResendCodeRequest{CustomerId: customerID})
	if err != nil {
		return nil, pageError(err)
	}
	return verificationFromProto(resp.GetVerification())
}

// Status reads the verification with the person's token.
func (p *PageBackend) Status(ctx context.Context, r *http.Request, token, customerID string) (*coffeeshop.Verification, error) {
	client, err := p.customers()
	if err != nil {
		return nil, err
	}
	resp, err := client.GetVerification(p.outgoing(ctx, r, token), &customerv1.GetVerificationRequest{CustomerId: customerID})
	if err != nil {
		return nil, pageError(err)
	}
	return verificationFromProto(resp.GetVerification())
}

// pageFields are the request fields an EINVALID message may start with,
// longer names before the ones they start with.
var pageFields = []string{
	coffeeshop.FieldFirstName, coffeeshop.FieldLastName, coffeeshop.FieldEmail, coffeeshop.FieldPhoneNumber,
	coffeeshop.FieldVerificationCode, coffeeshop.FieldCustomerIDs, coffeeshop.FieldCustomerID, coffeeshop.FieldRequestID,
	coffeeshop.FieldCustomer,
}

// pageError is the coded error of a failed call (errorFromStatus); an
// EINVALID or ECONFLICT one whose message starts with a field's name (a
// value another customer has) is wrapped in a signup.FieldError naming it.
func pageError(err error) error {
	err = errorFromStatus(err)
	if code := coffeeshop.ErrorCode(err); code != coffeeshop.EINVALID && code != coffeeshop.ECONFLICT {
		return err
	}
	msg := coffeeshop.ErrorMessage(err)
	for _, f := range pageFields {
		if strings.HasPrefix(msg, f+" ") {
			return &signup.FieldError{Field: f, Err: err}
		}
	}
	return err
}
