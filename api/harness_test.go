package api

import (
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/coffeeshop/coffeeshop"
	customerv1 "github.com/coffeeshop/coffeeshop/proto/customer/v1"
	"github.com/coffeeshop/coffeeshop/sqlite"
)

// harness runs a Server as a real gRPC server on a loopback port with the
// real gateway in front of it, as production does.
type harness struct {
	store    coffeeshop.CustomerStore
	verifier *fakeVerifier
	logs     *syncBuffer
	grpcAddr string
	url      string
	// gwOpts configure the gateway start builds.
	gwOpts []GatewayOption
}

// newHarness serves a new SQLite store and a verifier that accepts code 1234
// for any stored customer.
func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{store: openStore(t)}
	h.verifier = &fakeVerifier{verify: func(id, code string) (coffeeshop.VerificationResult, error) {
		if _, err := h.store.GetCustomer(context.Background(), id); err != nil {
			return 0, coffeeshop.Errorf(coffeeshop.ENOTFOUND, "no verification for customer %s", id)
		}
		if code == "1234" {
			return coffeeshop.VerificationSuccess, nil
		}
		return coffeeshop.VerificationIncorrectCode, nil
	}}
	h.verifier.store = h.store
	h.start(t, &Server{Store: h.store, Verifier: h.verifier})
	return h
}

// start serves s, with its Logger writing to h.logs, until the test ends.
func (h *harness) start(t *testing.T, s *Server) {
	t.Helper()
	h.logs = &syncBuffer{}
	s.Logger = slog.New(slog.NewTextHandler(h.logs, nil))

	h.grpcAddr = serveGRPC(t, NewGRPCServer(s))

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	gw, err := NewGateway(ctx, h.grpcAddr, h.gwOpts...)
	if err != nil {
		t.Fatal(err)
	}
	h.url = httptestServer(t, gw)
}

// response is what a client saw.
type response struct {
	status int
	header http.Header
	body   string
}

// roundTrip sends req and returns the response, read to the end.
func roundTrip(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// do sends body ("" for none) with the given request headers, as name,
// value pairs, and returns the response.
func (h *harness) do(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	return roundTrip(t, req)
}

// want fails the test unless r has the given status and exact body.
func (r response) want(t *testing.T, status int, body string) {
	t.Helper()
	if r.status != status || r.body != body {
		t.Errorf("got %d %s\nwant %d %s", r.status, r.body, status, body)
	}
}

// openStore opens a new SQLite store, closed at the end of the test.
func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "coffeeshop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// addCustomer stores a customer directly and returns its ID.
func (h *harness) addCustomer(t *testing.T, id, first string, verified bool) string {
	t.Helper()
	ctx := context.Background()
	err := h.store.InsertCustomer(ctx, &coffeeshop.Customer{
		ID: id, FirstName: first, LastName: "L", Email: first + "@example.com",
		PhoneNumber: phoneFor(first),
	})
	if err == nil && verified {
		err = h.store.MarkPhoneVerified(ctx, id)
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// customerJSON is the exact wire form addCustomer's customers have.
func customerJSON(id, first string, verified bool) string {
	v := "false"
	if verified {
		v = "true"
	}
	return `{"id":"` + id + `","firstName":"` + first + `","lastName":"L","email":"` + first +
		`@example.com","phoneNumber":"` + phoneFor(first) + `","phoneVerified":` + v + `}`
}

// phoneFor gives each first name addCustomer uses a phone number of its
// own, since no two customers may share one.
func phoneFor(first string) string {
	return fmt.Sprintf("+1415555%04d", crc32.ChecksumIEEE([]byte(first))%10000)
}

// httptestServer serves h on a loopback port until the test ends and
// returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}

// grpcConn is a plaintext connection to the gRPC server at addr, closed
// when the test ends.
func grpcConn(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// grpcClient is a CustomerService client of the gRPC server at addr.
func grpcClient(t *testing.T, addr string) customerv1.CustomerServiceClient {
	t.Helper()
	return customerv1.NewCustomerServiceClient(grpcConn(t, addr))
}

// serveGRPC serves srv on a loopback port until the test ends and returns
// its address.
func serveGRPC(t *testing.T, srv *grpc.Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil {
			t.Errorf("grpc Serve: %v", err)
		}
	})
	return lis.Addr().String()
}
