package api

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coffeeshop/coffeeshop"
	"github.com/google/uuid"
)

// channelVerifier is fakeVerifier remembering the channel each create
// asked for.
type channelVerifier struct {
	*fakeVerifier
	mu       sync.Mutex
	channels []coffeeshop.Channel
}

func (v *channelVerifier) SignUp(ctx context.Context, c *coffeeshop.Customer, id string) (*coffeeshop.Customer, error) {
	v.mu.Lock()
	v.channels = append(v.channels, coffeeshop.ChannelFrom(ctx))
	v.mu.Unlock()
	return v.fakeVerifier.SignUp(ctx, c, id)
}

func TestCreateAsksForAChannel(t *testing.T) {
	h := newHarness(t)
	cv := &channelVerifier{fakeVerifier: h.verifier}
	h.start(t, &Server{Store: h.store, Verifier: cv,
		Channels: []coffeeshop.Channel{coffeeshop.ChannelSMS, coffeeshop.ChannelWhatsApp}})
	body := func(ch string) string {
		return `{"customer":{"first_name":"T","last_name":"K","email":"t@example.com","phone_number":"+447400123456"},"channel":"` + ch + `"}`
	}
	h.do(t, "POST", "/v1/customers", body("pigeon")).
		want(t, 400, `{"code":3,"message":"channel: unknown channel \"pigeon\": one of sms, whatsapp, email","details":[]}`)
	h.do(t, "POST", "/v1/customers", body("email")).
		want(t, 400, `{"code":3,"message":"channel \"email\" is not enabled on this server: one of sms, whatsapp","details":[]}`)
	if len(cv.channels) != 0 {
		t.Fatalf("refused creates reached the verifier: %v", cv.channels)
	}
	if r := h.do(t, "POST", "/v1/customers", body("whatsapp")); r.status != 200 {
		t.Fatalf("whatsapp: %d %s", r.status, r.body)
	}
	if len(cv.channels) != 1 || cv.channels[0] != coffeeshop.ChannelWhatsApp {
		t.Errorf("channels asked for: %v, want [whatsapp]", cv.channels)
	}
}

func TestGetVerificationShowsDelivery(t *testing.T) {
	h := newHarness(t)
	id := uuid.NewString()
	at := time.Date(2026, 11, 26, 9, 1, 0, 0, time.UTC)
	h.verifier.get = func(string) (*coffeeshop.Verification, error) {
		return &coffeeshop.Verification{CustomerID: id, Status: coffeeshop.VerificationStatusInProgress,
			AttemptsLeft: 3, SendsLeft: 4, ExpiresAt: windowExpiry,
			Delivery: &coffeeshop.Delivery{Channel: coffeeshop.ChannelWhatsApp, Status: coffeeshop.DeliveryUndelivered,
				ErrorCode: "63016", UpdatedAt: at, NoFallback: true}}, nil
	}
	r := h.do(t, "GET", "/v1/customers/"+id+"/verification", "")
	want := `"delivery":{"channel":"whatsapp","status":"undelivered","errorCode":"63016","updatedAt":"2026-11-26T09:01:00Z","noFallback":true}`
	if r.status != 200 || !strings.Contains(r.body, want) {
		t.Errorf("got %d %s, want it to hold %s", r.status, r.body, want)
	}
}
