package email_test

// The SMTP sender is tested against a real SMTP server running in the test
// process: github.com/emersion/go-smtp, a maintained server library in Go.
// It speaks the real protocol (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT,
// DATA) over a real loopback connection, and needs no external binary or
// package on the machine, so the tests run wherever `go test` does.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"github.com/coffeeshop/coffeeshop"
	"github.com/coffeeshop/coffeeshop/email"
	"github.com/coffeeshop/coffeeshop/internal/testpki"
)

const (
	testUser     = "coffeeshop"
	testPassword = "correct horse battery staple"
)

// received is one email the server accepted.
type received struct {
	from string
	to   []string
	data []byte
	tls  bool // the DATA came over TLS
	user string
}

// server is the SMTP server of a test.
type server struct {
	addr string
	ca   *x509.CertPool

	mu       sync.Mutex
	mails    []received
	rejectTo map[string]*gosmtp.SMTPError // RCPT TO answers
	authTLS  []bool                       // per AUTH: over TLS?
}

type serverOptions struct {
	noTLS bool // do not offer STARTTLS
}

func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	s := &server{rejectTo: map[string]*gosmtp.SMTPError{}}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &session{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if !o.noTLS {
		ca := testpki.NewCA(t, "smtp test CA")
		leaf := ca.Server(t, "127.0.0.1", "localhost")
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}
		s.ca = x509.NewCertPool()
		s.ca.AddCert(ca.Cert)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *server) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

type session struct {
	s    *server
	c    *gosmtp.Conn
	user string
	from string
	to   []string
}

func (x *session) overTLS() bool { _, ok := x.c.TLSConnectionState(); return ok }

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	x.s.mu.Lock()
	x.s.authTLS = append(x.s.authTLS, x.overTLS())
	x.s.mu.Unlock()
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != testUser || pass != testPassword {
			return gosmtp.ErrAuthFailed
		}
		x.user = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *gosmtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if e, ok := x.s.rejectTo[to]; ok {
		return e
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, received{from: x.from, to: x.to, data: data, tls: x.overTLS(), user: x.user})
	x.s.mu.Unlock()
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (s *server) sender(logs io.Writer) *email.SMTP {
	return &email.SMTP{Addr: s.addr, From: "Coffeeshop <codes@shop.example>", Username: testUser, Password: testPassword,
		RequireTLS: true, TLSConfig: &tls.Config{RootCAs: s.ca}, Timeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
}

func TestSMTPSendsOverSTARTTLSWithAuth(t *testing.T) {
	s := startServer(t, serverOptions{})
	var logs bytes.Buffer
	body := "Your coffeeshop code is 482913.\nIt expires in 10 minutes — don't share it."
	if err := s.sender(&logs).SendEmail(context.Background(), "alice@example.com", "Votre code : 482913", body); err != nil {
		t.Fatal(err)
	}
	got := s.received()
	if len(got) != 1 {
		t.Fatalf("server got %d emails, want 1", len(got))
	}
	m := got[0]
	if !m.tls || m.user != testUser || m.from != "codes@shop.example" || len(m.to) != 1 || m.to[0] != "alice@example.com" {
		t.Errorf("envelope: tls %v, user %q, from %q, to %v", m.tls, m.user, m.from, m.to)
	}
	if len(s.authTLS) != 1 || !s.authTLS[0] {
		t.Errorf("AUTH over TLS: %v, want one AUTH after STARTTLS", s.authTLS)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatalf("message %q: %v", m.data, err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Votre code : 482913" {
		t.Errorf("Subject %q (%v)", subject, err)
	}
	if msg.Header.Get("From") != `"Coffeeshop" <codes@shop.example>` || msg.Header.Get("To") != "alice@example.com" ||
		msg.Header.Get("Content-Type") != "text/plain; charset=utf-8" || msg.Header.Get("Message-Id") == "" {
		t.Errorf("headers %v", msg.Header)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	text, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil || strings.ReplaceAll(strings.TrimRight(string(text), "\r\n"), "\r\n", "\n") != body {
		t.Errorf("body %q (%v), want %q", text, err, body)
	}
	if strings.Contains(logs.String(), "482913") || strings.Contains(logs.String(), "alice@") ||
		strings.Contains(logs.String(), testPassword) {
		t.Errorf("the log holds the code, the address or the password: %s", logs.String())
	}
}

func TestSMTPRefusedRecipientIsUndeliverable(t *testing.T) {
	s := startServer(t, serverOptions{})
	s.rejectTo["nobody@example.com"] = &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1},
		Message: "<nobody@example.com>: mailbox unavailable"}
	s.rejectTo["busy@example.com"] = &gosmtp.SMTPError{Code: 451, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0},
		Message: "<busy@example.com>: try again later"}
	err := s.sender(io.Discard).SendEmail(context.Background(), "nobody@example.com", "Code", "Your code is 482913")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNDELIVERABLE || !errors.Is(err, email.ErrUndeliverable) {
		t.Fatalf("550: error %v, want EUNDELIVERABLE", err)
	}
	if s := err.Error(); strings.Contains(s, "nobody@") || strings.Contains(s, "482913") || !strings.Contains(s, "550") {
		t.Errorf("550: error %q must name the reply code and hold neither the address nor the body", s)
	}
	err = s.sender(io.Discard).SendEmail(context.Background(), "busy@example.com", "Code", "Your code is 482913")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE || strings.Contains(err.Error(), "busy@") {
		t.Fatalf("451: error %v, want EUNAVAILABLE without the address", err)
	}
	if n := len(s.received()); n != 0 {
		t.Fatalf("server accepted %d emails", n)
	}
}

// A failed AUTH (535) refuses the configuration, not the address: it is
// retried (and a failover moves on), never the address's undeliverable.
func TestSMTPWrongPasswordIsRefused(t *testing.T) {
	s := startServer(t, serverOptions{})
	snd := s.sender(io.Discard)
	snd.Password = "wrong"
	err := snd.SendEmail(context.Background(), "alice@example.com", "Code", "x")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE || !strings.Contains(err.Error(), "AUTH: SMTP 535") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error %v, want EUNAVAILABLE (AUTH 535) without the password", err)
	}
}

func TestSMTPWithoutSTARTTLSIsRefusedWhenTLSIsRequired(t *testing.T) {
	s := startServer(t, serverOptions{noTLS: true})
	snd := s.sender(io.Discard)
	err := snd.SendEmail(context.Background(), "alice@example.com", "Code", "Your code is 482913")
	if coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("error %v, want EUNAVAILABLE naming STARTTLS", err)
	}
	if len(s.received()) != 0 || len(s.authTLS) != 0 {
		t.Fatalf("the server got an email or an AUTH over plaintext")
	}

	// With --smtp-tls=false and no username, a plaintext server is used.
	snd.RequireTLS, snd.Username, snd.Password = false, "", ""
	if err := snd.SendEmail(context.Background(), "alice@example.com", "Code", "hi"); err != nil {
		t.Fatal(err)
	}
	if got := s.received(); len(got) != 1 || got[0].tls {
		t.Fatalf("received %+v", got)
	}
}

func TestSMTPUntrustedCertificateIsRefused(t *testing.T) {
	s := startServer(t, serverOptions{})
	snd := s.sender(io.Discard)
	snd.TLSConfig = nil // the system's roots do not know the test CA
	err := snd.SendEmail(context.Background(), "alice@example.com", "Code", "x")
	if err == nil || len(s.received()) != 0 {
		t.Fatalf("error %v, received %d", err, len(s.received()))
	}
}

func TestSMTPBadAddressesAndUnreachableServer(t *testing.T) {
	s := startServer(t, serverOptions{})
	for _, to := range []string{"", "alice", "Alice <alice@example.com>", "alice@example.com\r\nBcc: x@y.z", "a@b.c, d@e.f"} {
		err := s.sender(io.Discard).SendEmail(context.Background(), to, "Code", "x")
		if coffeeshop.ErrorCode(err) != coffeeshop.EINVALID {
			t.Errorf("to %q: error %v, want EINVALID", to, err)
		}
	}
	// A subject with line breaks cannot add headers.
	if err := s.sender(io.Discard).SendEmail(context.Background(), "alice@example.com", "Code\r\nBcc: eve@example.com", "x"); err != nil {
		t.Fatal(err)
	}
	if m := s.received(); len(m) != 1 || bytes.Contains(m[0].data, []byte("\r\nBcc:")) {
		t.Errorf("header injection through the subject: %q", m[0].data)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	snd := s.sender(io.Discard)
	snd.Addr = addr
	if err := snd.SendEmail(context.Background(), "alice@example.com", "Code", "x"); coffeeshop.ErrorCode(err) != coffeeshop.EUNAVAILABLE {
		t.Fatalf("unreachable: error %v, want EUNAVAILABLE", err)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"alice@example.com": "a••••@example.com",
		"a@example.com":     "a•@example.com",
		"nonsense":          "••••••se",
		"abc":               "•••",
	} {
		if got := email.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}
