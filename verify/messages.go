package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/coffeeshop/coffeeshop"
)

// The defaults. A code, its lifetime and the attempts are the demo's;
// the rest bound how long a verification may last and how many texts one
// customer can trigger.
const (
	DefaultCodeLength  = 4
	DefaultCodeTTL     = 2 * time.Minute
	DefaultMaxAttempts = 3
	// DefaultWindow: a customer who has not verified within a day has most
	// likely abandoned the sign-up; the verification then ends as EXPIRED
	// instead of waiting forever.
	DefaultWindow = 24 * time.Hour
	// DefaultResendCooldown is long enough for an SMS to arrive, so that an
	// impatient tap on "resend" does not text a second code that replaces
	// the first one while it is still on its way.
	DefaultResendCooldown = 30 * time.Second
	// DefaultMaxSends counts the first code and the resends.
	DefaultMaxSends = 5
	// DefaultDeliveryTimeout: most messages are delivered within seconds;
	// one not reported delivered in two minutes most likely will not be.
	DefaultDeliveryTimeout = 2 * time.Minute
)

// Params configures one verification. Zero values mean the defaults.
type Params struct {
	CustomerID  string
	PhoneNumber string
	// CodeTTL is how long a code is valid.
	CodeTTL time.Duration
	// MaxAttempts is the number of codes the customer may send.
	MaxAttempts int
	// CodeLength is the number of digits of a code.
	CodeLength int
	// Window is how long the verification waits for a right code before it
	// ends as expired.
	Window time.Duration
	// ResendCooldown is how long after a text a resend is refused.
	ResendCooldown time.Duration
	// MaxSends caps the codes sent on request: the first one and each
	// resend. Codes sent after a failed attempt do not count; MaxAttempts
	// bounds those.
	MaxSends int
	// Create, when set, makes the verification create its customer: its
	// first step stores the customer (ID CustomerID, phone PhoneNumber,
	// the rest from Create) and only then is a code sent. When the
	// customer cannot be stored the verification fails without sending
	// one. CreateUpdate answers with the outcome.
	Create *NewCustomer
	// Locale is the BCP 47 tag of the language the customer asked the
	// texts in; empty: the phone number's country decides (see Texts).
	Locale string `json:",omitempty"`
	// Channels are the channels codes may go out on, in fallback order;
	// empty means SMS only. The first one is used first.
	Channels []coffeeshop.Channel `json:",omitempty"`
	// DeliveryTimeout is how long a message on a channel with receipts
	// may go without being reported delivered before the code goes out
	// on the next channel.
	DeliveryTimeout time.Duration
	// Version is the behaviour the run has from its start, set by the
	// client (CurrentVersion): receiptsVersion or later. Zero
	// (clients from before it): the run records the version with
	// GetVersion instead.
	Version int `json:",omitempty"`
}

// CurrentVersion is the behaviour new runs start with (Params.Version).
const CurrentVersion = int(inlineSendVersion)

// withDefaults returns p with each zero (or negative) setting replaced by
// its default.
func (p Params) withDefaults() Params {
	orDefault(&p.CodeTTL, DefaultCodeTTL)
	orDefault(&p.MaxAttempts, DefaultMaxAttempts)
	orDefault(&p.CodeLength, DefaultCodeLength)
	orDefault(&p.Window, DefaultWindow)
	orDefault(&p.ResendCooldown, DefaultResendCooldown)
	orDefault(&p.MaxSends, DefaultMaxSends)
	orDefault(&p.DeliveryTimeout, DefaultDeliveryTimeout)
	return p
}

func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Guess is the argument of VerifyUpdate: the CodeMAC of the code the
// customer sent, never the code itself.
type Guess struct {
	CodeMAC string
}

// Status is where a verification stands: the answer of StatusQuery,
// ResendUpdate and WaitCodeUpdate, and the result of VerifyPhone.
type Status struct {
	// Result is VerificationInProgress while the verification runs and
	// its final result once it has ended.
	Result       coffeeshop.VerificationResult
	AttemptsLeft int
	SendsLeft    int
	// CodeExpiresAt is when the current code stops working; zero when no
	// code is valid.
	CodeExpiresAt time.Time
	// ExpiresAt is when the verification window closes.
	ExpiresAt time.Time
	// Delivery is what is known of the current code's message; nil in
	// runs started before receipts and before the first send.
	Delivery *coffeeshop.Delivery `json:",omitempty"`
}

// NewCustomer is what a verification that creates its customer (see
// Params.Create) writes to the store in its first step.
type NewCustomer struct {
	FirstName string
	LastName  string
	Email     string
	// BodyHash is BodyHash of the customer; a CreateUpdate with another
	// hash is refused as a reused request_id.
	BodyHash string
}

// CreateRequest is the argument of CreateUpdate.
type CreateRequest struct {
	BodyHash string
}

// BodyHash returns a digest of the fields a client chooses when it creates
// c: the names, the email and the phone number (normalized before). Two
// creates are the same request exactly when their hashes are equal.
func BodyHash(c *coffeeshop.Customer) string {
	h := sha256.New()
	for _, f := range []string{c.FirstName, c.LastName, c.Email, c.PhoneNumber} {
		// Length-prefixed, so that no two field lists share an encoding.
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// SendCodeInput says whom to text and what kind of code.
type SendCodeInput struct {
	CustomerID  string
	PhoneNumber string
	CodeTTL     time.Duration
	CodeLength  int
	// Locale is Params.Locale: the language of the text.
	Locale string `json:",omitempty"`
	// Channel is the channel to send on; empty (builds before channels)
	// means SMS.
	Channel coffeeshop.Channel `json:",omitempty"`
	// Send numbers the verification's sends from 1; receipts name it.
	// Zero (builds before receipts) asks for no receipts.
	Send int `json:",omitempty"`
	// Email is the customer's address when the workflow knows it (a
	// verification that created its customer); the email channel reads
	// the customer otherwise.
	Email string `json:",omitempty"`
	// Key names the send for all its tries (sendKey): the run ID and Send.
	// Runs from inlineSendVersion set it; before, the activity's run and
	// activity ID name the send.
	Key string `json:",omitempty"`
	// Reason says why the code is sent: empty for a code the API asked for
	// (a create's first code, a resend) and admitted through its SMS
	// pumping guard, and in builds before reasons; otherwise a code the
	// run sends by itself, which the activity puts to Activities.Guard.
	Reason SendReason `json:",omitempty"`
}

// SendReason is why a run sends a code by itself (SendCodeInput.Reason).
type SendReason string

const (
	// SendAfterAttempt: the code after a wrong or expired code.
	SendAfterAttempt SendReason = "attempt"
	// SendFallback: the code on the next channel after the current one's
	// message failed or went unconfirmed.
	SendFallback SendReason = "fallback"
)

// SendCodeResult is all the workflow keeps of a sent code: its MAC and when
// it expires. The code itself never leaves the activity, so it is in no
// workflow history.
type SendCodeResult struct {
	CodeMAC   string
	ExpiresAt time.Time
	// Channel is the channel the code went out on; MessageID the
	// provider's ID of its message, when it has one (Twilio's SID).
	Channel   coffeeshop.Channel `json:",omitempty"`
	MessageID string             `json:",omitempty"`
	// Receipts: the provider reports the message's delivery to the
	// status callback, so the workflow waits for a receipt.
	Receipts bool `json:",omitempty"`
}
